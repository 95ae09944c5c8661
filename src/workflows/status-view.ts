/**
 * What the outside sees of an order: the `portInStatus` answer, the workflow's result and the values
 * of its search attributes. Pure functions of the state (and of the few clocks the workflow keeps),
 * so a test can check every field without a worker.
 */
import { PhoneNumberStatus } from '../twilio/porting-event';
import { autoCancelDueAt, cancelCutoffSearchValue, nextCancelWindowWarningAt, nextLoaReminderAt } from './deadlines';
import type {
  ActivationView,
  AttentionView,
  EventsView,
  FailureView,
  PortInResult,
  PortInStatusView,
} from './messages';
import {
  cancelCutoffOf,
  finalPhase,
  isNumberTerminal,
  labelOfNumberStatus,
  loaExpiryOf,
  orderCancelCutoff,
  orderStatus,
  pendingCount,
  rejectedNumbers,
} from './state';
import type { NumberState, PortInState } from './state';

/** "Ported, live" / "Ported, configuration failed: …" once a completed number's activation has ended. */
export function activationLabel(n: NumberState): string | null {
  const a = n.activation;
  if (!a) return null;
  if (a.status === 'live') return 'Ported, live';
  if (a.status === 'configuration_failed') return `Ported, configuration failed: ${a.reason ?? 'no reason given'}`;
  return 'Ported, activating';
}

function activationView(n: NumberState): { activation?: ActivationView } {
  const a = n.activation;
  return a ? { activation: { ...a, configured: [...a.configured] } } : {};
}

function activationCounts(state: PortInState): Pick<PortInStatusView, 'activation'> {
  const all = Object.values(state.numbers).flatMap((n) => (n.activation ? [n.activation.status] : []));
  if (all.length === 0) return {};
  return {
    activation: {
      activating: all.filter((s) => s === 'activating').length,
      live: all.filter((s) => s === 'live').length,
      configurationFailed: all.filter((s) => s === 'configuration_failed').length,
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The `PortInStatus` value of an order parked until Twilio answers again. */
export const NEEDS_ATTENTION = 'Needs Attention';

/** The operator-facing status: the reducer's, except while the order is parked. */
export function displayStatus(state: PortInState): string {
  return state.phase === 'porting' && state.attention ? NEEDS_ATTENTION : orderStatus(state);
}

/**
 * Numbers still in progress. Once the order has failed, only numbers still open in a request at
 * Twilio are: the others will never move again.
 */
export function pendingNumbers(state: PortInState): number {
  if (state.phase !== 'failed') return pendingCount(state);
  return Object.values(state.numbers).filter((n) => n.requestSid != null && !isNumberTerminal(n)).length;
}

/** The values of the order's `PortInStatus`, `PortInNumbersPending` and `PortInRequestSids` search attributes. */
export function searchAttributeValues(
  state: PortInState,
  { attentionVisible }: { attentionVisible: boolean }
): { status: string; pending: number; requestSids: string[] } {
  return {
    status: attentionVisible ? displayStatus(state) : orderStatus(state),
    pending: attentionVisible ? pendingNumbers(state) : pendingCount(state),
    requestSids: Object.keys(state.requests),
  };
}

export interface StatusContext {
  loaExpiryMs: number;
  autoCancelMs: number | null;
  nextReconcileAt: number;
  /** The LOA reminder offsets before the expiry (ms); none before the deadline timers (patch deadlineTimers). */
  loaReminderOffsetsMs?: number[];
  /** How long before a cutoff its warning fires; null before the deadline timers. */
  cancelWindowWarningMs?: number | null;
  /** Whether the auto-cancel policy acts before the cutoff at the latest (since the deadline timers). */
  autoCancelBeforeCutoff?: boolean;
  /**
   * Workflow time of the view. With it, the cancel cutoff shown is the next one still ahead (the last
   * one once every window has closed), as in the `PortInCancelCutoff` search attribute; without it,
   * the earliest of any open number, passed or not.
   */
  now?: number;
}

function failureView(state: PortInState): FailureView | null {
  const f = state.failure;
  return f ? { type: f.type, code: f.code ?? null, message: f.message } : null;
}

function attentionView(state: PortInState, ctx: StatusContext): AttentionView | null {
  const a = state.attention;
  if (!a) return null;
  return {
    reason: a.reason,
    code: a.code,
    message: a.message,
    operation: a.operation,
    since: a.since,
    failures: a.failures,
    nextAttemptAt: state.phase === 'porting' ? iso(ctx.nextReconcileAt) : null,
  };
}

function eventsView(state: PortInState): EventsView | null {
  const e = state.events;
  if (!e) return null;
  return {
    delivered: e.delivered,
    pending: e.pending.length,
    failing: e.failing != null,
    failingSince: e.failing?.since ?? null,
    failedAttempts: e.failing?.attempts ?? 0,
    lastError: e.lastError ? { ...e.lastError } : null,
    lastDeliveredAt: e.lastDeliveredAt,
    dropped: e.dropped,
    givenUp: e.givenUp,
    recorded: e.nextSequence,
  };
}

/** The `portInStatus` answer. */
export function statusView(state: PortInState, ctx: StatusContext): PortInStatusView {
  const numbers = Object.values(state.numbers);
  const requests = Object.values(state.requests).map((r) => {
    const expiry = loaExpiryOf(r, ctx.loaExpiryMs);
    const reminder = nextLoaReminderAt(r, ctx.loaExpiryMs, ctx.loaReminderOffsetsMs ?? []);
    return {
      sid: r.sid,
      status: r.status,
      rawStatus: r.rawStatus,
      phoneNumbers: [...r.phoneNumbers],
      createdAt: r.createdAt,
      resubmissionOf: [...r.resubmissionOf],
      waitingForSignatureSince: r.waitingForSignatureSince,
      signatureRequestUrl: r.signatureRequestUrl,
      orderCancellationReason: r.orderCancellationReason,
      lastEventAt: r.lastEventAt,
      loaExpiresAt: expiry == null ? null : iso(expiry),
      nextLoaReminderAt: reminder == null ? null : iso(reminder),
    };
  });
  const expiries = requests.flatMap((r) => (r.loaExpiresAt ? [r.loaExpiresAt] : [])).sort();
  const cutoff = ctx.now == null ? orderCancelCutoff(state) : cancelCutoffSearchValue(state, ctx.now);
  const reminders = requests.flatMap((r) => (r.nextLoaReminderAt ? [r.nextLoaReminderAt] : [])).sort();
  const autoCancels =
    ctx.autoCancelMs == null
      ? []
      : rejectedNumbers(state).flatMap((n) =>
          n.rejection ? [autoCancelDueAt(state, n, ctx.autoCancelMs!, ctx.autoCancelBeforeCutoff ?? false)] : []
        );
  const warning =
    ctx.cancelWindowWarningMs == null ? null : nextCancelWindowWarningAt(state, ctx.cancelWindowWarningMs);
  return {
    orderId: state.orderId,
    customerRef: state.customerRef,
    status: displayStatus(state),
    phase: state.phase,
    targetPortInDate: state.targetPortInDate,
    requestSids: Object.keys(state.requests),
    requests,
    numbers: numbers.map((n) => ({
      phoneNumber: n.phoneNumber,
      status: n.status,
      statusLabel: activationLabel(n) ?? labelOfNumberStatus(n.status),
      rawStatus: n.rawStatus,
      requestSid: n.requestSid,
      phoneNumberSid: n.phoneNumberSid,
      portDate: n.portDate,
      cancelCutoff: isNumberTerminal(n) || !n.requestSid ? null : iso(cancelCutoffOf(state, n)),
      rejection: n.rejection ? { ...n.rejection } : null,
      notPortable: n.notPortable ? { ...n.notPortable } : null,
      previousAttempts: n.previousAttempts.map((a) => ({
        requestSid: a.requestSid,
        phoneNumberSid: a.phoneNumberSid,
        status: a.status,
        rejection: a.rejection ? { ...a.rejection } : null,
      })),
      ...activationView(n),
    })),
    counts: {
      total: numbers.length,
      pending: pendingNumbers(state),
      completed: numbers.filter((n) => n.status === PhoneNumberStatus.COMPLETED).length,
      canceled: numbers.filter((n) => n.status === PhoneNumberStatus.CANCELED).length,
      notPortable: numbers.filter((n) => n.status === 'not_portable').length,
      rejected: numbers.filter((n) => n.status === PhoneNumberStatus.PORT_REJECTED).length,
    },
    deadlines: {
      loaExpiresAt: expiries[0] ?? null,
      nextLoaReminderAt: reminders[0] ?? null,
      cancelCutoffAt: cutoff == null ? null : iso(cutoff),
      cancelWindowWarningAt: warning == null ? null : iso(warning),
      autoCancelRejectedAt: autoCancels.length ? iso(Math.min(...autoCancels)) : null,
      nextReconcileAt: state.phase === 'porting' ? iso(ctx.nextReconcileAt) : null,
    },
    timeline: state.timeline.map((t) => ({ ...t })),
    timelineDropped: state.timelineDropped,
    unknownStatuses: state.unknownStatuses.map((u) => ({ ...u })),
    failure: failureView(state),
    attention: attentionView(state, ctx),
    events: eventsView(state),
    // States carried over from before rules V2 have no suspect counter: none were refused then.
    counters: { ...state.counters, suspect: state.counters.suspect ?? 0 },
    ...activationCounts(state),
  };
}

/** How an ended order ended (its phase once set, else what its numbers say). */
export function outcomeOf(state: PortInState): PortInResult['outcome'] {
  return state.phase === 'completed' || state.phase === 'canceled' || state.phase === 'expired'
    ? state.phase
    : finalPhase(state);
}

/** The workflow's result. */
export function orderResult(state: PortInState): PortInResult {
  return {
    orderId: state.orderId,
    outcome: outcomeOf(state),
    requestSids: Object.keys(state.requests),
    numbers: Object.values(state.numbers).map((n) => ({
      phoneNumber: n.phoneNumber,
      status: n.status,
      requestSid: n.requestSid,
      portDate: n.portDate,
      rejection: n.rejection ? { code: n.rejection.code, reason: n.rejection.reason } : null,
      notPortable: n.notPortable,
      ...(n.activation
        ? {
            activation: {
              status: n.activation.status,
              phoneNumberSid: n.activation.phoneNumberSid,
              reason: n.activation.reason,
            },
          }
        : {}),
    })),
  };
}
