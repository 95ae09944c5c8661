import { DeliveryDeduper } from '../../../src/webhooks/dedupe';
import { LruCache } from '../../../src/webhooks/lru';
import { describeShape } from '../../../src/webhooks/shape';

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const lru = new LruCache<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.has('b')).toBe(false);
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('treats an entry older than its time to live as absent', () => {
    let now = 1000;
    const lru = new LruCache<string, boolean>(10, 500, () => now);
    lru.set('sid', true);
    now = 1499;
    expect(lru.has('sid')).toBe(true);
    now = 1500;
    expect(lru.has('sid')).toBe(false);
    expect(lru.size).toBe(0);
  });

  it('stays bounded under a long stream of keys', () => {
    const lru = new LruCache<number, number>(1000);
    for (let i = 0; i < 50_000; i++) lru.set(i, i);
    expect(lru.size).toBe(1000);
    expect(lru.has(49_999)).toBe(true);
    expect(lru.has(48_999)).toBe(false);
  });

  it('rejects a capacity or TTL that cannot work, saying which', () => {
    expect(() => new LruCache(0)).toThrow('capacity must be an integer of at least 1, got 0');
    expect(() => new LruCache(10, 0)).toThrow('ttlMs must be greater than 0, got 0');
  });
});

describe('describeShape', () => {
  it('keeps keys and value types, never values', () => {
    const body = {
      status: 'PortInSomethingNew',
      port_in_request_sid: 'KW0123',
      pin: '9876',
      account_number: 'ACCT-55',
      portable: true,
      rejection_reason_code: 22154,
      port_date: null,
      numbers: ['+14155550100', '+14155550101'],
      nested: { customer_name: 'Jordan Example' },
    };
    const shape = describeShape(body);
    expect(shape).toEqual({
      status: 'string',
      port_in_request_sid: 'string',
      pin: 'string',
      account_number: 'string',
      portable: 'boolean',
      rejection_reason_code: 'number',
      port_date: 'null',
      numbers: ['string', 'string'],
      nested: { customer_name: 'string' },
    });
    const text = JSON.stringify(shape);
    for (const secret of ['9876', 'ACCT-55', '+14155550100', 'Jordan', 'PortInSomethingNew', 'KW0123']) {
      expect(text).not.toContain(secret);
    }
  });

  it('is bounded in depth, width and array length', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(JSON.stringify(describeShape(deep))).toBe('{"a":{"b":{"c":{"d":"object"}}}}');
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const shape = describeShape(wide) as Record<string, unknown>;
    expect(Object.keys(shape)).toHaveLength(41);
    expect(shape['…']).toBe('60 more keys');
    expect(describeShape([1, 2, 3, 4, 5])).toEqual(['number', 'number', 'number', '…2 more']);
    expect(describeShape('text')).toBe('string');
  });
});

describe('DeliveryDeduper', () => {
  const keys = { bodySha256: 'a'.repeat(64), idempotencyToken: 'token-1' };

  it('recognises a signalled delivery by its idempotency token or by its body hash', async () => {
    const dedupe = new DeliveryDeduper(100);
    expect(dedupe.check(keys)).toBeNull();
    await dedupe.once(keys, async () => ({ result: 'routed', signalled: true }));
    expect(dedupe.check(keys)).toBe('idempotency-token');
    expect(dedupe.check({ ...keys, idempotencyToken: 'another-token' })).toBe('body-sha256');
    expect(dedupe.check({ ...keys, idempotencyToken: null })).toBe('body-sha256');
    expect(dedupe.check({ bodySha256: 'b'.repeat(64), idempotencyToken: 'token-1' })).toBe('idempotency-token');
  });

  it('does not remember a delivery that was not signalled, so a retry gets another chance', async () => {
    const dedupe = new DeliveryDeduper(100);
    await dedupe.once(keys, async () => ({ result: 'unrouted', signalled: false }));
    expect(dedupe.check(keys)).toBeNull();
  });

  it('lets a concurrent copy of a delivery wait for the first and report a duplicate', async () => {
    const dedupe = new DeliveryDeduper(100);
    let release: () => void = () => undefined;
    let calls = 0;
    const first = dedupe.once(keys, async () => {
      calls++;
      await new Promise<void>((resolve) => (release = resolve));
      return { result: 'routed', signalled: true };
    });
    const second = dedupe.once(keys, async () => {
      calls++;
      return { result: 'routed', signalled: true };
    });
    release();
    expect(await first).toEqual({ duplicate: false, result: 'routed' });
    expect(await second).toEqual({ duplicate: true });
    expect(calls).toBe(1);
  });

  it('lets a concurrent copy run itself when the first could not signal', async () => {
    const dedupe = new DeliveryDeduper(100);
    let release: () => void = () => undefined;
    const first = dedupe.once(keys, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { result: 'unrouted', signalled: false };
    });
    const second = dedupe.once(keys, async () => ({ result: 'routed', signalled: true }));
    release();
    expect(await first).toEqual({ duplicate: false, result: 'unrouted' });
    expect(await second).toEqual({ duplicate: false, result: 'routed' });
  });

  it('forgets the oldest keys beyond its capacity', async () => {
    const dedupe = new DeliveryDeduper(4);
    for (let i = 0; i < 3; i++) {
      dedupe.remember({ bodySha256: String(i).repeat(64), idempotencyToken: `t${i}` });
    }
    expect(dedupe.check({ bodySha256: '0'.repeat(64), idempotencyToken: null })).toBeNull();
    expect(dedupe.check({ bodySha256: '2'.repeat(64), idempotencyToken: null })).toBe('body-sha256');
  });
});
