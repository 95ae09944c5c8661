/**
 * A second order on a running demo stack, left in Action Required for the browser test: two numbers
 * the sandbox's carrier rejects on their first submission (22155 invalid PIN, 22158 port date), one
 * that ports and one that is not portable. Started with the demo's own keys, so the UI decodes it
 * through the demo's codec server like any other order; the sandbox's clock is moved on through its
 * control API until the carrier has answered.
 */
import { Client, Connection } from '@temporalio/client';
import { createDataConverter } from '../../../src/codec/data-converter';
import { loadKeyring } from '../../../src/codec/keys';
import { DEMO_CUSTOMER_REF, demoLosingCarrier } from '../../../src/demo/scenario';
import type { PortInOrder } from '../../../src/order';
import { getPortInStatus, startPortIn } from '../../../src/starter';
import { portInWorkflowId } from '../../../src/workflows/messages';
import type { PortInStatusView } from '../../../src/workflows/messages';

const DAY = 86_400_000;

export const ACTION_REQUIRED_NUMBERS = {
  ports: '+14155551051',
  invalidPin: '+14155550155',
  portDateRejected: '+14155550158',
  notPortable: '+14155550132',
} as const;

export interface ActionRequiredOrder {
  orderId: string;
  workflowId: string;
  runId: string;
  view: PortInStatusView;
  close(): Promise<void>;
}

async function sandboxPost(sandboxUrl: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${sandboxUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function startActionRequiredOrder(stack: {
  temporalAddress: string;
  sandboxUrl: string;
  keyFile: string;
  utilityBillPath: string;
  taskQueue: string;
}): Promise<ActionRequiredOrder> {
  const keyring = await loadKeyring({ keyFile: stack.keyFile });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'default', dataConverter: await createDataConverter(keyring) });
  try {
    const clock = (await (await fetch(`${stack.sandboxUrl}/_sandbox/clock`)).json()) as { now: string };
    const now = new Date(clock.now);
    const orderId = `desk-${now.toISOString().slice(0, 19).replace(/\D/g, '')}`;
    const order: PortInOrder = {
      orderId,
      customerRef: DEMO_CUSTOMER_REF,
      losingCarrierInformation: demoLosingCarrier(),
      phoneNumbers: Object.values(ACTION_REQUIRED_NUMBERS).map((phoneNumber) => ({ phoneNumber })),
      targetPortInDate: new Date(now.getTime() + 10 * DAY).toISOString().slice(0, 10),
      utilityBill: { path: stack.utilityBillPath, mimeType: 'application/pdf' },
      // The sandbox's clock is moved days ahead below: its webhooks are dated that far in the future.
      options: { reconcileInterval: '30s', maxWebhookClockSkew: '7 days' },
    };
    const { runId } = await startPortIn(client, order, { taskQueue: stack.taskQueue, now });
    const rejected = [ACTION_REQUIRED_NUMBERS.invalidPin, ACTION_REQUIRED_NUMBERS.portDateRejected];
    let view: PortInStatusView | undefined;
    // Review (an hour), the LOA's signature (a day), the carrier's answer (a day): six hours at a time,
    // four days at most (the target date, ten days out, must stay ahead).
    let advancedHours = 0;
    for (let step = 0; step < 240; step++) {
      view = await getPortInStatus(client, orderId).catch(() => undefined);
      const done =
        view?.status === 'Action Required' &&
        rejected.every((p) => view!.numbers.find((n) => n.phoneNumber === p)?.status === 'port_rejected');
      if (done) break;
      if (view?.requestSids.length && advancedHours < 96) {
        await sandboxPost(stack.sandboxUrl, '/_sandbox/clock/advance', { hours: 6 });
        advancedHours += 6;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (view?.status !== 'Action Required') {
      throw new Error(`The order did not reach Action Required: ${JSON.stringify(view?.numbers ?? null)}`);
    }
    return { orderId, workflowId: portInWorkflowId(orderId), runId, view, close: () => connection.close() };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
