/**
 * Orders that fail, one per cause, run against the sandbox by a worker the caller provides. Shared by
 * every-ending-visible.test.ts (search attributes, query, the workflow's failure) and
 * failure-metrics-worker.ts (the `portflow_orders_total{outcome="failed"}` counter, own process).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PortInOrder } from '../../../src/order';
import type { SandboxHandle } from '../../../src/sandbox';
import { PortInNumbersPending, PortInStatus } from '../../../src/search-attributes';
import { getPortInStatus, portInHandle, startPortIn } from '../../../src/starter';
import type { PortInStatusView } from '../../../src/workflows/messages';
import { buildOrder } from '../../helpers/portflow-env';

export type FailureCause =
  'missing-pin' | 'bill-unreadable' | 'create-refused' | 'credentials-refused' | 'attempts-exhausted';

/** `options.createAttempts` of the attempts-exhausted order: every one of them answers 503. */
export const EXHAUSTED_CREATE_ATTEMPTS = 2;

export interface FailedOrder {
  cause: FailureCause;
  orderId: string;
  handle: WorkflowHandle;
  /** The workflow's failure: its ApplicationFailure type and message. */
  failureType: string | null;
  failureMessage: string;
  failureDetails: unknown[];
  view: PortInStatusView;
  searchAttributes: { status: string | undefined; pending: number | undefined };
}

/** The order of each cause; `credentials-refused` needs a worker whose Twilio credentials are wrong. */
export function orderFor(sandbox: SandboxHandle, cause: FailureCause): PortInOrder {
  switch (cause) {
    case 'missing-pin':
      // 0201 needs a PIN and an account number; the order gives no PIN.
      return buildOrder(sandbox, ['+14155551201', '+14155550201']);
    case 'bill-unreadable':
      return buildOrder(sandbox, ['+14155551202'], { utilityBill: { path: '/nonexistent/portflow/bill.pdf' } });
    case 'create-refused':
      // A document SID the account does not have: Twilio (the sandbox) refuses the create with a 400.
      return buildOrder(sandbox, ['+14155551203'], {
        utilityBill: { documentSid: `RD${'0'.repeat(31)}1` },
      });
    case 'credentials-refused':
      return buildOrder(sandbox, ['+14155551204']);
    case 'attempts-exhausted':
      return buildOrder(sandbox, ['+14155551205'], {
        options: { reconcileInterval: '1s', createAttempts: EXHAUSTED_CREATE_ATTEMPTS },
      });
  }
}

/** Starts the order of `cause` on `taskQueue`, waits for it to fail, and reads what the outside sees. */
export async function runFailedOrder(
  client: Client,
  sandbox: SandboxHandle,
  taskQueue: string,
  cause: FailureCause
): Promise<FailedOrder> {
  const order = orderFor(sandbox, cause);
  if (cause === 'attempts-exhausted') {
    // Twilio is down for creates, for exactly as many attempts as the order makes (so no other order meets it).
    sandbox.addFault({
      kind: 'http',
      method: 'POST',
      pathPattern: '^/v1/Porting/PortIn$',
      fault: 'server-error',
      status: 503,
      times: EXHAUSTED_CREATE_ATTEMPTS,
    });
  }
  await startPortIn(client, order, { taskQueue, now: sandbox.clock.now() });
  const handle = portInHandle(client, order.orderId);
  const err = await handle.result().then(
    () => new Error(`order ${order.orderId} (${cause}) completed instead of failing`),
    (e: unknown) => e
  );
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause_ = err.cause;
  const view = await getPortInStatus(client, order.orderId);
  const description = await handle.describe();
  return {
    cause,
    orderId: order.orderId,
    handle,
    failureType: cause_ instanceof ApplicationFailure ? (cause_.type ?? null) : null,
    failureMessage: cause_?.message ?? '',
    failureDetails: cause_ instanceof ApplicationFailure ? [...(cause_.details ?? [])] : [],
    view,
    searchAttributes: {
      status: description.typedSearchAttributes.get(PortInStatus),
      pending: description.typedSearchAttributes.get(PortInNumbersPending),
    },
  };
}
