// The sandbox's REST API 2010-04-01 IncomingPhoneNumbers and Messaging Service membership, driven
// by code no one here wrote: the official twilio package.
import twilio from 'twilio';

import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, dateAfter, uploadBill } from './helpers';

/** twilio-node's `api` and `messaging` are Domains with a plain `baseUrl`: point both at the sandbox. */
function clientFor(sandbox: SandboxHandle) {
  const client = twilio(sandbox.accountSid, sandbox.authToken);
  client.api.baseUrl = sandbox.url;
  client.messaging.baseUrl = sandbox.url;
  return client;
}

describe('sandbox IncomingPhoneNumbers with the official twilio package', () => {
  let sandbox: SandboxHandle;
  let client: ReturnType<typeof clientFor>;
  const ported = ['+14155552001', '+14155552002'];

  beforeAll(async () => {
    sandbox = await startSandbox({ clockStart: '2025-09-01T08:00:00Z', clockScale: 0 });
    client = clientFor(sandbox);
    const api = apiFor(sandbox);
    const bill = await uploadBill(api);
    const created = await api(
      'POST',
      '/v1/Porting/PortIn',
      createBody({
        numbers: [...ported, '+14155552003'],
        documents: [bill],
        targetDate: dateAfter(sandbox.clock.now(), 10),
      })
    );
    expect(created.status).toBe(202);
    const sid = created.body.port_in_request_sid as string;
    // Review, the LOA's auto-signature and the carrier's answer: the numbers are pending their port date.
    sandbox.clock.advance(3_600_000 + 2 * 86_400_000);
    for (const n of ported) sandbox.completeNumber(sid, n);
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('lists a completed number by PhoneNumber, in Twilio’s paging envelope, and not an unported one', async () => {
    const page = await client.incomingPhoneNumbers.page({ phoneNumber: ported[0], pageSize: 20 });
    expect(page.instances).toHaveLength(1);
    const n = page.instances[0]!;
    expect(n.sid).toMatch(/^PN[0-9a-f]{32}$/);
    expect(n).toMatchObject({
      accountSid: sandbox.accountSid,
      phoneNumber: ported[0],
      friendlyName: '(415) 555-2001',
      voiceMethod: 'POST',
      smsMethod: 'POST',
      apiVersion: '2010-04-01',
      status: 'in-use',
      uri: `/2010-04-01/Accounts/${sandbox.accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
    });
    expect(n.dateCreated).toBeInstanceOf(Date);
    expect(await client.incomingPhoneNumbers.list({ phoneNumber: '+14155552003' })).toEqual([]);
    const all = await client.incomingPhoneNumbers.list({ pageSize: 1 });
    expect(all.map((x) => x.phoneNumber).sort()).toEqual(ported);
  });

  it('fetches one, and updates it with form-encoded parameters', async () => {
    const [n] = await client.incomingPhoneNumbers.list({ phoneNumber: ported[1] });
    const updated = await client.incomingPhoneNumbers(n!.sid).update({
      friendlyName: 'Front desk',
      voiceUrl: 'https://voice.example.com/in',
      voiceMethod: 'GET',
      smsUrl: 'https://sms.example.com/in',
      statusCallback: 'https://status.example.com/cb',
    });
    expect(updated).toMatchObject({
      friendlyName: 'Front desk',
      voiceUrl: 'https://voice.example.com/in',
      voiceMethod: 'GET',
      smsUrl: 'https://sms.example.com/in',
      statusCallback: 'https://status.example.com/cb',
    });
    const fetched = await client.incomingPhoneNumbers(n!.sid).fetch();
    expect(fetched).toMatchObject({ friendlyName: 'Front desk', voiceUrl: 'https://voice.example.com/in' });
  });

  it('answers Twilio’s errors: 404 20404 for an unknown sid, 400 21402 for an invalid URL, a registered refusal', async () => {
    await expect(client.incomingPhoneNumbers(`PN${'0'.repeat(32)}`).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    const [n] = await client.incomingPhoneNumbers.list({ phoneNumber: ported[0] });
    await expect(client.incomingPhoneNumbers(n!.sid).update({ voiceUrl: 'ftp://nope' })).rejects.toMatchObject({
      status: 400,
      code: 21402,
      message: expect.stringContaining('VoiceUrl'),
    });
    sandbox.refuseConfiguration(ported[0]!, { code: 21402, message: 'VoiceUrl is not allowed for this number' });
    await expect(
      client.incomingPhoneNumbers(n!.sid).update({ voiceUrl: 'https://voice.example.com/in' })
    ).rejects.toMatchObject({ status: 400, code: 21402, message: 'VoiceUrl is not allowed for this number' });
    sandbox.refuseConfiguration(ported[0]!, null);
    const ok = await client.incomingPhoneNumbers(n!.sid).update({ voiceUrl: 'https://voice.example.com/in' });
    expect(ok.voiceUrl).toBe('https://voice.example.com/in');
  });

  it('adds a number to a Messaging Service once, and answers 404 for an unknown service', async () => {
    const service = sandbox.addMessagingService();
    const [n] = await client.incomingPhoneNumbers.list({ phoneNumber: ported[0] });
    const member = await client.messaging.v1.services(service).phoneNumbers.create({ phoneNumberSid: n!.sid });
    expect(member).toMatchObject({ sid: n!.sid, serviceSid: service, phoneNumber: ported[0] });
    expect(sandbox.messagingServiceNumbers(service)).toEqual([n!.sid]);
    await expect(
      client.messaging.v1.services(service).phoneNumbers.create({ phoneNumberSid: n!.sid })
    ).rejects.toMatchObject({ status: 400, code: 21710 });
    await expect(
      client.messaging.v1.services(`MG${'0'.repeat(32)}`).phoneNumbers.create({ phoneNumberSid: n!.sid })
    ).rejects.toMatchObject({ status: 404, code: 20404 });
    const listed = await client.messaging.v1.services(service).phoneNumbers.list();
    expect(listed.map((x) => x.sid)).toEqual([n!.sid]);
  });
});
