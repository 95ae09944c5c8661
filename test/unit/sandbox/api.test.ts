import { sandboxNumber, SANDBOX_API_KEY_SECRET, SANDBOX_API_KEY_SID } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, dateAfter, PDF, uploadBill, startSandbox } from './helpers';
import type { Api } from './helpers';

const START = new Date('2025-03-03T12:00:00Z');

describe('sandbox Twilio API', () => {
  let sandbox: SandboxHandle;
  let api: Api;
  let bill: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockStart: START, clockScale: 0 });
    api = apiFor(sandbox);
  });
  afterAll(() => sandbox.stop());
  beforeEach(async () => {
    sandbox.reset();
    bill = await uploadBill(api);
  });

  const nowIso = () =>
    sandbox.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  const create = (numbers: string[], extra: Record<string, unknown> = {}) =>
    api('POST', '/v1/Porting/PortIn', {
      ...createBody({ numbers, documents: [bill], targetDate: dateAfter(sandbox.clock.now(), 10) }),
      ...extra,
    });

  describe('authentication', () => {
    it('answers 401 with code 20003 without credentials', async () => {
      const res = await api('GET', '/v1/Porting/PortIn/PortInRequests', undefined, { auth: null });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        code: 20003,
        status: 401,
        more_info: 'https://www.twilio.com/docs/errors/20003',
      });
      expect(res.headers.get('www-authenticate')).toContain('Basic');
    });

    it('answers 401 for a wrong auth token and for a non-Basic scheme', async () => {
      const wrong = 'Basic ' + Buffer.from(`${sandbox.accountSid}:nope`).toString('base64');
      expect((await api('GET', '/v1/Porting/PortIn/PortInRequests', undefined, { auth: wrong })).body.code).toBe(20003);
      const bearer = await api('GET', '/v1/Porting/PortIn/PortInRequests', undefined, { auth: 'Bearer abc' });
      expect(bearer.status).toBe(401);
    });

    it('accepts the API key SID and secret', async () => {
      const key = 'Basic ' + Buffer.from(`${SANDBOX_API_KEY_SID}:${SANDBOX_API_KEY_SECRET}`).toString('base64');
      expect((await api('GET', '/v1/Porting/PortIn/PortInRequests', undefined, { auth: key })).status).toBe(200);
    });

    it('needs no auth on /_sandbox', async () => {
      const res = await fetch(`${sandbox.url}/_sandbox/clock`);
      expect(res.status).toBe(200);
    });
  });

  describe('GET /v1/Porting/Portability/PhoneNumber/{PhoneNumber}', () => {
    const check = (n: string, query = '') =>
      api('GET', `/v1/Porting/Portability/PhoneNumber/${encodeURIComponent(n)}${query}`);

    it('reports an ordinary US number as portable LOCAL with every documented field', async () => {
      const res = await check('+14155551234');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        phone_number: '+14155551234',
        account_sid: null,
        portable: true,
        pin_and_account_number_required: false,
        not_portable_reason: null,
        not_portable_reason_code: null,
        number_type: 'LOCAL',
        country: 'US',
        url: `${sandbox.url}/v1/Porting/Portability/PhoneNumber/+14155551234`,
      });
    });

    it('accepts the + unencoded in the path (as twilio-node sends it)', async () => {
      const res = await api('GET', '/v1/Porting/Portability/PhoneNumber/+14155551234');
      expect(res.body.portable).toBe(true);
    });

    it.each([
      ['0102', 22102, 'INVALID_PHONE_NUMBER'],
      ['0130', 22130, 'UNSUPPORTED'],
      ['0131', 22131, 'ALREADY_IN_THE_TARGET_ACCOUNT'],
      ['0132', 22132, 'ALREADY_IN_TWILIO_DIFFERENT_OWNER'],
      ['0133', 22133, 'MANUAL_PORTING_AVAILABLE'],
      ['0134', 22130, 'UNSUPPORTED'],
      ['0135', 22135, 'ERROR_INTERNAL_SERVER_ERROR'],
      ['0136', 22136, 'ALREADY_IN_ONE_OF_YOUR_TWILIO_ACCOUNTS'],
    ])('reports %s as not portable with %i %s', async (suffix, code, reason) => {
      const res = await check(sandboxNumber(suffix, '212'));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ portable: false, not_portable_reason_code: code, not_portable_reason: reason });
    });

    it('reports 02xx as MOBILE needing PIN and account number, 05xx as MOBILE without', async () => {
      expect((await check(sandboxNumber('0205'))).body).toMatchObject({
        portable: true,
        number_type: 'MOBILE',
        pin_and_account_number_required: true,
      });
      expect((await check(sandboxNumber('0555'))).body).toMatchObject({
        portable: true,
        number_type: 'MOBILE',
        pin_and_account_number_required: false,
      });
    });

    it('reports toll-free numbers as not portable 22133 TOLL-FREE', async () => {
      for (const npa of ['800', '833', '844', '855', '866', '877', '888']) {
        const res = await check(`+1${npa}5550100`);
        expect(res.body).toMatchObject({ portable: false, not_portable_reason_code: 22133, number_type: 'TOLL-FREE' });
      }
    });

    it('reports a non-US number as UNSUPPORTED with its country', async () => {
      const res = await check('+573001234567');
      expect(res.body).toMatchObject({
        portable: false,
        not_portable_reason_code: 22130,
        country: 'CO',
        number_type: 'UNKNOWN',
      });
    });

    it('answers 400 with code 22102 and the portability fields for a non-E.164 number', async () => {
      const res = await check('4155551234');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 22102,
        status: 400,
        portable: false,
        not_portable_reason: 'INVALID_PHONE_NUMBER',
      });
      expect(res.body.message).toContain('E.164');
    });

    it('reports a number already in an open port-in of the account as 22131', async () => {
      expect((await create(['+14155551234'])).status).toBe(202);
      const res = await check('+14155551234');
      expect(res.body).toMatchObject({ portable: false, not_portable_reason_code: 22131 });
    });

    it('validates TargetAccountSid and AddressSid', async () => {
      expect((await check('+14155551234', `?TargetAccountSid=${sandbox.accountSid}`)).status).toBe(200);
      const bad = await check('+14155551234', '?TargetAccountSid=AC123');
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('TargetAccountSid');
      const other = await check('+14155551234', `?TargetAccountSid=AC${'b'.repeat(32)}`);
      expect(other).toMatchObject({ status: 403, body: { code: 20003 } });
      const addr = await check('+14155551234', '?AddressSid=XX1');
      expect(addr).toMatchObject({ status: 400, body: { code: 22173 } });
      expect((await check('+14155551234', `?AddressSid=AD${'a'.repeat(32)}`)).body.code).toBe(22173);
      const registered = sandbox.addAddress({
        street: '1 Main St',
        city: 'Denver',
        state: 'CO',
        zip: '80202',
        country: 'US',
      });
      expect((await check('+14155551234', `?AddressSid=${registered}`)).status).toBe(200);
    });
  });

  describe('Documents', () => {
    const upload = (fields: Array<[string, string | Blob, string?]>) => {
      const form = new FormData();
      for (const [k, v, name] of fields) {
        if (typeof v === 'string') form.append(k, v);
        else form.append(k, v, name);
      }
      return api('POST', '/v1/Documents', undefined, { raw: form });
    };

    it('uploads a utility bill and fetches it back', async () => {
      const res = await upload([
        ['document_type', 'utility_bill'],
        ['friendly_name', 'bill'],
        ['File', new Blob([PDF], { type: 'application/pdf' }), 'bill.pdf'],
      ]);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        account_sid: sandbox.accountSid,
        document_type: 'utility_bill',
        friendly_name: 'bill',
        mime_type: 'application/pdf',
        status: 'uploaded',
        version: 1,
        date_created: nowIso(),
      });
      expect(res.body.sid).toMatch(/^RD[0-9a-f]{32}$/);
      expect(res.body.url).toBe(`${sandbox.url}/v1/Documents/${res.body.sid}`);
      const fetched = await api('GET', `/v1/Documents/${res.body.sid}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(res.body);
    });

    it('tells the type from the bytes when the part says octet-stream', async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
      const res = await upload([
        ['document_type', 'utility_bill'],
        ['File', new Blob([png], { type: 'application/octet-stream' }), 'bill.bin'],
      ]);
      expect(res.body.mime_type).toBe('image/png');
    });

    it('answers 404 with 20404 for an unknown or malformed document SID', async () => {
      expect((await api('GET', `/v1/Documents/RD${'0'.repeat(32)}`)).body.code).toBe(20404);
      expect((await api('GET', '/v1/Documents/nope')).status).toBe(404);
    });

    it.each([
      [
        'no document_type',
        [['File', new Blob([PDF], { type: 'application/pdf' }), 'a.pdf']],
        400,
        22171,
        'document_type',
      ],
      ['no File', [['document_type', 'utility_bill']], 400, 22171, 'File'],
      [
        "the file in 'file' (lowercase)",
        [
          ['document_type', 'utility_bill'],
          ['file', new Blob([PDF], { type: 'application/pdf' }), 'a.pdf'],
        ],
        400,
        400,
        "'File' (capital F)",
      ],
      [
        'a text file',
        [
          ['document_type', 'utility_bill'],
          ['File', new Blob(['hello'], { type: 'text/plain' }), 'a.txt'],
        ],
        400,
        400,
        'text/plain',
      ],
      [
        'an empty file',
        [
          ['document_type', 'utility_bill'],
          ['File', new Blob([], { type: 'application/pdf' }), 'a.pdf'],
        ],
        400,
        400,
        'empty',
      ],
      [
        'a password-protected PDF',
        [
          ['document_type', 'utility_bill'],
          ['File', new Blob(['%PDF-1.7\n/Encrypt 5 0 R'], { type: 'application/pdf' }), 'a.pdf'],
        ],
        400,
        400,
        'password',
      ],
      [
        'a bad document_type',
        [
          ['document_type', 'Utility Bill'],
          ['File', new Blob([PDF], { type: 'application/pdf' }), 'a.pdf'],
        ],
        400,
        400,
        'utility_bill',
      ],
    ] as Array<[string, Array<[string, string | Blob, string?]>, number, number, string]>)(
      'refuses an upload with %s',
      async (_label, fields, status, code, mention) => {
        const res = await upload(fields);
        expect(res.status).toBe(status);
        expect(res.body.code).toBe(code);
        expect(res.body.message).toContain(mention);
      }
    );

    it('refuses files over 10 MB with 413', async () => {
      const big = Buffer.alloc(10 * 1024 * 1024 + 10, 0x20);
      big.write('%PDF-1.4');
      const res = await upload([
        ['document_type', 'utility_bill'],
        ['File', new Blob([big], { type: 'application/pdf' }), 'big.pdf'],
      ]);
      expect(res.status).toBe(413);
      expect(res.body.message).toContain('10 MB');
    });

    it('refuses a multipart body without boundary with 400', async () => {
      const res = await api('POST', '/v1/Documents', undefined, {
        raw: 'garbage',
        headers: { 'content-type': 'multipart/form-data' },
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('Malformed multipart/form-data');
    });

    it('refuses a JSON body with 415', async () => {
      const res = await api('POST', '/v1/Documents', { document_type: 'utility_bill' });
      expect(res.status).toBe(415);
      expect(res.body.message).toContain('multipart/form-data');
    });
  });

  describe('PortIn', () => {
    it('creates a request with 202 and the documented shape (quirks on)', async () => {
      const res = await create(['+14155551234', sandboxNumber('0555')]);
      expect(res.status).toBe(202);
      const b = res.body;
      expect(b.port_in_request_sid).toMatch(/^KW[0-9a-f]{32}$/);
      expect(b).toMatchObject({
        url: `${sandbox.url}/v1/Porting/PortIn/${b.port_in_request_sid}`,
        account_sid: sandbox.accountSid,
        port_in_request_status: 'In Review',
        target_port_in_date: dateAfter(sandbox.clock.now(), 10),
        target_port_in_time_range_start: '10:00:00-05:00',
        target_port_in_time_range_end: '18:00:00-05:00',
        notification_emails: ['ops@example.com'],
        documents: [bill],
        date_created: nowIso(),
        signature_request_url: null,
        order_cancellation_reason: null,
        bundle_sid: null,
      });
      expect(b.losing_carrier_information).toMatchObject({ customer_type: 'Business', account_number: 'ACCT-1' });
      expect(typeof b.support_ticket_id).toBe('number');
      expect(b.phone_numbers).toHaveLength(2);
      expect(b.phone_numbers[1]).toMatchObject({
        phone_number: sandboxNumber('0555'),
        port_in_phone_number_status: 'In Review',
        number_type: 'MOBILE',
        portable: true,
        rejection_reason_code: null,
        status_last_time_updated_timestamp: nowIso(),
      });
      expect(b.phone_numbers[0].port_in_phone_number_sid).toMatch(/^PU[0-9a-f]{32}$/);
      expect(JSON.stringify(b)).not.toContain('"pin"');
    });

    it('fetches a request and answers 404/20404 for unknown or malformed SIDs', async () => {
      const sid = (await create(['+14155551234'])).body.port_in_request_sid;
      const res = await api('GET', `/v1/Porting/PortIn/${sid}`);
      expect(res.status).toBe(200);
      expect(res.body.port_in_request_sid).toBe(sid);
      expect((await api('GET', `/v1/Porting/PortIn/KW${'0'.repeat(32)}`)).body).toMatchObject({
        status: 404,
        code: 20404,
      });
      expect((await api('GET', '/v1/Porting/PortIn/KW1')).status).toBe(404);
    });

    it('cancels a request with DELETE 204 (Canceling, then Canceled) and is idempotent', async () => {
      const sid = (await create(['+14155551234'])).body.port_in_request_sid;
      expect((await api('DELETE', `/v1/Porting/PortIn/${sid}`)).status).toBe(204);
      sandbox.clock.advance(0);
      const res = await api('GET', `/v1/Porting/PortIn/${sid}`);
      expect(res.body.port_in_request_status).toBe('Canceled');
      expect(res.body.phone_numbers[0].port_in_phone_number_status).toBe('Canceled');
      expect(res.body.order_cancellation_reason).toContain('Canceled by the customer');
      expect((await api('DELETE', `/v1/Porting/PortIn/${sid}`)).status).toBe(204);
      expect((await api('DELETE', `/v1/Porting/PortIn/KW${'0'.repeat(32)}`)).status).toBe(404);
    });

    it('lets a canceled number be ported again in a new request', async () => {
      const sid = (await create(['+14155551234'])).body.port_in_request_sid;
      expect((await create(['+14155551234'])).body.code).toBe(22131);
      await api('DELETE', `/v1/Porting/PortIn/${sid}`);
      expect((await create(['+14155551234'])).status).toBe(202);
    });

    it('fetches and cancels one phone number (snake_case resource)', async () => {
      const pi = (await create(['+14155551234', '+14155551235'])).body;
      const pu = pi.phone_numbers[0].port_in_phone_number_sid;
      const path = `/v1/Porting/PortIn/${pi.port_in_request_sid}/PhoneNumber/${pu}`;
      const res = await api('GET', path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        port_in_request_sid: pi.port_in_request_sid,
        phone_number_sid: pu,
        url: `${sandbox.url}${path}`,
        account_sid: sandbox.accountSid,
        phone_number_type: 'LOCAL',
        date_created: nowIso(),
        country: 'US',
        missing_required_fields: false,
        last_updated: nowIso(),
        phone_number: '+14155551234',
        portable: true,
        not_portability_reason: null,
        not_portability_reason_code: null,
        port_in_phone_number_status: 'in_review',
        port_out_pin: null,
        rejection_reason: null,
        rejection_reason_code: null,
        port_date: null,
      });
      expect((await api('DELETE', path)).status).toBe(204);
      sandbox.clock.advance(0);
      expect((await api('GET', path)).body.port_in_phone_number_status).toBe('canceled');
      const parent = (await api('GET', `/v1/Porting/PortIn/${pi.port_in_request_sid}`)).body;
      expect(parent.port_in_request_status).toBe('In Review');
      expect(
        (await api('GET', `/v1/Porting/PortIn/${pi.port_in_request_sid}/PhoneNumber/PU${'0'.repeat(32)}`)).status
      ).toBe(404);
      expect((await api('GET', `/v1/Porting/PortIn/${pi.port_in_request_sid}/PhoneNumber/xyz`)).status).toBe(404);
    });

    it('cancels the request when its last number is canceled', async () => {
      const pi = (await create(['+14155551234'])).body;
      const pu = pi.phone_numbers[0].port_in_phone_number_sid;
      await api('DELETE', `/v1/Porting/PortIn/${pi.port_in_request_sid}/PhoneNumber/${pu}`);
      sandbox.clock.advance(0);
      expect((await api('GET', `/v1/Porting/PortIn/${pi.port_in_request_sid}`)).body.port_in_request_status).toBe(
        'Canceled'
      );
    });
  });

  describe('GET /v1/Porting/PortIn/PortInRequests', () => {
    it('pages with Size and Token through meta.next_token/previous_token', async () => {
      const sids: string[] = [];
      const firstCreated = nowIso();
      for (let i = 0; i < 5; i++) {
        sids.push((await create([`+1415555${2000 + i}`])).body.port_in_request_sid);
        sandbox.clock.advance(1000);
      }
      const p1 = await api('GET', '/v1/Porting/PortIn/PortInRequests?Size=2');
      expect(p1.status).toBe(200);
      expect(p1.body.port_in_requests.map((r: any) => r.port_in_request_sid)).toEqual(sids.slice(0, 2));
      expect(p1.body.meta).toEqual({ next_token: sids[2], previous_token: null });
      const p2 = await api('GET', `/v1/Porting/PortIn/PortInRequests?Size=2&Token=${p1.body.meta.next_token}`);
      expect(p2.body.port_in_requests.map((r: any) => r.port_in_request_sid)).toEqual(sids.slice(2, 4));
      expect(p2.body.meta).toEqual({ next_token: sids[4], previous_token: sids[0] });
      const p3 = await api('GET', `/v1/Porting/PortIn/PortInRequests?Size=2&Token=${p2.body.meta.next_token}`);
      expect(p3.body.port_in_requests).toHaveLength(1);
      expect(p3.body.meta.next_token).toBeNull();
      expect(p1.body.port_in_requests[0]).toEqual({
        phone_numbers_ported: 0,
        phone_numbers_requested: 1,
        port_in_request_sid: sids[0],
        port_in_request_status: 'In Review',
        status_last_updated_timestamp: firstCreated,
        suggested_action: null,
      });
    });

    it('filters by PortInRequestSid (comma-separated), status and creation date', async () => {
      const day0 = sandbox.clock.now().toISOString().slice(0, 10);
      const day1 = dateAfter(sandbox.clock.now(), 1);
      const a = (await create(['+14155552001'])).body.port_in_request_sid;
      sandbox.clock.advance(2 * 86_400_000);
      const b = (await create(['+14155552002'])).body.port_in_request_sid;
      const c = (await create(['+14155552003'])).body.port_in_request_sid;
      await api('DELETE', `/v1/Porting/PortIn/${c}`);
      sandbox.clock.advance(0);
      const list = async (q: string) =>
        (await api('GET', `/v1/Porting/PortIn/PortInRequests?${q}`)).body.port_in_requests.map(
          (r: any) => r.port_in_request_sid
        );
      expect(await list(`PortInRequestSid=${a},${c}`)).toEqual([a, c]);
      expect(await list('PortInRequestStatus=Canceled')).toEqual([c]);
      expect(await list('PortInRequestStatus=in_review')).toEqual([b]);
      expect(await list(`CreatedAfter=${day1}`)).toEqual([b, c]);
      expect(await list(`CreatedBefore=${day0}`)).toEqual([]);
      expect(await list(`CreatedBefore=${day1}T00:00:00Z&CreatedAfter=${day0}`)).toEqual([a]);
    });

    it.each([
      ['Size=0', 'Size'],
      ['Size=101', 'Size'],
      ['Size=abc', 'Size'],
      ['Size=1e2', 'Size'],
      ['PortInRequestStatus=Pending', 'PortInRequestStatus'],
      ['PortInRequestSid=KW1,KW2', 'PortInRequestSid'],
      ['CreatedAfter=yesterday', 'CreatedAfter'],
      [`Token=KW${'0'.repeat(32)}`, 'Token'],
      ['Size=1&Size=2', 'Size'],
    ])('answers 400 for %s naming the parameter', async (q, name) => {
      const res = await api('GET', `/v1/Porting/PortIn/PortInRequests?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(name);
    });
  });

  describe('webhook configuration', () => {
    const hook = 'https://example.com/hooks/twilio';

    it('creates (201), fetches (200) and deletes (204) the configuration', async () => {
      expect((await api('GET', '/v1/Porting/Configuration/Webhook')).status).toBe(404);
      const created = await api('POST', '/v1/Porting/Configuration/Webhook', {
        port_in_target_url: hook,
        notifications_of: ['PortInCompleted', 'PortInExpired', 'PortInPhoneNumberCanceled'],
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        url: `${sandbox.url}/v1/Porting/Configuration/Webhook`,
        port_in_target_url: hook,
        port_out_target_url: null,
        notifications_of: ['PortInCompleted', 'PortInExpired', 'PortInPhoneNumberCanceled'],
      });
      const fetched = await api('GET', '/v1/Porting/Configuration/Webhook');
      expect(fetched.body).toMatchObject({
        port_in_target_url: hook,
        port_in_target_date_created: nowIso(),
        port_out_target_date_created: null,
      });
      expect((await api('DELETE', '/v1/Porting/Configuration/Webhook/PORT_IN')).status).toBe(204);
      expect((await api('GET', '/v1/Porting/Configuration/Webhook')).status).toBe(404);
      expect((await api('DELETE', '/v1/Porting/Configuration/Webhook/PORT_OUT')).status).toBe(204);
    });

    it.each([
      [{ portInTargetUrl: hook }, 'portInTargetUrl', 400],
      [{ port_in_target_url: 'ftp://x' }, 'port_in_target_url', 400],
      [{ port_in_target_url: 'not a url' }, 'port_in_target_url', 400],
      [{ port_in_target_url: hook, notifications_of: ['PortInDone'] }, 'notifications_of', 400],
      [{ notifications_of: [] }, 'port_in_target_url', 22171],
      [{ port_in_target_url: hook, extra: 1 }, 'extra', 400],
      [[hook], 'JSON object', 400],
    ])('refuses %j', async (body, mention, code) => {
      const res = await api('POST', '/v1/Porting/Configuration/Webhook', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
      expect(res.body.message).toContain(mention);
    });

    it('refuses an unknown webhook type on DELETE', async () => {
      const res = await api('DELETE', '/v1/Porting/Configuration/Webhook/PORT_SIDEWAYS');
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('PORT_IN or PORT_OUT');
    });
  });

  describe('routing', () => {
    it('answers a broken %-escape in the path with 400 in Twilio shape', async () => {
      const res = await api('GET', '/v1/Porting/Portability/PhoneNumber/%E0%A4%A');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 400, status: 400 });
      expect(res.body.message).toContain('Malformed request');
    });

    it('answers 404/20404 for unknown paths and 405/20004 for a wrong method', async () => {
      expect((await api('GET', '/v1/Nope')).body).toMatchObject({ status: 404, code: 20404 });
      const res = await api('PUT', '/v1/Porting/PortIn/KWx');
      expect(res.status).toBe(405);
      expect(res.body.code).toBe(20004);
      expect(res.headers.get('allow')).toBe('GET, DELETE');
    });
  });
});
