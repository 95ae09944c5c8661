/**
 * From the wire to the state: each of the 13 porting webhook events, as a JSON body shaped like the
 * deliveries real handlers see (reference §1.3: the event name in `status`, snake_case fields,
 * `last_date_updated`), parsed by `parsePortingWebhook` and applied by the reducer. Also a fetched
 * PortIn (the reconciliation poll) through `eventsFromPortIn`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventsFromPortIn, isParseFailure, parsePortingWebhook } from '../../../src/twilio/events';
import { PhoneNumberStatus, PortInRequestStatus, PortingEventName } from '../../../src/twilio/porting-event';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portInInbound } from '../../../src/twilio/schemas/port-in';
import { orderStatus } from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import {
  A,
  B,
  KW1,
  PU_A,
  PU_B,
  apply,
  applyAll,
  portingOrder,
  requestEvent,
  withNumber,
  withRequest,
  withoutCounters,
} from './fixtures';

const R = PortInRequestStatus;
const N = PhoneNumberStatus;
const UPDATED = '2025-03-05T13:50:06Z';
const UPDATED_ISO = '2025-03-05T13:50:06.000Z';

/** The body Twilio POSTs, as raw JSON text (the receiver hands the parser the raw body). */
function requestBody(event: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ status: event, port_in_request_sid: KW1, last_date_updated: UPDATED, ...extra });
}

function numberBody(event: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    status: event,
    port_in_request_sid: KW1,
    port_in_phone_number_sid: PU_A,
    phone_number: A,
    portable: true,
    not_portable_reason: null,
    not_portable_reason_code: null,
    rejection_reason: null,
    rejection_reason_code: null,
    last_date_updated: UPDATED,
    ...extra,
  });
}

function parse(body: string): PortingEvent {
  const result = parsePortingWebhook(body, { idempotencyToken: 'idem-1' });
  if (isParseFailure(result)) throw new Error(`expected an event, got ${result.code}: ${result.reason}`);
  return result;
}

const start = (request: PortInRequestStatus, numbers: PhoneNumberStatus): PortInState => {
  let state = withRequest(portingOrder(), KW1, { status: request, lastEventAt: '2025-03-04T00:00:00Z' });
  for (const p of [A, B]) state = withNumber(state, p, { status: numbers, lastEventAt: '2025-03-04T00:00:00Z' });
  return state;
};

interface Case {
  event: PortingEventName;
  from: PortInState;
  body: string;
  expect: (state: PortInState) => void;
}

const cases: Case[] = [
  {
    event: 'PortInWaitingForSignature',
    from: start(R.IN_REVIEW, N.IN_REVIEW),
    body: requestBody('PortInWaitingForSignature', { signature_request_url: 'https://loa.example/KW1' }),
    expect: (s) => {
      expect(s.requests[KW1]).toMatchObject({
        status: R.WAITING_FOR_SIGNATURE,
        rawStatus: 'PortInWaitingForSignature',
        signatureRequestUrl: 'https://loa.example/KW1',
        lastEventAt: UPDATED_ISO,
      });
      expect(s.requests[KW1]?.waitingForSignatureSince).not.toBeNull();
      expect(orderStatus(s)).toBe('Waiting for Signature');
    },
  },
  {
    event: 'PortInInProgress',
    from: start(R.WAITING_FOR_SIGNATURE, N.WAITING_FOR_SIGNATURE),
    body: requestBody('PortInInProgress'),
    expect: (s) => {
      expect(s.requests[KW1]?.status).toBe(R.IN_PROGRESS);
      expect(orderStatus(s)).toBe('In Progress');
    },
  },
  {
    event: 'PortInCompleted',
    from: start(R.IN_PROGRESS, N.COMPLETED),
    body: requestBody('PortInCompleted'),
    expect: (s) => {
      expect(s.requests[KW1]?.status).toBe(R.COMPLETED);
      expect(Object.values(s.numbers).map((n) => n.status)).toEqual([N.COMPLETED, N.COMPLETED]);
    },
  },
  {
    event: 'PortInActionRequired',
    from: start(R.IN_PROGRESS, N.PORT_SUBMITTED),
    body: requestBody('PortInActionRequired'),
    expect: (s) => {
      expect(s.requests[KW1]?.status).toBe(R.ACTION_REQUIRED);
      expect(s.numbers[A]?.status).toBe(N.PORT_SUBMITTED);
    },
  },
  {
    event: 'PortInCanceled',
    from: start(R.IN_PROGRESS, N.PORT_PENDING),
    body: requestBody('PortInCanceled', { order_cancellation_reason: 'Canceled by customer' }),
    expect: (s) => {
      expect(s.requests[KW1]).toMatchObject({ status: R.CANCELED, orderCancellationReason: 'Canceled by customer' });
      expect(Object.values(s.numbers).map((n) => n.status)).toEqual([N.CANCELED, N.CANCELED]);
      expect(s.timeline.at(-1)?.message).toBe('Request Canceled (Canceled by customer)');
    },
  },
  {
    event: 'PortInExpired',
    from: start(R.WAITING_FOR_SIGNATURE, N.WAITING_FOR_SIGNATURE),
    body: requestBody('PortInExpired'),
    expect: (s) => {
      expect(s.requests[KW1]?.status).toBe(R.EXPIRED);
      expect(Object.values(s.numbers).map((n) => n.status)).toEqual([N.CANCELED, N.CANCELED]);
    },
  },
  {
    event: 'PortInPhoneNumberWaitingForSignature',
    from: start(R.IN_REVIEW, N.IN_REVIEW),
    body: numberBody('PortInPhoneNumberWaitingForSignature'),
    expect: (s) => {
      expect(s.numbers[A]).toMatchObject({
        status: N.WAITING_FOR_SIGNATURE,
        rawStatus: 'PortInPhoneNumberWaitingForSignature',
        lastEventAt: UPDATED_ISO,
      });
      expect(s.numbers[B]?.status).toBe(N.IN_REVIEW);
    },
  },
  {
    event: 'PortInPhoneNumberSubmitted',
    from: start(R.IN_PROGRESS, N.WAITING_FOR_SIGNATURE),
    body: numberBody('PortInPhoneNumberSubmitted'),
    expect: (s) => expect(s.numbers[A]?.status).toBe(N.PORT_SUBMITTED),
  },
  {
    event: 'PortInPhoneNumberPending',
    from: start(R.IN_PROGRESS, N.PORT_SUBMITTED),
    body: numberBody('PortInPhoneNumberPending', { port_date: '2025-04-15T16:00:00Z' }),
    expect: (s) => {
      expect(s.numbers[A]).toMatchObject({ status: N.PORT_PENDING, portDate: '2025-04-15T16:00:00.000Z' });
      expect(s.timeline.at(-1)?.message).toBe('Port Pending, port date 2025-04-15T16:00:00.000Z');
    },
  },
  {
    event: 'PortInPhoneNumberCompleted',
    from: start(R.IN_PROGRESS, N.PORT_PENDING),
    body: numberBody('PortInPhoneNumberCompleted', { port_date: '2025-04-15T16:00:00Z' }),
    expect: (s) => {
      expect(s.numbers[A]).toMatchObject({ status: N.COMPLETED, portDate: '2025-04-15T16:00:00.000Z' });
      expect(s.numbers[B]?.status).toBe(N.PORT_PENDING);
    },
  },
  {
    event: 'PortInPhoneNumberRejected',
    from: start(R.IN_PROGRESS, N.PORT_SUBMITTED),
    // Codes arrive as strings in some deliveries (the PortIn schema types them so).
    body: numberBody('PortInPhoneNumberRejected', {
      rejection_reason: 'Invalid address',
      rejection_reason_code: '22154',
    }),
    expect: (s) => {
      expect(s.numbers[A]).toMatchObject({
        status: N.PORT_REJECTED,
        rejection: { code: 22154, reason: 'Invalid address' },
      });
      expect(orderStatus(s)).toBe('Action Required');
    },
  },
  {
    event: 'PortInPhoneNumberCanceled',
    from: start(R.IN_PROGRESS, N.CANCELING),
    body: numberBody('PortInPhoneNumberCanceled'),
    expect: (s) => {
      expect(s.numbers[A]?.status).toBe(N.CANCELED);
      expect(s.numbers[B]?.status).toBe(N.CANCELING);
    },
  },
];

describe('webhook delivery → parsePortingWebhook → applyEvent', () => {
  it('covers every event name but the port-out one', () => {
    expect(cases.map((c) => c.event).sort()).toEqual(
      Object.values(PortingEventName)
        .filter((n) => n !== 'PortOutPhoneNumberCompleted')
        .sort()
    );
  });

  it.each(cases.map((c) => [c.event, c] as const))('%s moves the state as the overview says', (_name, c) => {
    const event = parse(c.body);
    expect(event).toMatchObject({ source: 'webhook', eventName: c.event, idempotencyToken: 'idem-1' });
    const { state, outcome } = apply(c.from, event);
    expect(outcome).toBe('applied');
    c.expect(state);
    // Delivered again (Twilio retries), it is a no-op.
    const again = apply(state, parse(c.body));
    expect(again.outcome).toBe('duplicate');
    expect(withoutCounters(again.state)).toEqual(withoutCounters(state));
  });

  it('PortOutPhoneNumberCompleted is acknowledged and changes nothing', () => {
    const result = parsePortingWebhook(numberBody('PortOutPhoneNumberCompleted'));
    expect(isParseFailure(result) && result.code).toBe('not-port-in');
    // Nothing reaches the reducer, so the state is the one we had.
    const state = start(R.IN_PROGRESS, N.PORT_PENDING);
    const events = isParseFailure(result) ? [] : [result];
    expect(applyAll(state, events)).toBe(state);
  });

  it('finds the number by its PU sid when the delivery has no phone_number', () => {
    const body = JSON.stringify({
      status: 'PortInPhoneNumberSubmitted',
      port_in_request_sid: KW1,
      port_in_phone_number_sid: PU_B,
      last_date_updated: UPDATED,
    });
    const { state, outcome } = apply(start(R.IN_PROGRESS, N.WAITING_FOR_SIGNATURE), parse(body));
    expect(outcome).toBe('applied');
    expect(state.numbers[B]?.status).toBe(N.PORT_SUBMITTED);
    expect(state.numbers[A]?.status).toBe(N.WAITING_FOR_SIGNATURE);
  });

  it('drops a delivery that arrives after a later one as stale', () => {
    const later = parse(numberBody('PortInPhoneNumberPending', { last_date_updated: '2025-03-06T00:00:00Z' }));
    const earlier = parse(numberBody('PortInPhoneNumberSubmitted', { last_date_updated: '2025-03-05T00:00:00Z' }));
    const pending = apply(start(R.IN_PROGRESS, N.WAITING_FOR_SIGNATURE), later).state;
    const { state, outcome } = apply(pending, earlier);
    expect(outcome).toBe('stale');
    expect(state.numbers[A]?.status).toBe(N.PORT_PENDING);
  });

  it('answers unknown-request for a delivery about another account’s request', () => {
    const body = requestBody('PortInCompleted', { port_in_request_sid: `KW${'f'.repeat(32)}` });
    expect(apply(start(R.IN_PROGRESS, N.PORT_PENDING), parse(body)).outcome).toBe('unknown-request');
  });
});

describe('reconciliation poll → eventsFromPortIn → applyEvent', () => {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', 'twilio', 'fixtures', 'port-in-fetch-response.json'), 'utf8')
  ) as Record<string, unknown>;
  const KWa = 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const PUa = 'PUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const phone = '+16175551212';
  const order = () => portingOrder([{ sid: KWa, numbers: [[phone, PUa]] }]);

  function snapshot(requestStatus: string, numberStatus: string, extra: Record<string, unknown> = {}) {
    const numbers = fixture.phone_numbers as Array<Record<string, unknown>>;
    return portInInbound.parse({
      ...fixture,
      port_in_request_status: requestStatus,
      phone_numbers: [{ ...numbers[0], port_in_phone_number_status: numberStatus, ...extra }],
    });
  }

  it('applies a fetched request in progress with its number accepted and its port date', () => {
    const state = applyAll(order(), eventsFromPortIn(snapshot('In progress', 'Port Pending')));
    expect(state.requests[KWa]).toMatchObject({ status: R.IN_PROGRESS, rawStatus: 'In progress' });
    expect(state.numbers[phone]).toMatchObject({
      status: N.PORT_PENDING,
      rawStatus: 'Port Pending',
      portDate: '2023-09-17T00:00:00.000Z',
      lastEventAt: '2025-01-01T00:52:21.000Z',
    });
  });

  it('repeats as duplicates when nothing changed since the last poll', () => {
    const once = applyAll(order(), eventsFromPortIn(snapshot('In progress', 'Port Pending')));
    const outcomes = eventsFromPortIn(snapshot('In progress', 'Port Pending')).map((e) => apply(once, e).outcome);
    expect(outcomes).toEqual(['duplicate', 'duplicate']);
  });

  it('brings a rejection whose webhook was lost', () => {
    const state = applyAll(
      withNumber(order(), phone, { status: N.PORT_SUBMITTED }),
      eventsFromPortIn(
        snapshot('Action Required', 'Port Rejected', {
          rejection_reason: 'Account number mismatch',
          rejection_reason_code: '22155',
        })
      )
    );
    expect(state.numbers[phone]).toMatchObject({
      status: N.PORT_REJECTED,
      rejection: { code: 22155, reason: 'Account number mismatch' },
    });
    expect(orderStatus(state)).toBe('Action Required');
  });

  it('records a status the reducer does not know instead of failing', () => {
    const { state, outcome } = apply(order(), eventsFromPortIn(snapshot('pending', 'Port Jeopardy'))[1]!);
    expect(outcome).toBe('unknown-status');
    expect(state.unknownStatuses).toEqual([
      expect.objectContaining({ rawStatus: 'Port Jeopardy', phoneNumber: phone }),
    ]);
  });

  it('cannot move a request back after a webhook moved it on', () => {
    const signed = apply(order(), requestEvent(KWa, R.IN_PROGRESS)).state;
    // The poll's request event has no timestamp: "pending" (In Review) ranks below In Progress.
    expect(apply(signed, eventsFromPortIn(snapshot('pending', 'In Review'))[0]!).outcome).toBe('stale');
  });
});
