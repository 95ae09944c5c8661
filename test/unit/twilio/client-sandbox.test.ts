/**
 * Every method of PortingClient against the real sandbox over HTTP, including its fault injection:
 * rate limits with and without Retry-After, 5xx, lost responses (timeouts), paging.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config';
import { portingClientFromConfig } from '../../../src/porting-client';
import { SANDBOX_API_KEY_SECRET, SANDBOX_API_KEY_SID, type SandboxHandle, startSandbox } from '../../../src/sandbox';
import {
  type CreatePortInRequest,
  PortInValidationError,
  PortingClient,
  type PortingClientOptions,
  type ResponseLogEvent,
  TwilioClientError,
  TwilioConnectionError,
  TwilioNotFoundError,
  TwilioRateLimitError,
  TwilioServerError,
  eventsFromPortIn,
  isParseFailure,
  parsePortingWebhook,
} from '../../../src/twilio';
import { CaptureServer } from '../../helpers/capture-server';

let sandbox: SandboxHandle;
const clients: PortingClient[] = [];
let log: ResponseLogEvent[] = [];

/** A client of the sandbox with fast retries; every attempt is recorded in `log`. */
function makeClient(options: Partial<PortingClientOptions> = {}): PortingClient {
  const client = new PortingClient({
    apiBaseUrl: sandbox.url,
    documentsBaseUrl: sandbox.url,
    accountSid: sandbox.accountSid,
    authToken: sandbox.authToken,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    onResponse: (e) => log.push(e),
    ...options,
  });
  clients.push(client);
  return client;
}

async function control(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<any> {
  const res = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

const fault = (spec: Record<string, unknown>) => control('/faults', { kind: 'http', ...spec });

/** Fresh, plain portable numbers: the sandbox refuses a number already in an active request. */
let serial = 1000;
const freshNumber = () => `+1212555${serial++}`;

async function sandboxNow(): Promise<Date> {
  return new Date((await control('/clock')).now);
}

let documentSid: string;

async function newRequest(numbers: string[] = [freshNumber()], extra: Partial<CreatePortInRequest> = {}) {
  const now = await sandboxNow();
  const request: CreatePortInRequest = {
    targetPortInDate: new Date(now.getTime() + 10 * 86_400_000).toISOString().slice(0, 10),
    notificationEmails: ['ops@example.com'],
    losingCarrierInformation: {
      customerType: 'Business',
      customerName: 'Acme Widgets',
      accountTelephoneNumber: numbers[0]!,
      authorizedRepresentative: 'Jane Doe',
      authorizedRepresentativeEmail: 'jane@example.com',
      address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
    },
    phoneNumbers: numbers.map((phoneNumber) => ({ phoneNumber })),
    documents: [documentSid],
    ...extra,
  };
  return { request, now };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  const client = makeClient();
  documentSid = (await client.uploadUtilityBill({ file: Buffer.from('%PDF-1.4\nbill\n'), friendlyName: 'setup bill' }))
    .sid;
});

afterEach(async () => {
  log = [];
  await control('/faults', undefined, 'DELETE');
  await control('/settings', { latencyMs: 0 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await sandbox?.stop();
});

describe('PortingClient against the sandbox', () => {
  describe('checkPortability', () => {
    it.each([
      [
        '+14155551000',
        { portable: true, pinAndAccountNumberRequired: false, numberType: 'local', notPortableReasonCode: null },
      ],
      [
        '+14155550131',
        { portable: false, notPortableReason: 'ALREADY_IN_THE_TARGET_ACCOUNT', notPortableReasonCode: 22131 },
      ],
      ['+14155550102', { portable: false, notPortableReasonCode: 22102 }],
      ['+14155550201', { portable: true, pinAndAccountNumberRequired: true, numberType: 'mobile' }],
      ['+14155550550', { portable: true, pinAndAccountNumberRequired: false, numberType: 'mobile' }],
      [
        '+18005551234',
        { portable: false, notPortableReasonCode: 22133, numberType: 'toll_free', rawNumberType: 'TOLL-FREE' },
      ],
    ])('%s', async (phoneNumber, expected) => {
      const result = await makeClient().checkPortability(phoneNumber);
      expect(result).toMatchObject({ phoneNumber, ...expected });
    });

    it('passes TargetAccountSid and AddressSid', async () => {
      // The sandbox refuses an Address SID it does not know (22173), as Twilio does.
      const addressSid = sandbox.addAddress({
        street: '1 Main St',
        city: 'Denver',
        state: 'CO',
        zip: '80202',
        country: 'US',
      });
      const result = await makeClient().checkPortability('+14155551001', {
        targetAccountSid: sandbox.accountSid,
        addressSid,
      });
      expect(result.portable).toBe(true);
      expect(log[0]!.url).toContain(`TargetAccountSid=${sandbox.accountSid}&AddressSid=${addressSid}`);
    });

    it('returns the portability fields of a 400 answer as a not-portable result (22102)', async () => {
      // E.164 but not a valid NANP number: the sandbox answers 400 with the portability body, as the seed describes.
      const result = await makeClient().checkPortability('+14151551000');
      expect(result).toMatchObject({ phoneNumber: '+14151551000', portable: false, notPortableReasonCode: 22102 });
      expect(log.map((e) => e.status)).toEqual([400]);
    });

    it('raises TwilioClientError (403, 20003) for a target account we cannot access', async () => {
      const err = await makeClient()
        .checkPortability('+14155551000', { targetAccountSid: 'ACffffffffffffffffffffffffffffffff' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioClientError);
      expect(err).toMatchObject({
        status: 403,
        code: 20003,
        retryable: false,
        moreInfo: expect.stringContaining('20003'),
      });
    });

    it('refuses a number that is not E.164 before sending', async () => {
      await expect(makeClient().checkPortability('(415) 555-1000')).rejects.toMatchObject({
        name: 'RequestValidationError',
        problems: [expect.objectContaining({ path: 'phoneNumber' })],
      });
      expect(log).toHaveLength(0);
    });

    it('keeps at most maxConcurrency calls in flight (bench/portability.ts measures how close to ideal)', async () => {
      await control('/settings', { latencyMs: 40 });
      let inFlight = 0;
      let peak = 0;
      const client = makeClient({
        maxConcurrency: 4,
        onRequest: () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
        },
        onResponse: () => {
          inFlight--;
        },
      });
      const started = Date.now();
      await Promise.all(Array.from({ length: 24 }, (_, i) => client.checkPortability(`+1646555${2000 + i}`)));
      const elapsed = Date.now() - started;
      expect(peak).toBe(4);
      // Never more than 4 at once, so 24 calls of 40 ms take at least 6 rounds.
      expect(elapsed).toBeGreaterThanOrEqual(((24 * 40) / 4) * 0.9);
    });
  });

  describe('portingClientFromConfig', () => {
    it('builds a working client from loadConfig().twilio (auth token, then API key)', async () => {
      const env = {
        TWILIO_API_BASE_URL: sandbox.url,
        TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
        TWILIO_MAX_CONCURRENCY: '3',
      };
      const fromToken = portingClientFromConfig(loadConfig(env).twilio);
      clients.push(fromToken);
      expect(fromToken.load.limit).toBe(3);
      expect((await fromToken.checkPortability('+14155551009')).portable).toBe(true);

      const seen: string[] = [];
      const keyed = portingClientFromConfig(
        loadConfig({ ...env, TWILIO_API_KEY: SANDBOX_API_KEY_SID, TWILIO_API_SECRET: SANDBOX_API_KEY_SECRET }).twilio,
        { onRequest: (e) => seen.push(e.headers.Authorization ?? '') }
      );
      clients.push(keyed);
      expect((await keyed.checkPortability('+14155551009')).portable).toBe(true);
      expect(seen).toEqual(['[REDACTED]']);

      const wrongKey = portingClientFromConfig(
        loadConfig({ ...env, TWILIO_API_KEY: SANDBOX_API_KEY_SID, TWILIO_API_SECRET: 'nope' }).twilio
      );
      clients.push(wrongKey);
      await expect(wrongKey.checkPortability('+14155551009')).rejects.toMatchObject({ status: 401, code: 20003 });
    });
  });

  describe('uploadUtilityBill', () => {
    it('uploads bytes and a file by path, getting RD sids back', async () => {
      const client = makeClient();
      const fromBytes = await client.uploadUtilityBill({
        file: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]),
        friendlyName: 'scan',
      });
      expect(fromBytes).toMatchObject({
        sid: expect.stringMatching(/^RD[0-9a-f]{32}$/),
        mimeType: 'image/jpeg',
        documentType: 'utility_bill',
      });
      const dir = mkdtempSync(join(tmpdir(), 'portflow-'));
      try {
        const path = join(dir, 'bill.pdf');
        writeFileSync(path, '%PDF-1.4\nMarch\n');
        const fromPath = await client.uploadUtilityBill({ path, friendlyName: 'March' });
        expect(fromPath).toMatchObject({ friendlyName: 'March', mimeType: 'application/pdf' });
        expect(fromPath.sid).not.toBe(fromBytes.sid);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('createPortIn, fetchPortIn, fetchPortInPhoneNumber', () => {
    it('creates a request the sandbox accepts and reads it back, in both casings', async () => {
      const client = makeClient();
      const numbers = [freshNumber(), freshNumber()];
      const { request, now } = await newRequest(numbers, {
        targetPortInTimeRangeStart: '10:00:00-05:00',
        targetPortInTimeRangeEnd: '18:00:00-05:00',
      });
      const created = await client.createPortIn(request, { now });
      expect(created).toMatchObject({
        portInRequestSid: expect.stringMatching(/^KW[0-9a-f]{32}$/),
        status: 'in_review',
        documents: [documentSid],
        losingCarrierInformation: { customerName: 'Acme Widgets', address: { zip: '94105' } },
      });
      expect(created.phoneNumbers.map((n) => n.phoneNumber)).toEqual(numbers);

      const fetched = await client.fetchPortIn(created.portInRequestSid);
      expect(fetched.portInRequestSid).toBe(created.portInRequestSid);
      expect(fetched.rawStatus).toBe('In Review'); // Title Case in PortIn (sandbox quirks on)
      const first = fetched.phoneNumbers[0]!;
      const single = await client.fetchPortInPhoneNumber(created.portInRequestSid, first.phoneNumberSid!);
      expect(single.rawStatus).toBe('in_review'); // snake_case on the PhoneNumber resource
      expect(single).toMatchObject({
        phoneNumberSid: first.phoneNumberSid,
        portInRequestSid: created.portInRequestSid,
        phoneNumber: first.phoneNumber,
        status: first.status,
        numberType: first.numberType,
      });
    });

    it('requires the PIN and account number the portability check asked for, then the sandbox accepts them', async () => {
      const client = makeClient();
      const mobile = `+1917555020${serial++ % 10}`;
      const portability = [await client.checkPortability(mobile)];
      const { request, now } = await newRequest([mobile]);
      const err = await client.createPortIn(request, { now, portability }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInValidationError);
      expect((err as PortInValidationError).problems.map((p) => p.rule)).toEqual([
        'pin-required',
        'account-number-required',
      ]);

      request.phoneNumbers[0]!.pin = '4321';
      request.losingCarrierInformation.accountNumber = 'ACCT-77';
      const created = await client.createPortIn(request, { now, portability });
      expect(created.phoneNumbers[0]).toMatchObject({ phoneNumber: mobile, numberType: 'mobile' });
      expect(JSON.stringify(log)).not.toMatch(/(?<!\d)4321(?!\d)|ACCT-77/);
    });

    it('surfaces a refusal the client cannot foresee as TwilioClientError with the Twilio code', async () => {
      const { request, now } = await newRequest([freshNumber()], { documents: ['RDffffffffffffffffffffffffffffffff'] });
      const err = await makeClient()
        .createPortIn(request, { now })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioClientError);
      expect(err).toMatchObject({ name: 'TwilioClientError', status: 400, retryable: false });
      expect((err as Error).message).toMatch(/documents/);
    });

    it('turns a fetched request into poll events', async () => {
      const client = makeClient();
      const { request, now } = await newRequest([freshNumber()]);
      const created = await client.createPortIn(request, { now });
      await control('/clock/advance', { hours: 2 });
      const events = eventsFromPortIn(await client.fetchPortIn(created.portInRequestSid));
      expect(events.map((e) => [e.level, e.status, e.source])).toEqual([
        ['request', 'waiting_for_signature', 'poll'],
        ['number', 'waiting_for_signature', 'poll'],
      ]);
    });
  });

  describe('listPortIns', () => {
    it('follows next_token across three pages', async () => {
      const client = makeClient();
      const sids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { request, now } = await newRequest([freshNumber()]);
        sids.push((await client.createPortIn(request, { now })).portInRequestSid);
      }
      log = [];
      const seen: string[] = [];
      for await (const summary of client.listPortIns({ portInRequestSids: sids, pageSize: 2 })) {
        expect(summary.status).toBe('in_review');
        expect(summary.phoneNumbersRequested).toBe(1);
        seen.push(summary.portInRequestSid);
      }
      expect(seen).toEqual(sids);
      const pages = log.filter((e) => e.operation === 'listPortIns');
      expect(pages).toHaveLength(3);
      expect(new URL(pages[1]!.url).searchParams.get('Token')).toBe(sids[2]);
      expect(new URL(pages[2]!.url).searchParams.get('Token')).toBe(sids[4]);
    });

    it('filters by status and creation day', async () => {
      const client = makeClient();
      const { request, now } = await newRequest([freshNumber()]);
      const created = await client.createPortIn(request, { now });
      await client.cancelPortIn(created.portInRequestSid);
      const canceled: string[] = [];
      for await (const s of client.listPortIns({
        status: 'Canceled',
        createdAfter: new Date(now.getTime() - 86_400_000),
      })) {
        canceled.push(s.portInRequestSid);
      }
      expect(canceled).toContain(created.portInRequestSid);
      const none = [];
      for await (const s of client.listPortIns({ createdBefore: '2000-01-01' })) none.push(s);
      expect(none).toEqual([]);
    });
  });

  describe('cancelPortIn and cancelPortInPhoneNumber', () => {
    it('cancels one number, then the whole request', async () => {
      const client = makeClient();
      const { request, now } = await newRequest([freshNumber(), freshNumber()]);
      const created = await client.createPortIn(request, { now });
      const [a, b] = created.phoneNumbers;
      await client.cancelPortInPhoneNumber(created.portInRequestSid, b!.phoneNumberSid!);
      const afterOne = await client.fetchPortIn(created.portInRequestSid);
      expect(afterOne.phoneNumbers.find((n) => n.phoneNumberSid === b!.phoneNumberSid)!.status).toMatch(
        /^cancel(ing|ed)$/
      );
      expect(afterOne.phoneNumbers.find((n) => n.phoneNumberSid === a!.phoneNumberSid)!.status).toBe('in_review');

      await client.cancelPortIn(created.portInRequestSid);
      expect((await client.fetchPortIn(created.portInRequestSid)).status).toMatch(/^cancel(ing|ed)$/);
    });
  });

  describe('webhook configuration', () => {
    it('configures, fetches and deletes', async () => {
      const client = makeClient();
      const set = await client.configureWebhooks({
        portInTargetUrl: 'https://hooks.example.com/porting',
        notificationsOf: ['PortInCompleted', 'PortInPhoneNumberRejected'],
      });
      expect(set).toMatchObject({
        portInTargetUrl: 'https://hooks.example.com/porting',
        notificationsOf: ['PortInCompleted', 'PortInPhoneNumberRejected'],
      });
      const fetched = await client.fetchWebhookConfiguration();
      expect(fetched).toMatchObject({
        portInTargetUrl: 'https://hooks.example.com/porting',
        portInTargetDateCreated: expect.any(String),
      });
      await client.deleteWebhookConfiguration('PORT_IN');
      // With nothing configured, the configuration resource does not exist.
      await expect(client.fetchWebhookConfiguration()).rejects.toBeInstanceOf(TwilioNotFoundError);
    });

    it('refuses a configuration without a URL, or with a bad one, before sending', async () => {
      const client = makeClient();
      await expect(client.configureWebhooks({})).rejects.toMatchObject({
        problems: [expect.objectContaining({ path: 'portInTargetUrl', rule: 'required' })],
      });
      await expect(client.configureWebhooks({ portOutTargetUrl: 'not a url' })).rejects.toMatchObject({
        problems: [expect.objectContaining({ path: 'portOutTargetUrl', rule: 'url' })],
      });
      await expect(client.deleteWebhookConfiguration('PORT_SIDEWAYS' as any)).rejects.toMatchObject({
        name: 'RequestValidationError',
      });
      expect(log).toHaveLength(0);
    });

    it('receives real sandbox webhooks that parsePortingWebhook turns into events', async () => {
      const receiver = await new CaptureServer().start();
      try {
        receiver.respond({ status: 200, body: '' });
        const client = makeClient();
        await client.configureWebhooks({ portInTargetUrl: `${receiver.url}/porting`, notificationsOf: [] });
        const { request, now } = await newRequest([freshNumber()]);
        const created = await client.createPortIn(request, { now });
        await control('/clock/advance', { hours: 2 });
        await sandbox.webhooksIdle();
        const events = receiver.requests
          .map((r) =>
            parsePortingWebhook(r.body, {
              idempotencyToken: String(r.headers['i-twilio-idempotency-token'] ?? '') || null,
            })
          )
          .filter((e) => !isParseFailure(e) && e.portInRequestSid === created.portInRequestSid);
        expect(events).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              source: 'webhook',
              level: 'request',
              eventName: 'PortInWaitingForSignature',
              status: 'waiting_for_signature',
            }),
            expect.objectContaining({
              source: 'webhook',
              level: 'number',
              eventName: 'PortInPhoneNumberWaitingForSignature',
              phoneNumberSid: created.phoneNumbers[0]!.phoneNumberSid,
            }),
          ])
        );
        await client.deleteWebhookConfiguration('PORT_IN');
      } finally {
        await receiver.stop();
      }
    });
  });

  describe('errors and retries', () => {
    it('TwilioNotFoundError for an unknown request, not retried', async () => {
      const err = await makeClient()
        .fetchPortIn('KW00000000000000000000000000000000')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioNotFoundError);
      expect(err).toMatchObject({ name: 'TwilioNotFoundError', status: 404, code: 20404, retryable: false });
      expect(log).toHaveLength(1);
    });

    it('TwilioClientError for bad credentials (401)', async () => {
      const err = await makeClient({ authToken: 'wrong-token' })
        .checkPortability('+14155551000')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioClientError);
      expect(err).toMatchObject({ status: 401, retryable: false });
    });

    it('retries a 429 without Retry-After with backoff, then succeeds', async () => {
      await fault({ method: 'GET', pathPattern: 'Portability', fault: 'rate-limit', times: 2 });
      const result = await makeClient().checkPortability('+14155551002');
      expect(result.portable).toBe(true);
      expect(log.map((e) => e.status)).toEqual([429, 429, 200]);
      expect(log[0]!.retryInMs).toBeLessThanOrEqual(10);
      expect(log[1]!.retryInMs).toBeLessThanOrEqual(20);
    });

    it('waits what Retry-After says on a 429, then succeeds', async () => {
      await fault({ method: 'GET', pathPattern: 'Portability', fault: 'rate-limit', retryAfterSeconds: 1 });
      const started = Date.now();
      await makeClient().checkPortability('+14155551003');
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(log.map((e) => [e.status, e.retryInMs])).toEqual([
        [429, 1000],
        [200, undefined],
      ]);
    });

    it('throws TwilioRateLimitError carrying retryAfterMs when retries run out (with and without Retry-After)', async () => {
      await fault({ method: 'GET', fault: 'rate-limit', retryAfterSeconds: 2 });
      const withHeader = await makeClient({ maxRetries: 0 })
        .checkPortability('+14155551004')
        .catch((e: unknown) => e);
      expect(withHeader).toBeInstanceOf(TwilioRateLimitError);
      expect(withHeader).toMatchObject({
        name: 'TwilioRateLimitError',
        status: 429,
        code: 20429,
        retryable: true,
        retryAfterMs: 2000,
      });

      await fault({ method: 'GET', fault: 'rate-limit' });
      const without = await makeClient({ maxRetries: 0 })
        .checkPortability('+14155551004')
        .catch((e: unknown) => e);
      expect(without).toMatchObject({ name: 'TwilioRateLimitError', retryAfterMs: null });
    });

    it('does not wait a Retry-After longer than maxRetryAfterMs', async () => {
      await fault({ method: 'GET', fault: 'rate-limit', retryAfterSeconds: 60 });
      const started = Date.now();
      const err = await makeClient({ maxRetryAfterMs: 1000 })
        .checkPortability('+14155551005')
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'TwilioRateLimitError', retryAfterMs: 60_000 });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(log).toHaveLength(1);
    });

    it('retries a 5xx on GET, then succeeds', async () => {
      await fault({ method: 'GET', pathPattern: 'PortIn/KW', fault: 'server-error', status: 503 });
      const client = makeClient();
      const { request, now } = await newRequest([freshNumber()]);
      const created = await client.createPortIn(request, { now });
      log = [];
      const fetched = await client.fetchPortIn(created.portInRequestSid);
      expect(fetched.portInRequestSid).toBe(created.portInRequestSid);
      expect(log.map((e) => e.status)).toEqual([503, 200]);
    });

    it('retries a 5xx on DELETE, then succeeds', async () => {
      const client = makeClient();
      const { request, now } = await newRequest([freshNumber()]);
      const created = await client.createPortIn(request, { now });
      await fault({ method: 'DELETE', fault: 'server-error' });
      log = [];
      await client.cancelPortIn(created.portInRequestSid);
      expect(log.map((e) => e.status)).toEqual([500, 204]);
    });

    it('throws TwilioServerError after the last retry', async () => {
      await fault({ method: 'GET', fault: 'server-error', times: 10 });
      const err = await makeClient({ maxRetries: 2 })
        .checkPortability('+14155551006')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioServerError);
      expect(err).toMatchObject({ name: 'TwilioServerError', status: 500, retryable: true });
      expect(log).toHaveLength(3);
    });

    it('never retries a create after a 5xx', async () => {
      await fault({ method: 'POST', pathPattern: 'PortIn$', fault: 'server-error', times: 5 });
      const { request, now } = await newRequest([freshNumber()]);
      const err = await makeClient()
        .createPortIn(request, { now })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioServerError);
      expect(log).toHaveLength(1);
    });

    it('times out on a lost response (TwilioConnectionError, timedOut) and retries a GET', async () => {
      await fault({ method: 'GET', pathPattern: 'Portability', fault: 'lose-response', delayMs: 2000 });
      const client = makeClient({ timeoutMs: 300 });
      const result = await client.checkPortability('+14155551007');
      expect(result.portable).toBe(true);
      // The lost answer times out and the GET is tried again until answered. On a loaded machine an
      // answered retry can also outlast the 300 ms (seen in CI): any number of timeouts, then the 200.
      const attempts = log.map((e) => [e.status, e.error?.name]);
      expect(attempts[0]).toEqual([null, 'TwilioConnectionError']);
      expect(attempts.at(-1)).toEqual([200, undefined]);
      expect(attempts.slice(1, -1).every(([, name]) => name === 'TwilioConnectionError')).toBe(true);

      await fault({ method: 'GET', fault: 'lose-response', delayMs: 2000 });
      const err = await makeClient({ timeoutMs: 300, maxRetries: 0 })
        .checkPortability('+14155551007')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TwilioConnectionError);
      expect(err).toMatchObject({ name: 'TwilioConnectionError', timedOut: true, retryable: true, status: 0 });
    });

    it('a create whose response is lost times out once, not retried, and the request exists', async () => {
      await fault({ method: 'POST', pathPattern: 'PortIn$', fault: 'lose-response', delayMs: 2000 });
      const client = makeClient({ timeoutMs: 300 });
      const number = freshNumber();
      const { request, now } = await newRequest([number]);
      const err = await client.createPortIn(request, { now }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'TwilioConnectionError', timedOut: true });
      expect(log.filter((e) => e.operation === 'createPortIn')).toHaveLength(1);
      // The write committed: the caller (the activity) must look before creating again.
      const found = [];
      for await (const s of client.listPortIns({ createdAfter: new Date(now.getTime() - 86_400_000) })) {
        const full = await client.fetchPortIn(s.portInRequestSid);
        if (full.phoneNumbers.some((n) => n.phoneNumber === number)) found.push(full);
      }
      expect(found).toHaveLength(1);
    });

    it('a slow answer within the deadline is fine', async () => {
      await fault({ method: 'GET', fault: 'slow', delayMs: 150 });
      const result = await makeClient({ timeoutMs: 2000 }).checkPortability('+14155551008');
      expect(result.portable).toBe(true);
      expect(log[0]!.durationMs).toBeGreaterThanOrEqual(140);
    });
  });
});
