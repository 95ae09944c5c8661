/**
 * Lifecycle events (issue 15) against a real HTTP endpoint, the dev server and the sandbox: the
 * endpoint fails, then times out, then keeps failing until both orders have ended (so the port
 * provably did not wait for it), then recovers. Every event arrives, in order per order, verifiable
 * with the exported helper, and a repeat only ever repeats an id with the same body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateEventsSecret, verifyPortflowEvent } from '../../../src/events';
import type { PortflowEvent } from '../../../src/events';
import { getPortInStatus, portInHandle, resubmitRejected, startPortIn, waitForPortIn } from '../../../src/starter';
import type { PortInStatusView } from '../../../src/workflows/messages';
import { createPortflowWorker } from '../../../src/worker';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { workflowBundle } from '../../helpers/temporal';

interface Arrival {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  answer: number | 'timeout';
}

/**
 * A backend endpoint on 127.0.0.1 that answers by script: 503, 503, then never (the client times
 * out), then 503 until released, then 200. Every request it receives is kept, whatever it answered.
 */
class ScriptedEndpoint {
  readonly arrivals: Arrival[] = [];
  private released = false;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = this.arrivals.length;
      const answer: Arrival['answer'] = n === 2 ? 'timeout' : this.released && n > 2 ? 200 : 503;
      this.arrivals.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), answer });
      // A timeout: the request is held until the client gives up and closes the connection.
      if (answer !== 'timeout') res.writeHead(answer, { 'content-type': 'text/plain' }).end(String(answer));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  release(): void {
    this.released = true;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('lifecycle events delivered to a backend that fails, times out, then recovers', () => {
  let env: PortflowTestEnv;
  let endpoint: ScriptedEndpoint;
  let base: string;
  const secret = generateEventsSecret();

  beforeAll(async () => {
    env = await startPortflowEnv();
    endpoint = new ScriptedEndpoint();
    base = await endpoint.start();
  });
  afterAll(async () => {
    await endpoint?.stop();
    await env?.close();
  });

  it('delivers every event of two orders, in order per order, signed, without delaying either port', async () => {
    const rejected = '+14155550155'; // rejected once by the carrier (22155 invalid PIN), accepted when resubmitted
    const withPin = '+14155550203'; // needs a PIN and the account number
    // Order A names its own URL; order B takes the worker's default (PORTFLOW_EVENTS_URL).
    const orderA = buildOrder(env.sandbox, ['+14155551041', rejected, { phoneNumber: withPin, pin: '90417' }], {
      options: { reconcileInterval: '1s', eventsUrl: `${base}/order-a` },
    });
    const orderB = buildOrder(env.sandbox, ['+14155551042', '+14155551043']);
    const worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting: env.porting,
      workflowBundle: workflowBundle(),
      events: { defaultUrl: `${base}/default`, secret, timeoutMs: 1000 },
    });

    const run = await worker.runUntil(async () => {
      for (const order of [orderA, orderB]) {
        await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      }
      await eventually(
        async () =>
          (await getPortInStatus(env.client, orderA.orderId)).status === 'Action Required' ? true : undefined,
        { what: 'order A in Action Required', timeoutMs: 120_000 }
      );
      await resubmitRejected(env.client, orderA.orderId, {
        losingCarrierInformation: orderA.losingCarrierInformation,
        pins: { [rejected]: '66120' },
        targetPortInDate: new Date(env.sandbox.clock.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10),
      });
      // Both ports end while the endpoint still refuses everything: the events wait, the ports do not.
      // The order may complete before its first delivery has used up its attempts (a slow server):
      // wait for the failing mark too, which stays until the endpoint is released.
      const ended: PortInStatusView[] = [];
      for (const order of [orderA, orderB]) {
        ended.push(
          await eventually(
            async () => {
              const v = await getPortInStatus(env.client, order.orderId);
              return v.phase === 'completed' && v.events?.failing ? v : undefined;
            },
            { what: `${order.orderId} completed`, timeoutMs: 120_000 }
          )
        );
      }
      endpoint.release();
      const results = [
        await waitForPortIn(env.client, orderA.orderId),
        await waitForPortIn(env.client, orderB.orderId),
      ];
      const final = [
        await getPortInStatus(env.client, orderA.orderId),
        await getPortInStatus(env.client, orderB.orderId),
      ];
      return { ended, results, final };
    });
    await recordHistory(portInHandle(env.client, orderA.orderId), 'lifecycle-events');

    expect(run.results.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    for (const view of run.ended) {
      expect(view.events).toMatchObject({ failing: true, delivered: 0 });
      expect(view.events!.pending).toBeGreaterThan(0);
      expect(view.events!.lastError!.message).toMatch(/HTTP 503|no answer within 1000 ms/);
      expect(view.timeline.filter((t) => t.kind === 'events-failing')).toHaveLength(1);
    }
    for (const view of run.final) {
      expect(view.events).toMatchObject({ failing: false, pending: 0, dropped: 0, givenUp: 0 });
      expect(view.events!.delivered).toBe(view.events!.recorded);
      expect(view.timeline.map((t) => t.kind)).toContain('events-recovered');
    }

    // Every request the endpoint received verifies with the exported helper.
    const arrivals = endpoint.arrivals.map((a) => ({ ...a, event: verifyPortflowEvent(a.body, a.headers, secret) }));
    expect(arrivals.map((a) => a.answer).slice(0, 3)).toEqual([503, 503, 'timeout']);
    const bodiesById = new Map<string, Set<string>>();
    for (const a of arrivals) {
      bodiesById.set(
        a.headers['webhook-id'] as string,
        (bodiesById.get(a.headers['webhook-id'] as string) ?? new Set()).add(a.body)
      );
    }
    // A repeat repeats an id with the same body; at least the timed-out one was repeated.
    expect([...bodiesById.values()].every((bodies) => bodies.size === 1)).toBe(true);
    expect(arrivals.length).toBeGreaterThan(bodiesById.size);

    for (const [order, path, view] of [
      [orderA, '/order-a', run.final[0]!],
      [orderB, '/default', run.final[1]!],
    ] as const) {
      const accepted = arrivals.filter((a) => a.event.data.orderId === order.orderId && a.answer === 200);
      expect(accepted.every((a) => a.path === path)).toBe(true);
      // Accepted exactly once each, in sequence, none missing.
      const events: PortflowEvent[] = accepted.map((a) => a.event);
      expect(events.map((e) => e.data.sequence)).toEqual(events.map((_, i) => i));
      expect(events).toHaveLength(view.events!.recorded);
      // evt_<workflow id>_<first run id>_<sequence>: one first run id for all of an order's events.
      const firstRunId = /^evt_portin-[^_]+_([0-9a-f-]{36})_0$/.exec(events[0]!.data.eventId)?.[1];
      expect(firstRunId).toBeDefined();
      expect(events.map((e) => e.data.eventId)).toEqual(
        events.map((_, i) => `evt_portin-${order.orderId}_${firstRunId}_${i}`)
      );
      // Nothing of the order's after the first refusal was received before it: per order, arrivals are in sequence.
      const seen = arrivals.filter((a) => a.event.data.orderId === order.orderId).map((a) => a.event.data.sequence);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(events[0]!.type).toBe('order.started');
      expect(events.at(-1)!.type).toBe('order.completed');
      expect(
        events
          .filter((e) => e.type === 'number.ported')
          .map((e) => e.data.phoneNumber)
          .sort()
      ).toEqual(order.phoneNumbers.map((n) => n.phoneNumber).sort());
      expect(events.some((e) => e.type === 'number.status_changed')).toBe(true);
    }

    const typesA = arrivals
      .filter((a) => a.event.data.orderId === orderA.orderId && a.answer === 200)
      .map((a) => a.event.type);
    expect(typesA).toEqual(expect.arrayContaining(['number.rejected', 'order.action_required']));
    expect(typesA.indexOf('number.rejected')).toBeLessThan(typesA.indexOf('order.action_required'));
    const rejection = arrivals.find((a) => a.event.type === 'number.rejected')!.event;
    expect(rejection.data).toMatchObject({ phoneNumber: rejected, rejection: { code: 22155 } });

    // No PIN and no account number in any event, headers included.
    const everything = JSON.stringify(endpoint.arrivals);
    for (const secretValue of ['90417', '66120', orderA.losingCarrierInformation.accountNumber!]) {
      expect(everything).not.toContain(secretValue);
    }
  }, 300_000);

  it('keeps the outbox across continue-as-new: one sequence, one order.started, nothing lost', async () => {
    endpoint.release();
    const order = buildOrder(env.sandbox, ['+14155551045', '+14155551046'], {
      // At least 20 events per run: the first run has more than that before it starts waiting.
      options: { reconcileInterval: '300ms', continueAsNewAfterEvents: 20, eventsUrl: `${base}/continued` },
    });
    const worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting: env.porting,
      workflowBundle: workflowBundle(),
      events: { secret, timeoutMs: 1000 },
    });
    const view = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      await waitForPortIn(env.client, order.orderId);
      return getPortInStatus(env.client, order.orderId);
    });
    expect(view.counters.runs).toBeGreaterThanOrEqual(2);
    const received = endpoint.arrivals
      .filter((a) => a.path === '/continued' && a.answer === 200)
      .map((a) => verifyPortflowEvent(a.body, a.headers, secret));
    // An activity in flight at continue-as-new may deliver again in the next run: by id, once each, in order.
    const firsts = received.filter((e, i) => received.findIndex((o) => o.data.eventId === e.data.eventId) === i);
    expect(firsts.map((e) => e.data.sequence)).toEqual(firsts.map((_, i) => i));
    expect(firsts).toHaveLength(view.events!.recorded);
    expect(view.events).toMatchObject({ pending: 0, failing: false, dropped: 0, givenUp: 0 });
    expect(firsts.filter((e) => e.type === 'order.started')).toHaveLength(1);
    expect(firsts.at(-1)!.type).toBe('order.completed');
    expect(firsts.filter((e) => e.type === 'number.ported')).toHaveLength(2);
  }, 300_000);

  it('shows an order URL without a signing secret as failing, and gives its events up after the grace', async () => {
    const order = buildOrder(env.sandbox, ['+14155551044'], {
      options: { reconcileInterval: '1s', eventsUrl: `${base}/no-secret`, eventsGiveUpAfter: '1s' },
    });
    const worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting: env.porting,
      workflowBundle: workflowBundle(),
    });
    const before = endpoint.arrivals.length;
    const { result, view } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const result = await waitForPortIn(env.client, order.orderId);
      return { result, view: await getPortInStatus(env.client, order.orderId) };
    });
    expect(result.outcome).toBe('completed');
    expect(view.events).toMatchObject({ delivered: 0, pending: 0, failing: true });
    expect(view.events!.givenUp).toBe(view.events!.recorded);
    expect(view.events!.lastError!.message).toMatch(
      /Events to http:\/\/127\.0\.0\.1:\d+\/no-secret are signed, and this worker has no usable secret: PORTFLOW_EVENTS_SECRET is not set/
    );
    const kinds = view.timeline.map((t) => t.kind);
    expect(kinds).toEqual(expect.arrayContaining(['events-failing', 'events-given-up']));
    expect(kinds.indexOf('events-given-up')).toBeGreaterThan(kinds.lastIndexOf('number-status'));
    // Nothing unsigned ever left the worker.
    expect(endpoint.arrivals.length).toBe(before);
  }, 300_000);
});
