/**
 * PORTFLOW_RECONCILE_INTERVAL reaches the orders the worker runs: an order that sets no interval
 * adopts the worker's (read once per run by a local activity, so it is in history), and one that
 * sets its own keeps it. No receiver runs: an order learns of the carrier's progress only by polling.
 */
import { loadConfig } from '../../../src/config';
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { createPortflowWorker } from '../../../src/worker';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { workflowBundle } from '../../helpers/temporal';

const HOUR = 3_600_000;

describe('the worker’s reconcile interval (PORTFLOW_RECONCILE_INTERVAL)', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is adopted by an order that sets none, and an order’s own interval wins', async () => {
    const config = loadConfig({ ...process.env, PORTFLOW_RECONCILE_INTERVAL: '1s' });
    const worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting: env.porting,
      settings: { reconcileInterval: config.workflow.reconcileInterval },
      workflowBundle: workflowBundle(),
    });
    const adopting = buildOrder(env.sandbox, ['+14155552301'], { options: {} });
    const ownInterval = buildOrder(env.sandbox, ['+14155552302'], { options: { reconcileInterval: '4 hours' } });
    const out = await worker.runUntil(async () => {
      await startPortIn(env.client, adopting, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      await startPortIn(env.client, ownInterval, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const own = await eventually(async () => {
        const v = await getPortInStatus(env.client, ownInterval.orderId);
        return v.deadlines.nextReconcileAt ? v : undefined;
      });
      // Only the polls can tell this order that its number was ported.
      const result = await waitForPortIn(env.client, adopting.orderId);
      const queriedAt = Date.now();
      await portInHandle(env.client, ownInterval.orderId).terminate('test over');
      return { result, own, queriedAt };
    });
    await recordHistory(portInHandle(env.client, adopting.orderId), 'worker-reconcile-interval');
    expect(out.result.outcome).toBe('completed');
    expect(Date.parse(out.own.deadlines.nextReconcileAt!) - out.queriedAt).toBeGreaterThan(3 * HOUR);

    // The worker's answer is in the order's history (a local-activity marker), so a replay reads it back.
    const history = await portInHandle(env.client, adopting.orderId).fetchHistory();
    const markers = (history.events ?? []).filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'
    );
    expect(markers.length).toBeGreaterThanOrEqual(1);
  });

  it('leaves the 6-hour default to an order that sets none when the worker has no setting', async () => {
    const worker = await env.newWorker();
    const order = buildOrder(env.sandbox, ['+14155552303'], { options: {} });
    const { view, queriedAt } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const view = await eventually(async () => {
        const v = await getPortInStatus(env.client, order.orderId);
        return v.deadlines.nextReconcileAt ? v : undefined;
      });
      const queriedAt = Date.now();
      await portInHandle(env.client, order.orderId).terminate('test over');
      return { view, queriedAt };
    });
    expect(Date.parse(view.deadlines.nextReconcileAt!) - queriedAt).toBeGreaterThan(5 * HOUR);
  });
});
