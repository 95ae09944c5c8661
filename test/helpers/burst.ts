/**
 * For tests that hold webhooks back until a worker returns, so they reach an order in one workflow
 * task: the order filed and waiting for the carrier, and the patch markers a history recorded.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import type { PortInOrder } from '../../src/order';
import { getPortInStatus, startPortIn } from '../../src/starter';
import { eventually } from './portflow-env';
import type { PortflowTestEnv } from './portflow-env';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The patch ids of the history's patch markers (core writes them as JSON `{"id": …, "deprecated": …}`). */
export function patchIds(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0];
    return data ? [defaultPayloadConverter.fromPayload<{ id: string }>(data as Payload).id] : [];
  });
}

/**
 * Starts `order` on `worker` until it has filed its request, then stops the worker and waits for the
 * sandbox to sign the LOA itself (In Progress), so the carrier may confirm. Returns the request's sid.
 */
export async function fileAndWaitForCarrier(env: PortflowTestEnv, order: PortInOrder, worker: Worker): Promise<string> {
  const sid = await worker.runUntil(async () => {
    await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
    return eventually(
      async () => {
        const view = await getPortInStatus(env.client, order.orderId);
        return view.phase === 'porting' ? view.requests[0]?.sid : undefined;
      },
      { what: 'the order waiting for the carrier' }
    );
  });
  await eventually(
    async () => {
      const p = env.sandbox.portIns().find((r) => r.port_in_request_sid === sid);
      return p && /^in[ _]progress$/i.test(p.port_in_request_status) ? true : undefined;
    },
    { what: 'the sandbox request in progress' }
  );
  return sid;
}
