import { PhoneNumberStatus } from '../../../src/twilio/porting-event';
import {
  NEEDS_ATTENTION,
  displayStatus,
  orderResult,
  pendingNumbers,
  searchAttributeValues,
  statusView,
} from '../../../src/workflows/status-view';
import { initialState, setPhase } from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import { A, AT, B, KW1, PU_A, TARGET_DATE, portingOrder, withNumber } from './fixtures';

const ctx = { loaExpiryMs: 30 * 86_400_000, autoCancelMs: null, nextReconcileAt: Date.parse('2025-03-01T18:00:00Z') };
const attention = {
  reason: 'CredentialsRefused',
  code: 20003,
  message: 'Twilio 401 code 20003: Authentication Error',
  operation: 'reconcile',
  since: AT,
  failures: 2,
};

describe('status view', () => {
  it('shows "Needs Attention" while a porting order is parked, with the reason and the next attempt', () => {
    const parked: PortInState = { ...portingOrder(), attention };
    expect(displayStatus(parked)).toBe(NEEDS_ATTENTION);
    const view = statusView(parked, ctx);
    expect(view.status).toBe('Needs Attention');
    expect(view.attention).toEqual({ ...attention, nextAttemptAt: '2025-03-01T18:00:00.000Z' });
    expect(searchAttributeValues(parked, { attentionVisible: true }).status).toBe('Needs Attention');
    // Runs recorded before the patch published the reducer's status.
    expect(searchAttributeValues(parked, { attentionVisible: false }).status).toBe('In Review');
  });

  it('shows a failed order as Failed with type, code and message, and only numbers still open at Twilio as pending', () => {
    const checking = initialState({
      orderId: 'o',
      customerRef: 'c',
      phoneNumbers: [A, B],
      targetPortInDate: '2025-04-15',
    });
    const failed: PortInState = {
      ...setPhase(checking, 'failed', AT, 'The utility bill upload failed: x'),
      failure: { type: 'UtilityBillUnreadable', code: null, message: 'The utility bill upload failed: x' },
    };
    const view = statusView(failed, ctx);
    expect(view.status).toBe('Failed');
    expect(view.failure).toEqual({
      type: 'UtilityBillUnreadable',
      code: null,
      message: 'The utility bill upload failed: x',
    });
    expect(view.counts.pending).toBe(0);
    expect(view.deadlines.nextReconcileAt).toBeNull();
    expect(searchAttributeValues(failed, { attentionVisible: true })).toEqual({
      status: 'Failed',
      pending: 0,
      requestSids: [],
    });

    // A failure after one request was filed: its numbers are still pending at Twilio.
    const partly: PortInState = { ...setPhase(portingOrder(), 'failed', AT, 'x'), failure: failed.failure };
    expect(pendingNumbers(partly)).toBe(2);
  });

  it('reads a failure kept by an older run (no code) as code null', () => {
    const old: PortInState = {
      ...portingOrder(),
      phase: 'failed',
      failure: { type: 'PinAndAccountNumberRequired', message: 'm' },
    };
    expect(statusView(old, ctx).failure).toEqual({ type: 'PinAndAccountNumberRequired', code: null, message: 'm' });
  });

  it('is built field by field: later changes to the view do not reach the state', () => {
    const state = portingOrder();
    const view = statusView(state, ctx);
    view.requests[0]!.phoneNumbers.push('+19999999999');
    view.timeline.push({ at: AT, kind: 'x', message: 'x' });
    expect(state.requests[KW1]!.phoneNumbers).toEqual([A, B]);
    expect(state.timeline).not.toContainEqual({ at: AT, kind: 'x', message: 'x' });
    expect(view.numbers.find((n) => n.phoneNumber === A)).toMatchObject({
      phoneNumberSid: PU_A,
      statusLabel: 'In Review',
    });
  });

  it('counts suspect webhooks in its counters, and reads a state from before rules V2 (no suspect counter) as 0', () => {
    const state = portingOrder();
    const withSuspects: PortInState = { ...state, counters: { ...state.counters, applied: 3, suspect: 2 } };
    expect(statusView(withSuspects, ctx).counters).toEqual({ ...state.counters, applied: 3, suspect: 2 });
    const { suspect: _suspect, ...older } = state.counters;
    const carried = { ...state, counters: older } as unknown as PortInState;
    expect(statusView(carried, ctx).counters).toEqual({ ...older, suspect: 0 });
  });

  it('gives the result of a completed order', () => {
    let state = withNumber(portingOrder(), A, { status: PhoneNumberStatus.COMPLETED });
    state = withNumber(state, B, { status: PhoneNumberStatus.CANCELED });
    expect(orderResult(state)).toMatchObject({ orderId: 'order-1', outcome: 'completed', requestSids: [KW1] });
  });
  it('shows the next cancel cutoff still ahead, not one that has passed, when it knows the time', () => {
    // A's port date is confirmed for today, so its cutoff passed three days ago; B's follows the target date.
    const state = withNumber(portingOrder(), A, {
      status: PhoneNumberStatus.PORT_PENDING,
      portDate: '2025-03-01T12:00:00Z',
    });
    const passed = Date.parse('2025-03-01T12:00:00Z') - 72 * 3_600_000;
    const ahead = Date.parse(`${TARGET_DATE}T00:00:00Z`) - 72 * 3_600_000;
    const nowMs = Date.parse(AT);
    expect(statusView(state, ctx).deadlines.cancelCutoffAt).toBe(new Date(passed).toISOString());
    expect(statusView(state, { ...ctx, now: nowMs }).deadlines.cancelCutoffAt).toBe(new Date(ahead).toISOString());
    // Once every window has closed, the last one.
    const late = Date.parse(`${TARGET_DATE}T00:00:00Z`);
    expect(statusView(state, { ...ctx, now: late }).deadlines.cancelCutoffAt).toBe(new Date(ahead).toISOString());
  });
});
