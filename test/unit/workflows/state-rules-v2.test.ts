/**
 * Reducer rules V2, "the API is the truth": a poll sets each request and number to Twilio's answer,
 * terminal statuses included; a webhook advances only along the documented transitions and within
 * the clock skew, else it is suspect (not applied, in the timeline, counted). V1 stays the default.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import type { NumberPortingEvent, PortingEvent, RequestPortingEvent } from '../../../src/twilio/porting-event';
import {
  REDUCER_RULES_V1,
  REDUCER_RULES_V2,
  applyEvent,
  expireRequest,
  recordRequest,
  resumedState,
  unconfirmedTerminalRequests,
} from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import {
  A,
  B,
  C,
  KW1,
  KW2,
  KW_UNKNOWN,
  PU_A,
  PU_B,
  PU_C,
  apply,
  applyAll,
  numberEvent,
  portingOrder,
  requestEvent,
  tw,
  withNumber,
  withRequest,
  withoutCounters,
} from './fixtures';
import { prng } from '../../helpers/prng';

const N = PhoneNumberStatus;
const R = PortInRequestStatus;
const V2 = REDUCER_RULES_V2;

/** Workflow time an hour after the Twilio timestamps tw(0): the webhooks below all lie in its past. */
const NOW = tw(60);
const SKEW_MINUTES = V2.maxClockSkewMs / 60_000;

const D1 = '2025-04-15T16:00:00.000Z';
const D2 = '2025-04-17T16:00:00.000Z';

/** Applies under V2 at {@link NOW}. */
const v2 = (state: PortInState, event: PortingEvent, at = NOW) => apply(state, event, at, V2);

const a = (status: PhoneNumberStatus, minutes: number | null, extra: Partial<NumberPortingEvent> = {}) =>
  numberEvent(KW1, A, status, {
    occurredAt: minutes == null ? null : tw(minutes),
    phoneNumberSid: PU_A,
    eventName: `event-${status}`,
    ...extra,
  });

const polled = <E extends PortingEvent>(event: E): E => ({ ...event, source: 'poll', eventName: null });

/** A snapshot of KW1 as the poll brings it: the request, then each number. */
function snapshot(
  request: { status: PortInRequestStatus; orderCancellationReason?: string | null },
  numbers: Array<[phoneNumber: string, sid: string, status: PhoneNumberStatus, extra?: Partial<NumberPortingEvent>]>
): PortingEvent[] {
  return [
    polled(requestEvent(KW1, request.status, { occurredAt: null, ...request })),
    ...numbers.map(([phoneNumber, sid, status, extra]) =>
      polled(numberEvent(KW1, phoneNumber, status, { phoneNumberSid: sid, occurredAt: tw(1), ...extra }))
    ),
  ];
}

const lastEntry = (state: PortInState) => state.timeline[state.timeline.length - 1];

describe('reducer rules', () => {
  it('default to V1: without rules, applyEvent gives what V1 gives, even for a webhook V2 would refuse', () => {
    const state = withNumber(portingOrder(), A, { status: N.COMPLETED, lastEventAt: tw(5), rawStatus: 'completed' });
    const events: PortingEvent[] = [
      a(N.PORT_PENDING, 10_000, { portDate: D1 }),
      polled(a(N.PORT_PENDING, 1)),
      a(N.PORT_SUBMITTED, 6),
    ];
    for (const event of events) {
      expect(applyEvent(state, event, NOW)).toEqual(applyEvent(state, event, NOW, REDUCER_RULES_V1));
    }
    expect(REDUCER_RULES_V1.version).toBe(1);
    expect(V2).toEqual({ version: 2, maxClockSkewMs: 5 * 60_000 });
    expect(Object.isFrozen(V2) && Object.isFrozen(REDUCER_RULES_V1)).toBe(true);
  });

  it('V1 sets no statusSource and V2 does, on the same move', () => {
    const event = a(N.WAITING_FOR_SIGNATURE, 1);
    expect(apply(portingOrder(), event, NOW).state.numbers[A]).not.toHaveProperty('statusSource');
    expect(v2(portingOrder(), event).state.numbers[A]?.statusSource).toBe('webhook');
  });
});

describe('rules V2: webhooks', () => {
  describe('dated in the future', () => {
    it(`is suspect beyond ${SKEW_MINUTES} minutes of skew: nothing applied, the timeline and the counter say so`, () => {
      const state = portingOrder();
      const { state: next, outcome } = v2(state, a(N.WAITING_FOR_SIGNATURE, 60 + SKEW_MINUTES + 1));

      expect(outcome).toBe('suspect');
      expect(next.numbers).toEqual(state.numbers);
      expect(next.requests).toEqual(state.requests);
      expect(next.counters).toEqual({ ...state.counters, suspect: 1 });
      expect(next.timeline).toHaveLength(state.timeline.length + 1);
      expect(lastEntry(next)).toEqual({
        at: NOW,
        kind: 'suspect-event',
        message: expect.stringMatching(
          new RegExp(`^Suspect webhook event-waiting_for_signature not applied: it is dated ${tw(66)}, more than 300 s`)
        ),
        requestSid: KW1,
        phoneNumber: A,
      });
    });

    it('is applied within the skew', () => {
      const { state: next, outcome } = v2(portingOrder(), a(N.WAITING_FOR_SIGNATURE, 60 + SKEW_MINUTES - 1));
      expect(outcome).toBe('applied');
      expect(next.numbers[A]).toMatchObject({ status: N.WAITING_FOR_SIGNATURE, lastEventAt: tw(64) });
    });

    it('is suspect even when it repeats the status, so it cannot push the clock ahead and freeze the number', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, portDate: D1, lastEventAt: tw(3) });
      const { state: next, outcome } = v2(state, a(N.PORT_PENDING, 24 * 60, { portDate: D2 }));
      expect(outcome).toBe('suspect');
      expect(next.numbers[A]).toEqual(state.numbers[A]);
      // The real news that follows is still taken.
      expect(v2(next, a(N.COMPLETED, 30, { portDate: D1 })).outcome).toBe('applied');
    });

    it('is suspect for a request too', () => {
      const state = portingOrder();
      const { state: next, outcome } = v2(state, requestEvent(KW1, R.CANCELED, { occurredAt: tw(24 * 60) }));
      expect(outcome).toBe('suspect');
      expect(next.requests[KW1]).toEqual(state.requests[KW1]);
      expect(next.numbers).toEqual(state.numbers);
      expect(lastEntry(next)).toMatchObject({ kind: 'suspect-event', requestSid: KW1 });
      expect(lastEntry(next)).not.toHaveProperty('phoneNumber');
    });
  });

  describe('that would move a status backwards', () => {
    const pending = () =>
      withNumber(portingOrder(), A, {
        status: N.PORT_PENDING,
        portDate: D1,
        lastEventAt: tw(3),
        statusSource: 'webhook',
      });

    it('is suspect when dated after the current status', () => {
      const state = pending();
      const { state: next, outcome } = v2(state, a(N.PORT_SUBMITTED, 4));
      expect(outcome).toBe('suspect');
      expect(next.numbers[A]).toEqual(state.numbers[A]);
      expect(lastEntry(next)?.message).toContain('it would move the number back from Port Pending to Port Submitted');
      expect(next.counters.suspect).toBe(state.counters.suspect + 1);
    });

    it('is suspect without timestamps', () => {
      const state = withNumber(pending(), A, { lastEventAt: null });
      expect(v2(state, a(N.PORT_SUBMITTED, null)).outcome).toBe('suspect');
    });

    it('is stale, as in V1, when dated before the current status (a late delivery, nothing odd)', () => {
      const state = pending();
      const { state: next, outcome } = v2(state, a(N.PORT_SUBMITTED, 2));
      expect(outcome).toBe('stale');
      expect(withoutCounters(next)).toEqual(withoutCounters(state));
    });

    it('is suspect when it would leave a terminal status', () => {
      const state = withNumber(pending(), A, { status: N.COMPLETED, lastEventAt: tw(5) });
      const { state: next, outcome } = v2(state, a(N.PORT_PENDING, 6, { portDate: D2 }));
      expect(outcome).toBe('suspect');
      expect(next.numbers[A]).toEqual(state.numbers[A]);
      expect(lastEntry(next)?.message).toContain('out of Completed, a final status');
    });

    it('is suspect for a request', () => {
      const state = withRequest(portingOrder(), KW1, { status: R.IN_PROGRESS, lastEventAt: tw(2) });
      const { state: next, outcome } = v2(state, requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(3) }));
      expect(outcome).toBe('suspect');
      expect(next.requests[KW1]).toEqual(state.requests[KW1]);
      expect(lastEntry(next)?.message).toContain('back from In Progress to Waiting for Signature');
    });
  });

  describe('dated the same second as the current status', () => {
    it('is the earlier of the two (stale) when the table leads from it to the current status', () => {
      const canceled = withNumber(portingOrder(), A, { status: N.CANCELED, lastEventAt: tw(5) });
      expect(v2(canceled, a(N.PORT_REJECTED, 5, { rejectionReasonCode: 22154 })).outcome).toBe('stale');
      const completed = withNumber(portingOrder(), A, { status: N.COMPLETED, lastEventAt: tw(5) });
      expect(v2(completed, a(N.PORT_PENDING, 5)).outcome).toBe('stale');
    });

    it('is suspect when no documented path joins them either way', () => {
      const canceled = withNumber(portingOrder(), A, { status: N.CANCELED, lastEventAt: tw(5) });
      expect(v2(canceled, a(N.COMPLETED, 5)).outcome).toBe('suspect');
    });
  });

  describe('along no documented transition', () => {
    it('is suspect: a rejected number does not complete in the same request', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_REJECTED, lastEventAt: tw(3) });
      const { state: next, outcome } = v2(state, a(N.COMPLETED, 4));
      expect(outcome).toBe('suspect');
      expect(next.numbers[A]?.status).toBe(N.PORT_REJECTED);
      expect(lastEntry(next)?.message).toContain('Port Rejected to Completed is not a documented transition');
    });

    it('is suspect: a request being canceled does not complete', () => {
      const state = withRequest(portingOrder(), KW1, { status: R.CANCELING, lastEventAt: tw(3) });
      expect(v2(state, requestEvent(KW1, R.COMPLETED, { occurredAt: tw(4) })).outcome).toBe('suspect');
    });
  });

  describe('along the documented transitions', () => {
    it('is applied, several steps at once when webhooks were lost, and records its source', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_SUBMITTED, lastEventAt: tw(2) });
      const { state: next, outcome } = v2(state, a(N.COMPLETED, 9, { portDate: D1 }));
      expect(outcome).toBe('applied');
      expect(next.numbers[A]).toMatchObject({
        status: N.COMPLETED,
        portDate: D1,
        lastEventAt: tw(9),
        statusSource: 'webhook',
      });
      expect(lastEntry(next)).toMatchObject({ kind: 'number-status', message: 'Completed', phoneNumber: A });
    });

    it('takes a lateral move without timestamps, which V1 drops as stale', () => {
      const state = withRequest(portingOrder(), KW1, { status: R.ACTION_REQUIRED, lastEventAt: null });
      const event = requestEvent(KW1, R.IN_PROGRESS, { occurredAt: null });
      expect(apply(state, event, NOW).outcome).toBe('stale');
      const { state: next, outcome } = v2(state, event);
      expect(outcome).toBe('applied');
      expect(next.requests[KW1]).toMatchObject({ status: R.IN_PROGRESS, statusSource: 'webhook' });
    });

    it('treats a repeat as V1 does (a duplicate), whatever reported the status', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, lastEventAt: tw(3), statusSource: 'poll' });
      const { state: next, outcome } = v2(state, a(N.PORT_PENDING, 3));
      expect(outcome).toBe('duplicate');
      expect(next.numbers[A]?.statusSource).toBe('poll');
    });

    it('a canceled request takes its open numbers along, from the same source', () => {
      const state = withNumber(portingOrder(), B, { status: N.COMPLETED, statusSource: 'poll' });
      const { state: next } = v2(state, requestEvent(KW1, R.CANCELED, { occurredAt: tw(5) }));
      expect(next.numbers[A]).toMatchObject({ status: N.CANCELED, statusSource: 'webhook' });
      expect(next.numbers[B]).toMatchObject({ status: N.COMPLETED, statusSource: 'poll' });
    });
  });

  it('records an unknown status as V1 does, and so does a poll', () => {
    const state = portingOrder();
    for (const event of [a(N.UNKNOWN, 4, { rawStatus: 'Port Teleported' }), polled(a(N.UNKNOWN, 4))]) {
      const v1 = apply(state, event, NOW);
      const next = v2(state, event);
      expect(next.outcome).toBe('unknown-status');
      expect(next).toEqual(v1);
    }
  });

  it('still routes nothing it does not know', () => {
    const state = portingOrder();
    expect(v2(state, numberEvent(KW_UNKNOWN, A, N.COMPLETED)).outcome).toBe('unknown-request');
    expect(v2(state, numberEvent(KW1, C, N.COMPLETED)).outcome).toBe('unknown-number');
  });
});

describe('rules V2: honest webhooks', () => {
  // The sandbox's lifecycles, every event timestamped by Twilio: late or repeated, never suspect.
  const lifecycles: Array<[string, PortingEvent[]]> = [
    [
      'ported',
      [
        a(N.WAITING_FOR_SIGNATURE, 1),
        a(N.PORT_SUBMITTED, 2),
        a(N.PORT_PENDING, 3, { portDate: D1 }),
        a(N.PORT_PENDING, 4, { portDate: D2 }),
        a(N.COMPLETED, 5, { portDate: D2 }),
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(1) }),
        requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(2) }),
      ],
    ],
    [
      'rejected, then canceled and the request back in progress',
      [
        a(N.PORT_SUBMITTED, 2),
        a(N.PORT_REJECTED, 3, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' }),
        a(N.CANCELED, 6),
        requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(2) }),
        requestEvent(KW1, R.ACTION_REQUIRED, { occurredAt: tw(3) }),
        requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(6) }),
      ],
    ],
    [
      'expired unsigned',
      [
        a(N.WAITING_FOR_SIGNATURE, 1),
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(1) }),
        requestEvent(KW1, R.EXPIRED, { occurredAt: tw(40) }),
        a(N.CANCELED, 40),
      ],
    ],
  ];

  it.each(lifecycles)('%s: any delivery order ends as in-order delivery, with no suspect', (_name, events) => {
    const expected = applyAll(portingOrder(), events, NOW, V2);
    const random = prng(0xc0ffee + events.length);
    for (let i = 0; i < 100; i++) {
      const delivered = events
        .flatMap((e) => (random() < 0.3 ? [e, e] : [e]))
        .map((e) => [random(), e] as const)
        .sort((x, y) => x[0] - y[0])
        .map(([, e]) => e);
      let state = portingOrder();
      for (const event of delivered) {
        const result = v2(state, event);
        expect(result.outcome).not.toBe('suspect');
        state = result.state;
      }
      // What the order acts on (as in the V1 ordering property): statuses, dates, rejections, clocks.
      const view = (s: PortInState) => ({
        numbers: Object.values(s.numbers).map((n) => [n.status, n.portDate, n.rejection, n.lastEventAt]),
        requests: Object.values(s.requests).map((r) => [r.status, r.lastEventAt, r.statusSource]),
      });
      if (JSON.stringify(view(state)) !== JSON.stringify(view(expected))) expect(view(state)).toEqual(view(expected));
    }
  });
});

describe('rules V2: operator markers', () => {
  it('behave as in V1, with the operator as the source', () => {
    const state = withNumber(portingOrder(), A, { status: N.PORT_REJECTED, lastEventAt: tw(3) });
    const marker: NumberPortingEvent = { ...a(N.CANCELING, null), source: 'operator', eventName: null };
    const v1 = apply(state, marker, NOW);
    const next = v2(state, marker);
    expect(next.outcome).toBe(v1.outcome);
    expect(next.state.numbers[A]).toEqual({ ...v1.state.numbers[A], statusSource: 'operator' });
    expect(next.state.timeline).toEqual(v1.state.timeline);
  });

  it("expireRequest uses the default rules unless given V2, which stamps the expiry as the operator's", () => {
    const state = withRequest(portingOrder(), KW1, { status: R.WAITING_FOR_SIGNATURE });
    const expired = expireRequest(state, KW1, NOW);
    expect(expired.requests[KW1]?.status).toBe(R.EXPIRED);
    expect(expired.requests[KW1]).not.toHaveProperty('statusSource');
    const underV2 = expireRequest(state, KW1, NOW, V2);
    expect(underV2.requests[KW1]).toMatchObject({ status: R.EXPIRED, statusSource: 'operator' });
    expect(underV2.numbers[A]).toMatchObject({ status: N.CANCELED, statusSource: 'operator' });
    expect(unconfirmedTerminalRequests(underV2)).toEqual([]);
  });
});

describe('rules V2: polls', () => {
  it('a poll saying In Progress wins over a webhook that canceled the number', () => {
    let state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, portDate: D1, lastEventAt: tw(3) });
    state = v2(state, a(N.CANCELED, 5)).state;
    expect(state.numbers[A]).toMatchObject({ status: N.CANCELED, statusSource: 'webhook' });
    expect(unconfirmedTerminalRequests(state)).toEqual([KW1]);

    const { state: next, outcome } = v2(
      state,
      polled(a(N.PORT_PENDING, 3, { portDate: D1, rawStatus: 'Port Pending' }))
    );
    expect(outcome).toBe('applied');
    expect(next.numbers[A]).toMatchObject({
      status: N.PORT_PENDING,
      rawStatus: 'Port Pending',
      portDate: D1,
      lastEventAt: tw(3),
      statusSource: 'poll',
    });
    expect(lastEntry(next)).toMatchObject({
      kind: 'number-status',
      message: `Port Pending, port date ${D1} (Twilio's API; was Canceled)`,
      phoneNumber: A,
    });
    expect(unconfirmedTerminalRequests(next)).toEqual([]);
  });

  it('a poll moves a whole request and its numbers back out of a terminal status a webhook reported', () => {
    let state = withRequest(portingOrder(), KW1, { status: R.IN_PROGRESS, lastEventAt: tw(2) });
    state = v2(state, requestEvent(KW1, R.CANCELED, { occurredAt: tw(5), orderCancellationReason: 'forged' })).state;
    expect(state.numbers[A]?.status).toBe(N.CANCELED);
    const events = snapshot({ status: R.IN_PROGRESS }, [
      [A, PU_A, N.PORT_SUBMITTED],
      [B, PU_B, N.PORT_PENDING, { portDate: D2 }],
    ]);
    const next = applyAll(state, events, NOW, V2);
    expect(next.requests[KW1]).toMatchObject({
      status: R.IN_PROGRESS,
      orderCancellationReason: null,
      lastEventAt: null,
      statusSource: 'poll',
    });
    expect(next.numbers[A]).toMatchObject({ status: N.PORT_SUBMITTED, statusSource: 'poll' });
    expect(next.numbers[B]).toMatchObject({ status: N.PORT_PENDING, portDate: D2, statusSource: 'poll' });
    expect(unconfirmedTerminalRequests(next)).toEqual([]);
  });

  it('a poll moves a number backwards and clears what Twilio no longer reports', () => {
    const state = withNumber(portingOrder(), A, {
      status: N.PORT_REJECTED,
      portDate: D1,
      rejection: { code: 22154, reason: 'Invalid address', at: NOW },
      lastEventAt: tw(4),
    });
    const { state: next } = v2(state, polled(a(N.PORT_SUBMITTED, 2)));
    expect(next.numbers[A]).toMatchObject({
      status: N.PORT_SUBMITTED,
      portDate: null,
      rejection: null,
      lastEventAt: tw(2),
    });
  });

  it('a poll sets the port date and the rejection exactly as Twilio has them', () => {
    const rejectedAt = tw(30);
    const state = withNumber(portingOrder(), A, {
      status: N.PORT_REJECTED,
      rejection: { code: 22154, reason: 'Invalid address', at: rejectedAt },
      lastEventAt: tw(4),
    });
    const same = v2(
      state,
      polled(a(N.PORT_REJECTED, 4, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' }))
    );
    // Confirmed: the recorded rejection (and when it was recorded) stays.
    expect(same.outcome).toBe('duplicate');
    expect(same.state.numbers[A]?.rejection).toBe(state.numbers[A]?.rejection);
    expect(same.state.numbers[A]?.statusSource).toBe('poll');

    const corrected = v2(
      state,
      polled(a(N.PORT_REJECTED, 6, { rejectionReasonCode: 22155, rejectionReason: 'PIN mismatch' }))
    );
    expect(corrected.outcome).toBe('applied');
    expect(corrected.state.numbers[A]?.rejection).toEqual({ code: 22155, reason: 'PIN mismatch', at: NOW });

    const moved = v2(
      withNumber(state, A, { status: N.PORT_PENDING, portDate: D1, rejection: null }),
      polled(a(N.PORT_PENDING, 6, { portDate: D2 }))
    );
    expect(moved.outcome).toBe('applied');
    expect(moved.state.numbers[A]?.portDate).toBe(D2);
    expect(lastEntry(moved.state)).toMatchObject({ kind: 'port-date', message: `Port date moved to ${D2}` });
  });

  it('a poll replaces a future-dated timestamp a bad webhook left (under V1), so real webhooks count again', () => {
    // V1 applied a webhook dated a day ahead: every later real event looked older.
    let state = apply(portingOrder(), a(N.PORT_PENDING, 24 * 60, { portDate: D1 }), NOW).state;
    expect(apply(state, a(N.COMPLETED, 30), NOW).outcome).toBe('stale');

    state = v2(state, polled(a(N.PORT_PENDING, null, { portDate: D1 }))).state;
    expect(state.numbers[A]?.lastEventAt).toBeNull();
    expect(v2(state, a(N.COMPLETED, 30)).outcome).toBe('applied');

    // A future date in the snapshot itself is not kept either.
    const fromPoll = v2(portingOrder(), polled(a(N.PORT_SUBMITTED, 24 * 60))).state;
    expect(fromPoll.numbers[A]).toMatchObject({ status: N.PORT_SUBMITTED, lastEventAt: null });
  });

  it('the same snapshot twice: the second is a duplicate and changes nothing beyond the counter', () => {
    const start = v2(portingOrder(), a(N.PORT_PENDING, 3, { portDate: D1 })).state;
    const events = snapshot({ status: R.ACTION_REQUIRED }, [
      [A, PU_A, N.COMPLETED, { portDate: D1, rawStatus: 'Completed' }],
      [B, PU_B, N.PORT_REJECTED, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' }],
    ]);
    const once = applyAll(start, events, NOW, V2);
    let twice = once;
    for (const event of events) {
      const result = v2(twice, event, tw(90));
      expect(result.outcome).toBe('duplicate');
      twice = result.state;
    }
    expect(withoutCounters(twice)).toEqual(withoutCounters(once));
    expect(twice.counters).toEqual({ ...once.counters, duplicates: once.counters.duplicates + events.length });
  });

  it('a poll that only confirms a webhook is a duplicate that records the confirmation', () => {
    const state = v2(portingOrder(), a(N.COMPLETED, 3, { portDate: D1 })).state;
    expect(unconfirmedTerminalRequests(state)).toEqual([KW1]);
    const { state: next, outcome } = v2(state, polled(a(N.COMPLETED, 3, { portDate: D1, rawStatus: 'Completed' })));
    expect(outcome).toBe('duplicate');
    expect(next.numbers[A]).toMatchObject({ status: N.COMPLETED, rawStatus: 'Completed', statusSource: 'poll' });
    expect(next.timeline).toEqual(state.timeline);
    expect(unconfirmedTerminalRequests(next)).toEqual([]);
  });

  it('a poll creates no request and no number the order does not know', () => {
    const state = portingOrder();
    const unknownRequest = v2(state, polled(requestEvent(KW_UNKNOWN, R.COMPLETED)));
    expect(unknownRequest.outcome).toBe('unknown-request');
    expect(unknownRequest.state.requests).toEqual(state.requests);
    const unknownNumber = v2(state, polled(numberEvent(KW1, C, N.COMPLETED, { phoneNumberSid: PU_C })));
    expect(unknownNumber.outcome).toBe('unknown-number');
    expect(unknownNumber.state.numbers).toEqual(state.numbers);
    expect(unknownNumber.state.counters.unrouted).toBe(state.counters.unrouted + 1);
  });

  it("a poll of a request a number has left updates that attempt, not the number's current request", () => {
    let state = withNumber(portingOrder(), A, {
      status: N.PORT_REJECTED,
      rejection: { code: 22154, reason: 'Invalid address', at: NOW },
    });
    state = recordRequest(state, { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: PU_C }], found: false }, NOW);
    const { state: next, outcome } = v2(state, polled(a(N.CANCELED, 20)));
    expect(outcome).toBe('applied');
    expect(next.numbers[A]).toMatchObject({ status: N.IN_REVIEW, requestSid: KW2 });
    expect(next.numbers[A]?.previousAttempts).toEqual([
      { requestSid: KW1, phoneNumberSid: PU_A, status: N.CANCELED, rejection: null },
    ]);
    expect(v2(next, polled(a(N.CANCELED, 20))).outcome).toBe('duplicate');
  });
});

describe('unconfirmedTerminalRequests', () => {
  it('is empty while nothing is terminal', () => {
    expect(unconfirmedTerminalRequests(portingOrder())).toEqual([]);
  });

  it('lists a request a webhook alone completed, until a poll confirms it', () => {
    let state = v2(portingOrder(), requestEvent(KW1, R.COMPLETED, { occurredAt: tw(5) })).state;
    expect(unconfirmedTerminalRequests(state)).toEqual([KW1]);
    state = v2(state, polled(requestEvent(KW1, R.COMPLETED))).state;
    expect(unconfirmedTerminalRequests(state)).toEqual([]);
  });

  it('counts a terminal status of unknown source (a state from V1) as unconfirmed, an operator expiry as confirmed', () => {
    const v1 = applyAll(portingOrder(), [a(N.COMPLETED, 5)], NOW);
    expect(unconfirmedTerminalRequests(v1)).toEqual([KW1]);
    const state = withRequest(portingOrder(), KW1, { status: R.WAITING_FOR_SIGNATURE });
    const marker: RequestPortingEvent = {
      ...requestEvent(KW1, R.EXPIRED, { orderCancellationReason: 'LOA not signed' }),
      source: 'operator',
    };
    const expired = v2(state, marker).state;
    expect(expired.numbers[A]).toMatchObject({ status: N.CANCELED, statusSource: 'operator' });
    expect(unconfirmedTerminalRequests(expired)).toEqual([]);
  });

  it("looks only at the request's current numbers", () => {
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
    const next = v2(state, numberEvent(KW2, C, N.CANCELED, { occurredAt: tw(5), phoneNumberSid: PU_C })).state;
    expect(unconfirmedTerminalRequests(next)).toEqual([KW2]);
  });
});

describe('resumedState and the new fields', () => {
  it('gives a state carried by an older run (no suspect counter) a counter at zero, and counts from there', () => {
    const current = portingOrder();
    const { suspect: _suspect, ...oldCounters } = current.counters;
    const carried = { ...current, counters: oldCounters } as unknown as PortInState;
    const resumed = resumedState(carried);
    expect(resumed.counters).toEqual({ ...oldCounters, suspect: 0 });
    expect(v2(resumed, a(N.COMPLETED, 24 * 60)).state.counters.suspect).toBe(1);
    // Even an unresumed old state counts from zero rather than NaN.
    expect(v2(carried, a(N.COMPLETED, 24 * 60)).state.counters.suspect).toBe(1);
  });

  it('a number moved to a new request leaves the old status source behind', () => {
    const state = withNumber(portingOrder(), A, { status: N.PORT_REJECTED, statusSource: 'poll' });
    const moved = recordRequest(
      state,
      { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: PU_C }], found: false },
      NOW
    );
    expect(moved.numbers[A]).not.toHaveProperty('statusSource');
    expect(moved.requests[KW2]).not.toHaveProperty('statusSource');
  });
});
