/**
 * The state of one port-in order and the one reducer that moves it. Deterministic and free of I/O
 * and clocks: the caller passes the (workflow) time, so the same inputs always give the same state.
 * Webhook events, reconciliation polls and operator actions all go through `applyEvent`.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../twilio/porting-event';
import type { NumberPortingEvent, PortingEvent, RequestPortingEvent } from '../twilio/porting-event';

/** A number's status in the order: Twilio's statuses plus the two that precede a request. */
export type NumberStatus = PhoneNumberStatus | 'checking' | 'not_portable';

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
  counters: { applied: number; duplicates: number; stale: number; unrouted: number; runs: number };
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

export type ApplyOutcome = 'applied' | 'duplicate' | 'stale' | 'unknown-request' | 'unknown-number' | 'unknown-status';

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
    counters: { applied: 0, duplicates: 0, stale: 0, unrouted: 0, runs: 1 },
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

function count(state: PortInState, key: keyof PortInState['counters']): PortInState {
  return { ...state, counters: { ...state.counters, [key]: state.counters[key] + 1 } };
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

/**
 * Applies one event. Duplicates and events older than what the state already knows are no-ops;
 * unknown statuses are recorded, never fatal. `at` is the workflow time, used only for the timeline.
 */
export function applyEvent(state: PortInState, event: PortingEvent, at: string): ApplyResult {
  const request = state.requests[event.portInRequestSid];
  if (!request) return { state: count(state, 'unrouted'), outcome: 'unknown-request' };
  return event.level === 'request'
    ? applyRequestEvent(state, request, event, at)
    : applyNumberEvent(state, request, event, at);
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

function applyRequestEvent(
  state: PortInState,
  request: RequestState,
  event: RequestPortingEvent,
  at: string
): ApplyResult {
  if (event.status === PortInRequestStatus.UNKNOWN) return recordUnknown(state, event, null, at);
  const order = ordering(
    { status: request.status, lastEventAt: request.lastEventAt, terminal: terminalRequestStatuses.has(request.status) },
    event,
    (s) => requestRank[s as PortInRequestStatus]
  );
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
  };
  let next: PortInState = { ...state, requests: { ...state.requests, [request.sid]: updated } };
  next = withTimeline(next, {
    at,
    kind: 'request-status',
    message: `Request ${requestStatusLabel[event.status]}${
      event.status === PortInRequestStatus.CANCELED || event.status === PortInRequestStatus.EXPIRED
        ? updated.orderCancellationReason
          ? ` (${updated.orderCancellationReason})`
          : ''
        : ''
    }`,
    requestSid: request.sid,
  });

  // An expired or canceled request takes every number still open in it along (Twilio cancels them).
  if (event.status === PortInRequestStatus.CANCELED || event.status === PortInRequestStatus.EXPIRED) {
    const numbers = { ...next.numbers };
    for (const phoneNumber of request.phoneNumbers) {
      const n = numbers[phoneNumber];
      if (n && n.requestSid === request.sid && !isNumberTerminal(n)) {
        numbers[phoneNumber] = { ...n, status: PhoneNumberStatus.CANCELED, rawStatus: n.rawStatus };
      }
    }
    next = { ...next, numbers };
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
  at: string
): ApplyResult {
  const number = findNumber(state, request, event);
  if (!number) return { state: count(state, 'unrouted'), outcome: 'unknown-number' };
  if (event.status === PhoneNumberStatus.UNKNOWN) return recordUnknown(state, event, number.phoneNumber, at);

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
    const next = {
      ...state,
      numbers: { ...state.numbers, [number.phoneNumber]: { ...number, previousAttempts: attempts } },
    };
    return { state: count(next, 'applied'), outcome: 'applied' };
  }

  const order = ordering(
    { status: number.status, lastEventAt: number.lastEventAt, terminal: isNumberTerminal(number) },
    event,
    (s) => numberRank[s as NumberStatus]
  );
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
    const next = filled
      ? { ...state, numbers: { ...state.numbers, [number.phoneNumber]: { ...number, ...gaps } } }
      : state;
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
      const moved = { ...state, numbers: { ...state.numbers, [number.phoneNumber]: { ...number, lastEventAt } } };
      return { state: count(moved, 'duplicates'), outcome: 'duplicate' };
    }
    let next: PortInState = {
      ...state,
      numbers: {
        ...state.numbers,
        [number.phoneNumber]: { ...number, portDate, phoneNumberSid, rejection, lastEventAt },
      },
    };
    if (portDate !== number.portDate) {
      next = withTimeline(next, {
        at,
        kind: 'port-date',
        message: `Port date moved to ${portDate}`,
        requestSid: request.sid,
        phoneNumber: number.phoneNumber,
      });
    }
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
  };
  let message = numberStatusLabel[event.status];
  if (event.status === PhoneNumberStatus.PORT_REJECTED && rejection) {
    message += ` — ${rejection.code ?? 'no code'}: ${rejection.reason ?? 'no reason given'}`;
  }
  if (event.status === PhoneNumberStatus.PORT_PENDING && portDate) message += `, port date ${portDate}`;
  const next = withTimeline(
    { ...state, numbers: { ...state.numbers, [number.phoneNumber]: updated } },
    { at, kind: 'number-status', message, requestSid: request.sid, phoneNumber: number.phoneNumber }
  );
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
 * requests); everything else is unchanged.
 */
export function resumedState(carried: PortInState): PortInState {
  const requests: Record<string, RequestState> = {};
  for (const [sid, request] of Object.entries(carried.requests)) {
    const link = request.resubmissionOf as unknown;
    requests[sid] = Array.isArray(link)
      ? request
      : { ...request, resubmissionOf: typeof link === 'string' && link ? [link] : [] };
  }
  return { ...carried, requests };
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
    const n = numbers[phoneNumber];
    if (!n) continue;
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

/** The request's LOA went unsigned for the whole window: Twilio cancels it, and so do we. */
export function expireRequest(state: PortInState, sid: string, at: string): PortInState {
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
    at
  ).state;
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
export function orderStatus(state: PortInState): string {
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
  if (request.status !== PortInRequestStatus.WAITING_FOR_SIGNATURE || !request.waitingForSignatureSince) return null;
  return Date.parse(request.waitingForSignatureSince) + loaExpiryMs;
}

export function pendingCount(state: PortInState): number {
  return Object.values(state.numbers).filter((n) => !isNumberTerminal(n)).length;
}
