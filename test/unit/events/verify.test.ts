import { Webhook } from 'standardwebhooks';
import {
  eventsSecretProblem,
  generateEventsSecret,
  PortflowEventVerificationError,
  verifyPortflowEvent,
} from '../../../src/events';
import type { PortflowEvent } from '../../../src/events';

const secret = generateEventsSecret();
const event: PortflowEvent = {
  type: 'number.ported',
  timestamp: '2026-12-02T00:00:00.000Z',
  data: { eventId: 'evt_portin-o1_3', sequence: 3, orderId: 'o1', customerRef: 'c1', phoneNumber: '+14155551001' },
};

/** Signed as the delivery activity signs: the standardwebhooks package, the event id as webhook-id. */
function signed(body: string, id = event.data.eventId, at = new Date(), key = secret) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(key).sign(id, at, body),
  };
}

describe('verifyPortflowEvent', () => {
  const body = JSON.stringify(event);

  it('returns the event of a correctly signed body, from plain, Node-style or fetch headers', () => {
    expect(verifyPortflowEvent(body, signed(body), secret)).toEqual(event);
    const upper = Object.fromEntries(Object.entries(signed(body)).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(verifyPortflowEvent(Buffer.from(body), upper, secret)).toEqual(event);
    expect(verifyPortflowEvent(body, new Headers(signed(body)), secret)).toEqual(event);
  });

  it('refuses a changed body, another secret, missing headers and an old timestamp', () => {
    const headers = signed(body);
    expect(() => verifyPortflowEvent(body.replace('1001', '1002'), headers, secret)).toThrow(
      PortflowEventVerificationError
    );
    expect(() => verifyPortflowEvent(body, headers, generateEventsSecret())).toThrow(/signature/i);
    expect(() => verifyPortflowEvent(body, {}, secret)).toThrow(PortflowEventVerificationError);
    const old = signed(body, event.data.eventId, new Date(Date.now() - 3_600_000));
    expect(() => verifyPortflowEvent(body, old, secret)).toThrow(/timestamp/i);
  });

  it('refuses a signed body that is not a portflow event, or whose id is not the header id', () => {
    const other = JSON.stringify({ type: 'invoice.paid', timestamp: 'x', data: {} });
    expect(() => verifyPortflowEvent(other, signed(other), secret)).toThrow(/not a portflow event/);
    expect(() => verifyPortflowEvent(body, signed(body, 'evt_portin-o1_4'), secret)).toThrow(/does not match/);
  });
});

describe('events secrets', () => {
  it('generates whsec_ secrets of 32 bytes that verify as usable', () => {
    const s = generateEventsSecret();
    expect(s).toMatch(/^whsec_/);
    expect(eventsSecretProblem(s)).toBeNull();
    expect(generateEventsSecret()).not.toBe(s);
  });

  it('says what is wrong with an unusable one', () => {
    expect(eventsSecretProblem('hunter2')).toMatch(/whsec_/);
    expect(eventsSecretProblem(`whsec_${Buffer.alloc(8).toString('base64')}`)).toMatch(/24 to 64 bytes.*has 8/);
  });
});
