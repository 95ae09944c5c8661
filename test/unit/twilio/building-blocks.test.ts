import { ConcurrencyLimiter, REDACTED, redact } from '../../../src/twilio';
import { errorFromResponse } from '../../../src/twilio/http';
import { backoffDelay, parseRetryAfter } from '../../../src/twilio/retry';
import { pathParam } from '../../../src/twilio/formats';
import {
  RequestValidationError,
  TwilioApiError,
  TwilioClientError,
  TwilioNotFoundError,
  TwilioRateLimitError,
  TwilioServerError,
} from '../../../src/twilio/errors';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    [' 3 ', 3000],
    ['Sat, 01 Mar 2025 12:00:05 GMT', 5000],
    ['Sat, 01 Mar 2025 11:59:00 GMT', 0],
    ['soon', null],
    ['', null],
    [undefined, null],
    [['4'], 4000],
  ])('%j -> %j ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
});

describe('backoffDelay', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
  it('doubles per attempt, capped, jittered between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, null, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, null, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
  });
  it('waits what Retry-After asks, unless it is longer than allowed', () => {
    expect(backoffDelay(1, policy, 2500)).toBe(2500);
    expect(backoffDelay(1, policy, 6000)).toBeNull();
  });
});

describe('errorFromResponse', () => {
  const call = { method: 'GET' as const, path: '/v1/Porting/PortIn/KWx' };
  const classic = (status: number, code: number) => ({
    code,
    message: `message ${code}`,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });

  it.each([
    [429, 20429, TwilioRateLimitError, true],
    [404, 20404, TwilioNotFoundError, false],
    [500, 20500, TwilioServerError, true],
    [503, 20503, TwilioServerError, true],
    [400, 22102, TwilioClientError, false],
    [403, 20403, TwilioClientError, false],
    [401, 20003, TwilioClientError, false],
  ])('%i (code %i) -> %p, retryable %p', (status, code, cls, retryable) => {
    const e = errorFromResponse(status, {}, classic(status, code), call);
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(TwilioApiError);
    expect(e.name).toBe((cls as any).name);
    expect(e).toMatchObject({ status, code, retryable, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
    expect(e.message).toContain(`message ${code}`);
    expect(e.message).toContain('GET /v1/Porting/PortIn/KWx');
  });

  it('treats code 20429 as rate limiting whatever the status', () => {
    expect(errorFromResponse(503, {}, classic(503, 20429), call)).toBeInstanceOf(TwilioRateLimitError);
  });

  it('reads Retry-After in seconds', () => {
    expect(errorFromResponse(429, { 'retry-after': '3' }, classic(429, 20429), call).retryAfterMs).toBe(3000);
    expect(errorFromResponse(429, {}, classic(429, 20429), call).retryAfterMs).toBeNull();
  });

  it('reads RFC 9457 bodies', () => {
    const e = errorFromResponse(
      400,
      { 'content-type': 'application/problem+json' },
      {
        type: 'https://www.twilio.com/docs/errors/22171',
        title: 'Missing fields',
        status: 400,
        code: 22171,
        detail: 'zip is missing',
        errors: [{ detail: 'zip', pointer: '/zip' }],
      },
      call
    );
    expect(e).toMatchObject({
      code: 22171,
      moreInfo: 'https://www.twilio.com/docs/errors/22171',
      details: [{ detail: 'zip', pointer: '/zip' }],
    });
    expect(e.message).toContain('zip is missing');
  });

  it('copes with a body that is text or nothing', () => {
    expect(errorFromResponse(502, {}, '<html>Bad Gateway</html>', call).message).toContain('Bad Gateway');
    expect(errorFromResponse(500, {}, undefined, call).message).toContain('HTTP 500');
  });

  it('redacts secrets in error details', () => {
    const e = errorFromResponse(
      400,
      {},
      { ...classic(400, 400), details: { pin: '1234', account_number: '987', field: 'x' } },
      call
    );
    expect(e.details).toEqual({ pin: REDACTED, account_number: REDACTED, field: 'x' });
  });
});

describe('pathParam', () => {
  it('encodes E.164 numbers', () => {
    expect(pathParam('phoneNumber', '+14155550100')).toBe('%2B14155550100');
  });
  it.each([
    ['portInRequestSid', 'KW123'],
    ['portInRequestSid', '../../v1/Accounts'],
    ['phoneNumberSid', 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['phoneNumber', '4155550100'],
    ['webhookType', 'port_in'],
  ] as const)('rejects %s %j with a RequestValidationError naming it', (kind, value) => {
    try {
      pathParam(kind, value);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(RequestValidationError);
      expect((e as RequestValidationError).problems[0]).toMatchObject({ path: kind, rule: 'format' });
      expect((e as Error).message).toContain(kind);
    }
  });
});

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit and serves waiters in order', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await new Promise((r) => setTimeout(r, 2));
          running--;
        })
      )
    );
    expect(peak).toBe(3);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(limiter.running).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/maxConcurrency/);
  });
});

describe('redact', () => {
  it('replaces PINs, account numbers and credentials at any depth, and nothing else', () => {
    const input = {
      phone_numbers: [{ phone_number: '+14155550100', pin: '1234' }],
      losing_carrier_information: {
        account_number: 'A-1',
        account_telephone_number: '+14155550100',
        accountNumber: 'A-2',
      },
      pin_and_account_number_required: true,
      port_out_pin: 4321,
      Authorization: 'Basic abc',
    };
    expect(redact(input)).toEqual({
      phone_numbers: [{ phone_number: '+14155550100', pin: REDACTED }],
      losing_carrier_information: {
        account_number: REDACTED,
        account_telephone_number: '+14155550100',
        accountNumber: REDACTED,
      },
      pin_and_account_number_required: true,
      port_out_pin: REDACTED,
      Authorization: REDACTED,
    });
    expect(input.phone_numbers[0]!.pin).toBe('1234');
  });
});
