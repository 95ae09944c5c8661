/**
 * What the workflow and operators read from the state (order status, how it ended, deadlines,
 * counts) and the transitions the workflow makes itself (portability verdicts, new requests, LOA
 * expiry).
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import {
  CANCEL_CUTOFF_MS,
  REDUCER_RULES_V2,
  activeNumbers,
  applyEvent,
  allNumbersSettled,
  cancelCutoffOf,
  expireRequest,
  finalPhase,
  initialState,
  loaExpiryOf,
  markLoaExpired,
  orderCancelCutoff,
  orderStatus,
  pendingCount,
  recordPortability,
  recordRequest,
  rejectedNumbers,
  setPhase,
  targetInstant,
} from '../../../src/workflows/state';
import type { NumberStatus, OrderPhase, PortInState } from '../../../src/workflows/state';
import {
  A,
  AT,
  B,
  C,
  KW1,
  KW2,
  PU_A,
  PU_B,
  PU_C,
  TARGET_DATE,
  apply,
  deepFreeze,
  numberEvent,
  portingOrder,
  requestEvent,
  wf,
  withNumber,
  withRequest,
} from './fixtures';

const R = PortInRequestStatus;
const N = PhoneNumberStatus;
const DAY = 86_400_000;

const twoRequests = () =>
  portingOrder([
    { sid: KW1, numbers: [[A, PU_A]] },
    { sid: KW2, numbers: [[B, PU_B]] },
  ]);

describe('orderStatus', () => {
  it.each<[OrderPhase, string]>([
    ['checking_portability', 'Checking Portability'],
    ['uploading_bill', 'Uploading Bill'],
    ['creating_requests', 'Creating Request'],
    ['completed', 'Completed'],
    ['canceled', 'Canceled'],
    ['expired', 'Expired'],
    ['failed', 'Failed'],
  ])('reads %s as %s', (phase, status) => {
    expect(orderStatus({ ...portingOrder(), phase })).toBe(status);
  });

  describe('while porting', () => {
    it.each<[PortInRequestStatus, string]>([
      [R.IN_REVIEW, 'In Review'],
      [R.WAITING_FOR_SIGNATURE, 'Waiting for Signature'],
      [R.IN_PROGRESS, 'In Progress'],
      [R.CANCELING, 'Canceling'],
    ])('follows the open request: %s → %s', (status, label) => {
      expect(orderStatus(withRequest(portingOrder(), KW1, { status }))).toBe(label);
    });

    it('is Action Required once the carrier rejects a number', () => {
      const { state } = apply(
        withRequest(withNumber(portingOrder(), A, { status: N.PORT_SUBMITTED }), KW1, { status: R.IN_PROGRESS }),
        numberEvent(KW1, A, N.PORT_REJECTED, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' })
      );
      expect(orderStatus(state)).toBe('Action Required');
      expect(rejectedNumbers(state).map((n) => n.phoneNumber)).toEqual([A]);
    });

    it('is Action Required for a rejection in any request of the order', () => {
      let state = withRequest(withRequest(twoRequests(), KW1, { status: R.IN_REVIEW }), KW2, { status: R.IN_PROGRESS });
      state = withNumber(state, B, { status: N.PORT_REJECTED });
      expect(orderStatus(state)).toBe('Action Required');
    });

    it('is In Progress again once the rejected number is canceled', () => {
      let state = withRequest(withNumber(portingOrder(), A, { status: N.PORT_REJECTED }), KW1, {
        status: R.ACTION_REQUIRED,
      });
      expect(orderStatus(state)).toBe('Action Required');
      state = apply(state, numberEvent(KW1, A, N.CANCELED)).state;
      expect(orderStatus(state)).toBe('In Progress');
    });

    it('reads a request in Action Required without a known rejected number as In Progress', () => {
      // Action Required is what the operator can act on: a rejected number they can cancel or resubmit.
      expect(orderStatus(withRequest(portingOrder(), KW1, { status: R.ACTION_REQUIRED }))).toBe('In Progress');
    });

    it('reports the earliest stage among several open requests', () => {
      const state = withRequest(withRequest(twoRequests(), KW1, { status: R.IN_PROGRESS }), KW2, {
        status: R.WAITING_FOR_SIGNATURE,
      });
      expect(orderStatus(state)).toBe('Waiting for Signature');
    });

    it('ignores ended requests', () => {
      const state = withRequest(withRequest(twoRequests(), KW1, { status: R.CANCELED }), KW2, {
        status: R.IN_PROGRESS,
      });
      expect(orderStatus(state)).toBe('In Progress');
    });

    it('is Canceling while a number is still canceling after every request ended', () => {
      let state = withRequest(portingOrder(), KW1, { status: R.COMPLETED });
      state = withNumber(withNumber(state, A, { status: N.COMPLETED }), B, { status: N.CANCELING });
      expect(orderStatus(state)).toBe('Canceling');
      expect(orderStatus(withNumber(state, B, { status: N.CANCELED }))).toBe('In Progress');
    });
  });
});

describe('finalPhase', () => {
  const settled = (statuses: NumberStatus[], requests: PortInRequestStatus[]): PortInState => {
    let state = twoRequests();
    [A, B].forEach((p, i) => (state = withNumber(state, p, { status: statuses[i]! })));
    [KW1, KW2].forEach((sid, i) => (state = withRequest(state, sid, { status: requests[i]! })));
    return state;
  };

  it.each<[string, NumberStatus[], PortInRequestStatus[], ReturnType<typeof finalPhase>]>([
    ['every number ported', [N.COMPLETED, N.COMPLETED], [R.COMPLETED, R.COMPLETED], 'completed'],
    ['one ported, one canceled', [N.COMPLETED, N.CANCELED], [R.COMPLETED, R.CANCELED], 'completed'],
    ['one ported, one not portable', [N.COMPLETED, 'not_portable'], [R.COMPLETED, R.COMPLETED], 'completed'],
    ['every request expired', [N.CANCELED, N.CANCELED], [R.EXPIRED, R.EXPIRED], 'expired'],
    ['one expired, one canceled', [N.CANCELED, N.CANCELED], [R.EXPIRED, R.CANCELED], 'canceled'],
    ['everything canceled', [N.CANCELED, N.CANCELED], [R.CANCELED, R.CANCELED], 'canceled'],
  ])('is %s → %s', (_name, numbers, requests, phase) => {
    expect(finalPhase(settled(numbers, requests))).toBe(phase);
  });

  it('is canceled when no request was ever made', () => {
    const state = recordPortability(
      initialState({ orderId: 'o', customerRef: 'c', phoneNumbers: [A], targetPortInDate: TARGET_DATE }),
      [{ phoneNumber: A, portable: false, code: 22131, reason: 'x' }],
      AT
    );
    expect(finalPhase(state)).toBe('canceled');
  });
});

describe('cancel cutoff (72 hours before the port)', () => {
  it('is 72 hours before the confirmed port date', () => {
    const state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, portDate: '2025-04-20T16:00:00.000Z' });
    expect(CANCEL_CUTOFF_MS).toBe(3 * DAY);
    expect(new Date(cancelCutoffOf(state, state.numbers[A]!)).toISOString()).toBe('2025-04-17T16:00:00.000Z');
  });

  it('uses the target date and the start of its time range while no date is confirmed', () => {
    const state = portingOrder(undefined, { targetPortInTimeRangeStart: '10:15:00-08:00' });
    expect(new Date(targetInstant(state)).toISOString()).toBe('2025-04-15T18:15:00.000Z');
    expect(new Date(cancelCutoffOf(state, state.numbers[A]!)).toISOString()).toBe('2025-04-12T18:15:00.000Z');
  });

  it('uses midnight UTC of the target date without a time range', () => {
    const state = portingOrder();
    expect(new Date(cancelCutoffOf(state, state.numbers[A]!)).toISOString()).toBe('2025-04-12T00:00:00.000Z');
  });

  it('falls back to midnight UTC when the time range cannot be read', () => {
    const state = portingOrder(undefined, { targetPortInTimeRangeStart: 'half past ten' });
    expect(new Date(targetInstant(state)).toISOString()).toBe('2025-04-15T00:00:00.000Z');
  });

  it('falls back to the target date when the port date cannot be read', () => {
    const state = withNumber(portingOrder(), A, { portDate: 'soon' });
    expect(new Date(cancelCutoffOf(state, state.numbers[A]!)).toISOString()).toBe('2025-04-12T00:00:00.000Z');
  });

  it('moves with the port date the carrier confirms', () => {
    const pending = apply(portingOrder(), numberEvent(KW1, A, N.PORT_PENDING, { portDate: '2025-04-25T16:00:00Z' }));
    expect(new Date(cancelCutoffOf(pending.state, pending.state.numbers[A]!)).toISOString()).toBe(
      '2025-04-22T16:00:00.000Z'
    );
  });

  it('is, for the order, the earliest cutoff among numbers that can still be canceled', () => {
    let state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, portDate: '2025-04-13T12:00:00.000Z' });
    state = withNumber(state, B, { status: N.PORT_PENDING, portDate: '2025-04-30T12:00:00.000Z' });
    expect(new Date(orderCancelCutoff(state)!).toISOString()).toBe('2025-04-10T12:00:00.000Z');
    // A number that has ported no longer counts.
    state = withNumber(state, A, { status: N.COMPLETED });
    expect(new Date(orderCancelCutoff(state)!).toISOString()).toBe('2025-04-27T12:00:00.000Z');
    state = withNumber(state, B, { status: N.CANCELED });
    expect(orderCancelCutoff(state)).toBeNull();
  });
});

describe('loaExpiryOf', () => {
  const THIRTY_DAYS = 30 * DAY;

  it('is the LOA window after the request reached Waiting for Signature', () => {
    const { state } = apply(portingOrder(), requestEvent(KW1, R.WAITING_FOR_SIGNATURE), wf(0));
    expect(new Date(loaExpiryOf(state.requests[KW1]!, THIRTY_DAYS)!).toISOString()).toBe('2025-03-31T12:00:00.000Z');
  });

  it.each([R.IN_REVIEW, R.IN_PROGRESS, R.CANCELED, R.EXPIRED, R.COMPLETED])('is null once the request is %s', (s) => {
    const waiting = apply(portingOrder(), requestEvent(KW1, R.WAITING_FOR_SIGNATURE), wf(0)).state;
    expect(loaExpiryOf({ ...waiting.requests[KW1]!, status: s }, THIRTY_DAYS)).toBeNull();
  });

  it('fires once: a request the workflow expired, that a poll puts back to Waiting for Signature, has none', () => {
    const waiting = apply(portingOrder(), requestEvent(KW1, R.WAITING_FOR_SIGNATURE), wf(0)).state;
    const expired = markLoaExpired(expireRequest(waiting, KW1, wf(0), REDUCER_RULES_V2), KW1, wf(0));
    expect(expired.requests[KW1]).toMatchObject({ status: R.EXPIRED, loaExpiredAt: wf(0) });
    // Twilio has not canceled it: the poll wins, and the request is waiting again, since long past the window.
    const polled = applyEvent(
      expired,
      { ...requestEvent(KW1, R.WAITING_FOR_SIGNATURE), source: 'poll', eventName: null },
      wf(0),
      REDUCER_RULES_V2
    ).state;
    expect(polled.requests[KW1]).toMatchObject({ status: R.WAITING_FOR_SIGNATURE, loaExpiredAt: wf(0) });
    expect(loaExpiryOf(polled.requests[KW1]!, THIRTY_DAYS)).toBeNull();
    // Marking twice keeps the first decision.
    expect(markLoaExpired(polled, KW1, wf(1))).toBe(polled);
    // Without the mark (V1, which never sets it) the expiry is as before.
    expect(loaExpiryOf({ ...polled.requests[KW1]!, loaExpiredAt: undefined }, THIRTY_DAYS)).not.toBeNull();
  });

  it('is null when the start of the window is unknown', () => {
    const state = withRequest(portingOrder(), KW1, { status: R.WAITING_FOR_SIGNATURE, waitingForSignatureSince: null });
    expect(loaExpiryOf(state.requests[KW1]!, THIRTY_DAYS)).toBeNull();
  });
});

describe('pendingCount, activeNumbers and allNumbersSettled', () => {
  it('counts every number that has not ended, including those still being checked', () => {
    let state = portingOrder([
      {
        sid: KW1,
        numbers: [
          [A, PU_A],
          [B, PU_B],
          [C, PU_C],
        ],
      },
    ]);
    expect(pendingCount(state)).toBe(3);
    state = withNumber(state, A, { status: N.COMPLETED });
    state = withNumber(state, B, { status: 'not_portable' });
    expect(pendingCount(state)).toBe(1);
    expect(allNumbersSettled(state)).toBe(false);
    state = withNumber(state, C, { status: N.CANCELING });
    expect(pendingCount(state)).toBe(1);
    state = withNumber(state, C, { status: N.CANCELED });
    expect(pendingCount(state)).toBe(0);
    expect(allNumbersSettled(state)).toBe(true);
  });

  it('leaves numbers still being checked out of the active ones', () => {
    const state = initialState({ orderId: 'o', customerRef: 'c', phoneNumbers: [A, B], targetPortInDate: TARGET_DATE });
    expect(pendingCount(state)).toBe(2);
    expect(activeNumbers(state)).toEqual([]);
    expect(activeNumbers(portingOrder()).map((n) => n.phoneNumber)).toEqual([A, B]);
  });
});

describe('initialState', () => {
  it('starts every number in checking, with no request, no timeline and counters at zero', () => {
    const state = initialState({
      orderId: 'order-7',
      customerRef: 'cust-7',
      phoneNumbers: [A, B],
      targetPortInDate: TARGET_DATE,
    });
    expect(state).toMatchObject({
      orderId: 'order-7',
      customerRef: 'cust-7',
      phase: 'checking_portability',
      targetPortInTimeRangeStart: null,
      requests: {},
      timeline: [],
      timelineDropped: 0,
      unknownStatuses: [],
      failure: null,
      counters: { applied: 0, duplicates: 0, stale: 0, unrouted: 0, runs: 1 },
    });
    expect(Object.values(state.numbers).map((n) => [n.phoneNumber, n.status, n.requestSid])).toEqual([
      [A, 'checking', null],
      [B, 'checking', null],
    ]);
  });
});

describe('recordPortability', () => {
  it('drops the numbers that are not portable, with their reason, and leaves the others', () => {
    const start = deepFreeze(
      initialState({ orderId: 'o', customerRef: 'c', phoneNumbers: [A, B, C], targetPortInDate: TARGET_DATE })
    );
    const state = recordPortability(
      start,
      [
        { phoneNumber: A, portable: true, code: null, reason: null },
        { phoneNumber: B, portable: false, code: 22131, reason: 'ALREADY_IN_TWILIO' },
        { phoneNumber: C, portable: false, code: null, reason: null },
        { phoneNumber: '+14155559999', portable: false, code: 1, reason: 'not ours' },
      ],
      wf(1)
    );
    expect(state.numbers[A]?.status).toBe('checking');
    expect(state.numbers[B]).toMatchObject({
      status: 'not_portable',
      notPortable: { code: 22131, reason: 'ALREADY_IN_TWILIO' },
    });
    expect(state.numbers['+14155559999']).toBeUndefined();
    expect(state.timeline).toEqual([
      {
        at: wf(1),
        kind: 'not-portable',
        message: 'Not portable — 22131: ALREADY_IN_TWILIO; dropped from the order',
        phoneNumber: B,
      },
      {
        at: wf(1),
        kind: 'not-portable',
        message: 'Not portable — no code: no reason given; dropped from the order',
        phoneNumber: C,
      },
    ]);
    expect(pendingCount(state)).toBe(1);
  });
});

describe('recordRequest', () => {
  const checked = () =>
    setPhase(
      initialState({ orderId: 'o', customerRef: 'c', phoneNumbers: [A, B], targetPortInDate: TARGET_DATE }),
      'creating_requests',
      AT,
      'bill ready'
    );

  it('files the numbers in the new request, In Review', () => {
    const state = recordRequest(
      deepFreeze(checked()),
      {
        sid: KW1,
        numbers: [
          { phoneNumber: A, phoneNumberSid: PU_A },
          { phoneNumber: B, phoneNumberSid: null },
        ],
        found: false,
      },
      wf(2)
    );
    expect(state.requests[KW1]).toEqual({
      sid: KW1,
      status: R.IN_REVIEW,
      rawStatus: null,
      phoneNumbers: [A, B],
      createdAt: wf(2),
      resubmissionOf: [],
      waitingForSignatureSince: null,
      signatureRequestUrl: null,
      orderCancellationReason: null,
      lastEventAt: null,
    });
    expect(state.numbers[A]).toMatchObject({ status: N.IN_REVIEW, requestSid: KW1, phoneNumberSid: PU_A });
    expect(state.numbers[B]).toMatchObject({ status: N.IN_REVIEW, requestSid: KW1, phoneNumberSid: null });
    expect(state.timeline.at(-1)).toEqual({
      at: wf(2),
      kind: 'request-created',
      message: 'Created request for 2 number(s)',
      requestSid: KW1,
    });
  });

  it('says so when it found the request an earlier attempt made', () => {
    const state = recordRequest(
      checked(),
      { sid: KW1, numbers: [{ phoneNumber: A, phoneNumberSid: null }], found: true },
      AT
    );
    expect(state.timeline.at(-1)?.message).toBe('Found the request made by an earlier attempt for 1 number(s)');
  });

  it('is idempotent: recording the same request again changes nothing', () => {
    const once = recordRequest(
      checked(),
      { sid: KW1, numbers: [{ phoneNumber: A, phoneNumberSid: PU_A }], found: false },
      AT
    );
    const moved = apply(once, numberEvent(KW1, A, N.WAITING_FOR_SIGNATURE)).state;
    expect(
      recordRequest(moved, { sid: KW1, numbers: [{ phoneNumber: A, phoneNumberSid: PU_A }], found: true }, wf(9))
    ).toBe(moved);
  });

  it('ignores numbers that are not in the order', () => {
    const state = recordRequest(
      checked(),
      { sid: KW1, numbers: [{ phoneNumber: '+14155559999', phoneNumberSid: null }], found: false },
      AT
    );
    expect(state.numbers['+14155559999']).toBeUndefined();
  });

  it('on a resubmission, keeps the earlier attempt and notes what it resubmits', () => {
    let state = recordRequest(
      checked(),
      {
        sid: KW1,
        numbers: [
          { phoneNumber: A, phoneNumberSid: PU_A },
          { phoneNumber: B, phoneNumberSid: PU_B },
        ],
        found: false,
      },
      AT
    );
    state = apply(
      withNumber(state, A, { status: N.PORT_SUBMITTED, portDate: '2025-04-15', lastEventAt: '2025-03-03T00:00:00Z' }),
      numberEvent(KW1, A, N.PORT_REJECTED, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' })
    ).state;
    state = recordRequest(
      state,
      { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: PU_C }], resubmissionOf: [KW1], found: false },
      wf(5)
    );
    expect(state.numbers[A]).toEqual({
      phoneNumber: A,
      status: N.IN_REVIEW,
      rawStatus: null,
      requestSid: KW2,
      phoneNumberSid: PU_C,
      portDate: null,
      rejection: null,
      notPortable: null,
      lastEventAt: null,
      previousAttempts: [
        {
          requestSid: KW1,
          phoneNumberSid: PU_A,
          status: N.PORT_REJECTED,
          rejection: { code: 22154, reason: 'Invalid address', at: AT },
        },
      ],
    });
    expect(state.numbers[B]?.requestSid).toBe(KW1);
    expect(state.requests[KW2]?.resubmissionOf).toEqual([KW1]);
    expect(state.timeline.at(-1)?.message).toBe(`Created request for 1 number(s) (resubmission of ${KW1})`);
  });
});

describe('expireRequest', () => {
  it('expires an unsigned request and cancels its open numbers, with the reason', () => {
    const waiting = apply(portingOrder(), requestEvent(KW1, R.WAITING_FOR_SIGNATURE), wf(0)).state;
    const state = expireRequest(waiting, KW1, wf(60));
    expect(state.requests[KW1]).toMatchObject({
      status: R.EXPIRED,
      rawStatus: 'Expired',
      orderCancellationReason: 'LOA not signed within the signature window',
    });
    expect([state.numbers[A]?.status, state.numbers[B]?.status]).toEqual([N.CANCELED, N.CANCELED]);
    expect(state.timeline.at(-1)).toMatchObject({
      at: wf(60),
      kind: 'request-status',
      message: 'Request Expired (LOA not signed within the signature window)',
    });
    expect(loaExpiryOf(state.requests[KW1]!, 30 * DAY)).toBeNull();
    expect(allNumbersSettled(state)).toBe(true);
    expect(finalPhase(state)).toBe('expired');
  });

  it.each([R.COMPLETED, R.CANCELED, R.EXPIRED])('leaves a request that is already %s alone', (status) => {
    const state = withRequest(portingOrder(), KW1, { status });
    expect(expireRequest(state, KW1, AT)).toBe(state);
  });

  it('leaves the state alone for a request it does not know', () => {
    const state = portingOrder();
    expect(expireRequest(state, KW2, AT)).toBe(state);
  });
});
