/**
 * The `PortInCancelCutoff` search attribute on the dev server: an operator lists the orders whose
 * cancel window closes within a day with a visibility query, as docs/ui.md shows.
 */
import { PortInCancelCutoff } from '../../../src/search-attributes';
import { getPortInStatus, listPortIns, portInHandle, startPortIn } from '../../../src/starter';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('the PortInCancelCutoff search attribute on the dev server', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // LOA never signed: the orders stay open, each with its window ahead.
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('lists the orders whose cancel window closes before a given instant', async () => {
    const customerRef = `cust-cutoff-${process.pid}-${Date.now()}`;
    const day = (days: number) => new Date(env.sandbox.clock.now().getTime() + days * DAY).toISOString().slice(0, 10);
    const soon = buildOrder(env.sandbox, ['+14155550401'], { customerRef, targetPortInDate: day(9) });
    const later = buildOrder(env.sandbox, ['+14155550402'], { customerRef, targetPortInDate: day(20) });
    const worker = await env.newWorker();
    await worker.runUntil(async () => {
      for (const order of [soon, later]) {
        await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      }
      const cutoffOf = (date: string) => Date.parse(`${date}T00:00:00Z`) - 72 * HOUR;
      // The attribute is published once the request is filed.
      for (const order of [soon, later]) {
        const published = await eventually(
          async () =>
            (await portInHandle(env.client, order.orderId).describe()).typedSearchAttributes.get(PortInCancelCutoff),
          { what: `PortInCancelCutoff of ${order.orderId}` }
        );
        expect(published.getTime()).toBe(cutoffOf(order.targetPortInDate));
        const view = await getPortInStatus(env.client, order.orderId);
        expect(view.deadlines.cancelCutoffAt).toBe(published.toISOString());
      }

      // "Closes within a day" as seen a day before the first order's cutoff.
      const from = new Date(cutoffOf(soon.targetPortInDate) - DAY).toISOString();
      const until = new Date(cutoffOf(soon.targetPortInDate) + HOUR).toISOString();
      const query = `PortInCustomer = "${customerRef}" AND PortInCancelCutoff > "${from}" AND PortInCancelCutoff < "${until}"`;
      const listed = await eventually(
        async () => {
          const found = await listPortIns(env.client, query);
          return found.length === 1 ? found : undefined;
        },
        { what: `the visibility query ${query}` }
      );
      expect(listed.map((w) => w.orderId)).toEqual([soon.orderId]);
      const untilLater = new Date(cutoffOf(later.targetPortInDate) + HOUR).toISOString();
      const both = await eventually(
        async () => {
          const found = await listPortIns(
            env.client,
            `PortInCustomer = "${customerRef}" AND PortInCancelCutoff < "${untilLater}"`
          );
          return found.length === 2 ? found : undefined;
        },
        { what: 'both orders listed' }
      );
      expect(both.map((w) => w.orderId).sort()).toEqual([soon.orderId, later.orderId].sort());

      for (const order of [soon, later]) await portInHandle(env.client, order.orderId).terminate('test done');
    });
  });
});
