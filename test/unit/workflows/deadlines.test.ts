/**
 * The pure schedule behind the deadline timers (src/workflows/deadlines.ts): LOA reminders, the
 * cancel window's notes, the `PortInCancelCutoff` value and the auto-cancel time.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import {
  AUTO_CANCEL_MARGIN_MS,
  autoCancelDueAt,
  cancelCutoffSearchValue,
  cancelWindowMessage,
  cancelWindows,
  dueCancelWindowNotes,
  dueLoaReminder,
  listed,
  loaReminderMessage,
  markCancelWindowNoted,
  markLoaRemindersSent,
  nextCancelWindowAt,
  nextCancelWindowWarningAt,
  nextLoaReminderAt,
  pendingLoaReminders,
} from '../../../src/workflows/deadlines';
import { parseDuration } from '../../../src/workflows/duration';
import { statusView } from '../../../src/workflows/status-view';
import type { PortInState } from '../../../src/workflows/state';
import {
  A,
  B,
  C,
  KW1,
  KW2,
  PU_A,
  PU_B,
  PU_C,
  TARGET_DATE,
  deepFreeze,
  portingOrder,
  withNumber,
  withRequest,
} from './fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOA_MS = 30 * DAY;
const OFFSETS = ['7 days', '3 days', '1 day'].map(parseDuration);
const SINCE = Date.parse('2025-03-02T00:00:00.000Z');
const EXPIRY = SINCE + LOA_MS;
const TARGET = Date.parse(`${TARGET_DATE}T00:00:00Z`);
const CUTOFF = TARGET - 72 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/** The fixture order with KW1 waiting for a signature since SINCE. */
function waiting(): PortInState {
  return deepFreeze(
    withRequest(portingOrder(), KW1, {
      status: PortInRequestStatus.WAITING_FOR_SIGNATURE,
      waitingForSignatureSince: iso(SINCE),
      signatureRequestUrl: 'https://sign.example/KW1',
    })
  );
}

describe('LOA reminders', () => {
  it('schedules each offset before the expiry, earliest first', () => {
    const r = waiting().requests[KW1]!;
    expect(pendingLoaReminders(r, LOA_MS, OFFSETS).map((x) => iso(x.at))).toEqual([
      iso(EXPIRY - 7 * DAY),
      iso(EXPIRY - 3 * DAY),
      iso(EXPIRY - DAY),
    ]);
    expect(nextLoaReminderAt(r, LOA_MS, OFFSETS)).toBe(EXPIRY - 7 * DAY);
  });

  it('schedules nothing for a request not waiting for a signature, or already expired by the timer', () => {
    expect(pendingLoaReminders(portingOrder().requests[KW1]!, LOA_MS, OFFSETS)).toEqual([]);
    const expired = withRequest(waiting(), KW1, { loaExpiredAt: iso(EXPIRY) });
    expect(pendingLoaReminders(expired.requests[KW1]!, LOA_MS, OFFSETS)).toEqual([]);
  });

  it('drops an offset as long as the window, duplicates and zero', () => {
    const r = waiting().requests[KW1]!;
    expect(pendingLoaReminders(r, LOA_MS, [30 * DAY, 0, DAY, DAY]).map((x) => x.offsetMs)).toEqual([DAY]);
  });

  it('sends a due reminder once: marked sent, it is not due again (a poll or continue-as-new keeps the mark)', () => {
    const state = waiting();
    const at = EXPIRY - 7 * DAY;
    expect(dueLoaReminder(state.requests[KW1]!, LOA_MS, OFFSETS, at - 1)).toEqual({ remind: null, sent: [] });
    const due = dueLoaReminder(state.requests[KW1]!, LOA_MS, OFFSETS, at);
    expect(due).toEqual({ remind: { offsetMs: 7 * DAY, at }, sent: [7 * DAY] });
    const marked = markLoaRemindersSent(state, KW1, due.sent);
    expect(marked.requests[KW1]!.loaRemindersSent).toEqual([7 * DAY]);
    expect(dueLoaReminder(marked.requests[KW1]!, LOA_MS, OFFSETS, at + HOUR)).toEqual({ remind: null, sent: [] });
    expect(nextLoaReminderAt(marked.requests[KW1]!, LOA_MS, OFFSETS)).toBe(EXPIRY - 3 * DAY);
    // The state a continued run is handed is JSON: the mark survives it.
    const resumed = JSON.parse(JSON.stringify(marked)) as PortInState;
    expect(nextLoaReminderAt(resumed.requests[KW1]!, LOA_MS, OFFSETS)).toBe(EXPIRY - 3 * DAY);
  });

  it('after a long gap sends only the latest due reminder and marks the skipped ones', () => {
    const r = waiting().requests[KW1]!;
    const due = dueLoaReminder(r, LOA_MS, OFFSETS, EXPIRY - 2 * DAY);
    expect(due.remind).toEqual({ offsetMs: 3 * DAY, at: EXPIRY - 3 * DAY });
    expect(due.sent).toEqual([7 * DAY, 3 * DAY]);
  });

  it('sends nothing once the expiry itself is due', () => {
    const due = dueLoaReminder(waiting().requests[KW1]!, LOA_MS, OFFSETS, EXPIRY);
    expect(due.remind).toBeNull();
    expect(due.sent).toEqual([7 * DAY, 3 * DAY, DAY]);
  });

  it('says the days left, the signature request URL and the expiry', () => {
    const r = waiting().requests[KW1]!;
    expect(loaReminderMessage(r, EXPIRY, EXPIRY - 3 * DAY)).toBe(
      `LOA still unsigned: 3 days left (sign at https://sign.example/KW1); the request expires at ${iso(EXPIRY)} and Twilio then cancels it`
    );
    expect(loaReminderMessage({ ...r, signatureRequestUrl: null }, EXPIRY, EXPIRY - DAY)).toContain(
      '1 day left (the signature request URL is not known yet)'
    );
  });

  it('shows the next reminder per request and for the order in portInStatus', () => {
    const view = statusView(waiting(), {
      loaExpiryMs: LOA_MS,
      autoCancelMs: null,
      nextReconcileAt: SINCE,
      loaReminderOffsetsMs: OFFSETS,
      cancelWindowWarningMs: DAY,
    });
    expect(view.requests[0]!.nextLoaReminderAt).toBe(iso(EXPIRY - 7 * DAY));
    expect(view.deadlines.nextLoaReminderAt).toBe(iso(EXPIRY - 7 * DAY));
    expect(view.deadlines.loaExpiresAt).toBe(iso(EXPIRY));
    expect(view.deadlines.cancelWindowWarningAt).toBe(iso(CUTOFF - DAY));
    // Without the options (runs before the patch) there is none.
    expect(
      statusView(waiting(), { loaExpiryMs: LOA_MS, autoCancelMs: null, nextReconcileAt: SINCE }).deadlines
    ).toMatchObject({ nextLoaReminderAt: null, cancelWindowWarningAt: null });
  });
});

describe('the cancel window', () => {
  /** A and C confirmed for five days after the target date; B on the target date; C in KW2. */
  function confirmed(): PortInState {
    const state = portingOrder([
      {
        sid: KW1,
        numbers: [
          [A, PU_A],
          [B, PU_B],
        ],
      },
      { sid: KW2, numbers: [[C, PU_C]] },
    ]);
    const portDate = iso(TARGET + 5 * DAY);
    return deepFreeze(withNumber(withNumber(state, A, { portDate }), C, { portDate }));
  }
  const MOVED = TARGET + 5 * DAY - 72 * HOUR;

  it('groups open numbers by request and cutoff', () => {
    expect(cancelWindows(portingOrder())).toEqual([
      { requestSid: KW1, cutoff: CUTOFF, phoneNumbers: [A, B], confirmed: false },
    ]);
    expect(cancelWindows(confirmed())).toEqual([
      { requestSid: KW1, cutoff: CUTOFF, phoneNumbers: [B], confirmed: false },
      { requestSid: KW1, cutoff: MOVED, phoneNumbers: [A], confirmed: true },
      { requestSid: KW2, cutoff: MOVED, phoneNumbers: [C], confirmed: true },
    ]);
  });

  it('leaves out numbers that have ended or are being canceled', () => {
    let state = withNumber(portingOrder(), A, { status: PhoneNumberStatus.COMPLETED });
    state = withNumber(state, B, { status: PhoneNumberStatus.CANCELING });
    expect(cancelWindows(state)).toEqual([]);
    expect(cancelCutoffSearchValue(state, 0)).toBeNull();
    expect(nextCancelWindowAt(state, DAY)).toBeNull();
  });

  it('warns from the warning time, closes at the cutoff, each once', () => {
    let state = portingOrder();
    expect(nextCancelWindowAt(state, DAY)).toBe(CUTOFF - DAY);
    expect(dueCancelWindowNotes(state, DAY, CUTOFF - DAY - 1)).toEqual([]);
    const closing = dueCancelWindowNotes(state, DAY, CUTOFF - DAY);
    expect(closing).toEqual([
      { requestSid: KW1, cutoff: CUTOFF, phoneNumbers: [A, B], confirmed: false, stage: 'closing' },
    ]);
    state = markCancelWindowNoted(state, closing[0]!, 'closing');
    expect(dueCancelWindowNotes(state, DAY, CUTOFF - 1)).toEqual([]);
    expect(nextCancelWindowAt(state, DAY)).toBe(CUTOFF);
    expect(nextCancelWindowWarningAt(state, DAY)).toBeNull();
    const closed = dueCancelWindowNotes(state, DAY, CUTOFF);
    expect(closed.map((w) => w.stage)).toEqual(['closed']);
    state = markCancelWindowNoted(state, closed[0]!, 'closed');
    expect(dueCancelWindowNotes(state, DAY, CUTOFF + DAY)).toEqual([]);
    expect(nextCancelWindowAt(state, DAY)).toBeNull();
  });

  it('gives a window already past its cutoff only its close', () => {
    expect(dueCancelWindowNotes(portingOrder(), DAY, CUTOFF + HOUR).map((w) => w.stage)).toEqual(['closed']);
  });

  it('opens a new window when the port date moves: the moved cutoff is warned and closed afresh', () => {
    let state = portingOrder();
    state = markCancelWindowNoted(state, { requestSid: KW1, cutoff: CUTOFF }, 'closing');
    state = withNumber(withNumber(state, A, { portDate: iso(TARGET + 5 * DAY) }), B, {
      portDate: iso(TARGET + 5 * DAY),
    });
    expect(nextCancelWindowAt(state, DAY)).toBe(MOVED - DAY);
    expect(dueCancelWindowNotes(state, DAY, CUTOFF)).toEqual([]);
    expect(dueCancelWindowNotes(state, DAY, MOVED - DAY).map((w) => [w.cutoff, w.stage])).toEqual([[MOVED, 'closing']]);
  });

  it('says when the window closes, why, and for which numbers', () => {
    const [w] = cancelWindows(portingOrder());
    expect(cancelWindowMessage(w!, 'closing', CUTOFF - DAY)).toBe(
      `Cancel window closes in 1 day, at ${iso(CUTOFF)} (72 hours before the target date): 2 number(s) (${A}, ${B}) can be canceled until then`
    );
    expect(cancelWindowMessage(w!, 'closed', CUTOFF)).toBe(
      `Cancel window closed at ${iso(CUTOFF)} (72 hours before the target date): Twilio no longer accepts cancellation of 2 number(s) (${A}, ${B})`
    );
  });

  it('names at most five numbers in a message', () => {
    const many = Array.from({ length: 7 }, (_, i) => `+1415555010${i}`);
    expect(listed(many)).toBe('+14155550100, +14155550101, +14155550102, +14155550103, +14155550104 and 2 more');
  });

  describe('the PortInCancelCutoff value', () => {
    it('is the earliest cutoff still ahead among open numbers', () => {
      expect(cancelCutoffSearchValue(confirmed(), CUTOFF - DAY)).toBe(CUTOFF);
    });
    it('moves on to the next window once the first has closed, and stays on the last once all have', () => {
      expect(cancelCutoffSearchValue(confirmed(), CUTOFF)).toBe(MOVED);
      expect(cancelCutoffSearchValue(confirmed(), MOVED + DAY)).toBe(MOVED);
    });
    it('is null before any number is filed', () => {
      const unfiled = withNumber(withNumber(portingOrder(), A, { requestSid: null }), B, { requestSid: null });
      expect(cancelCutoffSearchValue(unfiled, 0)).toBeNull();
    });
  });
});

describe('the auto-cancel time', () => {
  const rejected = (rejectedAt: number) =>
    withNumber(portingOrder(), A, {
      status: PhoneNumberStatus.PORT_REJECTED,
      rejection: { code: 22131, reason: 'Account number mismatch', at: iso(rejectedAt) },
    });

  it('is the delay after the rejection when that comes before the cutoff', () => {
    const state = rejected(CUTOFF - 5 * DAY);
    expect(autoCancelDueAt(state, state.numbers[A]!, 2 * DAY, true)).toBe(CUTOFF - 3 * DAY);
  });

  it('comes before the cutoff when the delay would end after it', () => {
    const state = rejected(CUTOFF - 2 * DAY);
    expect(autoCancelDueAt(state, state.numbers[A]!, 10 * DAY, true)).toBe(CUTOFF - AUTO_CANCEL_MARGIN_MS);
    // Runs recorded before the patch waited for the delay, past the cutoff.
    expect(autoCancelDueAt(state, state.numbers[A]!, 10 * DAY, false)).toBe(CUTOFF + 8 * DAY);
  });
});
