/**
 * Property (patch `portflow-batched-events`): applying a stream of events in rounds
 * (`applyEventRound`, one copy of the numbers per round) ends in exactly the state, with exactly the
 * outcomes, that applying them one at a time with `applyEvent` does — for webhooks, polls and the
 * workflow's own markers, under both rule versions — never writes to its input, and closes a round
 * before a number would change a second time or a request event would share it with others. So a
 * diff of the states between rounds (lifecycle events, metrics) sees every status of every number.
 * A failure prints the seed; `PROPERTY_SEED=<seed>` runs that case alone.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import type { NumberPortingEvent, PortingEvent, RequestPortingEvent } from '../../../src/twilio/porting-event';
import {
  REDUCER_RULES_V1,
  REDUCER_RULES_V2,
  applyEvent,
  applyEventRound,
  recordRequest,
} from '../../../src/workflows/state';
import type { ApplyOutcome, PortInState, ReducerRules } from '../../../src/workflows/state';
import { prng } from '../../helpers/prng';
import {
  A,
  AT,
  B,
  C,
  KW1,
  KW2,
  KW3,
  KW_UNKNOWN,
  PU_A,
  PU_B,
  PU_C,
  deepFreeze,
  numberStatuses,
  portingOrder,
  requestStatuses,
  sid,
  tw,
} from './fixtures';

const CASES = 400;
type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const chance = (random: Random, p: number) => random() < p;

const PU_A2 = sid('PU', 0xa2);
const NUMBERS: Array<[phoneNumber: string, phoneNumberSid: string]> = [
  [A, PU_A],
  [B, PU_B],
  [C, PU_C],
  [A, PU_A2],
];

/** Two requests (A and B in KW1, C in KW2), and A resubmitted in KW3: numbers with a history. */
function order(): PortInState {
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
  return recordRequest(
    state,
    { sid: KW3, numbers: [{ phoneNumber: A, phoneNumberSid: PU_A2 }], resubmissionOf: [KW1], found: false },
    tw(0)
  );
}

function event(random: Random): PortingEvent {
  const portInRequestSid = pick(random, [KW1, KW1, KW2, KW3, KW_UNKNOWN]);
  const source = pick(random, ['webhook', 'webhook', 'poll', 'operator'] as const);
  const occurredAt = chance(random, 0.8) ? tw(Math.floor(random() * 600)) : null;
  if (chance(random, 0.15)) {
    const status = pick(random, requestStatuses);
    const e: RequestPortingEvent = {
      source,
      eventName: null,
      level: 'request',
      portInRequestSid,
      status,
      rawStatus: status,
      occurredAt,
      signatureRequestUrl: chance(random, 0.2) ? 'https://loa.example/sign' : null,
    };
    return e;
  }
  const [phoneNumber, phoneNumberSid] = pick(random, NUMBERS);
  const status = pick(random, [...numberStatuses, PhoneNumberStatus.UNKNOWN]);
  const rejected = status === PhoneNumberStatus.PORT_REJECTED && chance(random, 0.7);
  const e: NumberPortingEvent = {
    source,
    eventName: null,
    level: 'number',
    portInRequestSid,
    status,
    rawStatus: status,
    occurredAt,
    phoneNumber: chance(random, 0.8) ? phoneNumber : null,
    phoneNumberSid: chance(random, 0.8) ? phoneNumberSid : null,
    portDate: chance(random, 0.3) ? '2025-04-15T16:00:00.000Z' : null,
    rejectionReasonCode: rejected ? 22155 : null,
    rejectionReason: rejected ? 'PIN mismatch' : null,
  };
  return e;
}

function stream(random: Random): PortingEvent[] {
  const out: PortingEvent[] = [];
  const count = Math.floor(random() * 30);
  for (let i = 0; i < count; i++) out.push(out.length > 0 && chance(random, 0.15) ? pick(random, out) : event(random));
  return out;
}

function oneAtATime(state: PortInState, events: PortingEvent[], rules: ReducerRules) {
  const outcomes: ApplyOutcome[] = [];
  for (const e of events) {
    const result = applyEvent(state, e, AT, rules);
    state = result.state;
    outcomes.push(result.outcome);
  }
  return { state, outcomes };
}

/** The events of each round of `events`, and the state before and after each. */
function inRounds(state: PortInState, events: PortingEvent[], rules: ReducerRules) {
  const rounds: Array<{ before: PortInState; events: PortingEvent[]; after: PortInState }> = [];
  const outcomes: ApplyOutcome[] = [];
  let rest = events;
  while (rest.length > 0) {
    const round = applyEventRound(deepFreeze(state), rest, AT, rules);
    expect(round.outcomes.length).toBeGreaterThan(0);
    rounds.push({ before: state, events: rest.slice(0, round.outcomes.length), after: round.state });
    outcomes.push(...round.outcomes);
    state = round.state;
    rest = round.rest;
  }
  return { state, outcomes, rounds };
}

function check(seed: number): void {
  const random = prng(seed);
  const rules = chance(random, 0.7) ? REDUCER_RULES_V2 : REDUCER_RULES_V1;
  const events = stream(random);
  const expected = oneAtATime(order(), events, rules);
  const actual = inRounds(order(), events, rules);
  expect(actual.state).toEqual(expected.state);
  expect(actual.outcomes).toEqual(expected.outcomes);
  for (const round of actual.rounds) {
    // A request event (of a request of the order) is a round of its own.
    if (round.events.length > 1) {
      expect(round.events.some((e) => e.level === 'request' && e.portInRequestSid !== KW_UNKNOWN)).toBe(false);
    }
    // Applied one at a time, no number of the round changes twice.
    const changes = new Map<string, number>();
    let s = round.before;
    for (const e of round.events) {
      const next = applyEvent(s, e, AT, rules).state;
      for (const phoneNumber of Object.keys(next.numbers)) {
        if (next.numbers[phoneNumber] !== s.numbers[phoneNumber]) {
          changes.set(phoneNumber, (changes.get(phoneNumber) ?? 0) + 1);
        }
      }
      s = next;
    }
    for (const [phoneNumber, times] of changes) expect({ phoneNumber, times }).toEqual({ phoneNumber, times: 1 });
  }
}

describe('applying events in rounds', () => {
  it(`ends as one at a time does, without writing to its input, each number changed once per round (${CASES} cases)`, () => {
    const only = process.env.PROPERTY_SEED;
    const seeds = only ? [Number(only)] : Array.from({ length: CASES }, (_, i) => 0x5eed + i * 7919);
    for (const seed of seeds) {
      try {
        check(seed);
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).message}`);
      }
    }
  });

  it('applies a burst for a 1,000-number request in one round per status, leaving each round’s state and the input as they were', () => {
    const phoneNumbers = Array.from({ length: 1000 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    const state = deepFreeze(
      portingOrder([{ sid: KW1, numbers: phoneNumbers.map((p, i): [string, string] => [p, sid('PU', 0x1000 + i)]) }])
    );
    const burst = phoneNumbers.map((phoneNumber): NumberPortingEvent => ({
      source: 'webhook',
      eventName: null,
      level: 'number',
      portInRequestSid: KW1,
      status: PhoneNumberStatus.WAITING_FOR_SIGNATURE,
      rawStatus: 'Waiting for Signature',
      phoneNumber,
      occurredAt: tw(1),
    }));
    // The same numbers again, submitted: a second round, since a round changes each number once.
    const submitted = burst.map((e): NumberPortingEvent => ({
      ...e,
      status: PhoneNumberStatus.PORT_SUBMITTED,
      rawStatus: 'Port Submitted',
      occurredAt: tw(2),
    }));
    const first = applyEventRound(state, [...burst, ...submitted], tw(60), REDUCER_RULES_V2);
    expect(first.outcomes).toEqual(burst.map(() => 'applied'));
    expect(first.rest).toHaveLength(1000);
    expect(Object.values(first.state.numbers).every((n) => n.status === PhoneNumberStatus.WAITING_FOR_SIGNATURE)).toBe(
      true
    );
    const second = applyEventRound(first.state, first.rest, tw(60), REDUCER_RULES_V2);
    expect(second.rest).toEqual([]);
    expect(Object.values(second.state.numbers).every((n) => n.status === PhoneNumberStatus.PORT_SUBMITTED)).toBe(true);
    // The first round's state is its own: the second round copied before writing.
    expect(Object.values(first.state.numbers).every((n) => n.status === PhoneNumberStatus.WAITING_FOR_SIGNATURE)).toBe(
      true
    );
    expect(Object.values(state.numbers).every((n) => n.status === PhoneNumberStatus.IN_REVIEW)).toBe(true);
    expect(state.requests[KW1]!.status).toBe(PortInRequestStatus.IN_REVIEW);
  });
});
