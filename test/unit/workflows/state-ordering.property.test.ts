/**
 * Property: webhooks arrive late, twice, or out of order, and the reducer still ends where in-order
 * delivery ends. Each case shuffles a lifecycle (every event timestamped by Twilio, some repeated)
 * with a seeded PRNG, a bounded number of times, and compares the final state with in-order delivery.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import type { PortInState } from '../../../src/workflows/state';
import { A, AT, B, KW1, PU_A, PU_B, applyAll, numberEvent, portingOrder, requestEvent, tw } from './fixtures';
import { prng } from '../../helpers/prng';

const N = PhoneNumberStatus;
const R = PortInRequestStatus;
const ITERATIONS = 200;

/** Every event once or more (up to three times), in a random order. */
function shuffledWithDuplicates<T>(events: T[], random: () => number): T[] {
  const out = events.flatMap((e) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => e));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const D1 = '2025-04-15T16:00:00.000Z';
const D2 = '2025-04-17T16:00:00.000Z';
const D3 = '2025-04-22T16:00:00.000Z';

const a = (status: PhoneNumberStatus, minutes: number, extra: Parameters<typeof numberEvent>[3] = {}) =>
  numberEvent(KW1, A, status, { occurredAt: tw(minutes), phoneNumberSid: PU_A, rawStatus: status, ...extra });

/** A number's lifecycles; each event is what Twilio knew at that moment (so the port date repeats). */
const lifecycles: Array<[string, PortingEvent[]]> = [
  [
    'ported on a date the carrier moved',
    [
      a(N.WAITING_FOR_SIGNATURE, 1),
      a(N.PORT_SUBMITTED, 2),
      a(N.PORT_PENDING, 3, { portDate: D1 }),
      a(N.PORT_PENDING, 4, { portDate: D2 }),
      a(N.COMPLETED, 5, { portDate: D2 }),
    ],
  ],
  [
    'still pending after two date moves',
    [
      a(N.WAITING_FOR_SIGNATURE, 1),
      a(N.PORT_SUBMITTED, 2),
      a(N.PORT_PENDING, 3, { portDate: D1 }),
      a(N.PORT_PENDING, 4, { portDate: D2 }),
      a(N.PORT_PENDING, 5, { portDate: D3 }),
    ],
  ],
  [
    'rejected, then the reason corrected',
    [
      a(N.WAITING_FOR_SIGNATURE, 1),
      a(N.PORT_SUBMITTED, 2),
      a(N.PORT_REJECTED, 3, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' }),
      a(N.PORT_REJECTED, 4, { rejectionReasonCode: 22155, rejectionReason: 'PIN mismatch' }),
    ],
  ],
  [
    'accepted, then rejected, then canceled',
    [
      a(N.PORT_SUBMITTED, 2),
      a(N.PORT_PENDING, 3, { portDate: D1 }),
      a(N.PORT_REJECTED, 4, { portDate: D1, rejectionReasonCode: 22160, rejectionReason: 'Port date conflict' }),
      a(N.CANCELING, 5, { portDate: D1 }),
      a(N.CANCELED, 6, { portDate: D1 }),
    ],
  ],
  [
    'whose cancellation fell through, then ported',
    [
      a(N.PORT_SUBMITTED, 2),
      a(N.PORT_PENDING, 3, { portDate: D1 }),
      a(N.CANCELING, 4, { portDate: D1 }),
      a(N.PORT_PENDING, 5, { portDate: D2 }),
      a(N.COMPLETED, 6, { portDate: D2 }),
    ],
  ],
];

describe('applyEvent under reordering and duplication', () => {
  it.each(lifecycles)('a number %s ends in the same state, whatever the delivery order', (_name, events) => {
    const start = portingOrder();
    const expected = applyAll(start, events, AT);
    const random = prng(0x5eed + events.length);
    for (let i = 0; i < ITERATIONS; i++) {
      const delivered = shuffledWithDuplicates(events, random);
      const actual = applyAll(start, delivered, AT);
      // The whole number (status, raw status, port date, rejection, timestamps), not just its status.
      if (JSON.stringify(actual.numbers) !== JSON.stringify(expected.numbers)) {
        expect({ delivered: delivered.map((e) => [e.status, e.occurredAt]), numbers: actual.numbers }).toEqual({
          delivered: delivered.map((e) => [e.status, e.occurredAt]),
          numbers: expected.numbers,
        });
      }
    }
  });

  it('a whole request with two numbers ends in the same statuses, whatever the delivery order', () => {
    const b = (status: PhoneNumberStatus, minutes: number, extra: Parameters<typeof numberEvent>[3] = {}) =>
      numberEvent(KW1, B, status, { occurredAt: tw(minutes), phoneNumberSid: PU_B, ...extra });
    const events: PortingEvent[] = [
      requestEvent(KW1, R.WAITING_FOR_SIGNATURE, { occurredAt: tw(1), signatureRequestUrl: 'https://loa.example/1' }),
      a(N.WAITING_FOR_SIGNATURE, 1),
      b(N.WAITING_FOR_SIGNATURE, 1),
      requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(2) }),
      a(N.PORT_SUBMITTED, 2),
      b(N.PORT_SUBMITTED, 2),
      b(N.PORT_REJECTED, 3, { rejectionReasonCode: 22154, rejectionReason: 'Invalid address' }),
      requestEvent(KW1, R.ACTION_REQUIRED, { occurredAt: tw(3) }),
      a(N.PORT_PENDING, 4, { portDate: D1 }),
      b(N.CANCELING, 5),
      requestEvent(KW1, R.IN_PROGRESS, { occurredAt: tw(5) }),
      b(N.CANCELED, 6),
      a(N.COMPLETED, 7, { portDate: D1 }),
      requestEvent(KW1, R.COMPLETED, { occurredAt: tw(8) }),
    ];
    const view = (s: PortInState) => ({
      request: {
        status: s.requests[KW1]?.status,
        lastEventAt: s.requests[KW1]?.lastEventAt,
        signatureRequestUrl: s.requests[KW1]?.signatureRequestUrl,
      },
      numbers: Object.values(s.numbers).map((n) => [n.phoneNumber, n.status, n.portDate, n.lastEventAt]),
    });
    const expected = view(applyAll(portingOrder(), events, AT));
    expect(expected.request.status).toBe(R.COMPLETED);
    const random = prng(42);
    for (let i = 0; i < ITERATIONS; i++) {
      const actual = view(applyAll(portingOrder(), shuffledWithDuplicates(events, random), AT));
      if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
    }
  });

  it('delivering every event twice in order changes nothing beyond the counters', () => {
    for (const [, events] of lifecycles) {
      const once = applyAll(portingOrder(), events, AT);
      const twice = applyAll(
        portingOrder(),
        events.flatMap((e) => [e, e]),
        AT
      );
      expect({ ...twice, counters: null }).toEqual({ ...once, counters: null });
      expect(twice.counters.duplicates).toBe(once.counters.duplicates + events.length);
    }
  });
});
