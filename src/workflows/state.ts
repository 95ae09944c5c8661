/**
 * The state of one port-in order and the one reducer that moves it. Deterministic and free of I/O
 * and clocks: the caller passes the (workflow) time, so the same inputs always give the same state.
 * Webhook events, reconciliation polls and operator actions all go through `applyEvent`.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../twilio/porting-event';
import type { NumberPortingEvent, PortingEvent, RequestPortingEvent } from '../twilio/porting-event';
import type { EventsOutbox } from './lifecycle-events';
import { numberMoveKind, requestMoveKind } from './transitions';
import type { MoveKind, NumberStatus } from './transitions';

export type { NumberStatus } from './transitions';

/**
 * Where a number's or a request's current status came from: a Twilio webhook, the reconciliation
 * poll (Twilio's API, the truth), or the workflow's own operator markers (Canceling, Expired).
 * `null` (or absent, in states of runs before rules V2) when not tracked.
 */
export type StatusSource = PortingEvent['source'];

export interface Rejection {
  code: number | null;
  reason: string | null;
  /** Workflow time the rejection was recorded. */
  at: string;
}

export interface PreviousAttempt {
  requestSid: string;
  phoneNumberSid: string | null;
  status: NumberStatus;
  rejection: Rejection | null;
}

export interface NumberState {
  phoneNumber: string;
  status: NumberStatus;
  rawStatus: string | null;
  requestSid: string | null;
  phoneNumberSid: string | null;
  /** Confirmed port date (FOC), ISO date-time. */
  portDate: string | null;
  rejection: Rejection | null;
  notPortable: { code: number | null; reason: string | null } | null;
  /** Twilio's timestamp of the last event applied: orders later events. */
  lastEventAt: string | null;
  /** Requests this number was in before a resubmission moved it. */
  previousAttempts: PreviousAttempt[];
  /** Who reported the current status (rules V2 set it; absent in V1 states): see {@link StatusSource}. */
  statusSource?: StatusSource | null;
  /** After the port (since `portflow-post-port-activation`): the number in the account and its configuration. */
  activation?: ActivationState;
}

/**
 * A completed number's activation: `activating` while the workflow checks the account and applies
 * the order's `onPorted` configuration, then `live` or `configuration_failed` (with Twilio's reason).
 */
export interface ActivationState {
  status: 'activating' | 'live' | 'configuration_failed';
  /** `PN…` once found in the account's IncomingPhoneNumbers. */
  phoneNumberSid: string | null;
  /** Fields set on the number (camelCase names of `onPorted`), and the Messaging Service it joined. */
  configured: string[];
  messagingServiceSid: string | null;
  /** Why the configuration failed: Twilio's message, or ours when the number never appeared. */
  reason: string | null;
  /** Twilio's code (or HTTP status) when Twilio refused. */
  code: number | null;
  /** How many times the account was checked for the number. */
  checks: number | null;
  /** Workflow time of the last change. */
  at: string;
}

export interface RequestState {
  sid: string;
  status: PortInRequestStatus;
  rawStatus: string | null;
  phoneNumbers: string[];
  /** Workflow time the request was created (or found). */
  createdAt: string;
  /** The requests whose rejected numbers this one resubmits; empty for the order's own requests. */
  resubmissionOf: string[];
  /** Workflow time the LOA went out; the 30-day expiry runs from here. */
  waitingForSignatureSince: string | null;
  signatureRequestUrl: string | null;
  orderCancellationReason: string | null;
  lastEventAt: string | null;
  /** Who reported the current status (rules V2 set it; absent in V1 states): see {@link StatusSource}. */
  statusSource?: StatusSource | null;
  /**
   * Workflow time the workflow expired the request by its own LOA timer (set under rules V2 only).
   * A later poll may put it back to Waiting for Signature; the expiry does not fire a second time.
   */
  loaExpiredAt?: string | null;
  /** The LOA reminders that have fired, as their offsets before the expiry in ms (src/workflows/deadlines.ts). */
  loaRemindersSent?: number[];
  /** The cancel-window notes made, by cutoff (ISO): a cutoff that moves is a new window. */
  cancelWindowNoted?: Record<string, 'closing' | 'closed'>;
}

export type OrderPhase =
  | 'checking_portability'
  | 'uploading_bill'
  | 'creating_requests'
  | 'porting'
  | 'completed'
  | 'canceled'
  | 'expired'
  | 'failed';

export interface TimelineEntry {
  /** Workflow time. */
  at: string;
  kind: string;
  message: string;
  requestSid?: string;
  phoneNumber?: string;
}

export interface PortInState {
  orderId: string;
  customerRef: string;
  targetPortInDate: string;
  targetPortInTimeRangeStart: string | null;
  phase: OrderPhase;
  numbers: Record<string, NumberState>;
  requests: Record<string, RequestState>;
  documentSids: string[];
  timeline: TimelineEntry[];
  /** Timeline entries dropped to keep the state (and continue-as-new input) bounded. */
  timelineDropped: number;
  unknownStatuses: Array<{ at: string; requestSid: string; phoneNumber: string | null; rawStatus: string }>;
  /** Why the order ended in failure; `code` is Twilio's (absent in states of older runs). */
  failure: { type: string; message: string; code?: number | null } | null;
  /** Set while Twilio refuses or fails the calls the order needs; cleared by the next success. */
  attention?: AttentionState | null;
  /**
   * Lifecycle events for the order's backend (owned by the workflow, not the reducer): the outbox and
   * its delivery state. Absent in states of runs before the `portflow-lifecycle-events` patch and
   * of orders without an events URL.
   */
  events?: EventsOutbox;
  /** `suspect`: webhooks rules V2 refused (see {@link ApplyOutcome}); missing in states of older runs until resumed. */
  counters: { applied: number; duplicates: number; stale: number; unrouted: number; runs: number; suspect: number };
}

/** An order parked as "Needs Attention" (owned by the workflow, not the reducer). */
export interface AttentionState {
  reason: string;
  code: number | null;
  message: string;
  /** What was being done: `reconcile`, `cancel`, `resubmit`, ... */
  operation: string;
  /** Workflow time of the first failure of this streak. */
  since: string;
  /** Failed calls in this streak. */
  failures: number;
}

export const TIMELINE_LIMIT = 300;

/**
 * What {@link applyEvent} did with an event. `suspect` (rules V2 only): a webhook that is dated beyond
 * the allowed clock skew, or would move a status backwards, out of a terminal status or along no
 * documented transition; it was not applied, the timeline says why (kind `suspect-event`) and
 * `counters.suspect` counts it. The workflow answers it with an immediate reconcile.
 */
export type ApplyOutcome =
  'applied' | 'duplicate' | 'stale' | 'unknown-request' | 'unknown-number' | 'unknown-status' | 'suspect';

/**
 * The rules {@link applyEvent} applies. Version 1 is the reducer every history recorded before the
 * rules were versioned ran with, and stays byte-for-byte the same so those histories replay. Version 2
 * makes the API the truth: polls replace, webhooks only advance along the documented transitions.
 */
export interface ReducerRules {
  readonly version: 1 | 2;
  /**
   * How far past the workflow time a webhook's Twilio timestamp may lie before it is suspect (V2).
   * Ignored by version 1.
   */
  readonly maxClockSkewMs: number;
}

/**
 * Today's rules, the default: the later Twilio timestamp wins (else the higher rank), terminal
 * statuses never move, polls and webhooks alike. Old workflow histories replay against these.
 */
export const REDUCER_RULES_V1: ReducerRules = Object.freeze({ version: 1, maxClockSkewMs: Number.POSITIVE_INFINITY });

/**
 * The API is the truth. A poll (`source: 'poll'`) sets each request and number exactly to Twilio's
 * answer, backwards and out of terminal statuses included. A webhook moves a status only along the
 * documented transitions (src/workflows/transitions.ts) and only when dated at most
 * `maxClockSkewMs` after the workflow time; otherwise it is `suspect`. Operator markers as in V1.
 *
 * Five minutes of skew: the clocks compared are Twilio's (`last_date_updated`) and the Temporal
 * server's (workflow time, taken when the task that handles the signal starts, so always after the
 * webhook arrived). NTP keeps honest clocks within well under a second, so only a broken clock or a
 * forged date gets past minutes; five minutes is the tolerance Kerberos settled on for the same
 * question (krb5.conf `clockskew`, default 300 s). Within it, an early date can only hide real events
 * of those few minutes, and the next poll replaces it.
 */
export const REDUCER_RULES_V2: ReducerRules = Object.freeze({ version: 2, maxClockSkewMs: 5 * 60_000 });

export interface ApplyResult {
  state: PortInState;
  outcome: ApplyOutcome;
}

export function initialState(input: {
  orderId: string;
  customerRef: string;
  phoneNumbers: string[];
  targetPortInDate: string;
  targetPortInTimeRangeStart?: string | null;
}): PortInState {
  const numbers: Record<string, NumberState> = {};
  for (const phoneNumber of input.phoneNumbers) {
    numbers[phoneNumber] = {
      phoneNumber,
      status: 'checking',
      rawStatus: null,
      requestSid: null,
      phoneNumberSid: null,
      portDate: null,
      rejection: null,
      notPortable: null,
      lastEventAt: null,
      previousAttempts: [],
    };
  }
  return {
    orderId: input.orderId,
    customerRef: input.customerRef,
    targetPortInDate: input.targetPortInDate,
    targetPortInTimeRangeStart: input.targetPortInTimeRangeStart ?? null,
    phase: 'checking_portability',
    numbers,
    requests: {},
    documentSids: [],
    timeline: [],
    timelineDropped: 0,
    unknownStatuses: [],
    failure: null,
    counters: { applied: 0, duplicates: 0, stale: 0, unrouted: 0, runs: 1, suspect: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// Ordering: a number or request never moves back. With Twilio timestamps on both sides, the later
// one wins; without them, only a move forward in this rank is taken.

const numberRank: Record<NumberStatus, number> = {
  checking: -1,
  in_review: 0,
  waiting_for_signature: 1,
  port_submitted: 2,
  port_pending: 3,
  port_rejected: 3,
  canceling: 4,
  completed: 5,
  canceled: 5,
  not_portable: 5,
  unknown: -2,
};

const requestRank: Record<PortInRequestStatus, number> = {
  in_review: 0,
  waiting_for_signature: 1,
  in_progress: 2,
  action_required: 2,
  canceling: 3,
  completed: 4,
  canceled: 4,
  expired: 4,
  unknown: -2,
};

export const terminalNumberStatuses: ReadonlySet<NumberStatus> = new Set(['completed', 'canceled', 'not_portable']);
export const terminalRequestStatuses: ReadonlySet<PortInRequestStatus> = new Set([
  PortInRequestStatus.COMPLETED,
  PortInRequestStatus.CANCELED,
  PortInRequestStatus.EXPIRED,
]);

export function isNumberTerminal(n: NumberState): boolean {
  return terminalNumberStatuses.has(n.status);
}

function compareTimes(a: string | null | undefined, b: string | null | undefined): number | undefined {
  if (!a || !b) return undefined;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return undefined;
  return ta === tb ? 0 : ta < tb ? -1 : 1;
}

/** 'forward' to take the event, 'same' when it repeats the current status, 'stale' to drop it. */
function ordering(
  current: { status: string; lastEventAt: string | null; terminal: boolean },
  event: { status: string; occurredAt?: string | null },
  rank: (s: string) => number
): 'forward' | 'same' | 'stale' {
  const byTime = compareTimes(event.occurredAt, current.lastEventAt);
  // An older report of the current status must not bring back what a later one replaced (a port date).
  if (event.status === current.status) return byTime !== undefined && byTime < 0 ? 'stale' : 'same';
  if (current.terminal) return 'stale';
  if (byTime !== undefined && byTime < 0) return 'stale';
  if (byTime !== undefined && byTime > 0) return 'forward';
  return rank(event.status) > rank(current.status) ? 'forward' : 'stale';
}

/** The timestamp to keep after a repeated status: the event's when it is later, or the first one known. */
function laterOf(eventAt: string | null | undefined, knownAt: string | null): string | null {
  if (!eventAt) return knownAt;
  if (!knownAt) return eventAt;
  return compareTimes(eventAt, knownAt) === 1 ? eventAt : knownAt;
}

// ---------------------------------------------------------------------------------------------

function withTimeline(state: PortInState, entry: TimelineEntry): PortInState {
  const timeline = [...state.timeline, entry];
  const overflow = timeline.length - TIMELINE_LIMIT;
  return overflow > 0
    ? { ...state, timeline: timeline.slice(overflow), timelineDropped: state.timelineDropped + overflow }
    : { ...state, timeline };
}

/**
 * The numbers map the current round of {@link applyEventRound} owns: it copied it at the round's first
 * change, and no state outside the round holds it, so later changes of the round write into it in
 * place. A 1,000-key copy costs about 0.4 ms, so a copy per event made a burst of webhooks quadratic.
 * Null outside a round, where every change copies (and applyEvent stays pure).
 */
let roundNumbers: Record<string, NumberState> | null = null;
let inRound = false;

/** `state` with its numbers changed by `edit`, which writes into the map it is given. */
function editNumbers(state: PortInState, edit: (numbers: Record<string, NumberState>) => void): PortInState {
  if (roundNumbers !== null && state.numbers === roundNumbers) {
    edit(roundNumbers);
    return { ...state };
  }
  const numbers = { ...state.numbers };
  edit(numbers);
  if (inRound) roundNumbers = numbers;
  return { ...state, numbers };
}

/** `state` with one number replaced. */
function withNumber(state: PortInState, n: NumberState): PortInState {
  return editNumbers(state, (numbers) => {
    numbers[n.phoneNumber] = n;
  });
}

function count(state: PortInState, key: keyof PortInState['counters']): PortInState {
  // `?? 0`: a state carried by an older run may lack a counter added since.
  return { ...state, counters: { ...state.counters, [key]: (state.counters[key] ?? 0) + 1 } };
}

const numberStatusLabel: Record<NumberStatus, string> = {
  checking: 'Checking portability',
  not_portable: 'Not portable',
  in_review: 'In Review',
  waiting_for_signature: 'Waiting for Signature',
  port_submitted: 'Port Submitted',
  port_pending: 'Port Pending',
  port_rejected: 'Port Rejected',
  completed: 'Completed',
  canceling: 'Canceling',
  canceled: 'Canceled',
  unknown: 'Unknown',
};

const requestStatusLabel: Record<PortInRequestStatus, string> = {
  in_review: 'In Review',
  waiting_for_signature: 'Waiting for Signature',
  in_progress: 'In Progress',
  action_required: 'Action Required',
  completed: 'Completed',
  canceling: 'Canceling',
  canceled: 'Canceled',
  expired: 'Expired',
  unknown: 'Unknown',
};

export function labelOfNumberStatus(status: NumberStatus): string {
  return numberStatusLabel[status];
}

export function labelOfRequestStatus(status: PortInRequestStatus): string {
  return requestStatusLabel[status];
}

/**
 * Applies one event under `rules` ({@link REDUCER_RULES_V1} when omitted). Duplicates and events older
 * than what the state already knows are no-ops; unknown statuses are recorded, never fatal. `at` is the
 * workflow time: the timeline's clock and, under V2, the reference of the clock-skew check.
 */
export function applyEvent(
  state: PortInState,
  event: PortingEvent,
  at: string,
  rules: ReducerRules = REDUCER_RULES_V1
): ApplyResult {
  const request = state.requests[event.portInRequestSid];
  if (!request) return { state: count(state, 'unrouted'), outcome: 'unknown-request' };
  if (rules.version === 2 && event.source === 'poll') {
    return event.level === 'request'
      ? applyPolledRequest(state, request, event, at, rules)
      : applyPolledNumber(state, request, event, at, rules);
  }
  const mode: Mode =
    rules.version === 2 ? { stamp: event.source, checks: event.source === 'webhook' ? rules : null } : V1_MODE;
  return event.level === 'request'
    ? applyRequestEvent(state, request, event, at, mode)
    : applyNumberEvent(state, request, event, at, mode);
}

/** What {@link applyEventRound} did: the state after the round, each applied event's outcome, the events left. */
export interface RoundResult {
  state: PortInState;
  outcomes: ApplyOutcome[];
  rest: PortingEvent[];
}

/**
 * Applies `events` in order, as {@link applyEvent} one after another would, up to the end of a round:
 * the longest run of them in which no number is changed twice and no request event is mixed with
 * others (one changes the request and may cancel every number in it). So a diff of the state before
 * and after a round sees each number's every status, as it would between single events, while the
 * round copies the numbers map once instead of once per event. Pure; `rest` is what the next round takes.
 */
export function applyEventRound(
  state: PortInState,
  events: readonly PortingEvent[],
  at: string,
  rules: ReducerRules = REDUCER_RULES_V1
): RoundResult {
  const touched = new Set<string>();
  const outcomes: ApplyOutcome[] = [];
  let next = state;
  inRound = true;
  try {
    for (const event of events) {
      const target = eventTarget(next, event);
      if (outcomes.length > 0 && (target === REQUEST || (target !== null && touched.has(target)))) break;
      const result = applyEvent(next, event, at, rules);
      next = result.state;
      outcomes.push(result.outcome);
      if (target === REQUEST) break;
      if (target !== null) touched.add(target);
    }
  } finally {
    inRound = false;
    roundNumbers = null;
  }
  return { state: next, outcomes, rest: events.slice(outcomes.length) };
}

const REQUEST = Symbol('request');

/** What an event may change beyond the counters: its request (and so any of its numbers), one number, or nothing. */
function eventTarget(state: PortInState, event: PortingEvent): typeof REQUEST | string | null {
  const request = state.requests[event.portInRequestSid];
  if (!request) return null;
  if (event.level === 'request') return REQUEST;
  return findNumber(state, request, event)?.phoneNumber ?? null;
}

/** How the webhook and operator path runs: exactly as V1, or under V2 (stamping sources, checking webhooks). */
interface Mode {
  /** Set as `statusSource` on each status the event changes (V2); undefined leaves the field alone (V1). */
  stamp: StatusSource | undefined;
  /** The rules a webhook is checked against (V2 webhooks); null for V1 and for operator markers. */
  checks: ReducerRules | null;
}
const V1_MODE: Mode = { stamp: undefined, checks: null };

/** `statusSource` for a status the event changes: nothing at all under V1, so V1 states keep their shape. */
function stamped(mode: Mode): { statusSource?: StatusSource } {
  return mode.stamp === undefined ? {} : { statusSource: mode.stamp };
}

/** An ordering verdict, or why a webhook is suspect. */
type Order = 'forward' | 'same' | 'stale' | { suspect: string };

/**
 * V2's ordering of a webhook: a repeat or an older report as in V1 (a late delivery is normal, not
 * suspect); any other move must be `forward` along the documented transitions. Twilio's timestamps
 * have whole seconds, so two changes can share one: a report dated the same second as the current
 * status, from which the table leads to the current status, is the earlier of the two (stale).
 */
function documentedOrdering<S extends string>(
  current: { status: S; lastEventAt: string | null },
  event: { status: S; occurredAt?: string | null },
  classify: (from: S, to: S) => MoveKind,
  why: (kind: MoveKind) => string
): Order {
  const byTime = compareTimes(event.occurredAt, current.lastEventAt);
  if (event.status === current.status) return byTime !== undefined && byTime < 0 ? 'stale' : 'same';
  if (byTime !== undefined && byTime < 0) return 'stale';
  const kind = classify(current.status, event.status);
  if (kind === 'forward') return 'forward';
  if (byTime === 0 && classify(event.status, current.status) === 'forward') return 'stale';
  return { suspect: why(kind) };
}

function moveReason(kind: MoveKind, what: 'request' | 'number', from: string, to: string): string {
  switch (kind) {
    case 'backwards':
      return `it would move the ${what} back from ${from} to ${to}`;
    case 'out-of-terminal':
      return `it would move the ${what} out of ${from}, a final status, to ${to}`;
    default:
      return `${from} to ${to} is not a documented transition`;
  }
}

/** Why a webhook is dated too far ahead of the workflow time, or null when it is not. */
function futureDated(event: PortingEvent, at: string, rules: ReducerRules): string | null {
  const eventAt = event.occurredAt ? Date.parse(event.occurredAt) : NaN;
  const now = Date.parse(at);
  if (Number.isNaN(eventAt) || Number.isNaN(now) || eventAt <= now + rules.maxClockSkewMs) return null;
  return `it is dated ${event.occurredAt}, more than ${Math.round(rules.maxClockSkewMs / 1000)} s after the workflow time ${at}`;
}

/** A webhook V2 refuses: nothing changes but the timeline and `counters.suspect`. */
function recordSuspect(
  state: PortInState,
  event: PortingEvent,
  phoneNumber: string | null,
  reason: string,
  at: string
) {
  // Sliced: a signal can carry any string, and the timeline travels in every continue-as-new.
  const what = event.eventName?.slice(0, 100) ?? `status "${event.rawStatus.slice(0, 100)}"`;
  const next = withTimeline(state, {
    at,
    kind: 'suspect-event',
    message: `Suspect webhook ${what} not applied: ${reason}; Twilio's API will be asked`,
    requestSid: event.portInRequestSid,
    ...(phoneNumber ? { phoneNumber } : {}),
  });
  return { state: count(next, 'suspect'), outcome: 'suspect' } satisfies ApplyResult;
}

function recordUnknown(state: PortInState, event: PortingEvent, phoneNumber: string | null, at: string): ApplyResult {
  const next = withTimeline(
    {
      ...state,
      unknownStatuses: [
        ...state.unknownStatuses.slice(-49),
        { at, requestSid: event.portInRequestSid, phoneNumber, rawStatus: event.rawStatus },
      ],
    },
    {
      at,
      kind: 'unknown-status',
      message: `Unrecognized status "${event.rawStatus}" recorded; nothing changed`,
      requestSid: event.portInRequestSid,
      ...(phoneNumber ? { phoneNumber } : {}),
    }
  );
  return { state: next, outcome: 'unknown-status' };
}

function requestStatusMessage(request: RequestState): string {
  const canceled = request.status === PortInRequestStatus.CANCELED || request.status === PortInRequestStatus.EXPIRED;
  return `Request ${requestStatusLabel[request.status]}${
    canceled && request.orderCancellationReason ? ` (${request.orderCancellationReason})` : ''
  }`;
}

function numberStatusMessage(n: Pick<NumberState, 'status' | 'rejection' | 'portDate'>): string {
  let message = numberStatusLabel[n.status];
  if (n.status === PhoneNumberStatus.PORT_REJECTED && n.rejection) {
    message += ` — ${n.rejection.code ?? 'no code'}: ${n.rejection.reason ?? 'no reason given'}`;
  }
  if (n.status === PhoneNumberStatus.PORT_PENDING && n.portDate) message += `, port date ${n.portDate}`;
  return message;
}

/**
 * An expired or canceled request takes every number still open in it along (Twilio cancels them).
 * Under V2 (`mode.stamp` set) each number also takes the request event's timestamp, so a late report
 * of its earlier status reads as late (stale), not as a move out of Canceled (suspect).
 */
function cancelOpenNumbers(state: PortInState, request: RequestState, mode: Mode, occurredAt?: string | null) {
  return editNumbers(state, (numbers) => {
    for (const phoneNumber of request.phoneNumbers) {
      const n = numbers[phoneNumber];
      if (n && n.requestSid === request.sid && !isNumberTerminal(n)) {
        numbers[phoneNumber] = {
          ...n,
          status: PhoneNumberStatus.CANCELED,
          rawStatus: n.rawStatus,
          ...(mode.stamp === undefined
            ? {}
            : { statusSource: mode.stamp, lastEventAt: laterOf(occurredAt, n.lastEventAt) }),
        };
      }
    }
  });
}

function applyRequestEvent(
  state: PortInState,
  request: RequestState,
  event: RequestPortingEvent,
  at: string,
  mode: Mode
): ApplyResult {
  if (event.status === PortInRequestStatus.UNKNOWN) return recordUnknown(state, event, null, at);
  const late = mode.checks && futureDated(event, at, mode.checks);
  if (late) return recordSuspect(state, event, null, late, at);
  const order: Order = mode.checks
    ? documentedOrdering<PortInRequestStatus>(request, event, requestMoveKind, (kind) =>
        moveReason(kind, 'request', requestStatusLabel[request.status], requestStatusLabel[event.status])
      )
    : ordering(
        {
          status: request.status,
          lastEventAt: request.lastEventAt,
          terminal: terminalRequestStatuses.has(request.status),
        },
        event,
        (s) => requestRank[s as PortInRequestStatus]
      );
  if (typeof order === 'object') return recordSuspect(state, event, null, order.suspect, at);
  if (order === 'stale') {
    // Overtaken, so the status stays; but details the state still lacks are kept, whatever the delivery order.
    const gaps = {
      signatureRequestUrl: request.signatureRequestUrl ?? event.signatureRequestUrl ?? null,
      orderCancellationReason: request.orderCancellationReason ?? event.orderCancellationReason ?? null,
    };
    const filled =
      gaps.signatureRequestUrl !== request.signatureRequestUrl ||
      gaps.orderCancellationReason !== request.orderCancellationReason;
    const next = filled ? { ...state, requests: { ...state.requests, [request.sid]: { ...request, ...gaps } } } : state;
    return { state: count(next, 'stale'), outcome: 'stale' };
  }
  const details = {
    signatureRequestUrl: event.signatureRequestUrl ?? request.signatureRequestUrl,
    orderCancellationReason: event.orderCancellationReason ?? request.orderCancellationReason,
  };
  if (order === 'same') {
    const lastEventAt = laterOf(event.occurredAt, request.lastEventAt);
    const newInfo =
      details.signatureRequestUrl !== request.signatureRequestUrl ||
      details.orderCancellationReason !== request.orderCancellationReason;
    if (!newInfo && lastEventAt === request.lastEventAt) {
      return { state: count(state, 'duplicates'), outcome: 'duplicate' };
    }
    const next = { ...state, requests: { ...state.requests, [request.sid]: { ...request, ...details, lastEventAt } } };
    // A later report with nothing new only moves the clock, so an older report cannot undo it.
    return newInfo
      ? { state: count(next, 'applied'), outcome: 'applied' }
      : { state: count(next, 'duplicates'), outcome: 'duplicate' };
  }

  const updated: RequestState = {
    ...request,
    ...details,
    status: event.status,
    rawStatus: event.rawStatus,
    lastEventAt: event.occurredAt ?? request.lastEventAt,
    waitingForSignatureSince:
      event.status === PortInRequestStatus.WAITING_FOR_SIGNATURE && !request.waitingForSignatureSince
        ? at
        : request.waitingForSignatureSince,
    ...stamped(mode),
  };
  let next: PortInState = { ...state, requests: { ...state.requests, [request.sid]: updated } };
  next = withTimeline(next, {
    at,
    kind: 'request-status',
    message: requestStatusMessage(updated),
    requestSid: request.sid,
  });
  if (event.status === PortInRequestStatus.CANCELED || event.status === PortInRequestStatus.EXPIRED) {
    next = cancelOpenNumbers(next, request, mode, event.occurredAt);
  }
  return { state: count(next, 'applied'), outcome: 'applied' };
}

function findNumber(state: PortInState, request: RequestState, event: NumberPortingEvent): NumberState | undefined {
  // Only numbers filed in this request: a number of the order in another request is not this one's.
  if (event.phoneNumber && request.phoneNumbers.includes(event.phoneNumber)) return state.numbers[event.phoneNumber];
  if (event.phoneNumberSid) {
    for (const phoneNumber of request.phoneNumbers) {
      const n = state.numbers[phoneNumber];
      if (n?.phoneNumberSid === event.phoneNumberSid) return n;
      if (n?.previousAttempts.some((a) => a.phoneNumberSid === event.phoneNumberSid)) return n;
    }
  }
  return undefined;
}

function applyNumberEvent(
  state: PortInState,
  request: RequestState,
  event: NumberPortingEvent,
  at: string,
  mode: Mode
): ApplyResult {
  const number = findNumber(state, request, event);
  if (!number) return { state: count(state, 'unrouted'), outcome: 'unknown-number' };
  if (event.status === PhoneNumberStatus.UNKNOWN) return recordUnknown(state, event, number.phoneNumber, at);
  const late = mode.checks && futureDated(event, at, mode.checks);
  if (late) return recordSuspect(state, event, number.phoneNumber, late, at);

  // News about a request this number has since left (after a resubmission): keep it as history.
  if (number.requestSid !== request.sid) {
    // Attempts keep no timestamps: only a move forward in rank is taken, so their history never runs back.
    const attempts = number.previousAttempts.map((a) =>
      a.requestSid === request.sid &&
      !terminalNumberStatuses.has(a.status) &&
      numberRank[event.status] > numberRank[a.status]
        ? { ...a, status: event.status as NumberStatus }
        : a
    );
    const changed = attempts.some((a, i) => a !== number.previousAttempts[i]);
    if (!changed) {
      const same = number.previousAttempts.some((a) => a.requestSid === request.sid && a.status === event.status);
      return same
        ? { state: count(state, 'duplicates'), outcome: 'duplicate' }
        : { state: count(state, 'stale'), outcome: 'stale' };
    }
    const next = withNumber(state, { ...number, previousAttempts: attempts });
    return { state: count(next, 'applied'), outcome: 'applied' };
  }

  const order: Order = mode.checks
    ? documentedOrdering<NumberStatus>(number, event, numberMoveKind, (kind) =>
        moveReason(kind, 'number', numberStatusLabel[number.status], numberStatusLabel[event.status])
      )
    : ordering(
        { status: number.status, lastEventAt: number.lastEventAt, terminal: isNumberTerminal(number) },
        event,
        (s) => numberRank[s as NumberStatus]
      );
  if (typeof order === 'object') return recordSuspect(state, event, number.phoneNumber, order.suspect, at);
  const reported =
    event.status === PhoneNumberStatus.PORT_REJECTED &&
    (event.rejectionReasonCode != null || event.rejectionReason != null)
      ? { code: event.rejectionReasonCode ?? null, reason: event.rejectionReason ?? null, at }
      : null;
  if (order === 'stale') {
    // Overtaken (say, the rejection by the cancellation), so the status stays; but details the state still
    // lacks are kept, so the number ends the same whatever the delivery order.
    const gaps = {
      portDate: number.portDate ?? event.portDate ?? null,
      rejection: number.rejection ?? reported,
      phoneNumberSid: number.phoneNumberSid ?? event.phoneNumberSid ?? null,
    };
    const filled =
      gaps.portDate !== number.portDate ||
      gaps.rejection !== number.rejection ||
      gaps.phoneNumberSid !== number.phoneNumberSid;
    const next = filled ? withNumber(state, { ...number, ...gaps }) : state;
    return { state: count(next, 'stale'), outcome: 'stale' };
  }

  const portDate = event.portDate ?? number.portDate;
  const phoneNumberSid = number.phoneNumberSid ?? event.phoneNumberSid ?? null;
  const rejection = reported ?? number.rejection;

  if (order === 'same') {
    const lastEventAt = laterOf(event.occurredAt, number.lastEventAt);
    const newInfo =
      portDate !== number.portDate ||
      phoneNumberSid !== number.phoneNumberSid ||
      (rejection !== number.rejection &&
        (rejection?.code !== number.rejection?.code || rejection?.reason !== number.rejection?.reason));
    if (!newInfo && lastEventAt === number.lastEventAt) {
      return { state: count(state, 'duplicates'), outcome: 'duplicate' };
    }
    if (!newInfo) {
      // A later report with nothing new only moves the clock, so an older report cannot undo it.
      const moved = withNumber(state, { ...number, lastEventAt });
      return { state: count(moved, 'duplicates'), outcome: 'duplicate' };
    }
    let next = withNumber(state, { ...number, portDate, phoneNumberSid, rejection, lastEventAt });
    if (portDate !== number.portDate) next = withPortDateNote(next, request, number, portDate, at);
    return { state: count(next, 'applied'), outcome: 'applied' };
  }

  const updated: NumberState = {
    ...number,
    status: event.status,
    rawStatus: event.rawStatus,
    phoneNumberSid,
    portDate,
    rejection,
    lastEventAt: event.occurredAt ?? number.lastEventAt,
    ...stamped(mode),
  };
  const next = withTimeline(withNumber(state, updated), {
    at,
    kind: 'number-status',
    message: numberStatusMessage(updated),
    requestSid: request.sid,
    phoneNumber: number.phoneNumber,
  });
  return { state: count(next, 'applied'), outcome: 'applied' };
}

function withPortDateNote(
  state: PortInState,
  request: RequestState,
  number: NumberState,
  portDate: string | null,
  at: string
): PortInState {
  return withTimeline(state, {
    at,
    kind: 'port-date',
    message: `Port date moved to ${portDate}`,
    requestSid: request.sid,
    phoneNumber: number.phoneNumber,
  });
}

// ---------------------------------------------------------------------------------------------
// Rules V2: a polled snapshot is the truth.

/** `t` unless it lies beyond the allowed skew past the workflow time (a bad clock's date would freeze ordering). */
function trusted(t: string | null | undefined, at: string, rules: ReducerRules): string | null {
  if (!t) return null;
  const ms = Date.parse(t);
  const now = Date.parse(at);
  if (Number.isNaN(ms) || Number.isNaN(now)) return t;
  return ms > now + rules.maxClockSkewMs ? null : t;
}

/** Appended to a timeline entry when the poll moves a status where no webhook could have. */
function reconciledNote(kind: MoveKind, previous: string): string {
  return kind === 'forward' ? '' : ` (Twilio's API; was ${previous})`;
}

function sameFields<T extends object>(a: T, b: T): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as Array<keyof T>);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

function applyPolledRequest(
  state: PortInState,
  request: RequestState,
  event: RequestPortingEvent,
  at: string,
  rules: ReducerRules
): ApplyResult {
  if (event.status === PortInRequestStatus.UNKNOWN) return recordUnknown(state, event, null, at);
  const moved = event.status !== request.status;
  const cancellation =
    event.status === PortInRequestStatus.CANCELED ||
    event.status === PortInRequestStatus.EXPIRED ||
    event.status === PortInRequestStatus.CANCELING;
  const updated: RequestState = {
    ...request,
    status: event.status,
    rawStatus: event.rawStatus,
    signatureRequestUrl: event.signatureRequestUrl ?? request.signatureRequestUrl,
    // The reason of a cancellation Twilio does not report (a canceled-but-not-really webhook) goes.
    orderCancellationReason: event.orderCancellationReason ?? (cancellation ? request.orderCancellationReason : null),
    // A timestamp stays only with the status it dated.
    lastEventAt: trusted(event.occurredAt, at, rules) ?? (moved ? null : trusted(request.lastEventAt, at, rules)),
    waitingForSignatureSince:
      event.status === PortInRequestStatus.WAITING_FOR_SIGNATURE && !request.waitingForSignatureSince
        ? at
        : request.waitingForSignatureSince,
    statusSource: 'poll',
  };
  if (sameFields(updated, request)) return { state: count(state, 'duplicates'), outcome: 'duplicate' };
  let next: PortInState = { ...state, requests: { ...state.requests, [request.sid]: updated } };
  if (!moved) {
    // A confirmation (or a clock corrected) changes nothing an operator sees; new details do.
    const newInfo =
      updated.signatureRequestUrl !== request.signatureRequestUrl ||
      updated.orderCancellationReason !== request.orderCancellationReason;
    return newInfo
      ? { state: count(next, 'applied'), outcome: 'applied' }
      : { state: count(next, 'duplicates'), outcome: 'duplicate' };
  }
  const note = reconciledNote(requestMoveKind(request.status, event.status), requestStatusLabel[request.status]);
  next = withTimeline(next, {
    at,
    kind: 'request-status',
    message: requestStatusMessage(updated) + note,
    requestSid: request.sid,
  });
  if (event.status === PortInRequestStatus.CANCELED || event.status === PortInRequestStatus.EXPIRED) {
    // The snapshot's own number events follow and set each number exactly; this covers any it omits.
    next = cancelOpenNumbers(next, request, { stamp: 'poll', checks: rules });
  }
  return { state: count(next, 'applied'), outcome: 'applied' };
}

/** The snapshot's rejection, exactly (none when it gives none); the recorded one when it is the same. */
function polledRejection(event: NumberPortingEvent, current: Rejection | null, at: string): Rejection | null {
  const code = event.rejectionReasonCode ?? null;
  const reason = event.rejectionReason ?? null;
  if (code == null && reason == null) return null;
  return current && current.code === code && current.reason === reason ? current : { code, reason, at };
}

function applyPolledNumber(
  state: PortInState,
  request: RequestState,
  event: NumberPortingEvent,
  at: string,
  rules: ReducerRules
): ApplyResult {
  const number = findNumber(state, request, event);
  if (!number) return { state: count(state, 'unrouted'), outcome: 'unknown-number' };
  if (event.status === PhoneNumberStatus.UNKNOWN) return recordUnknown(state, event, number.phoneNumber, at);

  if (number.requestSid !== request.sid) {
    // A request the number has left: its attempt there becomes what Twilio says.
    const attempts = number.previousAttempts.map((a) => {
      if (a.requestSid !== request.sid) return a;
      const rejection = polledRejection(event, a.rejection, at);
      return a.status === event.status && a.rejection === rejection ? a : { ...a, status: event.status, rejection };
    });
    if (attempts.every((a, i) => a === number.previousAttempts[i])) {
      return { state: count(state, 'duplicates'), outcome: 'duplicate' };
    }
    const next = withNumber(state, { ...number, previousAttempts: attempts });
    return { state: count(next, 'applied'), outcome: 'applied' };
  }

  const moved = event.status !== number.status;
  const updated: NumberState = {
    ...number,
    status: event.status,
    rawStatus: event.rawStatus,
    phoneNumberSid: event.phoneNumberSid ?? number.phoneNumberSid,
    portDate: event.portDate ?? null,
    rejection: polledRejection(event, number.rejection, at),
    lastEventAt: trusted(event.occurredAt, at, rules) ?? (moved ? null : trusted(number.lastEventAt, at, rules)),
    statusSource: 'poll',
  };
  if (sameFields(updated, number)) return { state: count(state, 'duplicates'), outcome: 'duplicate' };
  let next = withNumber(state, updated);
  if (!moved) {
    const newInfo =
      updated.portDate !== number.portDate ||
      updated.rejection !== number.rejection ||
      updated.phoneNumberSid !== number.phoneNumberSid;
    if (!newInfo) return { state: count(next, 'duplicates'), outcome: 'duplicate' };
    if (updated.portDate !== number.portDate) next = withPortDateNote(next, request, number, updated.portDate, at);
    return { state: count(next, 'applied'), outcome: 'applied' };
  }
  const note = reconciledNote(numberMoveKind(number.status, event.status), numberStatusLabel[number.status]);
  next = withTimeline(next, {
    at,
    kind: 'number-status',
    message: numberStatusMessage(updated) + note,
    requestSid: request.sid,
    phoneNumber: number.phoneNumber,
  });
  return { state: count(next, 'applied'), outcome: 'applied' };
}

// ---------------------------------------------------------------------------------------------
// Transitions the workflow itself makes (not Twilio events).

export function setPhase(state: PortInState, phase: OrderPhase, at: string, message: string): PortInState {
  return withTimeline({ ...state, phase }, { at, kind: 'phase', message });
}

export function note(state: PortInState, entry: TimelineEntry): PortInState {
  return withTimeline(state, entry);
}

/** Completed numbers whose activation has not ended (never started, or cut short by a continue-as-new). */
export function numbersToActivate(state: PortInState): NumberState[] {
  return Object.values(state.numbers).filter(
    (n) => n.status === PhoneNumberStatus.COMPLETED && (!n.activation || n.activation.status === 'activating')
  );
}

/** Sets one number's activation; the workflow adds the timeline entry (`number-live`, ...). */
export function setActivation(state: PortInState, phoneNumber: string, activation: ActivationState): PortInState {
  const n = state.numbers[phoneNumber];
  if (!n) return state;
  return { ...state, numbers: { ...state.numbers, [phoneNumber]: { ...n, activation } } };
}

/** Step 1's verdicts: portable numbers wait for a request; the others are dropped with their reason. */
export function recordPortability(
  state: PortInState,
  results: Array<{ phoneNumber: string; portable: boolean; code: number | null; reason: string | null }>,
  at: string
): PortInState {
  const numbers = { ...state.numbers };
  let next = state;
  for (const r of results) {
    const n = numbers[r.phoneNumber];
    if (!n || r.portable) continue;
    numbers[r.phoneNumber] = { ...n, status: 'not_portable', notPortable: { code: r.code, reason: r.reason } };
    next = withTimeline(next, {
      at,
      kind: 'not-portable',
      message: `Not portable — ${r.code ?? 'no code'}: ${r.reason ?? 'no reason given'}; dropped from the order`,
      phoneNumber: r.phoneNumber,
    });
  }
  return { ...next, numbers };
}

/**
 * The state a continued-as-new run was handed, in today's shape. Runs started by an older portflow
 * carry `resubmissionOf` as one sid or null (it became a list when a resubmission could span several
 * requests), and no `counters.suspect` (added with rules V2: it starts at 0). Their numbers and
 * requests have no `statusSource`, which reads as null (not tracked); everything else is unchanged.
 */
export function resumedState(carried: PortInState): PortInState {
  const requests: Record<string, RequestState> = {};
  for (const [sid, request] of Object.entries(carried.requests)) {
    const link = request.resubmissionOf as unknown;
    requests[sid] = Array.isArray(link)
      ? request
      : { ...request, resubmissionOf: typeof link === 'string' && link ? [link] : [] };
  }
  const counters = carried.counters.suspect === undefined ? { ...carried.counters, suspect: 0 } : carried.counters;
  return { ...carried, requests, counters };
}

/** A request was created (or found after an ambiguous failure) for these numbers. */
export function recordRequest(
  state: PortInState,
  input: {
    sid: string;
    numbers: Array<{ phoneNumber: string; phoneNumberSid: string | null }>;
    resubmissionOf?: string[];
    found: boolean;
  },
  at: string
): PortInState {
  if (state.requests[input.sid]) return state;
  const numbers = { ...state.numbers };
  for (const { phoneNumber, phoneNumberSid } of input.numbers) {
    const found = numbers[phoneNumber];
    if (!found) continue;
    // The old request's status source does not carry over: the new request's In Review is our own record.
    const { statusSource: _previousSource, ...n } = found;
    const previousAttempts =
      n.requestSid && n.requestSid !== input.sid
        ? [
            ...n.previousAttempts,
            { requestSid: n.requestSid, phoneNumberSid: n.phoneNumberSid, status: n.status, rejection: n.rejection },
          ]
        : n.previousAttempts;
    numbers[phoneNumber] = {
      ...n,
      status: PhoneNumberStatus.IN_REVIEW,
      rawStatus: null,
      requestSid: input.sid,
      phoneNumberSid,
      portDate: null,
      rejection: null,
      lastEventAt: null,
      previousAttempts,
    };
  }
  const request: RequestState = {
    sid: input.sid,
    status: PortInRequestStatus.IN_REVIEW,
    rawStatus: null,
    phoneNumbers: input.numbers.map((n) => n.phoneNumber),
    createdAt: at,
    resubmissionOf: input.resubmissionOf ?? [],
    waitingForSignatureSince: null,
    signatureRequestUrl: null,
    orderCancellationReason: null,
    lastEventAt: null,
  };
  const verb = input.found ? 'Found the request made by an earlier attempt' : 'Created request';
  return withTimeline(
    { ...state, numbers, requests: { ...state.requests, [input.sid]: request } },
    {
      at,
      kind: 'request-created',
      message: `${verb} for ${input.numbers.length} number(s)${input.resubmissionOf?.length ? ` (resubmission of ${input.resubmissionOf.join(', ')})` : ''}`,
      requestSid: input.sid,
    }
  );
}

/**
 * The request's LOA went unsigned for the whole window: Twilio cancels it, and so do we. Under
 * `rules` V2 the expiry is stamped as the operator's (so {@link unconfirmedTerminalRequests} leaves it
 * out); a later poll still wins if Twilio says otherwise.
 */
export function expireRequest(
  state: PortInState,
  sid: string,
  at: string,
  rules: ReducerRules = REDUCER_RULES_V1
): PortInState {
  const request = state.requests[sid];
  if (!request || terminalRequestStatuses.has(request.status)) return state;
  return applyEvent(
    state,
    {
      source: 'operator',
      eventName: null,
      level: 'request',
      portInRequestSid: sid,
      status: PortInRequestStatus.EXPIRED,
      rawStatus: 'Expired',
      orderCancellationReason: 'LOA not signed within the signature window',
    },
    at,
    rules
  ).state;
}

/**
 * Remembers that the workflow expired `sid` by its own timer ({@link loaExpiryOf} then gives no
 * expiry for it again, whatever a later poll says): one expiry decision per request.
 */
export function markLoaExpired(state: PortInState, sid: string, at: string): PortInState {
  const request = state.requests[sid];
  if (!request || request.loaExpiredAt) return state;
  return { ...state, requests: { ...state.requests, [sid]: { ...request, loaExpiredAt: at } } };
}

// ---------------------------------------------------------------------------------------------
// Derived views.

export function activeNumbers(state: PortInState): NumberState[] {
  return Object.values(state.numbers).filter((n) => !isNumberTerminal(n) && n.status !== 'checking');
}

export function rejectedNumbers(state: PortInState): NumberState[] {
  return Object.values(state.numbers).filter((n) => n.status === PhoneNumberStatus.PORT_REJECTED);
}

/** Every number has reached the end: completed, canceled or dropped. */
export function allNumbersSettled(state: PortInState): boolean {
  return Object.values(state.numbers).every(isNumberTerminal);
}

/** The order's status as an operator reads it (and as the `PortInStatus` search attribute holds it). */
/**
 * Each state's status, worked out once: every update compares the state before with the one after
 * (lifecycle events, metrics), and the one before was the one after of the previous update. With a
 * 1,000-number order, a burst of webhooks in one activation would otherwise cost two scans of every
 * number per webhook. States are never mutated, so the memo cannot go stale.
 */
const statusMemo = new WeakMap<PortInState, string>();

export function orderStatus(state: PortInState): string {
  let status = statusMemo.get(state);
  if (status === undefined) {
    status = computeOrderStatus(state);
    statusMemo.set(state, status);
  }
  return status;
}

function computeOrderStatus(state: PortInState): string {
  switch (state.phase) {
    case 'checking_portability':
      return 'Checking Portability';
    case 'uploading_bill':
      return 'Uploading Bill';
    case 'creating_requests':
      return 'Creating Request';
    case 'completed':
      return 'Completed';
    case 'canceled':
      return 'Canceled';
    case 'expired':
      return 'Expired';
    case 'failed':
      return 'Failed';
    case 'porting':
      break;
  }
  const numbers = Object.values(state.numbers);
  if (numbers.some((n) => n.status === PhoneNumberStatus.PORT_REJECTED)) return 'Action Required';
  const open = Object.values(state.requests).filter((r) => !terminalRequestStatuses.has(r.status));
  const order: PortInRequestStatus[] = [
    PortInRequestStatus.IN_REVIEW,
    PortInRequestStatus.WAITING_FOR_SIGNATURE,
    PortInRequestStatus.ACTION_REQUIRED,
    PortInRequestStatus.IN_PROGRESS,
    PortInRequestStatus.CANCELING,
  ];
  for (const status of order) {
    if (open.some((r) => r.status === status)) {
      return status === PortInRequestStatus.ACTION_REQUIRED ? 'In Progress' : requestStatusLabel[status];
    }
  }
  if (numbers.some((n) => n.status === PhoneNumberStatus.CANCELING)) return 'Canceling';
  return 'In Progress';
}

/** How the order ended, once every number has settled. */
export function finalPhase(state: PortInState): 'completed' | 'canceled' | 'expired' {
  const numbers = Object.values(state.numbers);
  if (numbers.some((n) => n.status === PhoneNumberStatus.COMPLETED)) return 'completed';
  const requests = Object.values(state.requests);
  if (requests.length > 0 && requests.every((r) => r.status === PortInRequestStatus.EXPIRED)) return 'expired';
  return 'canceled';
}

const HOUR = 3_600_000;
export const CANCEL_CUTOFF_MS = 72 * HOUR;

/** The target date as an instant: the start of the time range on that day, or midnight UTC. */
export function targetInstant(state: Pick<PortInState, 'targetPortInDate' | 'targetPortInTimeRangeStart'>): number {
  const time = state.targetPortInTimeRangeStart ?? '00:00:00Z';
  const parsed = Date.parse(`${state.targetPortInDate}T${time}`);
  return Number.isNaN(parsed) ? Date.parse(`${state.targetPortInDate}T00:00:00Z`) : parsed;
}

/**
 * The last moment a number can still be canceled: 72 hours before its confirmed port date, or
 * before the order's target date while no date is confirmed.
 */
export function cancelCutoffOf(state: PortInState, n: NumberState): number {
  const portDate = n.portDate ? Date.parse(n.portDate) : NaN;
  return (Number.isNaN(portDate) ? targetInstant(state) : portDate) - CANCEL_CUTOFF_MS;
}

/** The earliest cancel cutoff among numbers that could still be canceled. */
export function orderCancelCutoff(state: PortInState): number | null {
  const cutoffs = activeNumbers(state).map((n) => cancelCutoffOf(state, n));
  return cutoffs.length ? Math.min(...cutoffs) : null;
}

export function loaExpiryOf(request: RequestState, loaExpiryMs: number): number | null {
  if (request.loaExpiredAt) return null;
  if (request.status !== PortInRequestStatus.WAITING_FOR_SIGNATURE || !request.waitingForSignatureSince) return null;
  return Date.parse(request.waitingForSignatureSince) + loaExpiryMs;
}

export function pendingCount(state: PortInState): number {
  return Object.values(state.numbers).filter((n) => !isNumberTerminal(n)).length;
}

/**
 * The sids of the requests that are, or have a current number, in a terminal status no poll has
 * confirmed: reported by a webhook only, or of unknown source (`statusSource` null or absent, as in
 * states from before rules V2). The workflow reconciles these once before it ends, so an order never
 * ends on a webhook Twilio contradicts. Statuses from the workflow's own operator markers (an expiry
 * it decided) are its own word and not listed. In the order of `state.requests`.
 */
export function unconfirmedTerminalRequests(state: PortInState): string[] {
  const unconfirmed = (source: StatusSource | null | undefined) => source !== 'poll' && source !== 'operator';
  return Object.values(state.requests)
    .filter(
      (r) =>
        (terminalRequestStatuses.has(r.status) && unconfirmed(r.statusSource)) ||
        r.phoneNumbers.some((phoneNumber) => {
          const n = state.numbers[phoneNumber];
          return n?.requestSid === r.sid && terminalNumberStatuses.has(n.status) && unconfirmed(n.statusSource);
        })
    )
    .map((r) => r.sid);
}
