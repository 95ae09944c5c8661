/**
 * End to end: the sandbox's signed webhooks reach portInWorkflow through the receiver and drive a
 * port-in to completion. The workflow's reconciliation poll is set to an hour (real time), so only
 * the webhooks can move it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../../helpers/hygiene';
import { sandboxPortingClient } from '../../helpers/portflow-env';
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { startPortIn, waitForPortIn } from '../../../src/starter';
import type { PortingClient } from '../../../src/twilio/client';
import { startWebhookReceiver } from '../../../src/webhooks';
import type { WebhookReceiverHandle } from '../../../src/webhooks';
import { createPortflowWorker } from '../../../src/worker';
import { connectTemporal, uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';
import type { TemporalTestContext } from '../../helpers/temporal';

const DAY = 24 * 3600 * 1000;
/** The worker's task queue: inboxes the receiver starts run there too. */
const INBOX_QUEUE = uniqueTaskQueue('webhooks-e2e');

describe('sandbox webhooks through the receiver to portInWorkflow', () => {
  let t: TemporalTestContext;
  let sandbox: SandboxHandle;
  let porting: PortingClient;
  let receiver: WebhookReceiverHandle;

  beforeAll(async () => {
    t = await connectTemporal();
    // Real time until the request exists (the 7-day rule is checked against this clock), then fast.
    sandbox = await startSandbox({ port: 0, clockScale: 1 });
    porting = sandboxPortingClient(sandbox);
    receiver = await startWebhookReceiver({
      temporalClient: t.client,
      sandbox: true,
      inbox: { taskQueue: INBOX_QUEUE },
      authToken: sandbox.authToken,
      port: 0,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await porting.configureWebhooks({ portInTargetUrl: receiver.webhookUrl });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
    porting?.close();
    await t?.close();
  });

  it('completes a two-number port-in driven by webhooks alone', async () => {
    const taskQueue = INBOX_QUEUE;
    const worker = await createPortflowWorker({
      connection: t.nativeConnection,
      taskQueue,
      porting,
      workflowBundle: workflowBundle(),
    });
    const now = sandbox.clock.now();
    const order = {
      orderId: `webhooks-e2e-${process.pid}-${Date.now()}`,
      customerRef: 'cust-webhooks-e2e',
      losingCarrierInformation: {
        customerType: 'Business' as const,
        customerName: 'Acme Plumbing LLC',
        accountNumber: 'ACCT-99812',
        accountTelephoneNumber: '+14155550100',
        authorizedRepresentative: 'Jordan Example',
        authorizedRepresentativeEmail: 'jordan@example.com',
        address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
      },
      phoneNumbers: [{ phoneNumber: '+14155550111' }, { phoneNumber: '+14155550112' }],
      targetPortInDate: new Date(now.getTime() + 10 * DAY).toISOString().slice(0, 10),
      utilityBill: { path: utilityBill() },
      options: { reconcileInterval: '1 hour' },
    };

    const result = await worker.runUntil(async () => {
      await startPortIn(t.client, order, { taskQueue, now });
      await waitUntil(() => sandbox.portIns().length > 0, 60_000);
      // About ten simulated days in a few real seconds: review, LOA signed, FOC, port date.
      sandbox.clock.setScale(300_000);
      return await waitForPortIn(t.client, order.orderId);
    });

    expect(result.outcome).toBe('completed');
    expect(result.numbers.map((n) => [n.phoneNumber, n.status])).toEqual([
      ['+14155550111', 'completed'],
      ['+14155550112', 'completed'],
    ]);
    const [request] = sandbox.portIns();
    expect(result.requestSids).toEqual([request?.port_in_request_sid]);

    await sandbox.webhooksIdle();
    const stats = receiver.stats();
    expect(stats.routed).toBeGreaterThan(0);
    expect(stats.rejected).toEqual({});
    const deliveries = sandbox.webhooks();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    // Every event reached the workflow, except possibly the request's own PortInCompleted racing the
    // workflow's completion (held as workflow-closed, then an orphan). None went to an unknown owner.
    expect(stats.held['unknown-request']).toBeUndefined();
    expect(stats.routed + stats.duplicate + (stats.held['workflow-closed'] ?? 0)).toBe(deliveries.length);
    // One inbox per request: the one the order's claim started. Routed events start none, and a late
    // event for the closed order joins that same inbox while its forward window (10 minutes) is open.
    const inboxes = await t.client.workflow.count(
      `WorkflowType = 'portInInboxWorkflow' AND PortInRequestSids = '${request?.port_in_request_sid}'`
    );
    expect(inboxes.count).toBe(1);
  });
});

function utilityBill(): string {
  const dir = makeTempDir('portflow-webhooks-bill-');
  const file = path.join(dir, 'utility-bill.pdf');
  writeFileSync(file, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  return file;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
