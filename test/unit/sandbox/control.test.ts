import { sandboxNumber } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, control, createBody, dateAfter, DAY, HOUR, uploadBill, startSandbox } from './helpers';
import type { Api } from './helpers';

describe('sandbox control API (/_sandbox)', () => {
  let sandbox: SandboxHandle;
  let api: Api;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockStart: '2025-07-01T00:00:00Z', clockScale: 0, autoSign: false });
    api = apiFor(sandbox);
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  async function createReviewed(numbers: string[]): Promise<any> {
    const bill = await uploadBill(api);
    const res = await api(
      'POST',
      '/v1/Porting/PortIn',
      createBody({ numbers, documents: [bill], targetDate: dateAfter(sandbox.clock.now(), 10) })
    );
    expect(res.status).toBe(202);
    await control(sandbox, 'POST', '/clock/advance', { hours: 1 });
    return res.body;
  }

  describe('clock', () => {
    it('reports, advances by ms/minutes/hours/days, and changes speed', async () => {
      const before = (await control(sandbox, 'GET', '/clock')).body;
      expect(before.scale).toBe(0);
      const moved = await control(sandbox, 'POST', '/clock/advance', { days: 1, hours: 2, minutes: 3, ms: 4 });
      expect(moved.status).toBe(200);
      expect(moved.body.advancedMs).toBe(DAY + 2 * HOUR + 3 * 60_000 + 4);
      expect(Date.parse(moved.body.now) - Date.parse(before.now)).toBe(moved.body.advancedMs);

      expect((await control(sandbox, 'POST', '/clock', { scale: 3_600_000 })).body.scale).toBe(3_600_000);
      const t1 = Date.parse((await control(sandbox, 'GET', '/clock')).body.now);
      await new Promise((r) => setTimeout(r, 50));
      const t2 = Date.parse((await control(sandbox, 'GET', '/clock')).body.now);
      expect(t2 - t1).toBeGreaterThanOrEqual(40 * 3_600_000);
      await control(sandbox, 'POST', '/clock', { scale: 0 });
    });

    it.each([
      [{}, 'at least one of'],
      [{ days: -1 }, 'days'],
      [{ hours: 'two' }, 'hours'],
      [{ weeks: 1 }, 'weeks'],
    ])('refuses advance %j', async (body, mention) => {
      const res = await control(sandbox, 'POST', '/clock/advance', body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(mention);
    });

    it('refuses a negative scale', async () => {
      const res = await control(sandbox, 'POST', '/clock', { scale: -1 });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('scale');
    });

    it('is driven in real time by clockScale', async () => {
      const fast = await startSandbox({ clockScale: 86_400 });
      try {
        const a = fast.clock.now().getTime();
        await new Promise((r) => setTimeout(r, 100));
        expect(fast.clock.now().getTime() - a).toBeGreaterThanOrEqual(80 * 86_400);
      } finally {
        await fast.stop();
      }
    });
  });

  describe('carrier actions', () => {
    it('signs the LOA on demand (autoSign off), shows the LOA, and refuses to sign twice', async () => {
      const pi = await createReviewed(['+14155551234']);
      const sid = pi.port_in_request_sid;
      sandbox.clock.advance(5 * DAY);
      expect((await api('GET', `/v1/Porting/PortIn/${sid}`)).body.port_in_request_status).toBe('Waiting for Signature');
      const loa = await control(sandbox, 'GET', `/port-ins/${sid}/loa`);
      expect(loa.body).toMatchObject({
        port_in_request_sid: sid,
        port_in_request_status: 'waiting_for_signature',
        signed_at: null,
      });
      const signed = await control(sandbox, 'POST', `/port-ins/${sid}/sign`);
      expect(signed.status).toBe(200);
      expect(signed.body.port_in_request_status).toBe('In Progress');
      expect(signed.body.phone_numbers[0].port_in_phone_number_status).toBe('Port Submitted');
      const again = await control(sandbox, 'POST', `/port-ins/${sid}/sign`);
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('waiting_for_signature');
    });

    it('refuses to sign a request still in review', async () => {
      const bill = await uploadBill(api);
      const res = await api(
        'POST',
        '/v1/Porting/PortIn',
        createBody({ numbers: ['+14155551234'], documents: [bill], targetDate: dateAfter(sandbox.clock.now(), 10) })
      );
      expect((await control(sandbox, 'POST', `/port-ins/${res.body.port_in_request_sid}/sign`)).status).toBe(409);
    });

    it('rejects a number by E.164 with a chosen code, confirms one with a port date, completes one', async () => {
      const pi = await createReviewed(['+14155551234', '+14155551235', '+14155551236']);
      const sid = pi.port_in_request_sid;
      await control(sandbox, 'POST', `/port-ins/${sid}/sign`);

      const rejected = await control(
        sandbox,
        'POST',
        `/port-ins/${sid}/numbers/${encodeURIComponent('+14155551234')}/reject`,
        {
          code: 22156,
        }
      );
      expect(rejected.status).toBe(200);
      expect(rejected.body).toMatchObject({
        port_in_phone_number_status: 'port_rejected',
        rejection_reason_code: 22156,
      });
      expect((await api('GET', `/v1/Porting/PortIn/${sid}`)).body.port_in_request_status).toBe('Action Required');

      const pu2 = pi.phone_numbers[1].port_in_phone_number_sid;
      const portDate = new Date(sandbox.clock.now().getTime() + 9 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const confirmed = await control(sandbox, 'POST', `/port-ins/${sid}/numbers/${pu2}/confirm`, { portDate });
      expect(confirmed.body).toMatchObject({ port_in_phone_number_status: 'port_pending', port_date: portDate });

      const pu3 = pi.phone_numbers[2].port_in_phone_number_sid;
      const completed = await control(sandbox, 'POST', `/port-ins/${sid}/numbers/${pu3}/complete`);
      expect(completed.body.port_in_phone_number_status).toBe('completed');

      expect((await control(sandbox, 'POST', `/port-ins/${sid}/numbers/${pu3}/reject`)).status).toBe(409);
      expect((await control(sandbox, 'POST', `/port-ins/${sid}/numbers/${pu3}/confirm`)).status).toBe(409);
      const badCode = await control(sandbox, 'POST', `/port-ins/${sid}/numbers/${pu2}/reject`, { code: 12345 });
      expect(badCode.status).toBe(400);
      expect(badCode.body.message).toContain('code');
      const badDate = await control(sandbox, 'POST', `/port-ins/${sid}/numbers/${pu2}/confirm`, {
        portDate: 'tomorrow',
      });
      expect(badDate.status).toBe(400);
      expect(badDate.body.message).toContain('portDate');
      expect((await control(sandbox, 'POST', `/port-ins/${sid}/numbers/+19999999999/complete`)).status).toBe(404);
      expect((await control(sandbox, 'POST', `/port-ins/KW${'0'.repeat(32)}/sign`)).status).toBe(404);
    });

    it('uses the scenario code when rejecting a 015x number without a code', async () => {
      const n = sandboxNumber('0158');
      const pi = await createReviewed([n]);
      await control(sandbox, 'POST', `/port-ins/${pi.port_in_request_sid}/sign`);
      const res = await control(
        sandbox,
        'POST',
        `/port-ins/${pi.port_in_request_sid}/numbers/${encodeURIComponent(n)}/reject`
      );
      expect(res.body.rejection_reason_code).toBe(22158);
    });
  });

  it('lists every request with its numbers', async () => {
    await createReviewed(['+14155551234', '+14155551235']);
    const res = await control(sandbox, 'GET', '/port-ins');
    expect(res.body.port_ins).toHaveLength(1);
    expect(res.body.port_ins[0].phone_numbers).toHaveLength(2);
  });

  it('changes settings at run time and validates them', async () => {
    const s = await control(sandbox, 'POST', '/settings', {
      autoSign: true,
      timeline: { reviewMs: 1000 },
      webhookRetry: { attempts: 2 },
    });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      autoSign: true,
      quirks: true,
      latencyMs: 0,
      timeline: { reviewMs: 1000, autoSignMs: DAY },
    });
    expect(s.body.webhookRetry.attempts).toBe(2);
    expect((await control(sandbox, 'GET', '/settings')).body.timeline.reviewMs).toBe(1000);
    const bad = await control(sandbox, 'POST', '/settings', { timeline: { reviewMs: -5 }, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('colour');
    await control(sandbox, 'POST', '/reset');
    expect((await control(sandbox, 'GET', '/settings')).body).toMatchObject({
      autoSign: false,
      timeline: { reviewMs: HOUR },
    });
  });

  it('reset forgets requests, documents, webhook configuration and deliveries', async () => {
    const pi = await createReviewed(['+14155551234']);
    await api('POST', '/v1/Porting/Configuration/Webhook', { port_in_target_url: 'http://127.0.0.1:9/hook' });
    const res = await control(sandbox, 'POST', '/reset');
    expect(res.body.ok).toBe(true);
    expect((await api('GET', `/v1/Porting/PortIn/${pi.port_in_request_sid}`)).status).toBe(404);
    expect((await api('GET', `/v1/Documents/${pi.documents[0]}`)).status).toBe(404);
    expect((await api('GET', '/v1/Porting/Configuration/Webhook')).status).toBe(404);
    expect((await control(sandbox, 'GET', '/webhooks')).body.deliveries).toEqual([]);
  });

  it('answers health checks, and 404 for unknown control routes', async () => {
    expect((await control(sandbox, 'GET', '/health')).body).toEqual({ ok: true });
    const res = await control(sandbox, 'GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.body.message).toContain('docs/sandbox.md');
  });

  it('exposes the same actions on the handle', async () => {
    const pi = await createReviewed(['+14155551234', '+14155551235']);
    const sid = pi.port_in_request_sid;
    expect(sandbox.sign(sid).port_in_request_status).toBe('In Progress');
    expect(sandbox.rejectNumber(sid, '+14155551234', 22155)).toMatchObject({ rejection_reason_code: 22155 });
    const pu = pi.phone_numbers[1].port_in_phone_number_sid;
    sandbox.confirmNumber(sid, pu, new Date(sandbox.clock.now().getTime() + DAY));
    expect(sandbox.completeNumber(sid, pu)).toMatchObject({ port_in_phone_number_status: 'completed' });
    expect(sandbox.portIns()[0]!.phone_numbers.map((n) => n.port_in_phone_number_status)).toEqual([
      'Port Rejected',
      'Completed',
    ]);
    expect(() => sandbox.sign(`KW${'0'.repeat(32)}`)).toThrow(/not found/);
    expect(sandbox.addFault({ kind: 'http', fault: 'rate-limit' })).toMatch(/^FT/);
    expect((await api('GET', '/v1/Porting/PortIn/PortInRequests')).status).toBe(429);
    sandbox.clearFaults();
    expect(() => sandbox.addFault({ kind: 'http', fault: 'slow' } as any)).toThrow(/delayMs/);
  });
});
