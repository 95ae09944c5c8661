/**
 * Patch `portflow-batched-events` on the dev server: a burst of webhooks that lands in one workflow
 * task — every number of the order moving through four statuses — is applied in rounds (one copy of
 * the numbers per round, not per webhook), and the order's backend still receives every number's
 * every status change, in order, exactly as if the webhooks had come one per task.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateEventsSecret } from '../../../src/events';
import type { PortflowEvent } from '../../../src/events';
import { getPortInStatus, portInHandle, waitForPortIn } from '../../../src/starter';
import { PhoneNumberStatus } from '../../../src/twilio/porting-event';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portingEventSignal } from '../../../src/workflows/messages';
import { PORT_IN_PATCHES } from '../../../src/workflows/port-in-order';
import { createPortflowWorker } from '../../../src/worker';
import { recordHistory } from '../../replay/record';
import { fileAndWaitForCarrier, patchIds } from '../../helpers/burst';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { workflowBundle } from '../../helpers/temporal';

const HOUR = 3_600_000;
const N = PhoneNumberStatus;
/** Each number's statuses in the burst, in the order Twilio reports them. */
const PATH = [
  [N.WAITING_FOR_SIGNATURE, 'Waiting for Signature'],
  [N.PORT_SUBMITTED, 'Port Submitted'],
  [N.PORT_PENDING, 'Port Pending'],
  [N.COMPLETED, 'Completed'],
] as const;

/** A backend on 127.0.0.1 that accepts every event and keeps it. */
async function startBackend() {
  const received: PortflowEvent[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString()) as PortflowEvent);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a burst of webhooks in one workflow task', () => {
  let env: PortflowTestEnv;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  const secret = generateEventsSecret();

  beforeAll(async () => {
    // The carrier moves only when the test says so.
    env = await startPortflowEnv({ sandbox: { timeline: { carrierResponseMs: 10 * HOUR, portDateMs: 10 * HOUR } } });
    backend = await startBackend();
  });
  afterAll(async () => {
    await backend?.stop();
    await env?.close();
  });

  it('is applied in rounds, and the backend hears every status of every number, in order', async () => {
    const numbers = Array.from({ length: 20 }, (_, i) => `+1415555${String(3100 + i)}`);
    const order = buildOrder(env.sandbox, numbers, {
      options: { reconcileInterval: '6 hours', eventsUrl: backend.url },
    });
    const handle = portInHandle(env.client, order.orderId);
    const newWorker = () =>
      createPortflowWorker({
        connection: env.temporal.nativeConnection,
        taskQueue: env.taskQueue,
        porting: env.porting,
        workflowBundle: workflowBundle(),
        events: { secret, timeoutMs: 2000 },
      });

    // 1. With a worker: the order files its request; then the sandbox signs the LOA and the carrier may confirm.
    const sid = await fileAndWaitForCarrier(env, order, await newWorker());

    // 2. No worker: the carrier ports every number, and four webhooks per number reach the order, so
    // all of them wait in history for the same workflow task.
    for (const phoneNumber of numbers) {
      env.sandbox.confirmNumber(sid, phoneNumber);
      env.sandbox.completeNumber(sid, phoneNumber);
    }
    // Dated after the request's creation (its numbers' In Review), a second apart.
    const start = Date.now();
    for (const phoneNumber of numbers) {
      for (const [i, [status, rawStatus]] of PATH.entries()) {
        const event: PortingEvent = {
          source: 'webhook',
          eventName: null,
          level: 'number',
          portInRequestSid: sid,
          phoneNumber,
          status,
          rawStatus,
          occurredAt: new Date(start + i * 1000).toISOString(),
        };
        await handle.signal(portingEventSignal, event);
      }
    }

    // 3. A worker again: the burst, the confirmation poll, the activation, the end.
    const { result, view } = await (
      await newWorker()
    ).runUntil(async () => {
      const done = await waitForPortIn(env.client, order.orderId);
      const settled = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.events && v.events.pending === 0 ? v : undefined;
        },
        { what: 'every event delivered' }
      );
      return { result: done, view: settled };
    });
    await recordHistory(handle, 'batched-events');
    expect(result.outcome).toBe('completed');

    const events = (await handle.fetchHistory()).events ?? [];
    expect(patchIds(events)).toEqual([PORT_IN_PATCHES.coalescedPublish, PORT_IN_PATCHES.batchedEvents]);
    const signalled = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes ? [i] : []));
    expect(signalled).toHaveLength(numbers.length * PATH.length);
    // No workflow task started between the first and the last signal: one task got them all.
    expect(events.slice(signalled[0], signalled.at(-1)).filter((e) => e.workflowTaskStartedEventAttributes)).toEqual(
      []
    );

    // Every webhook was applied (none suspect, none lost): each number's events have the four moves.
    expect(view.events).toMatchObject({ pending: 0, dropped: 0 });
    // A delivery cut short by the first worker's stop may be repeated: one event per sequence number.
    const delivered = [...new Map(backend.received.map((e) => [e.data.sequence, e])).values()].sort(
      (a, b) => a.data.sequence - b.data.sequence
    );
    expect(delivered.map((e) => e.data.sequence)).toEqual(delivered.map((_, i) => i));
    for (const phoneNumber of numbers) {
      const changes = delivered
        .filter((e) => e.type === 'number.status_changed' && e.data.phoneNumber === phoneNumber)
        .map((e) => [e.data.from, e.data.to]);
      expect({ phoneNumber, changes }).toEqual({
        phoneNumber,
        changes: [
          ['checking', N.IN_REVIEW],
          [N.IN_REVIEW, N.WAITING_FOR_SIGNATURE],
          [N.WAITING_FOR_SIGNATURE, N.PORT_SUBMITTED],
          [N.PORT_SUBMITTED, N.PORT_PENDING],
          [N.PORT_PENDING, N.COMPLETED],
        ],
      });
    }
    expect(delivered.filter((e) => e.type === 'number.ported')).toHaveLength(numbers.length);
  }, 300_000);
});
