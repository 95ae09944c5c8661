/**
 * What one webhook costs the workflow's state path as an order grows: the reducer (`applyEvent`) and
 * the comparison of the state before and after that every update makes (`lifecycleEvents`, which
 * also asks `orderStatus` of both), for orders of 5, 100 and 1,000 numbers, each number moving once.
 * A burst of webhooks arrives in one activation, and an activation must end within the SDK's 5 s
 * (a longer one aborts the worker), so the per-webhook cost of a 1,000-number order is what bounds
 * the burst it can take. Figures: microseconds per webhook, and the ratio to the 5-number order's.
 *
 *   node --import tsx bench/update-cost.ts
 */
import { PhoneNumberStatus } from '../src/twilio/porting-event';
import type { NumberPortingEvent } from '../src/twilio/porting-event';
import { lifecycleEvents } from '../src/workflows/lifecycle-events';
import {
  applyEvent,
  initialState,
  recordPortability,
  recordRequest,
  REDUCER_RULES_V2,
  setPhase,
} from '../src/workflows/state';

const KW = `KW${'1'.padStart(32, '0')}`;
const at = (i: number) => new Date(Date.UTC(2026, 11, 2) + i * 1000).toISOString();

function perWebhookMicros(size: number, rounds: number): number {
  const phoneNumbers = Array.from({ length: size }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
  let base = initialState({ orderId: 'bench', customerRef: 'bench', phoneNumbers, targetPortInDate: '2026-12-20' });
  base = recordPortability(
    base,
    phoneNumbers.map((phoneNumber) => ({ phoneNumber, portable: true, code: null, reason: null })),
    at(0)
  );
  base = recordRequest(
    setPhase(base, 'porting', at(0), 'bench'),
    {
      sid: KW,
      numbers: phoneNumbers.map((phoneNumber, i) => ({
        phoneNumber,
        phoneNumberSid: `PU${String(i).padStart(32, '0')}`,
      })),
      found: false,
    },
    at(0)
  );
  let total = 0;
  let applied = 0;
  for (let round = 0; round < rounds; round++) {
    let state = base;
    const started = performance.now();
    phoneNumbers.forEach((phoneNumber, i) => {
      const event: NumberPortingEvent = {
        source: 'webhook',
        eventName: null,
        level: 'number',
        portInRequestSid: KW,
        phoneNumber,
        status: PhoneNumberStatus.WAITING_FOR_SIGNATURE,
        rawStatus: 'Waiting For Signature',
        occurredAt: at(i + 1),
      } as NumberPortingEvent;
      const before = state;
      const result = applyEvent(state, event, at(i + 1), REDUCER_RULES_V2);
      state = result.state;
      if (result.outcome === 'applied') applied++;
      lifecycleEvents(before, state, at(i + 1), { loaExpiryMs: 30 * 86_400_000 });
    });
    total += performance.now() - started;
  }
  if (applied === 0) throw new Error('no webhook applied: the bench no longer exercises the update path');
  return (total * 1000) / (rounds * size);
}

const baseline = perWebhookMicros(5, 400);
console.log('per webhook: the reducer and the before/after comparison of one update');
for (const size of [5, 100, 1000]) {
  const micros = size === 5 ? baseline : perWebhookMicros(size, size === 1000 ? 3 : 20);
  console.log(
    `  ${String(size).padStart(5)} numbers: ${micros.toFixed(1).padStart(7)} µs (${(micros / baseline).toFixed(1)}× the 5-number order's); a burst of ${size} webhooks: ${((micros * size) / 1000).toFixed(1)} ms`
  );
}
