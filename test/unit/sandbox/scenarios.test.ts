import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';

import { SCENARIO_TABLE, sandboxNumber, scenarioFor } from '../../../src/sandbox';
import { SimulatedClock } from '../../../src/sandbox/clock';
import { Scheduler } from '../../../src/sandbox/scheduler';
import { computeSignature, urlWithBodyHash } from '../../../src/sandbox/signature';

describe('sandbox scenarios (magic numbers)', () => {
  it('treats every other valid US number as portable LOCAL', () => {
    expect(scenarioFor('+14155551234')).toMatchObject({
      kind: 'portable',
      portable: true,
      numberType: 'LOCAL',
      country: 'US',
    });
    expect(scenarioFor('+12125550101')).toMatchObject({ kind: 'portable' });
    expect(scenarioFor('+12129990150')).toMatchObject({ kind: 'portable', rejectionCode: null });
  });

  it.each([
    ['0102', { portable: false, notPortableReasonCode: 22102 }],
    ['0133', { portable: false, notPortableReasonCode: 22133, notPortableReason: 'MANUAL_PORTING_AVAILABLE' }],
    ['0134', { portable: false, notPortableReasonCode: 22130, notPortableReason: 'UNSUPPORTED' }],
    ['0150', { kind: 'carrier-rejects', rejectionCode: 22150 }],
    ['0159', { kind: 'carrier-rejects', rejectionCode: 22159 }],
    ['0200', { numberType: 'MOBILE', pinAndAccountNumberRequired: true }],
    ['0309', { slowCarrier: true }],
    ['0400', { loaNeverSigned: true }],
    ['0500', { numberType: 'MOBILE', pinAndAccountNumberRequired: false }],
    ['0599', { numberType: 'MOBILE' }],
    ['0600', { kind: 'portable', numberType: 'LOCAL' }],
  ])('maps SSSS=%s as documented', (suffix, expected) => {
    for (const npa of ['212', '415', '646']) expect(scenarioFor(sandboxNumber(suffix, npa))).toMatchObject(expected);
  });

  it('lets toll-free area codes win over the 555 scheme', () => {
    expect(scenarioFor('+18005550150')).toMatchObject({
      kind: 'toll-free',
      notPortableReasonCode: 22133,
      numberType: 'TOLL-FREE',
    });
  });

  it('tells malformed, non-NANP and foreign numbers apart', () => {
    expect(scenarioFor('4155551234')).toMatchObject({ validE164: false, notPortableReasonCode: 22102 });
    expect(scenarioFor('+1415555123')).toMatchObject({ validE164: false });
    expect(scenarioFor('+14155551234 ')).toMatchObject({ validE164: false });
    expect(scenarioFor('+19115551234')).toMatchObject({ validE164: false });
    expect(scenarioFor('+447700900123')).toMatchObject({
      validE164: true,
      country: 'GB',
      notPortableReasonCode: 22130,
    });
  });

  it('documents every range it implements', () => {
    expect(SCENARIO_TABLE.map((r) => `${r.from}-${r.to}`)).toEqual([
      '0102-0102',
      '0130-0136',
      '0150-0159',
      '0200-0209',
      '0300-0309',
      '0400-0409',
      '0500-0599',
    ]);
    for (const row of SCENARIO_TABLE) {
      expect(scenarioFor(sandboxNumber(row.from)).kind).toBe(row.kind);
      expect(scenarioFor(sandboxNumber(row.to)).kind).toBe(row.kind);
    }
  });

  it('refuses to build a malformed magic number', () => {
    expect(() => sandboxNumber('150')).toThrow(/four digits/);
    expect(() => sandboxNumber('0150', '123')).toThrow(/area code/);
  });
});

describe('sandbox clock and scheduler', () => {
  it('advances by jumps when frozen and keeps time when the scale changes', () => {
    const clock = new SimulatedClock(Date.parse('2025-01-01T00:00:00Z'), 0);
    clock.advance(1000);
    expect(clock.now().toISOString()).toBe('2025-01-01T00:00:01.000Z');
    clock.setScale(1000);
    expect(clock.nowMs()).toBeGreaterThanOrEqual(Date.parse('2025-01-01T00:00:01Z'));
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.setScale(Number.NaN)).toThrow(RangeError);
  });

  it('runs due jobs in time order with their due time, bounded per call', () => {
    const s = new Scheduler();
    const ran: Array<[string, number]> = [];
    s.schedule(30, (t) => ran.push(['c', t]));
    s.schedule(10, (t) => {
      ran.push(['a', t]);
      s.schedule(t + 5, (u) => ran.push(['a2', u]));
    });
    s.schedule(20, (t) => ran.push(['b', t]));
    s.schedule(20, (t) => ran.push(['b2', t]));
    expect(s.runDue(25, 2)).toBe(2);
    expect(s.runDue(25, 100)).toBe(2);
    expect(ran).toEqual([
      ['a', 10],
      ['a2', 15],
      ['b', 20],
      ['b2', 20],
    ]);
    expect(s.nextDue()).toBe(30);
    const many = new Scheduler();
    const order: number[] = [];
    for (const due of Array.from({ length: 500 }, (_, i) => (i * 7919) % 500)) many.schedule(due, (t) => order.push(t));
    many.runDue(1000, 1000);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('sandbox webhook signature', () => {
  it('appends bodySHA256 to the URL, keeping its query string', () => {
    expect(urlWithBodyHash('http://h:1', '{}')).toBe(
      'http://h:1/?bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'
    );
    expect(urlWithBodyHash('https://h/p?x=1#frag', '{}')).toMatch(/^https:\/\/h\/p\?x=1&bodySHA256=[0-9a-f]{64}$/);
  });

  it("agrees with twilio-node's own signature function on its documented example", () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(computeSignature('12345', url, params)).toBe(getExpectedTwilioSignature('12345', url, params));
    expect(computeSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });
});
