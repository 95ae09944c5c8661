/**
 * The one place lifecycle events are derived: a pure function of the state before and after a
 * change (called from `update(next)` in port-in-order.ts), plus the outbox that keeps them until
 * they are delivered. Other parts of the workflow emit an event only by changing the state: a
 * number's status, the phase, or a timeline entry of one of the kinds in {@link TIMELINE_EVENTS}.
 *
 * The outbox lives in the order's state, so it survives continue-as-new, and is bounded
 * ({@link OUTBOX_LIMIT}): when it is full the oldest pending events are dropped (and counted), so
 * the newest, the order's ending among them, are the ones kept. A receiver sees the gap in
 * `data.sequence`.
 */
import { portflowEventId } from '../events/types';
import type { PortflowEvent, PortflowEventData, PortflowEventType } from '../events/types';
import { PhoneNumberStatus } from '../twilio/porting-event';
import { cancelWindows } from './deadlines';
import { cancelCutoffOf, labelOfNumberStatus, orderCancelCutoff, orderStatus } from './state';
import type { NumberState, PortInState, TimelineEntry } from './state';

const DAY = 24 * 3_600_000;

/** Pending events an order keeps at most (about 200 KB of state at the sizes events have). */
export const OUTBOX_LIMIT = 500;

/** What an order knows of its events' delivery. Absent in states of runs before the patch. */
export interface EventsOutbox {
  /** The sequence number the next event gets. */
  nextSequence: number;
  /** Not yet delivered, oldest first, at most {@link OUTBOX_LIMIT}. */
  pending: PortflowEvent[];
  delivered: number;
  /** Dropped because the outbox was full. */
  dropped: number;
  /** Still pending when the order ended and the delivery grace ran out. */
  givenUp: number;
  lastDeliveredAt: string | null;
  /** Set while deliveries fail; cleared by the next delivery. */
  failing: { since: string; attempts: number; lastError: string } | null;
  /** The last delivery error, kept after recovery. */
  lastError: { at: string; message: string } | null;
}

/** An event before the outbox numbers it. */
export interface EventDraft {
  type: PortflowEventType;
  timestamp: string;
  data: Omit<PortflowEventData, 'eventId' | 'sequence' | 'orderId' | 'customerRef'>;
}

export interface EventContext {
  /** The order's LOA expiry (30 days by default), for `loa.reminder`'s days left. */
  loaExpiryMs: number;
}

/** Timeline kinds (the contract between engineers, see docs) and the event each one becomes. */
export const TIMELINE_EVENTS: Readonly<Record<string, PortflowEventType>> = {
  'loa-reminder': 'loa.reminder',
  'loa-expired': 'loa.expired',
  'cancel-window-closing': 'cancel_window.closing',
  'cancel-window-closed': 'cancel_window.closed',
  'number-live': 'number.live',
  'number-configuration-failed': 'number.configuration_failed',
};

const ENDINGS: Partial<Record<PortInState['phase'], PortflowEventType>> = {
  completed: 'order.completed',
  failed: 'order.failed',
  canceled: 'order.canceled',
  // Every LOA expired: Twilio cancels the requests, so for a backend the order was canceled.
  expired: 'order.canceled',
};

const ACTION_REQUIRED = 'Action Required';

export function emptyOutbox(): EventsOutbox {
  return {
    nextSequence: 0,
    pending: [],
    delivered: 0,
    dropped: 0,
    givenUp: 0,
    lastDeliveredAt: null,
    failing: null,
    lastError: null,
  };
}

/** The timeline entries `next` added to `prev` (the timeline is bounded: counted with what it dropped). */
export function addedTimelineEntries(prev: PortInState, next: PortInState): TimelineEntry[] {
  const added = next.timeline.length + next.timelineDropped - (prev.timeline.length + prev.timelineDropped);
  return added > 0 ? next.timeline.slice(-Math.min(added, next.timeline.length)) : [];
}

function counts(state: PortInState) {
  const numbers = Object.values(state.numbers);
  const of = (status: string) => numbers.filter((n) => n.status === status).length;
  return {
    total: numbers.length,
    completed: of(PhoneNumberStatus.COMPLETED),
    canceled: of(PhoneNumberStatus.CANCELED),
    notPortable: of('not_portable'),
    rejected: of(PhoneNumberStatus.PORT_REJECTED),
  };
}

/** A reason recorded by post-port activation (`NumberState.activation`), when there is one. */
function activationReason(n: NumberState | undefined): string | null {
  const activation = (n as { activation?: unknown } | undefined)?.activation;
  if (activation == null || typeof activation !== 'object') return null;
  const reason = (activation as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : null;
}

/**
 * The cancel window a `cancel-window-*` entry is about: the request's window whose cutoff the same
 * change marked noted with that stage (the deadline timers keep `cancelWindowNoted` per cutoff).
 */
function notedWindow(prev: PortInState, next: PortInState, requestSid: string, stage: string) {
  const before = prev.requests[requestSid]?.cancelWindowNoted ?? {};
  const after = next.requests[requestSid]?.cancelWindowNoted ?? {};
  const cutoff = Object.keys(after).find((at) => after[at] === stage && before[at] !== stage);
  if (!cutoff) return undefined;
  return cancelWindows(next).find((w) => w.requestSid === requestSid && new Date(w.cutoff).toISOString() === cutoff);
}

function fromTimeline(
  prev: PortInState,
  state: PortInState,
  entry: TimelineEntry,
  ctx: EventContext
): EventDraft | null {
  const type = TIMELINE_EVENTS[entry.kind];
  if (!type) return null;
  const request = entry.requestSid ? state.requests[entry.requestSid] : undefined;
  const number = entry.phoneNumber ? state.numbers[entry.phoneNumber] : undefined;
  const base = {
    ...(entry.requestSid ? { requestSid: entry.requestSid } : number ? { requestSid: number.requestSid } : {}),
    ...(entry.phoneNumber ? { phoneNumber: entry.phoneNumber } : {}),
    message: entry.message,
  };
  switch (type) {
    case 'loa.reminder': {
      const since = request?.waitingForSignatureSince ? Date.parse(request.waitingForSignatureSince) : NaN;
      const expiresAt = Number.isNaN(since) ? null : since + ctx.loaExpiryMs;
      return {
        type,
        timestamp: entry.at,
        data: {
          ...base,
          phoneNumbers: request ? [...request.phoneNumbers] : [],
          signatureRequestUrl: request?.signatureRequestUrl ?? null,
          loaExpiresAt: expiresAt == null ? null : new Date(expiresAt).toISOString(),
          daysLeft: expiresAt == null ? null : Math.max(0, Math.ceil((expiresAt - Date.parse(entry.at)) / DAY)),
        },
      };
    }
    case 'loa.expired':
      return { type, timestamp: entry.at, data: { ...base, phoneNumbers: request ? [...request.phoneNumbers] : [] } };
    case 'cancel_window.closing':
    case 'cancel_window.closed': {
      const window = entry.requestSid
        ? notedWindow(prev, state, entry.requestSid, type === 'cancel_window.closing' ? 'closing' : 'closed')
        : undefined;
      if (window) {
        return {
          type,
          timestamp: entry.at,
          data: {
            ...base,
            phoneNumbers: [...window.phoneNumbers],
            cancelCutoffAt: new Date(window.cutoff).toISOString(),
            cutoffConfirmed: window.confirmed,
          },
        };
      }
      const numbers = number
        ? [number]
        : request
          ? request.phoneNumbers.flatMap((p) => (state.numbers[p] ? [state.numbers[p]] : []))
          : [];
      const cutoffs = numbers.map((n) => cancelCutoffOf(state, n));
      const cutoff = cutoffs.length ? Math.min(...cutoffs) : orderCancelCutoff(state);
      return {
        type,
        timestamp: entry.at,
        data: {
          ...base,
          phoneNumbers: numbers.map((n) => n.phoneNumber),
          cancelCutoffAt: cutoff == null ? null : new Date(cutoff).toISOString(),
        },
      };
    }
    case 'number.configuration_failed':
      return { type, timestamp: entry.at, data: { ...base, reason: activationReason(number) ?? entry.message } };
    default:
      return { type, timestamp: entry.at, data: base };
  }
}

/**
 * The events a change of state means, in the order they are to be delivered: number status
 * changes (each `number.status_changed`, then `number.ported` / `number.rejected`), the order
 * entering Action Required, the timeline's event kinds, and last the order's ending. `prev` null:
 * the order starts. `at` is the workflow time of the change.
 */
export function lifecycleEvents(
  prev: PortInState | null,
  next: PortInState,
  at: string,
  ctx: EventContext
): EventDraft[] {
  if (prev == null) {
    return [
      {
        type: 'order.started',
        timestamp: at,
        data: {
          phoneNumbers: Object.keys(next.numbers),
          targetPortInDate: next.targetPortInDate,
          status: orderStatus(next),
        },
      },
    ];
  }
  if (prev === next) return [];
  const out: EventDraft[] = [];
  // Most updates leave the numbers as they were (timeline, outbox, requests): skip the scan.
  for (const n of prev.numbers === next.numbers ? [] : Object.values(next.numbers)) {
    const before = prev.numbers[n.phoneNumber];
    if (before === n) continue;
    if (before?.status === n.status) continue;
    const facts = { phoneNumber: n.phoneNumber, requestSid: n.requestSid };
    out.push({
      type: 'number.status_changed',
      timestamp: at,
      data: {
        ...facts,
        from: before?.status ?? null,
        to: n.status,
        statusLabel: labelOfNumberStatus(n.status),
        portDate: n.portDate,
      },
    });
    if (n.status === PhoneNumberStatus.COMPLETED) {
      out.push({ type: 'number.ported', timestamp: at, data: { ...facts, portDate: n.portDate } });
    } else if (n.status === PhoneNumberStatus.PORT_REJECTED) {
      out.push({
        type: 'number.rejected',
        timestamp: at,
        data: { ...facts, rejection: n.rejection ? { code: n.rejection.code, reason: n.rejection.reason } : null },
      });
    }
  }
  if (orderStatus(next) === ACTION_REQUIRED && orderStatus(prev) !== ACTION_REQUIRED) {
    out.push({
      type: 'order.action_required',
      timestamp: at,
      data: {
        status: ACTION_REQUIRED,
        rejectedNumbers: Object.values(next.numbers)
          .filter((n) => n.status === PhoneNumberStatus.PORT_REJECTED)
          .map((n) => ({
            phoneNumber: n.phoneNumber,
            requestSid: n.requestSid,
            rejection: n.rejection ? { code: n.rejection.code, reason: n.rejection.reason } : null,
          })),
      },
    });
  }
  for (const entry of addedTimelineEntries(prev, next)) {
    const draft = fromTimeline(prev, next, entry, ctx);
    if (draft) out.push(draft);
  }
  const ending = ENDINGS[next.phase];
  if (ending && next.phase !== prev.phase) {
    out.push({
      type: ending,
      timestamp: at,
      data: {
        outcome: next.phase,
        status: orderStatus(next),
        counts: counts(next),
        ...(next.phase === 'failed' && next.failure
          ? { failure: { type: next.failure.type, code: next.failure.code ?? null, message: next.failure.message } }
          : {}),
      },
    });
  }
  return out;
}

const REDACTED = '[redacted]';
const FREE_TEXT = new Set(['message', 'reason']);

/** Replaces every secret (an order's PINs and account number) in a text, longest first. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter(Boolean).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * Derived events are built from the state, which holds no PIN or account number; the free texts
 * (`message`, `reason`, at any depth) come from Twilio and the carrier, and are scrubbed of the
 * order's secrets here in case one of them ever quotes one.
 */
export function redactDraft(draft: EventDraft, secrets: readonly string[]): EventDraft {
  if (secrets.length === 0) return draft;
  const scrub = (value: unknown, key: string | null): unknown => {
    if (typeof value === 'string') return key != null && FREE_TEXT.has(key) ? redactText(value, secrets) : value;
    if (Array.isArray(value)) return value.map((v) => scrub(v, null));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, k)]));
    }
    return value;
  };
  return { ...draft, data: scrub(draft.data, null) as EventDraft['data'] };
}

/**
 * Numbers the drafts and appends them to the outbox; if it overflows, the oldest pending events
 * are dropped. Ids are `evt_<workflow id>_<first run id>_<sequence>`: the same for every delivery attempt.
 */
export function appendEvents(
  outbox: EventsOutbox,
  drafts: readonly EventDraft[],
  order: { workflowId: string; firstRunId: string; orderId: string; customerRef: string },
  limit: number = OUTBOX_LIMIT
): EventsOutbox {
  if (drafts.length === 0) return outbox;
  const added = drafts.map((d, i): PortflowEvent => {
    const sequence = outbox.nextSequence + i;
    return {
      type: d.type,
      timestamp: d.timestamp,
      data: {
        eventId: portflowEventId(order.workflowId, order.firstRunId, sequence),
        sequence,
        orderId: order.orderId,
        customerRef: order.customerRef,
        ...d.data,
      },
    };
  });
  const pending = [...outbox.pending, ...added];
  const overflow = Math.max(0, pending.length - limit);
  return {
    ...outbox,
    nextSequence: outbox.nextSequence + drafts.length,
    pending: overflow ? pending.slice(overflow) : pending,
    dropped: outbox.dropped + overflow,
  };
}

/** The first `count` pending events were delivered. */
export function markDelivered(outbox: EventsOutbox, count: number, at: string): EventsOutbox {
  if (count <= 0) return outbox;
  return {
    ...outbox,
    pending: outbox.pending.slice(count),
    delivered: outbox.delivered + count,
    lastDeliveredAt: at,
    failing: null,
  };
}

/** A delivery attempt failed (after the activity's own retries). */
export function markFailed(outbox: EventsOutbox, message: string, at: string): EventsOutbox {
  return {
    ...outbox,
    failing: {
      since: outbox.failing?.since ?? at,
      attempts: (outbox.failing?.attempts ?? 0) + 1,
      lastError: message,
    },
    lastError: { at, message },
  };
}

/** The order ended and the grace ran out: what is still pending is given up. */
export function giveUpPending(outbox: EventsOutbox): EventsOutbox {
  return { ...outbox, pending: [], givenUp: outbox.givenUp + outbox.pending.length };
}
