/**
 * Builders for reducer tests: sids, Twilio timestamps, events, and orders already in the porting
 * phase. Every state handed to the reducer through {@link apply} is deep-frozen first, so any test
 * that uses it also proves the reducer never mutates its input.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import type { NumberPortingEvent, RequestPortingEvent } from '../../../src/twilio/porting-event';
import { applyEvent, initialState, recordPortability, recordRequest, setPhase } from '../../../src/workflows/state';
import type { ApplyResult, NumberState, PortInState, ReducerRules, RequestState } from '../../../src/workflows/state';

/** A sid with the given prefix and a recognisable hex tail, e.g. `sid('KW', 1)`. */
export function sid(prefix: 'KW' | 'PU', n: number): string {
  return `${prefix}${n.toString(16).padStart(32, '0')}`;
}

export const KW1 = sid('KW', 0x1);
export const KW2 = sid('KW', 0x2);
export const KW3 = sid('KW', 0x3);
export const KW_UNKNOWN = sid('KW', 0xdead);

export const A = '+14155550101';
export const B = '+14155550102';
export const C = '+14155550103';
export const PU_A = sid('PU', 0xa1);
export const PU_B = sid('PU', 0xb1);
export const PU_C = sid('PU', 0xc1);

/** Workflow time (the `at` argument): 2025-03-01 plus `minutes`. */
export function wf(minutes = 0): string {
  return new Date(Date.parse('2025-03-01T12:00:00.000Z') + minutes * 60_000).toISOString();
}

/** A Twilio timestamp (`occurredAt`): 2025-03-02 plus `minutes`, ISO with milliseconds. */
export function tw(minutes: number): string {
  return new Date(Date.parse('2025-03-02T08:00:00.000Z') + minutes * 60_000).toISOString();
}

export const AT = wf(0);

/** Freezes `value` and everything reachable from it; the reducer must cope with frozen input. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * `applyEvent` on a deep-frozen copy-free input: throws (strict mode) if the reducer writes to it.
 * `rules` omitted: the reducer's default (V1).
 */
export function apply(
  state: PortInState,
  event: Parameters<typeof applyEvent>[1],
  at: string = AT,
  rules?: ReducerRules
): ApplyResult {
  return rules ? applyEvent(deepFreeze(state), event, at, rules) : applyEvent(deepFreeze(state), event, at);
}

/** Applies events in order and returns the final state. */
export function applyAll(
  state: PortInState,
  events: Array<Parameters<typeof applyEvent>[1]>,
  at = AT,
  rules?: ReducerRules
): PortInState {
  return events.reduce((s, e) => apply(s, e, at, rules).state, state);
}

export function requestEvent(
  portInRequestSid: string,
  status: PortInRequestStatus,
  extra: Partial<RequestPortingEvent> = {}
): RequestPortingEvent {
  return {
    source: 'webhook',
    eventName: null,
    level: 'request',
    portInRequestSid,
    status,
    rawStatus: extra.rawStatus ?? status,
    ...extra,
  };
}

export function numberEvent(
  portInRequestSid: string,
  phoneNumber: string | null,
  status: PhoneNumberStatus,
  extra: Partial<NumberPortingEvent> = {}
): NumberPortingEvent {
  return {
    source: 'webhook',
    eventName: null,
    level: 'number',
    portInRequestSid,
    status,
    rawStatus: extra.rawStatus ?? status,
    phoneNumber,
    ...extra,
  };
}

export const TARGET_DATE = '2025-04-15';

/**
 * An order in the porting phase: every number portable and filed in one request `KW1` (or in the
 * requests given), numbers `In Review` with PU sids, the request `In Review`.
 */
export function portingOrder(
  requests: Array<{ sid: string; numbers: Array<[phoneNumber: string, phoneNumberSid: string | null]> }> = [
    {
      sid: KW1,
      numbers: [
        [A, PU_A],
        [B, PU_B],
      ],
    },
  ],
  options: { targetPortInTimeRangeStart?: string | null } = {}
): PortInState {
  const phoneNumbers = requests.flatMap((r) => r.numbers.map(([p]) => p));
  let state = initialState({
    orderId: 'order-1',
    customerRef: 'cust-1',
    phoneNumbers,
    targetPortInDate: TARGET_DATE,
    targetPortInTimeRangeStart: options.targetPortInTimeRangeStart ?? null,
  });
  state = recordPortability(
    state,
    phoneNumbers.map((phoneNumber) => ({ phoneNumber, portable: true, code: null, reason: null })),
    AT
  );
  for (const r of requests) {
    state = recordRequest(
      state,
      {
        sid: r.sid,
        numbers: r.numbers.map(([phoneNumber, phoneNumberSid]) => ({ phoneNumber, phoneNumberSid })),
        found: false,
      },
      AT
    );
  }
  return setPhase(state, 'porting', AT, 'porting');
}

/** The state with one number's fields replaced: a starting point the reducer could have reached. */
export function withNumber(state: PortInState, phoneNumber: string, patch: Partial<NumberState>): PortInState {
  const n = state.numbers[phoneNumber];
  if (!n) throw new Error(`no number ${phoneNumber} in the fixture`);
  return { ...state, numbers: { ...state.numbers, [phoneNumber]: { ...n, ...patch } } };
}

/** The state with one request's fields replaced. */
export function withRequest(state: PortInState, requestSid: string, patch: Partial<RequestState>): PortInState {
  const r = state.requests[requestSid];
  if (!r) throw new Error(`no request ${requestSid} in the fixture`);
  return { ...state, requests: { ...state.requests, [requestSid]: { ...r, ...patch } } };
}

/** The parts of a state an event may change, for "nothing else changed" assertions. */
export function withoutCounters(state: PortInState): Omit<PortInState, 'counters'> {
  const { counters: _counters, ...rest } = state;
  return rest;
}

export const numberStatuses: PhoneNumberStatus[] = [
  PhoneNumberStatus.IN_REVIEW,
  PhoneNumberStatus.WAITING_FOR_SIGNATURE,
  PhoneNumberStatus.PORT_SUBMITTED,
  PhoneNumberStatus.PORT_PENDING,
  PhoneNumberStatus.PORT_REJECTED,
  PhoneNumberStatus.COMPLETED,
  PhoneNumberStatus.CANCELING,
  PhoneNumberStatus.CANCELED,
];

export const requestStatuses: PortInRequestStatus[] = [
  PortInRequestStatus.IN_REVIEW,
  PortInRequestStatus.WAITING_FOR_SIGNATURE,
  PortInRequestStatus.IN_PROGRESS,
  PortInRequestStatus.ACTION_REQUIRED,
  PortInRequestStatus.COMPLETED,
  PortInRequestStatus.CANCELING,
  PortInRequestStatus.CANCELED,
  PortInRequestStatus.EXPIRED,
];
