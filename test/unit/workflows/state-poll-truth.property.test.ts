/**
 * Property (issue 11, "the API is the truth"): whatever webhooks arrived before — dated in the future,
 * moving numbers backwards, canceling what Twilio never canceled, duplicated, replayed from another
 * request of the order, shuffled, some applied before rules V2 by the V1 reducer — one reconciliation
 * poll leaves every request and number exactly as Twilio returns them: status, port date, rejection.
 *
 * Each case draws, from a seeded PRNG, an order (two requests, sometimes a third resubmitting a number),
 * a stream of adversarial webhooks and a random "true" Twilio state. The true state goes through the
 * same path as in production: Twilio's wire JSON, `portInInbound`, `eventsFromPortIn`. A failure
 * prints the seed; `PROPERTY_SEED=<seed>` runs that case alone.
 */
import { eventsFromPortIn } from '../../../src/twilio/events';
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import type { NumberPortingEvent, PortingEvent, RequestPortingEvent } from '../../../src/twilio/porting-event';
import { portInInbound } from '../../../src/twilio/schemas/port-in';
import {
  REDUCER_RULES_V1,
  REDUCER_RULES_V2,
  recordRequest,
  unconfirmedTerminalRequests,
} from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import {
  A,
  B,
  C,
  KW1,
  KW2,
  KW3,
  PU_A,
  PU_B,
  PU_C,
  apply,
  numberStatuses,
  portingOrder,
  requestStatuses,
  sid,
  tw,
} from './fixtures';
import { prng } from '../../helpers/prng';

const CASES = 600;
const N = PhoneNumberStatus;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number) => random() < p;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function shuffle<T>(items: T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const PU_A2 = sid('PU', 0xa2);

/** The order under test: which request lists which number (with its PU sid there). */
interface Layout {
  requests: Array<{ sid: string; numbers: Array<[phoneNumber: string, phoneNumberSid: string]> }>;
  /** The request each number is in now (a resubmission moved A to KW3). */
  current: Record<string, string>;
}

function layout(random: Random): Layout {
  const base: Layout['requests'] = [
    {
      sid: KW1,
      numbers: [
        [A, PU_A],
        [B, PU_B],
      ],
    },
    { sid: KW2, numbers: [[C, PU_C]] },
  ];
  return chance(random, 0.3)
    ? { requests: [...base, { sid: KW3, numbers: [[A, PU_A2]] }], current: { [A]: KW3, [B]: KW1, [C]: KW2 } }
    : { requests: base, current: { [A]: KW1, [B]: KW1, [C]: KW2 } };
}

function orderOf(l: Layout): PortInState {
  let state = portingOrder(l.requests.filter((r) => r.sid !== KW3));
  const resubmission = l.requests.find((r) => r.sid === KW3);
  if (resubmission) {
    state = recordRequest(
      state,
      {
        sid: KW3,
        numbers: resubmission.numbers.map(([phoneNumber, phoneNumberSid]) => ({ phoneNumber, phoneNumberSid })),
        resubmissionOf: [KW1],
        found: false,
      },
      tw(0)
    );
  }
  return state;
}

const PORT_DATES = [null, '2025-04-15T16:00:00Z', '2025-04-17T16:00:00Z', '2025-04-22T00:00:00Z'];
const REJECTIONS: Array<[number, string] | null> = [
  null,
  [22154, 'Invalid address'],
  [22155, 'PIN mismatch'],
  [22160, 'Port date conflict'],
];

/** Twilio's timestamps in these cases: minutes after tw(0); the workflow's clock runs later. */
const twilioTime = (random: Random) => tw(int(random, 0, 600));

/** One adversarial webhook (or, rarely, the workflow's own Canceling marker). */
function webhook(random: Random, l: Layout, now: number): PortingEvent {
  const request = pick(random, l.requests);
  const dated = pick(random, [
    // honest, in the workflow's past
    () => twilioTime(random),
    // dated ahead: within the skew, or well beyond it
    () => new Date(now + int(random, 1, 4) * 60_000).toISOString(),
    () => new Date(now + int(random, 6, 3 * 24 * 60) * 60_000).toISOString(),
    () => null,
  ])();
  // The workflow's own Canceling markers carry no Twilio timestamp.
  const source = chance(random, 0.05) ? 'operator' : 'webhook';
  const occurredAt = source === 'operator' ? null : dated;
  if (chance(random, 0.3)) {
    const status = chance(random, 0.3) ? pick(random, ['canceled', 'expired'] as const) : pick(random, requestStatuses);
    const event: RequestPortingEvent = {
      source,
      eventName: `PortIn-${status}`,
      level: 'request',
      portInRequestSid: request.sid,
      status: source === 'operator' ? PortInRequestStatus.CANCELING : status,
      rawStatus: status,
      occurredAt,
      orderCancellationReason: chance(random, 0.3) ? 'Canceled, says the webhook' : null,
      signatureRequestUrl: chance(random, 0.2) ? 'https://loa.example/sign' : null,
    };
    return event;
  }
  // A number of this request, or (a replay from elsewhere) one of another request of the order.
  const [phoneNumber, phoneNumberSid] = chance(random, 0.8)
    ? pick(random, request.numbers)
    : pick(
        random,
        l.requests.flatMap((r) => r.numbers)
      );
  const status = chance(random, 0.3) ? N.CANCELED : pick(random, numberStatuses);
  const rejection = pick(random, REJECTIONS);
  const event: NumberPortingEvent = {
    source,
    eventName: `PortInPhoneNumber-${status}`,
    level: 'number',
    portInRequestSid: request.sid,
    status: source === 'operator' ? N.CANCELING : status,
    rawStatus: status,
    occurredAt,
    phoneNumber: chance(random, 0.8) ? phoneNumber : null,
    phoneNumberSid: chance(random, 0.8) ? phoneNumberSid : null,
    portDate: pick(random, PORT_DATES)?.replace('Z', '.000Z') ?? null,
    rejectionReasonCode: rejection?.[0] ?? null,
    rejectionReason: rejection?.[1] ?? null,
  };
  return event;
}

/** A stream of webhooks: fresh ones, duplicates, and replays re-addressed to another request; shuffled. */
function webhooks(random: Random, l: Layout, now: number): PortingEvent[] {
  const out: PortingEvent[] = [];
  const count = int(random, 0, 40);
  for (let i = 0; i < count; i++) {
    const earlier = out.length > 0 ? pick(random, out) : null;
    const roll = random();
    if (earlier && roll < 0.15) out.push(earlier);
    else if (earlier && roll < 0.25) out.push({ ...earlier, portInRequestSid: pick(random, l.requests).sid });
    else out.push(webhook(random, l, now));
  }
  return chance(random, 0.5) ? shuffle(out, random) : out;
}

const NUMBER_WIRE: Record<string, string[]> = {
  in_review: ['In Review', 'in_review'],
  waiting_for_signature: ['Waiting for Signature', 'waiting_for_signature'],
  port_submitted: ['Port Submitted', 'port_submitted'],
  port_pending: ['Port Pending', 'port_pending'],
  port_rejected: ['Port Rejected', 'port_rejected'],
  completed: ['Completed', 'completed'],
  canceling: ['Canceling', 'canceling'],
  canceled: ['Canceled', 'canceled'],
};
const REQUEST_WIRE: Record<string, string[]> = {
  in_review: ['In Review', 'pending'],
  waiting_for_signature: ['Waiting for Signature'],
  in_progress: ['In Progress', 'In progress'],
  action_required: ['Action Required'],
  completed: ['Completed'],
  canceling: ['Canceling'],
  canceled: ['Canceled'],
  expired: ['Expired'],
};

/** A random "true" Twilio state of one request, as its fetch response (wire JSON). */
function truth(random: Random, request: Layout['requests'][number], now: number): Record<string, unknown> {
  const status = pick(random, requestStatuses);
  return {
    port_in_request_sid: request.sid,
    port_in_request_status: pick(random, REQUEST_WIRE[status]!),
    order_cancellation_reason: chance(random, 0.3) ? 'Canceled by the customer through the API' : null,
    signature_request_url: null,
    phone_numbers: request.numbers.map(([phoneNumber, phoneNumberSid]) => {
      const numberStatus = pick(random, numberStatuses);
      const rejection = pick(random, REJECTIONS);
      return {
        phone_number: phoneNumber,
        port_in_phone_number_sid: phoneNumberSid,
        port_in_phone_number_status: pick(random, NUMBER_WIRE[numberStatus]!),
        port_date: pick(random, PORT_DATES),
        // The PortIn listing sends the code as a string (reference §2).
        rejection_reason_code: rejection ? String(rejection[0]) : null,
        rejection_reason: rejection?.[1] ?? null,
        status_last_time_updated_timestamp: pick(random, [
          () => twilioTime(random).replace('.000Z', 'Z'),
          () => null,
          // A Twilio clock ahead of ours: the date is not kept, the status still is.
          () => new Date(now + 24 * 3_600_000).toISOString(),
        ])(),
      };
    }),
  };
}

/** What the state must say after the poll, from the parsed snapshots. */
function expectedView(snapshots: ReturnType<typeof portInInbound.parse>[], l: Layout) {
  const requests: Record<string, string> = {};
  const numbers: Record<string, unknown> = {};
  const attempts: Record<string, unknown> = {};
  for (const s of snapshots) {
    requests[s.portInRequestSid] = s.status;
    for (const n of s.phoneNumbers) {
      const rejection =
        n.rejectionReasonCode == null && n.rejectionReason == null
          ? null
          : { code: n.rejectionReasonCode, reason: n.rejectionReason };
      const phoneNumber = n.phoneNumber!;
      if (l.current[phoneNumber] === s.portInRequestSid) {
        numbers[phoneNumber] = {
          status: n.status,
          portDate: n.portDate == null ? null : new Date(n.portDate).toISOString(),
          rejection,
          phoneNumberSid: n.phoneNumberSid,
        };
      } else {
        attempts[`${phoneNumber}@${s.portInRequestSid}`] = { status: n.status, rejection };
      }
    }
  }
  return { requests, numbers, attempts };
}

function actualView(state: PortInState, l: Layout) {
  const requests: Record<string, string> = {};
  const numbers: Record<string, unknown> = {};
  const attempts: Record<string, unknown> = {};
  for (const r of l.requests) requests[r.sid] = state.requests[r.sid]!.status;
  for (const n of Object.values(state.numbers)) {
    numbers[n.phoneNumber] = {
      status: n.status,
      portDate: n.portDate,
      rejection: n.rejection && { code: n.rejection.code, reason: n.rejection.reason },
      phoneNumberSid: n.phoneNumberSid,
    };
    for (const p of n.previousAttempts) {
      attempts[`${n.phoneNumber}@${p.requestSid}`] = {
        status: p.status,
        rejection: p.rejection && { code: p.rejection.code, reason: p.rejection.reason },
      };
    }
  }
  return { requests, numbers, attempts };
}

function runCase(seed: number) {
  const random = prng(seed);
  const l = layout(random);
  // The workflow's clock: hours after the Twilio timestamps the honest webhooks carry.
  const start = Date.parse(tw(12 * 60));
  let state = orderOf(l);
  const delivered = webhooks(random, l, start);
  // Some orders ran under V1 before the patch: their webhooks went through the old rules.
  const v1Until = chance(random, 0.3) ? int(random, 0, delivered.length) : 0;
  const outcomes: string[] = [];
  delivered.forEach((event, i) => {
    const at = new Date(start + i * 1000).toISOString();
    const result = apply(state, event, at, i < v1Until ? REDUCER_RULES_V1 : REDUCER_RULES_V2);
    outcomes.push(result.outcome);
    state = result.state;
  });

  // Under V2 alone, no webhook leaves a clock beyond the skew that could make later real events look old.
  const lastAt = start + Math.max(0, delivered.length - 1) * 1000;
  const frozen =
    v1Until === 0
      ? [...Object.values(state.numbers), ...Object.values(state.requests)].filter(
          (x) => x.lastEventAt != null && Date.parse(x.lastEventAt) > lastAt + REDUCER_RULES_V2.maxClockSkewMs
        ).length
      : 0;

  const pollAt = start + delivered.length * 1000 + 60_000;
  const snapshots = shuffle(l.requests, random).map((r) => portInInbound.parse(truth(random, r, pollAt)));
  const pollEvents = snapshots.flatMap(eventsFromPortIn);
  for (const event of pollEvents) state = apply(state, event, new Date(pollAt).toISOString(), REDUCER_RULES_V2).state;
  const afterPoll = state;
  // The same snapshots again: nothing but duplicates.
  const again = pollEvents.map((event) =>
    apply(afterPoll, event, new Date(pollAt + 1000).toISOString(), REDUCER_RULES_V2)
  );

  return {
    delivered,
    outcomes,
    v1Until,
    expected: expectedView(snapshots, l),
    actual: actualView(afterPoll, l),
    unconfirmed: unconfirmedTerminalRequests(afterPoll),
    frozen,
    againOutcomes: again.map((r) => r.outcome),
  };
}

const seeds = process.env.PROPERTY_SEED
  ? [Number(process.env.PROPERTY_SEED)]
  : Array.from({ length: CASES }, (_, i) => 0x7a11 + i * 7919);

describe('one poll after any webhooks gives exactly the API state (rules V2)', () => {
  it(`holds for ${seeds.length} seeded cases of adversarial webhooks`, () => {
    const seen = { suspect: 0, applied: 0, stale: 0, duplicate: 0, v1: 0 };
    for (const seed of seeds) {
      const result = runCase(seed);
      for (const o of result.outcomes) if (o in seen) seen[o as keyof typeof seen]++;
      if (result.v1Until > 0) seen.v1++;
      const ok =
        JSON.stringify(result.actual) === JSON.stringify(result.expected) &&
        result.unconfirmed.length === 0 &&
        result.frozen === 0 &&
        result.againOutcomes.every((o) => o === 'duplicate');
      if (!ok) {
        // The seed first: `PROPERTY_SEED=<seed> npx jest <this file>` replays the case.
        expect({
          seed,
          state: result.actual,
          unconfirmed: result.unconfirmed,
          frozen: result.frozen,
          again: result.againOutcomes,
          webhooks: result.delivered.map((e) => [e.level, e.portInRequestSid.slice(-2), e.status, e.occurredAt]),
        }).toEqual({
          seed,
          state: result.expected,
          unconfirmed: [],
          frozen: 0,
          again: result.againOutcomes.map(() => 'duplicate'),
          webhooks: expect.anything(),
        });
      }
    }
    // The cases really are adversarial: every kind of outcome occurred, many times.
    if (!process.env.PROPERTY_SEED) {
      expect(seen.suspect).toBeGreaterThan(CASES);
      expect(seen.applied).toBeGreaterThan(CASES);
      expect(seen.stale + seen.duplicate).toBeGreaterThan(CASES / 2);
      expect(seen.v1).toBeGreaterThan(CASES / 10);
    }
  });
});
