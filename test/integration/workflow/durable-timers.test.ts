/**
 * The 30-day LOA expiry and the 72-hour cancel cutoff, on the time-skipping test server: weeks of
 * workflow time in seconds. The sandbox runs on real time; workflow time jumps.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { cancelPhoneNumbers, getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { recordHistory } from '../../replay/record';
import { buildOrder } from '../../helpers/portflow-env';
import { timeSkippingSuite } from '../../helpers/time-skipping-suite';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

timeSkippingSuite('the 30-day LOA expiry on the time-skipping server', (ctx) => {
  it('ends an order whose LOA stays unsigned for 30 days as expired', async () => {
    const order = buildOrder(ctx().sandbox, ['+14155551081'], { options: { reconcileInterval: '1 day' } });
    await startPortIn(ctx().ts.env.client, order, { taskQueue: ctx().taskQueue, now: ctx().sandbox.clock.now() });
    const result = await waitForPortIn(ctx().ts.env.client, order.orderId);
    await recordHistory(portInHandle(ctx().ts.env.client, order.orderId), 'loa-expired');
    expect(result.outcome).toBe('expired');
    expect(result.numbers[0]).toMatchObject({ phoneNumber: '+14155551081', status: 'canceled' });
    const view = await getPortInStatus(ctx().ts.env.client, order.orderId);
    expect(view.timeline.some((t) => t.kind === 'loa-expired')).toBe(true);
    const waitingSince = Date.parse(view.requests[0]!.waitingForSignatureSince!);
    const expiredAt = Date.parse(view.timeline.find((t) => t.kind === 'loa-expired')!.at);
    expect(expiredAt - waitingSince).toBeGreaterThanOrEqual(30 * DAY);
    expect(expiredAt - waitingSince).toBeLessThan(32 * DAY);
  });
});

timeSkippingSuite('the 72-hour cancel cutoff on the time-skipping server', (ctx) => {
  it('moves the 72-hour cancel cutoff with the confirmed port date', async () => {
    const { ts, sandbox, taskQueue } = ctx();
    const [A, B, C] = ['+14155551091', '+14155551092', '+14155551093'];
    const order = buildOrder(sandbox, [A!, B!, C!], { options: { reconcileInterval: '1 day' } });
    await startPortIn(ts.env.client, order, { taskQueue, now: sandbox.clock.now() });
    const skip = (ms: number) => ts.env.sleep(ms);
    const status = () => getPortInStatus(ts.env.client, order.orderId);

    // Let workflow time run a day at a time until the LOA is out.
    let view = await status();
    for (let i = 0; i < 5 && view.requests[0]?.status !== 'waiting_for_signature'; i++) {
      await skip(DAY);
      view = await status();
    }
    const sid = view.requestSids[0]!;
    expect(view.requests[0]!.status).toBe('waiting_for_signature');
    const target = Date.parse(`${order.targetPortInDate}T00:00:00Z`);
    expect(Date.parse(view.deadlines.cancelCutoffAt!)).toBe(target - 72 * HOUR);

    // The carrier confirms A and C for five days after the target date.
    sandbox.sign(sid);
    const portDate = new Date(target + 5 * DAY);
    sandbox.confirmNumber(sid, A!, portDate);
    sandbox.confirmNumber(sid, C!, portDate);
    await skip(DAY);
    view = await status();
    const cutoffOf = (n: string) => Date.parse(view.numbers.find((x) => x.phoneNumber === n)!.cancelCutoff!);
    expect(cutoffOf(A!)).toBe(portDate.getTime() - 72 * HOUR);
    expect(cutoffOf(B!)).toBe(target - 72 * HOUR);

    // Past the target date's cutoff but before the moved one: B is refused, A can still go.
    await skip(target - 72 * HOUR + HOUR - (await ts.env.currentTimeMs()));
    const refusedB = await cancelPhoneNumbers(ts.env.client, order.orderId, [B!]).catch((e: unknown) => e);
    expect(refusedB).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refusedB as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('CancelCutoffPassed');
    expect((await cancelPhoneNumbers(ts.env.client, order.orderId, [A!])).canceledNumbers).toEqual([A]);

    // Past the moved cutoff: C is refused too.
    await skip(portDate.getTime() - 72 * HOUR + HOUR - (await ts.env.currentTimeMs()));
    const refusedC = await cancelPhoneNumbers(ts.env.client, order.orderId, [C!]).catch((e: unknown) => e);
    expect(((refusedC as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('CancelCutoffPassed');

    sandbox.completeNumber(sid, B!);
    sandbox.completeNumber(sid, C!);
    const result = await waitForPortIn(ts.env.client, order.orderId);
    await recordHistory(portInHandle(ts.env.client, order.orderId), 'cutoff-moves');
    expect(result.outcome).toBe('completed');
    expect(Object.fromEntries(result.numbers.map((n) => [n.phoneNumber, n.status]))).toEqual({
      [A!]: 'canceled',
      [B!]: 'completed',
      [C!]: 'completed',
    });
  });
});
