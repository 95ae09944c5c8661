// Conformance against code no one here wrote: the official twilio package, pointed at the sandbox.
import twilio from 'twilio';

import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, dateAfter, DAY, HOUR, startReceiver, uploadBill, startSandbox } from './helpers';
import type { Receiver } from './helpers';

/**
 * twilio-node builds URLs as `domain.baseUrl + /v1 + path`; `client.numbers` is a Domain whose
 * `baseUrl` is a plain property (`https://numbers.twilio.com`). Setting it to the sandbox URL is
 * all it takes. (Do not set `edge`/`region`: they rewrite the hostname.)
 */
function clientFor(sandbox: SandboxHandle) {
  const client = twilio(sandbox.accountSid, sandbox.authToken);
  client.numbers.baseUrl = sandbox.url;
  return client;
}

describe('sandbox conformance with the official twilio package', () => {
  let sandbox: SandboxHandle;
  let client: ReturnType<typeof clientFor>;
  let receiver: Receiver;
  let bill: string;

  beforeAll(async () => {
    receiver = await startReceiver('/twilio/porting?tenant=acme');
    sandbox = await startSandbox({ clockStart: '2025-09-01T08:00:00Z', clockScale: 0 });
    client = clientFor(sandbox);
    bill = await uploadBill(apiFor(sandbox));
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.close();
  });

  const body = (numbers: string[]) =>
    createBody({ numbers, documents: [bill], targetDate: dateAfter(sandbox.clock.now(), 10) });

  it('fetches portability', async () => {
    const p = await client.numbers.v1
      .portingPortabilities('+14155551234')
      .fetch({ targetAccountSid: sandbox.accountSid });
    expect(p.portable).toBe(true);
    expect(p.numberType).toBe('LOCAL');
    expect(p.country).toBe('US');
    expect(p.pinAndAccountNumberRequired).toBe(false);
    const toll = await client.numbers.v1.portingPortabilities('+18005550100').fetch();
    expect(toll.portable).toBe(false);
    expect(toll.notPortableReasonCode).toBe(22133);
    expect(toll.numberType).toBe('TOLL-FREE');
  });

  it('creates, fetches, lists and deletes a port-in (snake_case keys through create)', async () => {
    // twilio-node sends JSON params verbatim (issue #1190), so the body must already be snake_case.
    const created = await client.numbers.v1.portingPortIns.create(body(['+14155551234', '+14155551235']) as any);
    expect(created.portInRequestSid).toMatch(/^KW[0-9a-f]{32}$/);
    expect(created.portInRequestStatus).toBe('In Review');
    expect(created.phoneNumbers).toHaveLength(2);
    const sid = created.portInRequestSid;

    const fetched = await client.numbers.v1.portingPortIns(sid).fetch();
    expect(fetched.portInRequestSid).toBe(sid);
    expect(fetched.accountSid).toBe(sandbox.accountSid);
    expect(fetched.targetPortInDate).toBeInstanceOf(Date);
    expect(fetched.dateCreated).toBeInstanceOf(Date);
    expect(fetched.documents).toEqual([bill]);
    expect(fetched.losingCarrierInformation).toMatchObject({ customerName: 'Acme Corp', customerType: 'Business' });
    expect(fetched.phoneNumbers[0]).toMatchObject({
      phoneNumber: '+14155551234',
      portInPhoneNumberStatus: 'In Review',
      numberType: 'LOCAL',
      portable: true,
    });

    const pu = fetched.phoneNumbers[0]!.portInPhoneNumberSid as string;
    expect(pu).toMatch(/^PU/);
    const number = await client.numbers.v1.portingPortInPhoneNumber(sid, pu).fetch();
    expect(number.phoneNumberSid).toBe(pu);
    expect(number.portInPhoneNumberStatus).toBe('in_review');
    expect(number.phoneNumberType).toBe('LOCAL');
    expect(number.lastUpdated).toBeInstanceOf(Date);

    const listed = await client.numbers.v1.portingAllPortIns.list({ portInRequestSid: sid, size: 20 });
    expect(listed.map((r) => r.portInRequestSid)).toEqual([sid]);
    expect(listed[0]!.phoneNumbersRequested).toBe(2);

    expect(await client.numbers.v1.portingPortInPhoneNumber(sid, pu).remove()).toBe(true);
    expect(await client.numbers.v1.portingPortIns(sid).remove()).toBe(true);
    sandbox.clock.advance(0);
    expect((await client.numbers.v1.portingPortIns(sid).fetch()).portInRequestStatus).toBe('Canceled');
  });

  it('surfaces sandbox errors as RestException with Twilio code and status', async () => {
    await expect(client.numbers.v1.portingPortIns(`KW${'0'.repeat(32)}`).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    // Typed camelCase params go on the wire as camelCase and are refused with a message naming both spellings.
    const err = await client.numbers.v1.portingPortIns
      .create({ phoneNumbers: [{ phoneNumber: '+14155551236' }], documents: [bill] } as any)
      .catch((e: unknown) => e as { status: number; code: number; message: string });
    expect(err).toMatchObject({ status: 400, code: 400 });
    expect((err as { message: string }).message).toContain("'phoneNumbers' (use 'phone_numbers')");
    const wrong = twilio(sandbox.accountSid, 'wrong-token');
    wrong.numbers.baseUrl = sandbox.url;
    await expect(wrong.numbers.v1.portingPortabilities('+14155551234').fetch()).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
  });

  it('configures, fetches and deletes the webhook configuration', async () => {
    const cfg = await client.numbers.v1.portingWebhookConfigurations.create({
      port_in_target_url: receiver.url,
      notifications_of: [],
    });
    expect(cfg.portInTargetUrl).toBe(receiver.url);
    const fetched = await client.numbers.v1.webhook.fetch();
    expect(fetched.portInTargetUrl).toBe(receiver.url);
    expect(fetched.portInTargetDateCreated).toBeInstanceOf(Date);
  });

  it('signs every webhook so that validateRequestWithBody accepts it, and rejects tampering', async () => {
    await client.numbers.v1.portingWebhookConfigurations.create({
      port_in_target_url: receiver.url,
      notifications_of: [],
    });
    receiver.received.length = 0;
    const created = await client.numbers.v1.portingPortIns.create(body(['+14155552222', '+14155550153']) as any);
    sandbox.clock.advance(HOUR + 2 * DAY);
    await sandbox.webhooksIdle();
    const mine = receiver.received.filter((h) => h.json.port_in_request_sid === created.portInRequestSid);
    expect(mine.map((h) => h.json.status)).toContain('PortInPhoneNumberRejected');
    expect(mine.length).toBeGreaterThanOrEqual(9);
    const origin = new URL(receiver.url).origin;
    for (const hook of receiver.received) {
      const url = origin + hook.url;
      const signature = hook.headers['x-twilio-signature'] as string;
      expect(url).toContain('tenant=acme&bodySHA256=');
      expect(twilio.validateRequestWithBody(sandbox.authToken, signature, url, hook.body)).toBe(true);
      // A changed body no longer matches bodySHA256; a changed URL no longer matches the signature.
      const tampered = hook.body.replace(/"status":"[A-Za-z]+"/, '"status":"PortInCompleted"');
      expect(tampered).not.toBe(hook.body);
      expect(twilio.validateRequestWithBody(sandbox.authToken, signature, url, tampered)).toBe(false);
      expect(twilio.validateRequestWithBody(sandbox.authToken, signature, url.replace('acme', 'evil'), hook.body)).toBe(
        false
      );
      expect(twilio.validateRequestWithBody('another-token', signature, url, hook.body)).toBe(false);
    }
    await client.numbers.v1.portingWebhookConfigurationsDelete('PORT_IN').remove();
    await expect(client.numbers.v1.webhook.fetch()).rejects.toMatchObject({ status: 404 });
  });
});
