/**
 * Patch portflow-spread-polls: an order's polls are jittered below its reconcile interval, so orders
 * started together do not poll Twilio together. No receiver runs here: the orders learn of the
 * carrier only by polling.
 */
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { PORT_IN_PATCHES } from '../../../src/workflows/port-in-order';
import { FIRST_POLL_SPREAD } from '../../../src/workflows/poll-schedule';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const HOUR = 3_600_000;

describe('spread polls (patch portflow-spread-polls)', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('gives orders started together first polls spread below the interval', async () => {
    const worker = await env.newWorker();
    const orders = ['+14155552401', '+14155552402', '+14155552403', '+14155552404', '+14155552405'].map((n) =>
      buildOrder(env.sandbox, [n], { options: { reconcileInterval: '1 hour' } })
    );
    const offsets = await worker.runUntil(async () => {
      await Promise.all(
        orders.map((o) => startPortIn(env.client, o, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() }))
      );
      const out: number[] = [];
      for (const o of orders) {
        const view = await eventually(async () => {
          const v = await getPortInStatus(env.client, o.orderId);
          return v.deadlines.nextReconcileAt ? v : undefined;
        });
        const { startTime } = await portInHandle(env.client, o.orderId).describe();
        out.push(Date.parse(view.deadlines.nextReconcileAt!) - startTime.getTime());
        await portInHandle(env.client, o.orderId).terminate('test over');
      }
      return out;
    });
    // Workflow time runs a little after the start (the first task); a minute covers that under any load.
    const slack = 60_000;
    for (const offset of offsets) {
      expect(offset).toBeGreaterThan(HOUR * (1 - FIRST_POLL_SPREAD));
      expect(offset).toBeLessThan(HOUR + slack);
    }
    // Unjittered, all five would sit at the full hour; jittered over 9 minutes, five draws all
    // within the last minute of it happen about once in 60,000 runs.
    expect(offsets.some((o) => o < HOUR - slack)).toBe(true);
  });

  it('completes an order by its jittered polls alone (history recorded for replay)', async () => {
    const worker = await env.newWorker();
    const order = buildOrder(env.sandbox, ['+14155552411', '+14155552412'], { options: { reconcileInterval: '2s' } });
    const result = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      return waitForPortIn(env.client, order.orderId);
    });
    expect(result.outcome).toBe('completed');
    const history = await portInHandle(env.client, order.orderId).fetchHistory();
    const patches = (history.events ?? []).flatMap((e) => {
      const details = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return details ? [Buffer.from(details).toString('utf8')] : [];
    });
    // Since coalescedPublish, its one marker stands for every earlier patch, spreadPolls included.
    expect(
      patches.some((p) => p.includes(PORT_IN_PATCHES.spreadPolls) || p.includes(PORT_IN_PATCHES.coalescedPublish))
    ).toBe(true);
    // Every wake-up timer of the order is within its interval.
    const timers = (history.events ?? []).flatMap((e) => {
      const t = e.timerStartedEventAttributes?.startToFireTimeout;
      return t ? [Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6)] : [];
    });
    expect(timers.length).toBeGreaterThan(0);
    for (const ms of timers) expect(ms).toBeLessThanOrEqual(2000);
    await recordHistory(portInHandle(env.client, order.orderId), 'spread-polls');
  });
});
