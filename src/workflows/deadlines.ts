/**
 * The order's timed deadlines besides reconciliation: LOA reminders before the signature window
 * expires, and the 72-hour cancel window's warning and close. Pure functions of the state and the
 * workflow's clock, so the workflow only asks "what is due now, and when is the next one" and the
 * schedule can be tested without a worker. What has fired is kept in the request's state, so a
 * reminder or a window note fires once, across polls and continue-as-new.
 */
import { PhoneNumberStatus } from '../twilio/porting-event';
import { activeNumbers, cancelCutoffOf, loaExpiryOf } from './state';
import type { NumberState, PortInState, RequestState } from './state';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Reminders before the LOA's 30-day expiry: a week ahead leaves time to find the right signer when
 * the LOA went to the wrong person, three days is the nudge before the final week's end, and the
 * last day is the final call before Twilio cancels the request.
 */
export const DEFAULT_LOA_REMINDERS = ['7 days', '3 days', '1 day'] as const;
/** A working day's notice before Twilio stops accepting cancellations. */
export const DEFAULT_CANCEL_WINDOW_WARNING = '24 hours';
/**
 * The auto-cancel policy cancels a rejected number at the latest this long before its cutoff, so
 * Twilio receives the cancellation while it still accepts it (its clock and ours may differ a little).
 */
export const AUTO_CANCEL_MARGIN_MS = HOUR;

// ----- LOA reminders ---------------------------------------------------------------------------

export interface LoaReminder {
  /** How long before the expiry (the reminder's key in `loaRemindersSent`). */
  offsetMs: number;
  /** Workflow time it is due. */
  at: number;
}

/**
 * The reminders of a request not yet sent, earliest first: none unless it waits for a signature.
 * An offset as long as the whole window would fall before the LOA went out: it is not scheduled.
 */
export function pendingLoaReminders(request: RequestState, loaExpiryMs: number, offsetsMs: number[]): LoaReminder[] {
  const expiry = loaExpiryOf(request, loaExpiryMs);
  if (expiry == null) return [];
  const since = Date.parse(request.waitingForSignatureSince!);
  const sent = new Set(request.loaRemindersSent ?? []);
  return [...new Set(offsetsMs)]
    .filter((offsetMs) => offsetMs > 0 && !sent.has(offsetMs) && expiry - offsetMs > since)
    .map((offsetMs) => ({ offsetMs, at: expiry - offsetMs }))
    .sort((a, b) => a.at - b.at);
}

export function nextLoaReminderAt(request: RequestState, loaExpiryMs: number, offsetsMs: number[]): number | null {
  return pendingLoaReminders(request, loaExpiryMs, offsetsMs)[0]?.at ?? null;
}

/**
 * What is due at `nowMs`: every reminder whose time has come is marked sent, but only the latest of
 * them is sent (a worker down for days sends one reminder, with the days truly left, not a burst).
 * Nothing is sent once the expiry itself is due: the expiry speaks then.
 */
export function dueLoaReminder(
  request: RequestState,
  loaExpiryMs: number,
  offsetsMs: number[],
  nowMs: number
): { remind: LoaReminder | null; sent: number[] } {
  const due = pendingLoaReminders(request, loaExpiryMs, offsetsMs).filter((r) => r.at <= nowMs);
  const expiry = loaExpiryOf(request, loaExpiryMs);
  const last = due[due.length - 1];
  return {
    remind: last && expiry != null && nowMs < expiry ? last : null,
    sent: due.map((r) => r.offsetMs),
  };
}

/** Remembers which reminders of `sid` have fired (or were skipped past). */
export function markLoaRemindersSent(state: PortInState, sid: string, offsetsMs: number[]): PortInState {
  const request = state.requests[sid];
  if (!request || offsetsMs.length === 0) return state;
  const sent = [...new Set([...(request.loaRemindersSent ?? []), ...offsetsMs])].sort((a, b) => b - a);
  return { ...state, requests: { ...state.requests, [sid]: { ...request, loaRemindersSent: sent } } };
}

/** "7 days", "1 day", "0.5 days": how long is left, rounded to a tenth of a day. */
export function daysLeftText(ms: number): string {
  const days = Math.max(0, Math.round((ms / DAY) * 10) / 10);
  return `${days} day${days === 1 ? '' : 's'}`;
}

/** The `loa-reminder` timeline message: days left, the signature request URL and the expiry. */
export function loaReminderMessage(request: RequestState, expiryMs: number, nowMs: number): string {
  const where = request.signatureRequestUrl
    ? `sign at ${request.signatureRequestUrl}`
    : 'the signature request URL is not known yet';
  return `LOA still unsigned: ${daysLeftText(expiryMs - nowMs)} left (${where}); the request expires at ${iso(expiryMs)} and Twilio then cancels it`;
}

// ----- the 72-hour cancel window ---------------------------------------------------------------

/** Open numbers of one request that share one cutoff: one window, one note for all of them. */
export interface CancelWindow {
  requestSid: string;
  cutoff: number;
  phoneNumbers: string[];
  /** Whether the cutoff derives from a confirmed port date (else from the order's target date). */
  confirmed: boolean;
}

export type CancelWindowStage = 'closing' | 'closed';

/** A number that can still be canceled in principle: filed, not ended, not already being canceled. */
function isOpen(n: NumberState): boolean {
  return n.requestSid != null && n.status !== PhoneNumberStatus.CANCELING;
}

/** The open numbers' windows, grouped by request and cutoff, in request then cutoff order. */
export function cancelWindows(state: PortInState): CancelWindow[] {
  const windows = new Map<string, CancelWindow>();
  for (const n of activeNumbers(state).filter(isOpen)) {
    const cutoff = cancelCutoffOf(state, n);
    const key = `${n.requestSid}|${cutoff}`;
    const window = windows.get(key);
    if (window) window.phoneNumbers.push(n.phoneNumber);
    else
      windows.set(key, { requestSid: n.requestSid!, cutoff, phoneNumbers: [n.phoneNumber], confirmed: !!n.portDate });
  }
  return [...windows.values()].sort((a, b) =>
    a.requestSid === b.requestSid ? a.cutoff - b.cutoff : a.requestSid < b.requestSid ? -1 : 1
  );
}

function notedStage(state: PortInState, w: CancelWindow): CancelWindowStage | undefined {
  return state.requests[w.requestSid]?.cancelWindowNoted?.[iso(w.cutoff)];
}

/**
 * The window notes due at `nowMs`: `closed` once the cutoff has passed, `closing` from `warningMs`
 * before it. A window that closed before the warning could fire (a port date confirmed late) gets
 * only its `closed` note. A cutoff that moves is a new window, noted afresh.
 */
export function dueCancelWindowNotes(
  state: PortInState,
  warningMs: number,
  nowMs: number
): Array<CancelWindow & { stage: CancelWindowStage }> {
  const due: Array<CancelWindow & { stage: CancelWindowStage }> = [];
  for (const w of cancelWindows(state)) {
    const noted = notedStage(state, w);
    if (nowMs >= w.cutoff) {
      if (noted !== 'closed') due.push({ ...w, stage: 'closed' });
    } else if (nowMs >= w.cutoff - warningMs && noted == null) {
      due.push({ ...w, stage: 'closing' });
    }
  }
  return due;
}

/** The next instant a window note falls due (a warning, or a close), or null. */
export function nextCancelWindowAt(state: PortInState, warningMs: number): number | null {
  let next: number | null = null;
  for (const w of cancelWindows(state)) {
    const noted = notedStage(state, w);
    if (noted === 'closed') continue;
    const at = noted === 'closing' ? w.cutoff : w.cutoff - warningMs;
    if (next == null || at < next) next = at;
  }
  return next;
}

/** The next warning instant not yet noted, for the status view. */
export function nextCancelWindowWarningAt(state: PortInState, warningMs: number): number | null {
  const warnings = cancelWindows(state)
    .filter((w) => notedStage(state, w) == null)
    .map((w) => w.cutoff - warningMs);
  return warnings.length ? Math.min(...warnings) : null;
}

export function markCancelWindowNoted(
  state: PortInState,
  w: Pick<CancelWindow, 'requestSid' | 'cutoff'>,
  stage: CancelWindowStage
): PortInState {
  const request = state.requests[w.requestSid];
  if (!request) return state;
  const cancelWindowNoted = { ...request.cancelWindowNoted, [iso(w.cutoff)]: stage };
  return { ...state, requests: { ...state.requests, [w.requestSid]: { ...request, cancelWindowNoted } } };
}

/** Up to five numbers by name, then how many more: a message stays short for a 1,000-number request. */
export function listed(phoneNumbers: string[]): string {
  const shown = phoneNumbers.slice(0, 5).join(', ');
  return phoneNumbers.length > 5 ? `${shown} and ${phoneNumbers.length - 5} more` : shown;
}

/** The `cancel-window-closing` / `cancel-window-closed` timeline message. */
export function cancelWindowMessage(w: CancelWindow, stage: CancelWindowStage, nowMs: number): string {
  const basis = w.confirmed ? 'the confirmed port date' : 'the target date';
  const numbers = `${w.phoneNumbers.length} number(s) (${listed(w.phoneNumbers)})`;
  return stage === 'closing'
    ? `Cancel window closes in ${daysLeftText(w.cutoff - nowMs)}, at ${iso(w.cutoff)} (72 hours before ${basis}): ${numbers} can be canceled until then`
    : `Cancel window closed at ${iso(w.cutoff)} (72 hours before ${basis}): Twilio no longer accepts cancellation of ${numbers}`;
}

/**
 * The `PortInCancelCutoff` search attribute: the earliest cutoff still ahead among the open numbers,
 * so `PortInCancelCutoff < "<tomorrow>"` lists the orders whose next window closes within a day
 * (an order whose first window has closed shows its next one). Once every window has closed, the
 * last cutoff that passed; null when no number is open.
 */
export function cancelCutoffSearchValue(state: PortInState, nowMs: number): number | null {
  const cutoffs = cancelWindows(state).map((w) => w.cutoff);
  if (cutoffs.length === 0) return null;
  const ahead = cutoffs.filter((c) => c > nowMs);
  return ahead.length ? Math.min(...ahead) : Math.max(...cutoffs);
}

// ----- the auto-cancel policy ------------------------------------------------------------------

/**
 * When the auto-cancel policy acts on a rejected number: `delayMs` after its rejection, but
 * `AUTO_CANCEL_MARGIN_MS` before its cancel cutoff at the latest (`beforeCutoff`), since after the
 * cutoff Twilio would refuse the cancellation and the number would stay rejected.
 */
export function autoCancelDueAt(state: PortInState, n: NumberState, delayMs: number, beforeCutoff: boolean): number {
  const afterDelay = Date.parse(n.rejection!.at) + delayMs;
  return beforeCutoff ? Math.min(afterDelay, cancelCutoffOf(state, n) - AUTO_CANCEL_MARGIN_MS) : afterDelay;
}
