/**
 * The client's REST API 2010-04-01 IncomingPhoneNumbers and Messaging Service methods: against the
 * sandbox over HTTP, and against a capture server for what goes on the wire.
 */
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { PortingClient, RequestValidationError, TwilioClientError, TwilioNotFoundError } from '../../../src/twilio';
import { incomingPhoneNumberInbound } from '../../../src/twilio/schemas/incoming-phone-number';
import { CaptureServer } from '../../helpers/capture-server';

const DAY = 86_400_000;
const PN = `PN${'a'.repeat(32)}`;
const MG = `MG${'b'.repeat(32)}`;

describe('PortingClient after the port', () => {
  let sandbox: SandboxHandle;
  let client: PortingClient;
  let portInSid: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockScale: 0, clockStart: '2025-09-01T08:00:00Z' });
    client = PortingClient.forSandbox(sandbox, { retryBaseDelayMs: 5, retryMaxDelayMs: 10 });
    const bill = await client.uploadUtilityBill({
      file: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
      friendlyName: 'bill',
    });
    const created = await client.createPortIn(
      {
        targetPortInDate: new Date(sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10),
        losingCarrierInformation: {
          customerType: 'Business',
          customerName: 'Acme',
          accountTelephoneNumber: '+14155553001',
          authorizedRepresentative: 'Jordan Example',
          authorizedRepresentativeEmail: 'jordan@example.com',
          address: { street: '1 Main St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
        },
        phoneNumbers: [{ phoneNumber: '+14155553001' }, { phoneNumber: '+14155553011' }],
        documents: [bill.sid],
      },
      { now: sandbox.clock.now() }
    );
    portInSid = created.portInRequestSid;
    sandbox.clock.advance(3_600_000 + 2 * DAY);
  });
  afterAll(async () => {
    client.close();
    await sandbox.stop();
  });

  it('finds a number only once its port completed, and only by its exact value', async () => {
    expect(await client.findIncomingPhoneNumber('+14155553001')).toBeNull();
    sandbox.completeNumber(portInSid, '+14155553001');
    sandbox.completeNumber(portInSid, '+14155553011');
    // Twilio matches PhoneNumber as a pattern: a prefix lists both numbers, find() wants the exact one.
    const partial = await client.listIncomingPhoneNumbersPage({ phoneNumber: '+141555530' });
    expect(partial.items.map((n) => n.phoneNumber).sort()).toEqual(['+14155553001', '+14155553011']);
    const found = await client.findIncomingPhoneNumber('+14155553001');
    expect(found).toMatchObject({ phoneNumber: '+14155553001', accountSid: sandbox.accountSid, voiceUrl: null });
    expect(found!.sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(await client.fetchIncomingPhoneNumber(found!.sid)).toEqual(found);
  });

  it('updates a number and reads Twilio’s answer back; refuses a bad update before sending it', async () => {
    const found = (await client.findIncomingPhoneNumber('+14155553011'))!;
    const updated = await client.updateIncomingPhoneNumber(found.sid, {
      friendlyName: 'Sales',
      voiceUrl: 'https://voice.example.com/sales',
      voiceMethod: 'GET',
      smsUrl: 'https://sms.example.com/sales',
      statusCallback: 'https://status.example.com/sales',
    });
    expect(updated).toMatchObject({
      friendlyName: 'Sales',
      voiceUrl: 'https://voice.example.com/sales',
      voiceMethod: 'GET',
      smsUrl: 'https://sms.example.com/sales',
      statusCallback: 'https://status.example.com/sales',
    });
    const bad = await client
      .updateIncomingPhoneNumber(found.sid, { voiceUrl: 'voice.example.com', voiceMethod: 'PUT' as never })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RequestValidationError);
    expect((bad as RequestValidationError).problems.map((p) => p.path).sort()).toEqual(['voiceMethod', 'voiceUrl']);
    await expect(client.fetchIncomingPhoneNumber(`PN${'0'.repeat(32)}`)).rejects.toBeInstanceOf(TwilioNotFoundError);
    await expect(client.fetchIncomingPhoneNumber('PU123')).rejects.toBeInstanceOf(RequestValidationError);
  });

  it('adds a number to a Messaging Service; a second add is refused with 21710', async () => {
    const service = sandbox.addMessagingService();
    const found = (await client.findIncomingPhoneNumber('+14155553001'))!;
    const member = await client.addPhoneNumberToMessagingService(service, found.sid);
    expect(member).toMatchObject({ sid: found.sid, serviceSid: service, phoneNumber: '+14155553001' });
    const again = await client.addPhoneNumberToMessagingService(service, found.sid).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(TwilioClientError);
    expect(again).toMatchObject({ status: 400, code: 21710 });
  });

  it('reads the spec’s example, blanks and nulls as unset, and ignores fields it does not know', () => {
    const parsed = incomingPhoneNumberInbound.parse({
      account_sid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      capabilities: { voice: true, sms: false, mms: true, fax: false },
      date_created: 'Thu, 30 Jul 2015 23:19:04 +0000',
      friendly_name: '(808) 925-5327',
      phone_number: '+18089255327',
      sid: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      sms_url: '',
      sms_method: 'POST',
      voice_url: null,
      voice_method: 'POST',
      trunk_sid: null,
      a_field_from_the_future: { nested: true },
    });
    expect(parsed).toMatchObject({
      sid: 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      smsUrl: null,
      voiceUrl: null,
      voiceFallbackUrl: null,
      capabilities: { voice: true, sms: false, mms: true, fax: false },
    });
  });
});

describe('PortingClient after the port, on the wire', () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await new CaptureServer().start();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => server.reset());

  const make = () =>
    new PortingClient({
      apiBaseUrl: 'http://127.0.0.1:1',
      documentsBaseUrl: 'http://127.0.0.1:1',
      restApiBaseUrl: server.url,
      messagingBaseUrl: server.url,
      accountSid: `AC${'c'.repeat(32)}`,
      authToken: 'token',
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 2,
    });

  it('sends updates form-encoded in PascalCase to the REST API host, and retries them (they are idempotent)', async () => {
    const client = make();
    server.respond({ status: 503, body: { code: 20500, message: 'busy' } }, { status: 200, body: { sid: PN } });
    await client.updateIncomingPhoneNumber(PN, { voiceUrl: 'https://v.example.com/x?a=1', voiceMethod: 'POST' });
    expect(server.requests).toHaveLength(2);
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/2010-04-01/Accounts/AC${'c'.repeat(32)}/IncomingPhoneNumbers/${PN}.json`);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req!.body.toString()))).toEqual({
      VoiceUrl: 'https://v.example.com/x?a=1',
      VoiceMethod: 'POST',
    });
    client.close();
  });

  it('does not retry adding to a Messaging Service (a second add is refused, not repeated)', async () => {
    const client = make();
    server.respond({ status: 503, body: { code: 20500, message: 'busy' } });
    await expect(client.addPhoneNumberToMessagingService(MG, PN)).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url).toBe(`/v1/Services/${MG}/PhoneNumbers`);
    expect(server.requests[0]!.body.toString()).toBe(`PhoneNumberSid=${PN}`);
    client.close();
  });
});
