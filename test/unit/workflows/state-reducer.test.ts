/**
 * The reducer's rules beyond the status tables: routing (unknown request, unknown number), unknown
 * statuses, repeated statuses that carry news, cancellation of a whole request, resubmissions,
 * bounded timeline, purity.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import {
  TIMELINE_LIMIT,
  applyEvent,
  expireRequest,
  note,
  recordRequest,
  resumedState,
} from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import {
  A,
  AT,
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
  deepFreeze,
  numberEvent,
  portingOrder,
  requestEvent,
  sid,
  tw,
  wf,
  withNumber,
  withRequest,
  withoutCounters,
} from './fixtures';

const R = PortInRequestStatus;
const N = PhoneNumberStatus;

describe('applyEvent', () => {
  describe('when the event names a request the order does not have', () => {
    it.each([
      ['request-level', requestEvent(KW_UNKNOWN, R.IN_PROGRESS)],
      ['number-level', numberEvent(KW_UNKNOWN, A, N.PORT_SUBMITTED, { phoneNumberSid: PU_A })],
    ])('answers unknown-request for a %s event and only counts it', (_level, event) => {
      const state = portingOrder();
      const { state: next, outcome } = apply(state, event);
      expect(outcome).toBe('unknown-request');
      expect(withoutCounters(next)).toEqual(withoutCounters(state));
      expect(next.counters).toEqual({ ...state.counters, unrouted: state.counters.unrouted + 1 });
    });
  });

  describe('when the event names a number the request does not have', () => {
    it.each([
      ['an unknown phone number', { phoneNumber: '+14155559999', phoneNumberSid: null }],
      ['an unknown PU sid only', { phoneNumber: null, phoneNumberSid: sid('PU', 0xffff) }],
      ['neither number nor sid', { phoneNumber: null, phoneNumberSid: null }],
    ])('answers unknown-number for %s', (_name, who) => {
      const state = portingOrder();
      const { state: next, outcome } = apply(state, numberEvent(KW1, who.phoneNumber, N.PORT_SUBMITTED, who));
      expect(outcome).toBe('unknown-number');
      expect(withoutCounters(next)).toEqual(withoutCounters(state));
      expect(next.counters.unrouted).toBe(state.counters.unrouted + 1);
    });

    it('answers unknown-number for a number of the order that is in another request', () => {
      const state = portingOrder([
        { sid: KW1, numbers: [[A, PU_A]] },
        { sid: KW2, numbers: [[B, PU_B]] },
      ]);
      const { state: next, outcome } = apply(state, numberEvent(KW1, B, N.PORT_SUBMITTED));
      expect(outcome).toBe('unknown-number');
      expect(next.numbers[B]).toEqual(state.numbers[B]);
    });

    it('answers unknown-number for a number dropped as not portable', () => {
      let state = portingOrder([{ sid: KW1, numbers: [[A, PU_A]] }]);
      state = {
        ...state,
        numbers: {
          ...state.numbers,
          [C]: { ...state.numbers[A]!, phoneNumber: C, status: 'not_portable', requestSid: null, phoneNumberSid: null },
        },
      };
      expect(apply(state, numberEvent(KW1, C, N.CANCELED)).outcome).toBe('unknown-number');
    });

    it('finds the number by its PU sid when the event has no phone number', () => {
      const { state, outcome } = apply(
        portingOrder(),
        numberEvent(KW1, null, N.WAITING_FOR_SIGNATURE, { phoneNumberSid: PU_B })
      );
      expect(outcome).toBe('applied');
      expect(state.numbers[B]?.status).toBe(N.WAITING_FOR_SIGNATURE);
      expect(state.numbers[A]?.status).toBe(N.IN_REVIEW);
    });

    it('learns the PU sid from the first event that carries it, and keeps it', () => {
      let state = portingOrder([{ sid: KW1, numbers: [[A, null]] }]);
      state = apply(state, numberEvent(KW1, A, N.WAITING_FOR_SIGNATURE, { phoneNumberSid: PU_A })).state;
      expect(state.numbers[A]?.phoneNumberSid).toBe(PU_A);
      state = apply(state, numberEvent(KW1, A, N.PORT_SUBMITTED, { phoneNumberSid: PU_C })).state;
      expect(state.numbers[A]?.phoneNumberSid).toBe(PU_A);
    });
  });

  describe('when the status is not one we know', () => {
    it('records an unknown request status, changes nothing else', () => {
      const state = withRequest(portingOrder(), KW1, { status: R.IN_PROGRESS });
      const { state: next, outcome } = apply(
        state,
        requestEvent(KW1, R.UNKNOWN, { rawStatus: 'On Hold With Carrier', occurredAt: tw(30) }),
        wf(7)
      );
      expect(outcome).toBe('unknown-status');
      expect(next.unknownStatuses).toEqual([
        { at: wf(7), requestSid: KW1, phoneNumber: null, rawStatus: 'On Hold With Carrier' },
      ]);
      expect(next.timeline.at(-1)).toEqual({
        at: wf(7),
        kind: 'unknown-status',
        message: 'Unrecognized status "On Hold With Carrier" recorded; nothing changed',
        requestSid: KW1,
      });
      expect(next.requests).toEqual(state.requests);
      expect(next.numbers).toEqual(state.numbers);
      expect(next.counters).toEqual(state.counters);
    });

    it('records an unknown number status with the number, changes nothing else', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_SUBMITTED, lastEventAt: tw(10) });
      const { state: next, outcome } = apply(
        state,
        numberEvent(KW1, A, N.UNKNOWN, { rawStatus: 'Port Jeopardy', occurredAt: tw(30), portDate: '2025-04-20' })
      );
      expect(outcome).toBe('unknown-status');
      expect(next.unknownStatuses).toEqual([{ at: AT, requestSid: KW1, phoneNumber: A, rawStatus: 'Port Jeopardy' }]);
      expect(next.timeline.at(-1)).toMatchObject({ kind: 'unknown-status', phoneNumber: A, requestSid: KW1 });
      expect(next.numbers).toEqual(state.numbers);
      expect(next.requests).toEqual(state.requests);
    });

    it('records an unknown status about a request the number has left', () => {
      const state = recordRequest(
        withNumber(portingOrder(), A, { status: N.PORT_REJECTED }),
        { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: PU_C }], resubmissionOf: [KW1], found: false },
        AT
      );
      const { state: next, outcome } = apply(state, numberEvent(KW1, A, N.UNKNOWN, { rawStatus: 'Weird' }));
      expect(outcome).toBe('unknown-status');
      expect(next.unknownStatuses).toHaveLength(1);
      expect(next.numbers).toEqual(state.numbers);
    });

    it('keeps only the latest 50 unknown statuses', () => {
      let state: PortInState = portingOrder();
      for (let i = 0; i < 60; i++) {
        state = apply(state, requestEvent(KW1, R.UNKNOWN, { rawStatus: `odd-${i}` })).state;
      }
      expect(state.unknownStatuses).toHaveLength(50);
      expect(state.unknownStatuses[0]?.rawStatus).toBe('odd-10');
      expect(state.unknownStatuses.at(-1)?.rawStatus).toBe('odd-59');
    });
  });

  describe('when a repeated status brings new information', () => {
    const pending = (minutes: number, portDate: string) =>
      numberEvent(KW1, A, N.PORT_PENDING, { occurredAt: tw(minutes), portDate, phoneNumberSid: PU_A });

    it('applies a port date moved by the carrier and notes it in the timeline', () => {
      const first = apply(portingOrder(), pending(10, '2025-04-15T16:00:00.000Z')).state;
      expect(first.numbers[A]?.portDate).toBe('2025-04-15T16:00:00.000Z');
      expect(first.timeline.at(-1)?.message).toBe('Port Pending, port date 2025-04-15T16:00:00.000Z');

      const { state, outcome } = apply(first, pending(20, '2025-04-18T16:00:00.000Z'), wf(9));
      expect(outcome).toBe('applied');
      expect(state.numbers[A]).toMatchObject({ status: N.PORT_PENDING, portDate: '2025-04-18T16:00:00.000Z' });
      expect(state.timeline.at(-1)).toEqual({
        at: wf(9),
        kind: 'port-date',
        message: 'Port date moved to 2025-04-18T16:00:00.000Z',
        requestSid: KW1,
        phoneNumber: A,
      });
    });

    it('advances lastEventAt to the later report', () => {
      const first = apply(portingOrder(), pending(10, '2025-04-15T16:00:00.000Z')).state;
      const { state } = apply(first, pending(20, '2025-04-18T16:00:00.000Z'));
      expect(state.numbers[A]?.lastEventAt).toBe(tw(20));
    });

    it('ignores an older report of the same status, so an old port date never comes back', () => {
      const latest = apply(portingOrder(), pending(20, '2025-04-18T16:00:00.000Z')).state;
      const { state, outcome } = apply(latest, pending(10, '2025-04-15T16:00:00.000Z'));
      expect(outcome).toBe('stale');
      expect(withoutCounters(state)).toEqual(withoutCounters(latest));
    });

    it('keeps the port date when a later event does not repeat it', () => {
      const first = apply(portingOrder(), pending(10, '2025-04-15T16:00:00.000Z')).state;
      const { state } = apply(first, numberEvent(KW1, A, N.COMPLETED, { occurredAt: tw(20) }));
      expect(state.numbers[A]).toMatchObject({ status: N.COMPLETED, portDate: '2025-04-15T16:00:00.000Z' });
    });

    it('records a rejection code and reason, then a corrected one', () => {
      const submitted = withNumber(portingOrder(), A, { status: N.PORT_SUBMITTED, lastEventAt: tw(5) });
      const rejected = apply(
        submitted,
        numberEvent(KW1, A, N.PORT_REJECTED, {
          occurredAt: tw(10),
          rejectionReasonCode: 22154,
          rejectionReason: 'Invalid address',
        }),
        wf(3)
      );
      expect(rejected.state.numbers[A]?.rejection).toEqual({ code: 22154, reason: 'Invalid address', at: wf(3) });
      expect(rejected.state.timeline.at(-1)?.message).toBe('Port Rejected — 22154: Invalid address');

      const { state, outcome } = apply(
        rejected.state,
        numberEvent(KW1, A, N.PORT_REJECTED, {
          occurredAt: tw(20),
          rejectionReasonCode: 22155,
          rejectionReason: 'PIN mismatch',
        }),
        wf(4)
      );
      expect(outcome).toBe('applied');
      expect(state.numbers[A]?.rejection).toEqual({ code: 22155, reason: 'PIN mismatch', at: wf(4) });
    });

    it('records a rejection that first came without details, once the details arrive', () => {
      const submitted = withNumber(portingOrder(), A, { status: N.PORT_SUBMITTED });
      const bare = apply(submitted, numberEvent(KW1, A, N.PORT_REJECTED, { occurredAt: tw(10) }));
      expect(bare.state.numbers[A]?.rejection).toBeNull();
      expect(bare.state.timeline.at(-1)?.message).toBe('Port Rejected');

      const { state, outcome } = apply(
        bare.state,
        numberEvent(KW1, A, N.PORT_REJECTED, { occurredAt: tw(10), rejectionReasonCode: 22154 })
      );
      expect(outcome).toBe('applied');
      expect(state.numbers[A]?.rejection).toMatchObject({ code: 22154, reason: null });
    });

    it('treats the same rejection reported again (at a later workflow time) as a duplicate', () => {
      const event = numberEvent(KW1, A, N.PORT_REJECTED, {
        occurredAt: tw(10),
        rejectionReasonCode: 22154,
        rejectionReason: 'x',
      });
      const once = apply(withNumber(portingOrder(), A, { status: N.PORT_SUBMITTED }), event, wf(1)).state;
      const twice = apply(once, event, wf(2));
      expect(twice.outcome).toBe('duplicate');
      expect(twice.state.numbers[A]?.rejection?.at).toBe(wf(1));
    });

    it('takes a PU sid the number did not have yet', () => {
      const state = portingOrder([{ sid: KW1, numbers: [[A, null]] }]);
      const { state: next, outcome } = apply(state, numberEvent(KW1, A, N.IN_REVIEW, { phoneNumberSid: PU_A }));
      expect(outcome).toBe('applied');
      expect(next.numbers[A]?.phoneNumberSid).toBe(PU_A);
    });

    it('takes a signature URL and a cancellation reason for the request', () => {
      const wfs = withRequest(portingOrder(), KW1, { status: R.WAITING_FOR_SIGNATURE });
      const url = apply(
        wfs,
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { signatureRequestUrl: 'https://loa.example/kw1' })
      );
      expect(url.outcome).toBe('applied');
      expect(url.state.requests[KW1]?.signatureRequestUrl).toBe('https://loa.example/kw1');

      const canceled = withRequest(portingOrder(), KW1, { status: R.CANCELED });
      const why = apply(canceled, requestEvent(KW1, R.CANCELED, { orderCancellationReason: 'Customer request' }));
      expect(why.outcome).toBe('applied');
      expect(why.state.requests[KW1]?.orderCancellationReason).toBe('Customer request');
    });

    it('ignores an older report of the same request status', () => {
      const latest = apply(
        withRequest(portingOrder(), KW1, { status: R.IN_REVIEW }),
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, {
          occurredAt: tw(20),
          signatureRequestUrl: 'https://loa.example/new',
        })
      ).state;
      const { state, outcome } = apply(
        latest,
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, {
          occurredAt: tw(10),
          signatureRequestUrl: 'https://loa.example/old',
        })
      );
      expect(outcome).toBe('stale');
      expect(state.requests[KW1]?.signatureRequestUrl).toBe('https://loa.example/new');
    });
  });

  describe('when an overtaken event carries details the state lacks', () => {
    it('keeps the rejection reason of a rejection overtaken by the cancellation, without moving the number', () => {
      const canceled = withNumber(portingOrder(), A, {
        status: N.CANCELED,
        rawStatus: 'Canceled',
        lastEventAt: tw(30),
      });
      const { state, outcome } = apply(
        canceled,
        numberEvent(KW1, A, N.PORT_REJECTED, { occurredAt: tw(20), rejectionReasonCode: 22154, rejectionReason: 'x' }),
        wf(4)
      );
      expect(outcome).toBe('stale');
      expect(state.numbers[A]).toMatchObject({
        status: N.CANCELED,
        rawStatus: 'Canceled',
        lastEventAt: tw(30),
        rejection: { code: 22154, reason: 'x', at: wf(4) },
      });
      expect(state.timeline).toEqual(canceled.timeline);
    });

    it('keeps a port date first seen in an overtaken event, but never replaces a known one', () => {
      const completed = withNumber(portingOrder(), A, { status: N.COMPLETED, lastEventAt: tw(30) });
      const filled = apply(
        completed,
        numberEvent(KW1, A, N.PORT_PENDING, { occurredAt: tw(20), portDate: '2025-04-15' })
      );
      expect(filled.outcome).toBe('stale');
      expect(filled.state.numbers[A]).toMatchObject({ status: N.COMPLETED, portDate: '2025-04-15' });
      const kept = apply(
        filled.state,
        numberEvent(KW1, A, N.PORT_PENDING, { occurredAt: tw(10), portDate: '2025-04-01' })
      );
      expect(kept.state.numbers[A]?.portDate).toBe('2025-04-15');
    });

    it('keeps the signature URL of an overtaken Waiting for Signature event', () => {
      const signed = withRequest(portingOrder(), KW1, { status: R.IN_PROGRESS, lastEventAt: tw(30) });
      const { state, outcome } = apply(
        signed,
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(20), signatureRequestUrl: 'https://loa.example/1' })
      );
      expect(outcome).toBe('stale');
      expect(state.requests[KW1]).toMatchObject({
        status: R.IN_PROGRESS,
        signatureRequestUrl: 'https://loa.example/1',
      });
      expect(state.requests[KW1]?.waitingForSignatureSince).toBeNull();
    });
  });

  describe('when the request goes to Waiting for Signature', () => {
    it('starts the LOA clock at the workflow time, once', () => {
      const first = apply(
        portingOrder(),
        requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(1) }),
        wf(10)
      ).state;
      expect(first.requests[KW1]?.waitingForSignatureSince).toBe(wf(10));
      const again = apply(first, requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(2) }), wf(20)).state;
      expect(again.requests[KW1]?.waitingForSignatureSince).toBe(wf(10));
      const signed = apply(again, requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(3) }), wf(30)).state;
      expect(signed.requests[KW1]?.waitingForSignatureSince).toBe(wf(10));
    });
  });

  describe('when the whole request is canceled or expires', () => {
    const threeNumbers = () =>
      portingOrder([
        {
          sid: KW1,
          numbers: [
            [A, PU_A],
            [B, PU_B],
            [C, PU_C],
          ],
        },
      ]);

    it.each([
      ['PortInCanceled', R.CANCELED],
      ['PortInExpired', R.EXPIRED],
    ])('%s cancels every open number of the request and leaves ended ones alone', (_name, status) => {
      let state = withNumber(threeNumbers(), A, { status: N.PORT_PENDING, rawStatus: 'Port Pending' });
      state = withNumber(state, B, { status: N.COMPLETED });
      state = withNumber(state, C, { status: N.CANCELING });
      const { state: next, outcome } = apply(
        state,
        requestEvent(KW1, status, { occurredAt: tw(10), orderCancellationReason: 'LOA not signed' }),
        wf(2)
      );
      expect(outcome).toBe('applied');
      expect(next.requests[KW1]?.status).toBe(status);
      expect(next.numbers[A]).toMatchObject({ status: N.CANCELED, rawStatus: 'Port Pending' });
      expect(next.numbers[B]?.status).toBe(N.COMPLETED);
      expect(next.numbers[C]?.status).toBe(N.CANCELED);
      expect(next.timeline.at(-1)?.message).toBe(
        `Request ${status === R.CANCELED ? 'Canceled' : 'Expired'} (LOA not signed)`
      );
    });

    it('does not touch numbers of other requests', () => {
      const state = portingOrder([
        { sid: KW1, numbers: [[A, PU_A]] },
        { sid: KW2, numbers: [[B, PU_B]] },
      ]);
      const { state: next } = apply(state, requestEvent(KW1, R.CANCELED));
      expect(next.numbers[A]?.status).toBe(N.CANCELED);
      expect(next.numbers[B]).toEqual(state.numbers[B]);
    });

    it('does not cancel numbers when the request is only Canceling', () => {
      const { state } = apply(threeNumbers(), requestEvent(KW1, R.CANCELING));
      expect(Object.values(state.numbers).map((n) => n.status)).toEqual([N.IN_REVIEW, N.IN_REVIEW, N.IN_REVIEW]);
    });
  });

  describe('when a rejected number was resubmitted in a new request', () => {
    const rejection = { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' };
    function resubmitted(): PortInState {
      let state = applyAll(portingOrder(), [
        numberEvent(KW1, A, N.PORT_SUBMITTED, { occurredAt: tw(10), phoneNumberSid: PU_A }),
        numberEvent(KW1, A, N.PORT_REJECTED, { occurredAt: tw(20), phoneNumberSid: PU_A, ...rejection }),
        numberEvent(KW1, B, N.PORT_PENDING, { occurredAt: tw(20), phoneNumberSid: PU_B }),
        requestEvent(KW1, R.ACTION_REQUIRED, { occurredAt: tw(21) }),
      ]);
      state = recordRequest(
        state,
        { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: PU_C }], resubmissionOf: [KW1], found: false },
        wf(30)
      );
      return state;
    }

    it('moves the number to the new request and keeps the old attempt', () => {
      const state = resubmitted();
      expect(state.numbers[A]).toMatchObject({
        status: N.IN_REVIEW,
        requestSid: KW2,
        phoneNumberSid: PU_C,
        rejection: null,
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
      expect(state.requests[KW2]).toMatchObject({ resubmissionOf: [KW1], phoneNumbers: [A], status: R.IN_REVIEW });
    });

    it('applies news from the old request to the old attempt, not to the current status', () => {
      const state = resubmitted();
      const { state: next, outcome } = apply(state, numberEvent(KW1, A, N.CANCELED, { occurredAt: tw(40) }));
      expect(outcome).toBe('applied');
      expect(next.numbers[A]?.status).toBe(N.IN_REVIEW);
      expect(next.numbers[A]?.requestSid).toBe(KW2);
      expect(next.numbers[A]?.previousAttempts[0]?.status).toBe(N.CANCELED);
      expect(apply(next, numberEvent(KW1, A, N.CANCELED, { occurredAt: tw(40) })).outcome).toBe('duplicate');
    });

    it('finds the old attempt by its PU sid alone', () => {
      const { state, outcome } = apply(resubmitted(), numberEvent(KW1, null, N.CANCELING, { phoneNumberSid: PU_A }));
      expect(outcome).toBe('applied');
      expect(state.numbers[A]?.previousAttempts[0]?.status).toBe(N.CANCELING);
      expect(state.numbers[A]?.status).toBe(N.IN_REVIEW);
    });

    it('never moves the old attempt back', () => {
      const canceled = apply(resubmitted(), numberEvent(KW1, A, N.CANCELED)).state;
      const { state, outcome } = apply(canceled, numberEvent(KW1, A, N.PORT_SUBMITTED, { occurredAt: tw(15) }));
      expect(outcome).toBe('stale');
      expect(state.numbers[A]?.previousAttempts[0]?.status).toBe(N.CANCELED);
    });

    it('follows the new request for the current status', () => {
      const { state } = apply(resubmitted(), numberEvent(KW2, A, N.WAITING_FOR_SIGNATURE, { phoneNumberSid: PU_C }));
      expect(state.numbers[A]).toMatchObject({ status: N.WAITING_FOR_SIGNATURE, requestSid: KW2 });
      expect(state.numbers[A]?.previousAttempts[0]?.status).toBe(N.PORT_REJECTED);
    });

    it('does not cancel the moved number when the old request is canceled', () => {
      const { state } = apply(resubmitted(), requestEvent(KW1, R.CANCELED, { occurredAt: tw(50) }));
      expect(state.numbers[A]).toMatchObject({ status: N.IN_REVIEW, requestSid: KW2 });
      expect(state.numbers[B]?.status).toBe(N.CANCELED);
    });

    it('keeps every attempt across two resubmissions', () => {
      let state = resubmitted();
      state = apply(state, numberEvent(KW2, A, N.PORT_REJECTED, { rejectionReasonCode: 22160 })).state;
      state = recordRequest(
        state,
        { sid: sid('KW', 3), numbers: [{ phoneNumber: A, phoneNumberSid: null }], resubmissionOf: [KW2], found: false },
        AT
      );
      expect(state.numbers[A]?.previousAttempts.map((p) => [p.requestSid, p.status, p.rejection?.code])).toEqual([
        [KW1, N.PORT_REJECTED, 22154],
        [KW2, N.PORT_REJECTED, 22160],
      ]);
    });

    it('links a resubmission to every request its numbers were rejected in', () => {
      let state = resubmitted();
      state = apply(state, numberEvent(KW2, A, N.PORT_REJECTED, { rejectionReasonCode: 22160 })).state;
      state = apply(
        state,
        numberEvent(KW1, B, N.PORT_REJECTED, { occurredAt: tw(60), rejectionReasonCode: 22154 })
      ).state;
      const KW3 = sid('KW', 3);
      state = recordRequest(
        state,
        {
          sid: KW3,
          numbers: [
            { phoneNumber: A, phoneNumberSid: null },
            { phoneNumber: B, phoneNumberSid: null },
          ],
          resubmissionOf: [KW2, KW1],
          found: false,
        },
        AT
      );
      expect(state.requests[KW3]?.resubmissionOf).toEqual([KW2, KW1]);
      expect(state.timeline.at(-1)?.message).toBe(`Created request for 2 number(s) (resubmission of ${KW2}, ${KW1})`);
      expect([state.numbers[A]?.requestSid, state.numbers[B]?.requestSid]).toEqual([KW3, KW3]);
    });
  });

  describe('resumedState (the state a continued-as-new run is handed)', () => {
    it('turns the single-sid link of runs started before resubmissions could span requests into a list', () => {
      let carried = recordRequest(
        portingOrder(),
        { sid: KW2, numbers: [{ phoneNumber: A, phoneNumberSid: PU_C }], resubmissionOf: [KW1], found: false },
        wf(30)
      );
      // As an older run carried it: one sid, or null for the order's own requests.
      carried = {
        ...carried,
        requests: Object.fromEntries(
          Object.entries(carried.requests).map(([s, r]) => [
            s,
            { ...r, resubmissionOf: (r.resubmissionOf[0] ?? null) as unknown as string[] },
          ])
        ),
      };
      const state = resumedState(carried);
      expect(state.requests[KW2]?.resubmissionOf).toEqual([KW1]);
      expect(state.requests[KW1]?.resubmissionOf).toEqual([]);
      expect(state.numbers).toBe(carried.numbers);
    });

    it("leaves a state in today's shape as it is", () => {
      const carried = portingOrder();
      expect(resumedState(carried)).toEqual(carried);
    });
  });

  describe('the timeline', () => {
    it(`keeps the latest ${TIMELINE_LIMIT} entries and counts the dropped ones`, () => {
      let state: PortInState = withNumber(portingOrder(), A, { status: N.PORT_PENDING });
      const before = state.timeline.length;
      const moves = TIMELINE_LIMIT + 50;
      for (let i = 1; i <= moves; i++) {
        const portDate = new Date(Date.UTC(2025, 3, 15) + i * 60_000).toISOString();
        state = apply(state, numberEvent(KW1, A, N.PORT_PENDING, { portDate }), wf(i)).state;
      }
      expect(state.timeline).toHaveLength(TIMELINE_LIMIT);
      expect(state.timelineDropped).toBe(before + moves - TIMELINE_LIMIT);
      expect(state.timeline.at(-1)?.at).toBe(wf(moves));
      expect(state.timeline[0]?.at).toBe(wf(moves - TIMELINE_LIMIT + 1));
    });

    it('bounds notes from the workflow the same way', () => {
      let state: PortInState = portingOrder();
      for (let i = 0; i < TIMELINE_LIMIT + 5; i++) state = note(state, { at: AT, kind: 'operator', message: `n${i}` });
      expect(state.timeline).toHaveLength(TIMELINE_LIMIT);
      expect(state.timeline.at(-1)?.message).toBe(`n${TIMELINE_LIMIT + 4}`);
    });
  });

  describe('purity', () => {
    it('never mutates the state it is given, whatever the outcome', () => {
      const base = applyAll(portingOrder(), [
        numberEvent(KW1, A, N.PORT_PENDING, { occurredAt: tw(10), portDate: '2025-04-15T16:00:00.000Z' }),
      ]);
      const events = [
        requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(11) }),
        numberEvent(KW1, A, N.PORT_PENDING, { occurredAt: tw(12), portDate: '2025-04-16T16:00:00.000Z' }),
        numberEvent(KW1, A, N.PORT_SUBMITTED, { occurredAt: tw(1) }),
        numberEvent(KW1, A, N.UNKNOWN, { rawStatus: '???' }),
        numberEvent(KW1, '+14155559999', N.COMPLETED),
        requestEvent(KW_UNKNOWN, R.CANCELED),
        requestEvent(KW1, R.CANCELED),
      ];
      for (const event of events) {
        const state = deepFreeze(structuredClone(base));
        const copy = structuredClone(state);
        expect(() => applyEvent(state, event, AT)).not.toThrow();
        expect(state).toEqual(copy);
      }
    });

    it('gives the same result for the same input', () => {
      const event = numberEvent(KW1, A, N.PORT_REJECTED, { rejectionReasonCode: 22154 });
      expect(apply(portingOrder(), event, wf(3))).toEqual(apply(portingOrder(), event, wf(3)));
    });

    it('expireRequest leaves its input alone too', () => {
      const state = deepFreeze(withRequest(portingOrder(), KW1, { status: R.WAITING_FOR_SIGNATURE }));
      const copy = structuredClone(state);
      expireRequest(state, KW1, AT);
      expect(state).toEqual(copy);
    });
  });
});
