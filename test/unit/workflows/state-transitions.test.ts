/**
 * Every transition of the porting overview's two status tables, through the one reducer: each
 * allowed move forward is applied and lands in the timeline; each move back is refused as stale,
 * whether the events carry Twilio timestamps or not; terminal statuses never move again.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import { labelOfNumberStatus } from '../../../src/workflows/state';
import {
  A,
  B,
  KW1,
  PU_A,
  apply,
  numberEvent,
  numberStatuses,
  portingOrder,
  requestEvent,
  requestStatuses,
  tw,
  wf,
  withNumber,
  withRequest,
  withoutCounters,
} from './fixtures';

const R = PortInRequestStatus;
const N = PhoneNumberStatus;

/**
 * The request table's moves: In Review → Waiting for Signature → In Progress → Completed, with
 * Action Required beside In Progress (a number rejected, then resolved), Expired after 30 days
 * unsigned, and Canceling → Canceled from any open status. `lateral` moves join two statuses of
 * equal standing: only Twilio's timestamps can say which came last.
 */
const requestForward: Array<{ from: PortInRequestStatus; to: PortInRequestStatus; lateral?: true }> = [
  { from: R.IN_REVIEW, to: R.WAITING_FOR_SIGNATURE },
  { from: R.IN_REVIEW, to: R.CANCELING },
  { from: R.IN_REVIEW, to: R.CANCELED },
  { from: R.WAITING_FOR_SIGNATURE, to: R.IN_PROGRESS },
  { from: R.WAITING_FOR_SIGNATURE, to: R.EXPIRED },
  { from: R.WAITING_FOR_SIGNATURE, to: R.CANCELING },
  { from: R.WAITING_FOR_SIGNATURE, to: R.CANCELED },
  { from: R.IN_PROGRESS, to: R.ACTION_REQUIRED, lateral: true },
  { from: R.IN_PROGRESS, to: R.COMPLETED },
  { from: R.IN_PROGRESS, to: R.CANCELING },
  { from: R.IN_PROGRESS, to: R.CANCELED },
  { from: R.ACTION_REQUIRED, to: R.IN_PROGRESS, lateral: true },
  { from: R.ACTION_REQUIRED, to: R.COMPLETED },
  { from: R.ACTION_REQUIRED, to: R.CANCELING },
  { from: R.ACTION_REQUIRED, to: R.CANCELED },
  { from: R.CANCELING, to: R.CANCELED },
];

/**
 * The number table's moves: In Review → Waiting for Signature → Port Submitted → Port Pending →
 * Completed; Port Rejected from Submitted (or, later, from Pending); Canceling → Canceled from any
 * open status (Canceled directly too, e.g. when Twilio drops a number).
 */
const numberForward: Array<{ from: PhoneNumberStatus; to: PhoneNumberStatus; lateral?: true }> = [
  { from: N.IN_REVIEW, to: N.WAITING_FOR_SIGNATURE },
  { from: N.IN_REVIEW, to: N.CANCELING },
  { from: N.IN_REVIEW, to: N.CANCELED },
  { from: N.WAITING_FOR_SIGNATURE, to: N.PORT_SUBMITTED },
  { from: N.WAITING_FOR_SIGNATURE, to: N.CANCELING },
  { from: N.WAITING_FOR_SIGNATURE, to: N.CANCELED },
  { from: N.PORT_SUBMITTED, to: N.PORT_PENDING },
  { from: N.PORT_SUBMITTED, to: N.PORT_REJECTED },
  { from: N.PORT_SUBMITTED, to: N.CANCELING },
  { from: N.PORT_SUBMITTED, to: N.CANCELED },
  { from: N.PORT_PENDING, to: N.COMPLETED },
  { from: N.PORT_PENDING, to: N.PORT_REJECTED, lateral: true },
  { from: N.PORT_PENDING, to: N.CANCELING },
  { from: N.PORT_PENDING, to: N.CANCELED },
  { from: N.PORT_REJECTED, to: N.CANCELING },
  { from: N.PORT_REJECTED, to: N.CANCELED },
  { from: N.CANCELING, to: N.CANCELED },
];

const requestLabel: Record<string, string> = {
  in_review: 'In Review',
  waiting_for_signature: 'Waiting for Signature',
  in_progress: 'In Progress',
  action_required: 'Action Required',
  completed: 'Completed',
  canceling: 'Canceling',
  canceled: 'Canceled',
  expired: 'Expired',
};

const label = ({ from, to }: { from: string; to: string }) => `${from} → ${to}`;

describe('applyEvent: request status table', () => {
  describe('when an event moves the request forward, with Twilio timestamps', () => {
    it.each(requestForward.map((t) => [label(t), t] as const))('applies %s', (_name, { from, to }) => {
      const state = withRequest(portingOrder(), KW1, { status: from, rawStatus: from, lastEventAt: tw(10) });
      const { state: next, outcome } = apply(state, requestEvent(KW1, to, { occurredAt: tw(20) }), wf(5));

      expect(outcome).toBe('applied');
      expect(next.requests[KW1]).toMatchObject({ status: to, rawStatus: to, lastEventAt: tw(20) });
      expect(next.timeline).toHaveLength(state.timeline.length + 1);
      expect(next.timeline.at(-1)).toMatchObject({
        at: wf(5),
        kind: 'request-status',
        requestSid: KW1,
        message: expect.stringContaining(`Request ${requestLabel[to]}`),
      });
      expect(next.counters.applied).toBe(state.counters.applied + 1);
    });
  });

  describe('when an event moves the request forward, without timestamps (polls, operator actions)', () => {
    it.each(requestForward.filter((t) => !t.lateral).map((t) => [label(t), t] as const))(
      'applies %s by the order of the table',
      (_name, { from, to }) => {
        const state = withRequest(portingOrder(), KW1, { status: from, lastEventAt: null });
        const { state: next, outcome } = apply(state, requestEvent(KW1, to));
        expect(outcome).toBe('applied');
        expect(next.requests[KW1]?.status).toBe(to);
        expect(next.requests[KW1]?.lastEventAt).toBeNull();
        expect(next.timeline).toHaveLength(state.timeline.length + 1);
      }
    );

    it.each(requestForward.filter((t) => t.lateral).map((t) => [label(t), t] as const))(
      'does not take the lateral move %s without a timestamp to order it',
      (_name, { from, to }) => {
        const state = withRequest(portingOrder(), KW1, { status: from, lastEventAt: null });
        const { state: next, outcome } = apply(state, requestEvent(KW1, to));
        expect(outcome).toBe('stale');
        expect(withoutCounters(next)).toEqual(withoutCounters(state));
      }
    );
  });

  describe('when an older event would move the request back', () => {
    it.each(requestForward.map((t) => [`${t.to} ← ${t.from}`, t] as const))(
      'ignores %s as stale (older by occurredAt)',
      (_name, { from, to }) => {
        const state = withRequest(portingOrder(), KW1, { status: to, lastEventAt: tw(20) });
        const { state: next, outcome } = apply(state, requestEvent(KW1, from, { occurredAt: tw(10) }));
        expect(outcome).toBe('stale');
        expect(withoutCounters(next)).toEqual(withoutCounters(state));
        expect(next.counters).toEqual({ ...state.counters, stale: state.counters.stale + 1 });
      }
    );

    it.each(requestForward.map((t) => [`${t.to} ← ${t.from}`, t] as const))(
      'ignores %s as stale (no timestamps: by rank)',
      (_name, { from, to }) => {
        const state = withRequest(portingOrder(), KW1, { status: to, lastEventAt: null });
        const { state: next, outcome } = apply(state, requestEvent(KW1, from));
        expect(outcome).toBe('stale');
        expect(withoutCounters(next)).toEqual(withoutCounters(state));
      }
    );

    it('orders by rank when both timestamps are equal', () => {
      const state = withRequest(portingOrder(), KW1, { status: R.IN_PROGRESS, lastEventAt: tw(20) });
      expect(apply(state, requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(20) })).outcome).toBe('stale');
      expect(apply(state, requestEvent(KW1, R.COMPLETED, { occurredAt: tw(20) })).outcome).toBe('applied');
    });

    it('lets a later timestamp win over the rank (a cancellation that fell through)', () => {
      const state = withRequest(portingOrder(), KW1, { status: R.CANCELING, lastEventAt: tw(20) });
      const { state: next, outcome } = apply(state, requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(30) }));
      expect(outcome).toBe('applied');
      expect(next.requests[KW1]?.status).toBe(R.IN_PROGRESS);
    });
  });

  describe('when the request has ended', () => {
    const terminal = [R.COMPLETED, R.CANCELED, R.EXPIRED];
    const cases = terminal.flatMap((end) =>
      requestStatuses.filter((s) => s !== end).map((s) => [`${end} ← ${s}`, end, s] as const)
    );
    it.each(cases)('never moves: %s, even with a later timestamp', (_name, end, status) => {
      const state = withRequest(portingOrder(), KW1, { status: end, lastEventAt: tw(20) });
      const { state: next, outcome } = apply(state, requestEvent(KW1, status, { occurredAt: tw(99) }));
      expect(outcome).toBe('stale');
      expect(withoutCounters(next)).toEqual(withoutCounters(state));
    });
  });

  describe('when the same status arrives again', () => {
    it.each(requestStatuses.map((s) => [s] as const))('%s twice is a duplicate with identical state', (status) => {
      const event = requestEvent(KW1, status, { occurredAt: tw(20), signatureRequestUrl: 'https://loa.example/1' });
      const once = apply(withRequest(portingOrder(), KW1, { status: R.IN_REVIEW, lastEventAt: tw(10) }), event).state;
      const { state: twice, outcome } = apply(once, event);
      expect(outcome).toBe('duplicate');
      expect(withoutCounters(twice)).toEqual(withoutCounters(once));
      expect(twice.counters.duplicates).toBe(once.counters.duplicates + 1);
    });
  });
});

describe('applyEvent: phone number status table', () => {
  describe('when an event moves a number forward, with Twilio timestamps', () => {
    it.each(numberForward.map((t) => [label(t), t] as const))('applies %s', (_name, { from, to }) => {
      const state = withNumber(portingOrder(), A, { status: from, rawStatus: from, lastEventAt: tw(10) });
      const { state: next, outcome } = apply(
        state,
        numberEvent(KW1, A, to, { occurredAt: tw(20), phoneNumberSid: PU_A }),
        wf(5)
      );

      expect(outcome).toBe('applied');
      expect(next.numbers[A]).toMatchObject({ status: to, rawStatus: to, lastEventAt: tw(20), requestSid: KW1 });
      expect(next.timeline).toHaveLength(state.timeline.length + 1);
      expect(next.timeline.at(-1)).toMatchObject({
        at: wf(5),
        kind: 'number-status',
        requestSid: KW1,
        phoneNumber: A,
        message: expect.stringContaining(labelOfNumberStatus(to)),
      });
      // Only that number moved.
      expect(next.numbers[B]).toEqual(state.numbers[B]);
      expect(next.requests).toEqual(state.requests);
      expect(next.counters.applied).toBe(state.counters.applied + 1);
    });
  });

  describe('when an event moves a number forward, without timestamps', () => {
    it.each(numberForward.filter((t) => !t.lateral).map((t) => [label(t), t] as const))(
      'applies %s by the order of the table',
      (_name, { from, to }) => {
        const state = withNumber(portingOrder(), A, { status: from, lastEventAt: null });
        const { state: next, outcome } = apply(state, numberEvent(KW1, A, to));
        expect(outcome).toBe('applied');
        expect(next.numbers[A]?.status).toBe(to);
        expect(next.timeline).toHaveLength(state.timeline.length + 1);
      }
    );

    it.each(numberForward.filter((t) => t.lateral).map((t) => [label(t), t] as const))(
      'does not take the lateral move %s without a timestamp to order it',
      (_name, { from, to }) => {
        const state = withNumber(portingOrder(), A, { status: from, lastEventAt: null });
        const { state: next, outcome } = apply(state, numberEvent(KW1, A, to));
        expect(outcome).toBe('stale');
        expect(withoutCounters(next)).toEqual(withoutCounters(state));
      }
    );

    it('skips a status whose event was lost (In Review straight to Port Pending)', () => {
      const { state, outcome } = apply(portingOrder(), numberEvent(KW1, A, N.PORT_PENDING));
      expect(outcome).toBe('applied');
      expect(state.numbers[A]?.status).toBe(N.PORT_PENDING);
    });
  });

  describe('when an older event would move a number back', () => {
    it.each(numberForward.map((t) => [`${t.to} ← ${t.from}`, t] as const))(
      'ignores %s as stale (older by occurredAt)',
      (_name, { from, to }) => {
        const state = withNumber(portingOrder(), A, { status: to, lastEventAt: tw(20) });
        const { state: next, outcome } = apply(state, numberEvent(KW1, A, from, { occurredAt: tw(10) }));
        expect(outcome).toBe('stale');
        expect(withoutCounters(next)).toEqual(withoutCounters(state));
        expect(next.counters).toEqual({ ...state.counters, stale: state.counters.stale + 1 });
      }
    );

    it.each(numberForward.map((t) => [`${t.to} ← ${t.from}`, t] as const))(
      'ignores %s as stale (no timestamps: by rank)',
      (_name, { from, to }) => {
        const state = withNumber(portingOrder(), A, { status: to, lastEventAt: null });
        const { state: next, outcome } = apply(state, numberEvent(KW1, A, from));
        expect(outcome).toBe('stale');
        expect(withoutCounters(next)).toEqual(withoutCounters(state));
      }
    );

    it('uses the timestamp when only one side has none (by rank)', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, lastEventAt: null });
      expect(apply(state, numberEvent(KW1, A, N.PORT_SUBMITTED, { occurredAt: tw(99) })).outcome).toBe('stale');
      expect(apply(state, numberEvent(KW1, A, N.COMPLETED, { occurredAt: tw(99) })).outcome).toBe('applied');
    });

    it('ignores an unparseable timestamp and falls back to the rank', () => {
      const state = withNumber(portingOrder(), A, { status: N.PORT_PENDING, lastEventAt: tw(20) });
      expect(apply(state, numberEvent(KW1, A, N.PORT_SUBMITTED, { occurredAt: 'not a date' })).outcome).toBe('stale');
    });

    it('lets a later timestamp win over the rank (a cancellation that fell through)', () => {
      const state = withNumber(portingOrder(), A, { status: N.CANCELING, lastEventAt: tw(20) });
      const { state: next, outcome } = apply(state, numberEvent(KW1, A, N.PORT_PENDING, { occurredAt: tw(30) }));
      expect(outcome).toBe('applied');
      expect(next.numbers[A]?.status).toBe(N.PORT_PENDING);
    });
  });

  describe('when the number has ended', () => {
    const cases = [N.COMPLETED, N.CANCELED].flatMap((end) =>
      numberStatuses.filter((s) => s !== end).map((s) => [`${end} ← ${s}`, end, s] as const)
    );
    it.each(cases)('never moves: %s, even with a later timestamp', (_name, end, status) => {
      const state = withNumber(portingOrder(), A, { status: end, lastEventAt: tw(20) });
      const { state: next, outcome } = apply(state, numberEvent(KW1, A, status, { occurredAt: tw(99) }));
      expect(outcome).toBe('stale');
      expect(withoutCounters(next)).toEqual(withoutCounters(state));
    });
  });

  describe('when the same event arrives twice', () => {
    it.each(numberStatuses.map((s) => [s] as const))('%s twice is a duplicate with identical state', (status) => {
      const event = numberEvent(KW1, A, status, {
        occurredAt: tw(20),
        phoneNumberSid: PU_A,
        portDate: '2025-04-15T16:00:00.000Z',
        ...(status === N.PORT_REJECTED ? { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' } : {}),
      });
      const once = apply(withNumber(portingOrder(), A, { status: N.IN_REVIEW, lastEventAt: tw(10) }), event).state;
      const { state: twice, outcome } = apply(once, event, wf(60));
      expect(outcome).toBe('duplicate');
      expect(withoutCounters(twice)).toEqual(withoutCounters(once));
      expect(twice.counters.duplicates).toBe(once.counters.duplicates + 1);
    });
  });
});
