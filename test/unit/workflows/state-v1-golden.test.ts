/**
 * Rules V1 stay byte-for-byte what they were, so every recorded history replays: a seeded corpus of
 * random events (every source, level and status, known and unknown sids, with and without Twilio
 * timestamps, a resubmitted number in some cases) goes through `applyEvent` without rules and with
 * {@link REDUCER_RULES_V1}, and each case's chain of outcomes and full states must hash to what the
 * reducer before versioned rules (commit d18991c) gave. The golden file was written by running this
 * test, with `PORTFLOW_WRITE_V1_GOLDEN=1`, against that commit's `applyEvent`; never rewrite it from
 * newer code, since V1 must not change. A mismatch names the case seed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PhoneNumberStatus, PortInRequestStatus } from '../../../src/twilio/porting-event';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { REDUCER_RULES_V1, applyEvent, recordRequest } from '../../../src/workflows/state';
import type { PortInState } from '../../../src/workflows/state';
import { A, B, C, KW1, KW2, KW3, KW_UNKNOWN, PU_A, PU_B, PU_C, portingOrder, tw, wf } from './fixtures';
import { prng } from '../../helpers/prng';

const GOLDEN = join(__dirname, 'golden', 'v1-golden.json');
const CASES = 500;
const EVENTS_PER_CASE = 30;

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const numberStatuses = Object.values(PhoneNumberStatus);
const requestStatuses = Object.values(PortInRequestStatus);

function randomEvent(random: () => number): PortingEvent {
  const source = pick(random, ['webhook', 'poll', 'operator'] as const);
  const portInRequestSid = pick(random, [KW1, KW2, KW3, KW_UNKNOWN]);
  const occurredAt = random() < 0.2 ? null : tw(Math.floor(random() * 20));
  if (random() < 0.3) {
    return {
      source,
      eventName: null,
      level: 'request',
      portInRequestSid,
      status: pick(random, requestStatuses),
      rawStatus: 'raw request status',
      occurredAt,
      orderCancellationReason: random() < 0.3 ? 'a reason' : null,
      signatureRequestUrl: random() < 0.3 ? 'https://loa.example/sign' : null,
    };
  }
  return {
    source,
    eventName: null,
    level: 'number',
    portInRequestSid,
    status: pick(random, numberStatuses),
    rawStatus: 'raw number status',
    occurredAt,
    phoneNumber: random() < 0.7 ? pick(random, [A, B, C]) : null,
    phoneNumberSid: random() < 0.5 ? pick(random, [PU_A, PU_B, PU_C, 'PUresubmitted']) : null,
    portDate: random() < 0.4 ? pick(random, ['2025-04-15T00:00:00.000Z', '2025-04-16T00:00:00.000Z']) : null,
    rejectionReasonCode: random() < 0.3 ? pick(random, [22154, 22155]) : null,
    rejectionReason: random() < 0.3 ? pick(random, ['Invalid address', 'PIN mismatch']) : null,
  };
}

/** One case: its chain of outcomes and states, hashed (16 hex digits are plenty to tell a change). */
function caseHash(seed: number): string {
  const random = prng(seed);
  let state: PortInState = portingOrder([
    {
      sid: KW1,
      numbers: [
        [A, PU_A],
        [B, PU_B],
      ],
    },
    { sid: KW2, numbers: [[C, PU_C]] },
  ]);
  if (random() < 0.3) {
    state = recordRequest(
      state,
      { sid: KW3, numbers: [{ phoneNumber: A, phoneNumberSid: 'PUresubmitted' }], found: false },
      wf(1)
    );
  }
  const hash = createHash('sha256');
  for (let i = 0; i < EVENTS_PER_CASE; i++) {
    const event = randomEvent(random);
    // Both spellings of V1: the default and the explicit rules.
    const result = random() < 0.5 ? applyEvent(state, event, wf(i)) : applyEvent(state, event, wf(i), REDUCER_RULES_V1);
    hash.update(result.outcome).update(JSON.stringify(result.state));
    state = result.state;
  }
  return hash.digest('hex').slice(0, 16);
}

describe('rules V1', () => {
  it(`give exactly what the reducer before versioned rules gave, over ${CASES} seeded cases`, () => {
    const hashes = Array.from({ length: CASES }, (_, seed) => caseHash(seed));
    if (process.env.PORTFLOW_WRITE_V1_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(hashes, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as string[];
    expect(golden).toHaveLength(CASES);
    const differing = hashes.flatMap((h, seed) => (h === golden[seed] ? [] : [seed]));
    expect({ differingSeeds: differing }).toEqual({ differingSeeds: [] });
  });
});
