import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CreatePortInRequest,
  PortingClient,
  type PortingClientOptions,
  type RequestLogEvent,
  type ResponseLogEvent,
  REDACTED,
  RequestValidationError,
  TwilioConnectionError,
  TwilioResponseValidationError,
  TwilioServerError,
} from '../../../src/twilio';
import { CaptureServer } from '../../helpers/capture-server';

const credentials = { accountSid: 'AC5d169368692aa8ab93638f0efb556ba3', authToken: 'token-not-for-logs' };

const fixture = (name: string): any => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));

// The create body of the PortIn seed's curl example, verbatim.
const seedBody = {
  account_sid: 'AC5d169368692aa8ab93638f0efb556ba3',
  target_port_in_date: '2024-10-31',
  target_port_in_time_range_start: '10:15:00-08:00',
  target_port_in_time_range_end: '23:15:00-08:00',
  notification_emails: ['bar@twilio.com', 'foo@twilio.com'],
  losing_carrier_information: {
    customer_type: 'Business',
    customer_name: 'FooBar Inc.',
    account_number: 'Test123',
    account_telephone_number: '+16175551212',
    authorized_representative: 'John Smith',
    authorized_representative_email: 'foo@twilio.com',
    address_sid: null,
    address: {
      street: '101 Spear St',
      street_2: '5th floor',
      city: 'San Francisco',
      state: 'CA',
      zip: '94105',
      country: 'US',
    },
  },
  phone_numbers: [{ phone_number: '+13802075834', pin: null }],
  documents: ['RD0f36b9a5a6a700fb5949ea9959d041c3'],
};

const seedRequest: CreatePortInRequest = {
  targetPortInDate: '2024-10-31',
  targetPortInTimeRangeStart: '10:15:00-08:00',
  targetPortInTimeRangeEnd: '23:15:00-08:00',
  notificationEmails: ['bar@twilio.com', 'foo@twilio.com'],
  losingCarrierInformation: {
    customerType: 'Business',
    customerName: 'FooBar Inc.',
    accountNumber: 'Test123',
    accountTelephoneNumber: '+16175551212',
    authorizedRepresentative: 'John Smith',
    authorizedRepresentativeEmail: 'foo@twilio.com',
    address: {
      street: '101 Spear St',
      street2: '5th floor',
      city: 'San Francisco',
      state: 'CA',
      zip: '94105',
      country: 'US',
    },
  },
  phoneNumbers: [{ phoneNumber: '+13802075834', pin: '7391' }],
  documents: ['RD0f36b9a5a6a700fb5949ea9959d041c3'],
};

/** Every key path of a JSON value, arrays collapsed to `[]`. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => keyPaths(v, `${prefix}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    `${prefix}${prefix ? '.' : ''}${k}`,
    ...keyPaths(v, `${prefix}${prefix ? '.' : ''}${k}`),
  ]);
}

describe('PortingClient on the wire (local capture server)', () => {
  const server = new CaptureServer();
  let client: PortingClient;
  const requests: RequestLogEvent[] = [];
  const responses: ResponseLogEvent[] = [];

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.reset();
    requests.length = 0;
    responses.length = 0;
    client = new PortingClient({
      apiBaseUrl: server.url,
      documentsBaseUrl: server.url,
      accountSid: 'AC5d169368692aa8ab93638f0efb556ba3',
      authToken: 'token-not-for-logs',
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
      onRequest: (e) => requests.push(e),
      onResponse: (e) => responses.push(e),
    });
  });
  afterEach(() => client.close());

  it('sends the create body in snake_case with exactly the PortIn seed field names', async () => {
    server.respond({ status: 201, body: fixture('port-in-create-response.json') });
    const portIn = await client.createPortIn(seedRequest, { now: new Date('2024-10-01T00:00:00Z') });
    expect(portIn.portInRequestSid).toBe('KW5096cf8e95c21761161c4f0388074b3a');

    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v1/Porting/PortIn');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(
      'Basic ' + Buffer.from('AC5d169368692aa8ab93638f0efb556ba3:token-not-for-logs').toString('base64')
    );
    const wire = JSON.parse(req!.body.toString('utf8'));
    // The seed with its nulls left out (absent optional fields are omitted) and the PIN we gave.
    const { address_sid: _unused, ...carrier } = seedBody.losing_carrier_information;
    expect(wire).toEqual({
      ...seedBody,
      losing_carrier_information: carrier,
      phone_numbers: [{ phone_number: '+13802075834', pin: '7391' }],
    });
    expect(keyPaths(wire).every((k) => keyPaths(seedBody).includes(k))).toBe(true);
    expect(keyPaths(wire).filter((k) => /[A-Z]/.test(k))).toEqual([]);
  });

  it('uses the address SID instead of the address when given', async () => {
    server.respond({ status: 201, body: fixture('port-in-create-response.json') });
    const { address: _a, ...carrier } = seedRequest.losingCarrierInformation;
    await client.createPortIn(
      { ...seedRequest, losingCarrierInformation: { ...carrier, addressSid: 'AD0f36b9a5a6a700fb5949ea9959d041c3' } },
      { now: new Date('2024-10-01T00:00:00Z') }
    );
    const wire = JSON.parse(server.requests[0]!.body.toString('utf8'));
    expect(wire.losing_carrier_information.address_sid).toBe('AD0f36b9a5a6a700fb5949ea9959d041c3');
    expect(wire.losing_carrier_information).not.toHaveProperty('address');
  });

  it('sends nothing when the request is invalid', async () => {
    await expect(
      client.createPortIn({ ...seedRequest, documents: [] }, { now: new Date('2024-10-01T00:00:00Z') })
    ).rejects.toMatchObject({
      name: 'PortInValidationError',
      problems: [expect.objectContaining({ path: 'documents' })],
    });
    expect(server.requests).toHaveLength(0);
  });

  it('never retries a create, even after a 500', async () => {
    server.respond({
      status: 500,
      body: { code: 20500, message: 'An internal server error has occurred', status: 500 },
    });
    await expect(client.createPortIn(seedRequest, { now: new Date('2024-10-01T00:00:00Z') })).rejects.toBeInstanceOf(
      TwilioServerError
    );
    expect(server.requests).toHaveLength(1);
  });

  it('shows the logging hooks no credentials, PINs or account numbers', async () => {
    const echoed = fixture('port-in-create-response.json');
    echoed.phone_numbers[0].pin = '7391';
    server.respond({ status: 201, body: echoed });
    await client.createPortIn(seedRequest, { now: new Date('2024-10-01T00:00:00Z') });
    expect(requests).toHaveLength(1);
    expect(responses).toHaveLength(1);
    expect(requests[0]!.headers.Authorization).toBe(REDACTED);
    expect((requests[0]!.body as any).phone_numbers[0].pin).toBe(REDACTED);
    expect((requests[0]!.body as any).losing_carrier_information.account_number).toBe(REDACTED);
    expect((responses[0]!.body as any).losing_carrier_information.account_number).toBe(REDACTED);
    expect(responses[0]).toMatchObject({ operation: 'createPortIn', method: 'POST', status: 201, attempt: 1 });
    const everything = JSON.stringify([requests, responses]);
    for (const secret of [
      '7391',
      'Test123',
      'token-not-for-logs',
      Buffer.from('AC5d169368692aa8ab93638f0efb556ba3:token-not-for-logs').toString('base64'),
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('a throwing hook does not break the call', async () => {
    const noisy = new PortingClient({
      ...credentials,
      apiBaseUrl: server.url,
      documentsBaseUrl: server.url,
      onRequest: () => {
        throw new Error('logger down');
      },
    });
    server.respond({ status: 200, body: fixture('portability-portable.json') });
    await expect(noisy.checkPortability('+14155552344')).resolves.toMatchObject({ portable: true });
    noisy.close();
  });

  it('maps list filters to the PascalCase query and follows next_token', async () => {
    server.respond(
      {
        status: 200,
        body: {
          meta: { next_token: 'T2' },
          port_in_requests: [{ port_in_request_sid: 'KW1', port_in_request_status: 'In Review' }],
        },
      },
      {
        status: 200,
        body: {
          meta: { next_token: null },
          port_in_requests: [{ port_in_request_sid: 'KW2', port_in_request_status: 'Completed' }],
        },
      }
    );
    const sids: string[] = [];
    for await (const item of client.listPortIns({
      createdAfter: new Date('2025-03-05T10:00:00Z'),
      createdBefore: '2025-04-01',
      status: 'in_progress',
      portInRequestSids: ['KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'KWbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
      pageSize: 1,
    })) {
      sids.push(item.portInRequestSid);
    }
    expect(sids).toEqual(['KW1', 'KW2']);
    const [first, second] = server.requests.map((r) => new URL(r.url, 'http://x'));
    expect(first!.pathname).toBe('/v1/Porting/PortIn/PortInRequests');
    expect(Object.fromEntries(first!.searchParams)).toEqual({
      CreatedAfter: '2025-03-05',
      CreatedBefore: '2025-04-01',
      PortInRequestStatus: 'In Progress',
      PortInRequestSid: 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,KWbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
      Size: '1',
    });
    expect(second!.searchParams.get('Token')).toBe('T2');
  });

  it('stops paging if a token repeats', async () => {
    server.respond({
      status: 200,
      body: { meta: { next_token: 'SAME' }, port_in_requests: [{ port_in_request_sid: 'KW1' }] },
    });
    const items = [];
    for await (const item of client.listPortIns()) items.push(item);
    expect(items).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('rejects bad list filters before sending, naming each', async () => {
    const it = client.listPortIns({
      createdAfter: '2025-13-01',
      status: 'teleported',
      pageSize: 500,
      portInRequestSids: ['nope'],
    });
    await expect(it.next()).rejects.toMatchObject({
      name: 'RequestValidationError',
      problems: [
        expect.objectContaining({ path: 'createdAfter' }),
        expect.objectContaining({ path: 'status' }),
        expect.objectContaining({ path: 'portInRequestSids[0]' }),
        expect.objectContaining({ path: 'pageSize' }),
      ],
    });
    expect(server.requests).toHaveLength(0);
  });

  it('uploads a utility bill as multipart with the exact field names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portflow-bill-'));
    try {
      const path = join(dir, 'march-bill.pdf');
      writeFileSync(path, Buffer.from('%PDF-1.4\nfake bill\n%%EOF\n'));
      server.respond({
        status: 201,
        body: {
          sid: 'RD0f36b9a5a6a700fb5949ea9959d041c3',
          document_type: 'utility_bill',
          mime_type: 'application/pdf',
          status: 'uploaded',
        },
      });
      const doc = await client.uploadUtilityBill({ path, friendlyName: 'March bill' });
      expect(doc).toMatchObject({ sid: 'RD0f36b9a5a6a700fb5949ea9959d041c3', mimeType: 'application/pdf' });
      const req = server.requests[0]!;
      expect(req.url).toBe('/v1/Documents');
      expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      const text = req.body.toString('latin1');
      expect(text).toMatch(/name="document_type"\r\n\r\nutility_bill\r\n/);
      expect(text).toMatch(/name="friendly_name"\r\n\r\nMarch bill\r\n/);
      expect(text).toMatch(/name="File"; filename="march-bill.pdf"\r\nContent-Type: application\/pdf\r\n\r\n%PDF-1.4/);
      expect(requests[0]!.body).toEqual({
        document_type: 'utility_bill',
        friendly_name: 'March bill',
        File: { filename: 'march-bill.pdf', mimeType: 'application/pdf', bytes: 25 },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('upload checks before sending', () => {
    it.each([
      ['no file and no path', { friendlyName: 'x' }, 'file', 'file-or-path'],
      [
        'both file and path',
        { friendlyName: 'x', file: Buffer.from('%PDF'), path: '/tmp/x.pdf' },
        'file',
        'file-or-path',
      ],
      ['no friendly name', { file: Buffer.from('%PDF-1.4') }, 'friendlyName', 'required'],
      ['unknown extension', { friendlyName: 'x', path: '/tmp/bill.docx' }, 'path', 'extension'],
      [
        'disallowed mime type',
        { friendlyName: 'x', file: Buffer.from('hi'), mimeType: 'text/plain' },
        'mimeType',
        'mime-type',
      ],
      ['unrecognizable bytes', { friendlyName: 'x', file: Buffer.from('hello') }, 'mimeType', 'required'],
      ['empty file', { friendlyName: 'x', file: Buffer.alloc(0), mimeType: 'application/pdf' }, 'file', 'empty'],
      [
        'over 10 MB',
        { friendlyName: 'x', file: Buffer.alloc(10 * 1024 * 1024 + 1), mimeType: 'application/pdf' },
        'file',
        'max-size',
      ],
      ['missing path', { friendlyName: 'x', path: '/nonexistent/bill.pdf' }, 'path', 'readable'],
    ])('%s', async (_label, input, path, rule) => {
      const err = await client.uploadUtilityBill(input as any).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestValidationError);
      expect((err as RequestValidationError).problems).toContainEqual(expect.objectContaining({ path, rule }));
      expect(server.requests).toHaveLength(0);
    });

    it('checks a file given by path against 10 MB before reading it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'portflow-bill-'));
      try {
        const path = join(dir, 'huge.png');
        writeFileSync(path, Buffer.alloc(10 * 1024 * 1024 + 1));
        await expect(client.uploadUtilityBill({ path, friendlyName: 'huge' })).rejects.toMatchObject({
          problems: [expect.objectContaining({ path: 'path', rule: 'max-size' })],
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('sniffs the type of bytes given without a mime type', async () => {
      server.respond({ status: 201, body: { sid: 'RD0f36b9a5a6a700fb5949ea9959d041c3', mime_type: 'image/png' } });
      await client.uploadUtilityBill({ file: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), friendlyName: 'scan' });
      expect(server.requests[0]!.body.toString('latin1')).toMatch(
        /filename="utility-bill.png"\r\nContent-Type: image\/png/
      );
    });
  });

  it('raises TwilioResponseValidationError with the raw value for a body that does not fit', async () => {
    server.respond({
      status: 200,
      body: { surprise: true, losing_carrier_information: { account_number: '555-SECRET' } },
    });
    const err = await client.fetchPortIn('KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioResponseValidationError);
    expect(err).toMatchObject({ name: 'TwilioResponseValidationError', retryable: true, status: 200 });
    expect((err as TwilioResponseValidationError).rawValue).toEqual({
      surprise: true,
      losing_carrier_information: { account_number: REDACTED },
    });
    expect((err as Error).message).toContain('port_in_request_sid');
    // A schema mismatch is not retried by the client (it will not fix itself), only flagged retryable for a redeploy.
    expect(server.requests).toHaveLength(1);
  });

  it('raises TwilioResponseValidationError for a body that is not JSON', async () => {
    server.respond({ status: 200, body: '<html>hello</html>', headers: { 'content-type': 'text/html' } });
    const err = await client.fetchWebhookConfiguration().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioResponseValidationError);
    expect((err as TwilioResponseValidationError).rawValue).toBe('<html>hello</html>');
  });

  it('reuses connections (keep-alive)', async () => {
    server.respond({ status: 200, body: fixture('portability-portable.json') });
    for (let i = 0; i < 5; i++) await client.checkPortability('+14155552344');
    expect(new Set(server.requests.map((r) => r.connection)).size).toBe(1);
  });

  it('raises TwilioConnectionError when nothing listens, after retrying a GET', async () => {
    const probe = new CaptureServer();
    await probe.start();
    const deadUrl = probe.url;
    await probe.stop();
    const dead = new PortingClient({
      ...credentials,
      apiBaseUrl: deadUrl,
      documentsBaseUrl: deadUrl,
      maxRetries: 2,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 2,
      onRequest: (e) => requests.push(e),
    });
    const err = await dead.fetchPortIn('KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioConnectionError);
    expect(err).toMatchObject({ name: 'TwilioConnectionError', status: 0, retryable: true, timedOut: false });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(requests.map((r) => r.attempt)).toEqual([1, 2, 3]);
    dead.close();
  });

  it('validates the client options', () => {
    const options = { accountSid: 'AC1', maxConcurrency: 0, apiKey: 'SK1', apiBaseUrl: 'ftp://x' };
    const make = () => new PortingClient(options as unknown as PortingClientOptions);
    expect(make).toThrow(RequestValidationError);
    try {
      make();
    } catch (e) {
      expect((e as RequestValidationError).problems.map((p) => p.path)).toEqual([
        'documentsBaseUrl',
        'accountSid',
        'apiKey',
        'apiBaseUrl',
        'maxConcurrency',
      ]);
    }
  });

  it('requires the account, credentials and both hosts: nothing falls back to the sandbox', () => {
    let err: unknown;
    try {
      new PortingClient({} as PortingClientOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RequestValidationError);
    expect((err as RequestValidationError).problems).toEqual([
      expect.objectContaining({ path: 'accountSid', rule: 'required' }),
      expect.objectContaining({ path: 'apiBaseUrl', rule: 'required' }),
      expect.objectContaining({ path: 'documentsBaseUrl', rule: 'required' }),
      expect.objectContaining({
        path: 'authToken',
        message: expect.stringMatching(/authToken, or apiKey with apiSecret/),
      }),
    ]);
  });

  it('withRetries(0) sends a failing GET once; the client it came from still retries', async () => {
    const once = client.withRetries(0);
    server.respond({ status: 503, body: { code: 20500, message: 'down', status: 503 } });
    await expect(once.fetchPortIn('KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toMatchObject({ status: 503 });
    expect(requests.map((r) => r.attempt)).toEqual([1]);
    requests.length = 0;
    server.respond({ status: 503, body: { code: 20500, message: 'down', status: 503 } });
    await expect(client.fetchPortIn('KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toMatchObject({ status: 503 });
    expect(requests.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(once.accountSid).toBe(client.accountSid);
    expect(() => client.withRetries(-1)).toThrow(RequestValidationError);
  });

  it('authenticates with an API key when one is given', async () => {
    const keyed = new PortingClient({
      accountSid: credentials.accountSid,
      apiBaseUrl: server.url,
      documentsBaseUrl: server.url,
      apiKey: 'SKabc',
      apiSecret: 'shh',
    });
    server.respond({ status: 200, body: fixture('portability-portable.json') });
    await keyed.checkPortability('+14155552344', { targetAccountSid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(server.requests[0]!.headers.authorization).toBe('Basic ' + Buffer.from('SKabc:shh').toString('base64'));
    expect(server.requests[0]!.url).toBe(
      '/v1/Porting/Portability/PhoneNumber/%2B14155552344?TargetAccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    );
    keyed.close();
  });
});
