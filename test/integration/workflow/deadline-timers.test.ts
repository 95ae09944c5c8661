/**
 * The deadline timers (patch `portflow-deadline-timers`) on the time-skipping server: LOA reminders
 * before the 30-day expiry, the cancel window's warning and close, and the auto-cancel policy acting
 * before the window closes. Instants are checked in workflow time, from the timeline entries' `at`.
 */
import type { Client } from '@temporalio/client';
import { PortInCancelCutoff } from '../../../src/search-attributes';
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import type { PortInOrder } from '../../../src/order';
import type { PortInStatusView, TimelineEntryView } from '../../../src/workflows/messages';
import { recordHistory } from '../../replay/record';
import { buildOrder } from '../../helpers/portflow-env';
import { timeSkippingSuite } from '../../helpers/time-skipping-suite';
import type { TimeSkippingSuiteContext } from '../../helpers/time-skipping-suite';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
/**
 * An entry made by its own timer at `expected`: recorded at or after it, in the workflow task the
 * timer woke (workflow time runs on by the worker's latency, milliseconds), long before the next
 * other wake, the reconcile a day later.
 */
function expectAt(at: string | undefined, expected: number): void {
  expect(at).toBeDefined();
  expect(Date.parse(at!)).toBeGreaterThanOrEqual(expected);
  expect(Date.parse(at!) - expected).toBeLessThan(HOUR);
}
const entries = (view: PortInStatusView, kind: string): TimelineEntryView[] =>
  view.timeline.filter((t) => t.kind === kind);

/** Lets workflow time run a day at a time (bounded) until the order's first request waits for a signature. */
async function untilWaitingForSignature(ctx: TimeSkippingSuiteContext, orderId: string): Promise<PortInStatusView> {
  let view = await getPortInStatus(ctx.ts.env.client, orderId);
  for (let i = 0; i < 5 && view.requests[0]?.status !== 'waiting_for_signature'; i++) {
    await ctx.ts.env.sleep(DAY);
    view = await getPortInStatus(ctx.ts.env.client, orderId);
  }
  expect(view.requests[0]?.status).toBe('waiting_for_signature');
  return view;
}

/** Skips workflow time to `at` (plus a minute, so the timers due then have fired). */
async function skipTo(ctx: TimeSkippingSuiteContext, at: number): Promise<void> {
  await ctx.ts.env.sleep(Math.max(1, at + 60_000 - (await ctx.ts.env.currentTimeMs())));
}

async function cancelCutoffAttribute(client: Client, order: PortInOrder): Promise<Date | undefined> {
  const description = await portInHandle(client, order.orderId).describe();
  return description.typedSearchAttributes.get(PortInCancelCutoff);
}

timeSkippingSuite('LOA reminders on the time-skipping server', (ctx) => {
  it('sends every reminder at its offset before the 30-day expiry, each once, then expires', async () => {
    const { ts, sandbox, taskQueue } = ctx();
    const order = buildOrder(sandbox, ['+14155551081'], { options: { reconcileInterval: '1 day' } });
    // The same, continuing as new every few wakes: the reminders' marks travel with the state.
    const continuing = buildOrder(sandbox, ['+14155551082'], {
      options: { reconcileInterval: '1 day', continueAsNewAfterEvents: 40 },
    });
    await startPortIn(ts.env.client, order, { taskQueue, now: sandbox.clock.now() });
    await startPortIn(ts.env.client, continuing, { taskQueue, now: sandbox.clock.now() });

    let view = await untilWaitingForSignature(ctx(), order.orderId);
    const expiry = Date.parse(view.requests[0]!.waitingForSignatureSince!) + 30 * DAY;
    expect(view.deadlines.loaExpiresAt).toBe(iso(expiry));
    expect(view.deadlines.nextLoaReminderAt).toBe(iso(expiry - 7 * DAY));
    expect(view.requests[0]!.nextLoaReminderAt).toBe(iso(expiry - 7 * DAY));

    await skipTo(ctx(), expiry - 7 * DAY);
    view = await getPortInStatus(ts.env.client, order.orderId);
    expect(entries(view, 'loa-reminder')).toHaveLength(1);
    expect(view.deadlines.nextLoaReminderAt).toBe(iso(expiry - 3 * DAY));

    const result = await waitForPortIn(ts.env.client, order.orderId);
    await recordHistory(portInHandle(ts.env.client, order.orderId), 'loa-reminders-then-expired');
    expect(result.outcome).toBe('expired');
    view = await getPortInStatus(ts.env.client, order.orderId);
    const url = view.requests[0]!.signatureRequestUrl!;
    expect(url).toMatch(/\/loa$/);
    const reminders = entries(view, 'loa-reminder');
    expect(reminders).toHaveLength(3);
    [7, 3, 1].forEach((days, i) => expectAt(reminders[i]!.at, expiry - days * DAY));
    expect(reminders.map((t) => t.requestSid)).toEqual(Array(3).fill(view.requestSids[0]));
    ['7 days left', '3 days left', '1 day left'].forEach((left, i) => {
      expect(reminders[i]!.message).toContain(left);
      expect(reminders[i]!.message).toContain(url);
    });
    const expired = entries(view, 'loa-expired');
    expect(expired).toHaveLength(1);
    expect(Date.parse(expired[0]!.at)).toBeGreaterThanOrEqual(expiry);
    expect(view.deadlines.nextLoaReminderAt).toBeNull();

    expect((await waitForPortIn(ts.env.client, continuing.orderId)).outcome).toBe('expired');
    const continued = await getPortInStatus(ts.env.client, continuing.orderId);
    expect(continued.counters.runs).toBeGreaterThan(1);
    const since = Date.parse(continued.requests[0]!.waitingForSignatureSince!);
    const continuedReminders = entries(continued, 'loa-reminder');
    expect(continuedReminders).toHaveLength(3);
    [7, 3, 1].forEach((days, i) => expectAt(continuedReminders[i]!.at, since + 30 * DAY - days * DAY));
  });
});

timeSkippingSuite('the cancel window on the time-skipping server', (ctx) => {
  it('warns a day before each cutoff and notes its close, both moving with a confirmed port date', async () => {
    const { ts, sandbox, taskQueue } = ctx();
    const [A, B] = ['+14155551095', '+14155551096'];
    const order = buildOrder(sandbox, [A!, B!], { options: { reconcileInterval: '1 day' } });
    await startPortIn(ts.env.client, order, { taskQueue, now: sandbox.clock.now() });
    let view = await untilWaitingForSignature(ctx(), order.orderId);
    const sid = view.requestSids[0]!;
    const target = Date.parse(`${order.targetPortInDate}T00:00:00Z`);
    const cutoffB = target - 72 * HOUR;
    expect(view.deadlines.cancelWindowWarningAt).toBe(iso(cutoffB - DAY));
    expect((await cancelCutoffAttribute(ts.env.client, order))?.getTime()).toBe(cutoffB);

    // The carrier confirms A for five days after the target date: its window moves.
    sandbox.sign(sid);
    const portDateA = target + 5 * DAY;
    sandbox.confirmNumber(sid, A!, new Date(portDateA));
    await ts.env.sleep(DAY);
    view = await getPortInStatus(ts.env.client, order.orderId);
    const cutoffA = portDateA - 72 * HOUR;
    expect(view.numbers.find((n) => n.phoneNumber === A)!.cancelCutoff).toBe(iso(cutoffA));
    expect(entries(view, 'cancel-window-closing')).toEqual([]);

    // Past B's cutoff, the attribute names A's, the next window to close.
    await skipTo(ctx(), cutoffB);
    expect((await cancelCutoffAttribute(ts.env.client, order))?.getTime()).toBe(cutoffA);
    await skipTo(ctx(), cutoffA);
    sandbox.completeNumber(sid, A!);
    sandbox.completeNumber(sid, B!);
    const result = await waitForPortIn(ts.env.client, order.orderId);
    await recordHistory(portInHandle(ts.env.client, order.orderId), 'cancel-window-notes');
    expect(result.outcome).toBe('completed');

    view = await getPortInStatus(ts.env.client, order.orderId);
    const notes = view.timeline
      .filter((t) => t.kind.startsWith('cancel-window-'))
      .map((t) => ({ kind: t.kind, at: t.at, phoneNumber: t.phoneNumber, requestSid: t.requestSid }));
    const expected = [
      { kind: 'cancel-window-closing', at: cutoffB - DAY, phoneNumber: B },
      { kind: 'cancel-window-closed', at: cutoffB, phoneNumber: B },
      { kind: 'cancel-window-closing', at: cutoffA - DAY, phoneNumber: A },
      { kind: 'cancel-window-closed', at: cutoffA, phoneNumber: A },
    ];
    expect(notes.map(({ at: _at, ...rest }) => rest)).toEqual(
      expected.map(({ at: _at, ...rest }) => ({ ...rest, requestSid: sid }))
    );
    expected.forEach((e, i) => expectAt(notes[i]!.at, e.at));
    expect(entries(view, 'cancel-window-closing')[1]!.message).toContain('72 hours before the confirmed port date');
    // Nothing is open any more: the attribute is gone.
    expect(await cancelCutoffAttribute(ts.env.client, order)).toBeUndefined();
  });
});

timeSkippingSuite('the auto-cancel policy and the cancel window on the time-skipping server', (ctx) => {
  it('cancels a rejected number before its window closes when the policy delay would end after it', async () => {
    const { ts, sandbox, taskQueue } = ctx();
    const A = '+14155551097';
    const order = buildOrder(sandbox, [A], {
      options: { reconcileInterval: '1 day', autoCancelRejectedAfter: '10 days' },
    });
    await startPortIn(ts.env.client, order, { taskQueue, now: sandbox.clock.now() });
    let view = await untilWaitingForSignature(ctx(), order.orderId);
    const sid = view.requestSids[0]!;
    sandbox.sign(sid);
    sandbox.rejectNumber(sid, A, 22131);
    await ts.env.sleep(DAY);
    view = await getPortInStatus(ts.env.client, order.orderId);
    expect(view.numbers[0]!.status).toBe('port_rejected');
    const cutoff = Date.parse(`${order.targetPortInDate}T00:00:00Z`) - 72 * HOUR;
    // The delay would end days after the cutoff; the policy acts an hour before it instead.
    expect(Date.parse(view.numbers[0]!.rejection!.at) + 10 * DAY).toBeGreaterThan(cutoff);
    expect(view.deadlines.autoCancelRejectedAt).toBe(iso(cutoff - HOUR));

    const result = await waitForPortIn(ts.env.client, order.orderId);
    await recordHistory(portInHandle(ts.env.client, order.orderId), 'auto-cancel-before-cutoff');
    expect(result.outcome).toBe('canceled');
    expect(result.numbers[0]).toMatchObject({ phoneNumber: A, status: 'canceled' });
    view = await getPortInStatus(ts.env.client, order.orderId);
    const policy = entries(view, 'policy');
    expect(policy).toHaveLength(1);
    expectAt(policy[0]!.at, cutoff - HOUR);
    expect(Date.parse(policy[0]!.at)).toBeLessThan(cutoff);
    expect(policy[0]!.message).toContain('since the cancel window closes first');
    const closing = entries(view, 'cancel-window-closing');
    expect(closing).toHaveLength(1);
    expectAt(closing[0]!.at, cutoff - DAY);
    // Canceled before the cutoff: its window never closed on it.
    expect(entries(view, 'cancel-window-closed')).toEqual([]);
  });
});
