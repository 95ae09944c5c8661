import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, control, createBody, dateAfter, uploadBill, startSandbox } from './helpers';
import type { Api } from './helpers';

describe('sandbox HTTP faults', () => {
  let sandbox: SandboxHandle;
  let api: Api;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockStart: '2025-05-05T12:00:00Z', clockScale: 0 });
    api = apiFor(sandbox);
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  const list = () => api('GET', '/v1/Porting/PortIn/PortInRequests');

  it('answers 429 with code 20429 and Retry-After when given', async () => {
    const created = await control(sandbox, 'POST', '/faults', {
      kind: 'http',
      fault: 'rate-limit',
      retryAfterSeconds: 7,
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^FT/);
    const res = await list();
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 20429, status: 429, more_info: 'https://www.twilio.com/docs/errors/20429' });
    expect(res.headers.get('retry-after')).toBe('7');
    expect((await list()).status).toBe(200);
  });

  it('sends no Retry-After when none is given', async () => {
    await control(sandbox, 'POST', '/faults', { kind: 'http', fault: 'rate-limit' });
    const res = await list();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('answers 5xx with code 20500, `times` times', async () => {
    await control(sandbox, 'POST', '/faults', { kind: 'http', fault: 'server-error', status: 503, times: 2 });
    expect((await list()).body).toMatchObject({ status: 503, code: 20500 });
    expect((await list()).status).toBe(503);
    expect((await list()).status).toBe(200);
  });

  it('matches method and path pattern, and never applies to /_sandbox', async () => {
    await control(sandbox, 'POST', '/faults', {
      kind: 'http',
      fault: 'server-error',
      method: 'POST',
      pathPattern: '^/v1/Porting/PortIn$',
    });
    expect((await list()).status).toBe(200);
    expect((await control(sandbox, 'GET', '/clock')).status).toBe(200);
    const bill = await uploadBill(api);
    expect(bill).toMatch(/^RD/);
    const res = await api('POST', '/v1/Porting/PortIn', createBody({ numbers: ['+14155551234'], documents: [bill] }));
    expect(res.status).toBe(500);
    expect(sandbox.portIns()).toHaveLength(0);
  });

  it('answers slowly', async () => {
    await control(sandbox, 'POST', '/faults', { kind: 'http', fault: 'slow', delayMs: 120 });
    const started = Date.now();
    expect((await list()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('loses the response after the write committed: the caller times out, the request exists', async () => {
    const bill = await uploadBill(api);
    await control(sandbox, 'POST', '/faults', {
      kind: 'http',
      fault: 'lose-response',
      method: 'POST',
      pathPattern: 'PortIn$',
      delayMs: 300,
    });
    const started = Date.now();
    const body = createBody({
      numbers: ['+14155551234'],
      documents: [bill],
      targetDate: dateAfter(sandbox.clock.now(), 10),
    });
    await expect(api('POST', '/v1/Porting/PortIn', body)).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const page = (await list()).body.port_in_requests;
    expect(page).toHaveLength(1);
    // A blind retry is refused: the number is already in the request that was created.
    const retry = await api('POST', '/v1/Porting/PortIn', body);
    expect(retry.body.code).toBe(22131);
    expect(retry.body.message).toContain(page[0].port_in_request_sid);
  });

  it('adds latency to every Twilio-API call when set', async () => {
    await control(sandbox, 'POST', '/settings', { latencyMs: 1500 });
    const started = Date.now();
    // The control API is not slowed: asked after the API call, it still answers first.
    const api = list().then(() => 'api');
    const ctl = control(sandbox, 'GET', '/clock').then(() => 'control');
    expect(await Promise.race([api, ctl])).toBe('control');
    await api;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    await control(sandbox, 'POST', '/settings', { latencyMs: 0 });
  });

  it('lists, deletes one and clears all faults', async () => {
    const a = (await control(sandbox, 'POST', '/faults', { kind: 'http', fault: 'rate-limit', times: 5 })).body.id;
    await control(sandbox, 'POST', '/faults', { kind: 'webhook', fault: 'drop' });
    const listed = (await control(sandbox, 'GET', '/faults')).body.faults;
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ id: a, kind: 'http', fault: 'rate-limit', remaining: 5 });
    expect((await control(sandbox, 'DELETE', `/faults/${a}`)).status).toBe(204);
    expect((await control(sandbox, 'DELETE', '/faults/FT999999')).status).toBe(404);
    expect((await control(sandbox, 'DELETE', '/faults')).status).toBe(204);
    expect((await control(sandbox, 'GET', '/faults')).body.faults).toEqual([]);
  });

  it('fails authentication with 401 20003 and a Basic challenge, for valid credentials', async () => {
    await control(sandbox, 'POST', '/faults', { kind: 'http', fault: 'auth-failure', times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await list();
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        code: 20003,
        status: 401,
        message: expect.stringContaining('Authentication Error'),
        more_info: 'https://www.twilio.com/docs/errors/20003',
      });
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
    }
    expect((await list()).status).toBe(200);
  });

  it('answers 404 20404 for the matching path only', async () => {
    const bill = await uploadBill(api);
    const created = await api(
      'POST',
      '/v1/Porting/PortIn',
      createBody({ numbers: ['+14155551234'], documents: [bill], targetDate: dateAfter(sandbox.clock.now(), 10) })
    );
    expect(created.status).toBe(202);
    const sid = created.body.port_in_request_sid as string;
    await control(sandbox, 'POST', '/faults', {
      kind: 'http',
      fault: 'not-found',
      pathPattern: `/${sid}$`,
      method: 'GET',
    });
    const res = await api('GET', `/v1/Porting/PortIn/${sid}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      code: 20404,
      status: 404,
      message: `The requested resource /v1/Porting/PortIn/${sid} was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
    });
    expect((await list()).status).toBe(200);
    expect((await api('GET', `/v1/Porting/PortIn/${sid}`)).status).toBe(200);
  });

  it('with durationMs applies to every matching request until it expires (real time), then disappears', async () => {
    const created = await control(sandbox, 'POST', '/faults', {
      kind: 'http',
      fault: 'auth-failure',
      durationMs: 1500,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ remaining: null, durationMs: 1500 });
    const expiresAt = Date.parse(created.body.expiresAt);
    expect(expiresAt).toBeGreaterThan(Date.now());
    // The simulated clock is frozen (scale 0) and jumping it does not end the fault.
    sandbox.clock.advance(86_400_000);
    for (let i = 0; i < 5; i++) expect((await list()).status).toBe(401);
    expect((await control(sandbox, 'GET', '/faults')).body.faults).toHaveLength(1);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 20));
    expect((await list()).status).toBe(200);
    expect((await control(sandbox, 'GET', '/faults')).body.faults).toEqual([]);
  });

  it('with durationMs and times ends at whichever comes first', async () => {
    await control(sandbox, 'POST', '/faults', {
      kind: 'http',
      fault: 'not-found',
      pathPattern: 'PortInRequests',
      durationMs: 60_000,
      times: 2,
    });
    expect((await list()).status).toBe(404);
    expect((await list()).status).toBe(404);
    expect((await list()).status).toBe(200);
  });

  it.each([
    [{ kind: 'http', fault: 'not-found' }, 'pathPattern'],
    [{ kind: 'http', fault: 'auth-failure', durationMs: 0 }, 'durationMs'],
    [{ kind: 'http', fault: 'auth-failure', durationMs: 'long' }, 'durationMs'],
    [{ kind: 'http', fault: 'auth-failure', times: 0 }, 'times'],
    [{ kind: 'http', fault: 'not-found', pathPattern: '[' }, 'pathPattern'],
    [{ kind: 'http', fault: 'explode' }, 'fault'],
    [{ kind: 'disk', fault: 'drop' }, 'kind'],
    [{ kind: 'http', fault: 'slow' }, 'delayMs'],
    [{ kind: 'http', fault: 'rate-limit', pathPattern: '(' }, 'pathPattern'],
    [{ kind: 'http', fault: 'server-error', status: 404 }, 'status'],
    [{ kind: 'webhook', fault: 'reorder' }, 'count'],
    [{ kind: 'webhook', fault: 'drop', times: 0 }, 'times'],
    [{ kind: 'http', fault: 'rate-limit', method: 'PUT' }, 'method'],
  ])('refuses the fault %j naming %s', async (body, field) => {
    const res = await control(sandbox, 'POST', '/faults', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(field);
  });
});
