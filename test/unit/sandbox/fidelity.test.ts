import { request } from 'node:http';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, dateAfter, uploadBill, startSandbox } from './helpers';
import type { Api } from './helpers';

/**
 * Classes where the sandbox once answered differently from what Twilio documents (issue 16):
 * each test quotes the seed it follows. Where the seeds and the OpenAPI spec disagree, the seed
 * wins and docs/sandbox.md says so.
 */
describe('sandbox fidelity to the seeds', () => {
  let sandbox: SandboxHandle;
  let api: Api;
  beforeAll(async () => {
    sandbox = await startSandbox({ clockStart: '2025-05-05T12:00:00Z', clockScale: 0 });
    api = apiFor(sandbox);
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  const portability = (n: string) => api('GET', `/v1/Porting/Portability/PhoneNumber/${encodeURIComponent(n)}`);
  const create = async (numbers: string[]) =>
    api(
      'POST',
      '/v1/Porting/PortIn',
      createBody({ numbers, documents: [await uploadBill(api)], targetDate: dateAfter(sandbox.clock.now(), 10) })
    );

  describe('"Country available: United States" (PortIn seed): NANP numbers outside the US', () => {
    it.each([
      ['+14165551234', 'CA'],
      ['+16045550188', 'CA'],
      ['+18765550123', 'JM'],
      ['+12425550123', 'BS'],
      ['+18095550123', 'DO'],
      ['+17875550123', 'PR'],
    ])('Portability answers %s as not portable UNSUPPORTED, country %s', async (n, country) => {
      const res = await portability(n);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        phone_number: n,
        portable: false,
        not_portable_reason: 'UNSUPPORTED',
        not_portable_reason_code: 22130,
        number_type: 'UNKNOWN',
        country,
      });
    });

    it('PortIn create refuses a request of Canadian numbers only (22130)', async () => {
      const res = await create(['+14165551234']);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(22130);
    });

    it('PortIn create refuses US and Canadian numbers together as more than one country (22172)', async () => {
      const res = await create(['+14155551234', '+14165551234']);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(22172);
      expect(res.body.message).toContain('CA');
    });
  });

  describe("the Portability seed's example numbers", () => {
    it('answers +18001234567 as the seed shows: 200, toll-free, MANUAL_PORTING_AVAILABLE, country US', async () => {
      const res = await portability('+18001234567');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        phone_number: '+18001234567',
        portable: false,
        pin_and_account_number_required: false,
        not_portable_reason: 'MANUAL_PORTING_AVAILABLE',
        not_portable_reason_code: 22133,
        number_type: 'TOLL-FREE',
        country: 'US',
      });
    });

    it.each(['+14155552344', '+16175551212'])('answers %s with 200 and every field of the seed', async (n) => {
      const res = await portability(n);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'account_sid',
          'country',
          'not_portable_reason',
          'not_portable_reason_code',
          'number_type',
          'phone_number',
          'pin_and_account_number_required',
          'portable',
          'url',
        ].sort()
      );
    });
  });

  it('formats the Portability url as the seed does, with a literal +', async () => {
    const res = await portability('+18001234567');
    expect(res.body.url).toBe(`${sandbox.url}/v1/Porting/Portability/PhoneNumber/+18001234567`);
  });

  it.each([
    ['+442071838750', 'GB'],
    ['+33142685300', 'FR'],
    ['+35312345678', 'IE'],
    ['+971501234567', 'AE'],
    ['+2348012345678', 'NG'],
    ['+85221234567', 'HK'],
    ['+5491123456789', 'AR'],
    ['+6421234567', 'NZ'],
  ])('names the country of the foreign number %s (%s), as the seed does for CO', async (n, country) => {
    const res = await portability(n);
    expect(res.body).toMatchObject({ portable: false, not_portable_reason_code: 22130, country });
  });

  it('answers a create without documents with the seed\'s 400 "Invalid documents"', async () => {
    const body = createBody({
      numbers: ['+14155551234'],
      documents: [],
      targetDate: dateAfter(sandbox.clock.now(), 10),
    });
    delete (body as Record<string, unknown>).documents;
    const res = await api('POST', '/v1/Porting/PortIn', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 400,
      message: expect.stringMatching(/^Invalid documents: documents is missing/),
      more_info: 'https://www.twilio.com/docs/errors/400',
      status: 400,
    });
    const empty = await api(
      'POST',
      '/v1/Porting/PortIn',
      createBody({ numbers: ['+14155551234'], documents: [], targetDate: dateAfter(sandbox.clock.now(), 10) })
    );
    expect(empty.body).toMatchObject({ code: 400, message: expect.stringMatching(/^Invalid documents: /) });
  });

  describe('address_sid names an Address that exists (22173 otherwise)', () => {
    const withAddressSid = async (addressSid: string) => {
      const body = createBody({
        numbers: ['+14155551234'],
        documents: [await uploadBill(api)],
        targetDate: dateAfter(sandbox.clock.now(), 10),
      }) as { losing_carrier_information: Record<string, unknown> };
      delete body.losing_carrier_information.address;
      body.losing_carrier_information.address_sid = addressSid;
      return api('POST', '/v1/Porting/PortIn', body);
    };

    it('refuses an unknown Address SID in a create and in a Portability check', async () => {
      const unknown = `AD${'ab'.repeat(16)}`;
      const res = await withAddressSid(unknown);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(22173);
      expect(res.body.message).toContain(unknown);
      expect(sandbox.portIns()).toHaveLength(0);
      const check = await api('GET', `/v1/Porting/Portability/PhoneNumber/%2B14155551234?AddressSid=${unknown}`);
      expect(check.status).toBe(400);
      expect(check.body.code).toBe(22173);
    });

    it('accepts a registered Address SID and copies the address into the request', async () => {
      const registered = await fetch(`${sandbox.url}/_sandbox/addresses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          street: '101 Spear St',
          city: 'San Francisco',
          state: 'CA',
          zip: '94105',
          country: 'US',
        }),
      });
      expect(registered.status).toBe(201);
      const { sid } = (await registered.json()) as { sid: string };
      expect(sid).toMatch(/^AD[0-9a-f]{32}$/);
      const res = await withAddressSid(sid);
      expect(res.status).toBe(202);
      expect(res.body.losing_carrier_information).toMatchObject({
        address_sid: sid,
        address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
      });
      const check = await api('GET', `/v1/Porting/Portability/PhoneNumber/%2B14155559876?AddressSid=${sid}`);
      expect(check.status).toBe(200);
    });

    it('refuses an address without its required fields, naming them', async () => {
      const res = await fetch(`${sandbox.url}/_sandbox/addresses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ street: '101 Spear St' }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { message: string };
      for (const field of ['city', 'state', 'zip', 'country']) expect(body.message).toContain(field);
    });
  });

  it('delivers the 413 to a client that sends a large upload whole before reading the answer', async () => {
    const boundary = 'sandboxboundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="document_type"\r\n\r\nutility_bill\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="File"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const chunks = 24; // 24 MiB: far past the 10 MB limit
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${sandbox.url}/v1/Documents`, {
        method: 'POST',
        headers: {
          authorization: 'Basic ' + Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64'),
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + chunks * chunk.length + tail.length,
        },
      });
      req.on('error', reject);
      // Reads the answer only once the whole body is written, like a simple client would.
      const write = async () => {
        const put = (b: Buffer) => new Promise<void>((ok, fail) => req.write(b, (e) => (e ? fail(e) : ok())));
        await put(head);
        for (let i = 0; i < chunks; i++) await put(chunk);
        await put(tail);
        req.end();
      };
      write()
        .then(() => {
          req.on('response', (r) => {
            let body = '';
            r.on('data', (c: Buffer) => (body += c.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          });
        })
        .catch(reject);
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 413, status: 413 });
  });
});
