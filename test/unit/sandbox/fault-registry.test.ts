import { FaultRegistry, parseFaultSpec } from '../../../src/sandbox/faults';
import type { FaultSpec } from '../../../src/sandbox/faults';

function spec(body: unknown): FaultSpec {
  const parsed = parseFaultSpec(body);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.spec;
}

describe('FaultRegistry on its real-time clock', () => {
  it('applies a durationMs fault to every match until it expires, then forgets it', () => {
    let now = 1_000;
    const registry = new FaultRegistry(() => now);
    registry.add(spec({ kind: 'http', fault: 'auth-failure', durationMs: 10_000 }));
    for (let i = 0; i < 100; i++)
      expect(registry.takeHttp('GET', '/v1/Porting/PortIn/KW1')?.fault).toBe('auth-failure');
    now = 10_999;
    expect(registry.takeHttp('POST', '/v1/Porting/PortIn')?.fault).toBe('auth-failure');
    now = 11_000;
    expect(registry.takeHttp('POST', '/v1/Porting/PortIn')).toBeNull();
    expect(registry.list()).toEqual([]);
  });

  it('ends a fault with durationMs and times at whichever comes first', () => {
    let now = 0;
    const registry = new FaultRegistry(() => now);
    registry.add(spec({ kind: 'http', fault: 'not-found', pathPattern: 'KW1', durationMs: 5_000, times: 3 }));
    registry.add(spec({ kind: 'http', fault: 'not-found', pathPattern: 'KW2', durationMs: 5_000, times: 3 }));
    for (let i = 0; i < 3; i++) expect(registry.takeHttp('GET', '/v1/Porting/PortIn/KW1')).not.toBeNull();
    expect(registry.takeHttp('GET', '/v1/Porting/PortIn/KW1')).toBeNull();
    expect(registry.takeHttp('GET', '/v1/Porting/PortIn/KW2')).not.toBeNull();
    now = 5_000;
    expect(registry.takeHttp('GET', '/v1/Porting/PortIn/KW2')).toBeNull();
  });

  it('keeps `times` semantics when no durationMs is given', () => {
    const registry = new FaultRegistry(() => 0);
    const f = registry.add(spec({ kind: 'http', fault: 'auth-failure' }));
    expect(f).toMatchObject({ remaining: 1, expiresAtMs: null });
    expect(registry.takeHttp('GET', '/x')).not.toBeNull();
    expect(registry.takeHttp('GET', '/x')).toBeNull();
  });
});
