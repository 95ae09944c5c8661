import { createHash, createHmac } from 'node:crypto';

import { sandboxNumber } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, DAY, HOUR, startReceiver, uploadBill, startSandbox } from './helpers';
import type { Api, Receiver, ReceivedWebhook } from './helpers';

const START = new Date('2025-03-03T12:00:00Z');

describe('sandbox port-in lifecycle on the simulated clock', () => {
  let sandbox: SandboxHandle;
  let api: Api;
  let receiver: Receiver;
  let bill: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startSandbox({
      clockStart: START,
      clockScale: 0,
      webhookRetry: { attempts: 3, baseDelayMs: 10, timeoutMs: 2_000 },
    });
    api = apiFor(sandbox);
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.close();
  });

  // The clock only moves forward: each test starts from a fresh state at the next noon (UTC), t0.
  // Its target date is t0 + 10 days with a window opening at 10:00 -05:00, so the FOC port date is 15:00Z that day.
  let t0 = START.getTime();
  beforeEach(async () => {
    sandbox.reset();
    receiver.received.length = 0;
    const now = sandbox.clock.now().getTime();
    const next = Math.ceil((now + 1) / DAY) * DAY + 12 * HOUR;
    sandbox.clock.advance(next - now);
    t0 = next;
    bill = await uploadBill(api);
    const cfg = await api('POST', '/v1/Porting/Configuration/Webhook', {
      port_in_target_url: receiver.url,
      notifications_of: [],
    });
    expect(cfg.status).toBe(201);
  });

  const targetDate = () => new Date(t0 + 10 * DAY).toISOString().slice(0, 10);
  const portAt = () => Date.parse(`${targetDate()}T15:00:00Z`);
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

  async function create(numbers: string[]): Promise<any> {
    const res = await api(
      'POST',
      '/v1/Porting/PortIn',
      createBody({ numbers, documents: [bill], targetDate: targetDate() })
    );
    expect(res.status).toBe(202);
    return res.body;
  }
  const fetchPortIn = async (sid: string) => (await api('GET', `/v1/Porting/PortIn/${sid}`)).body;
  /** Moves the clock to `t0 + ms` and waits for the webhooks that raised. */
  async function at(ms: number): Promise<ReceivedWebhook[]> {
    const before = receiver.received.length;
    sandbox.clock.advance(t0 + ms - sandbox.clock.now().getTime());
    await sandbox.webhooksIdle();
    return receiver.received.slice(before);
  }
  const names = (hooks: ReceivedWebhook[]) => hooks.map((h) => h.json.status as string);

  it('walks the happy path to Completed with a confirmed port date, signed webhooks at every step', async () => {
    const pi = await create(['+14155551234', sandboxNumber('0555')]);
    const sid = pi.port_in_request_sid;
    const [pu1, pu2] = pi.phone_numbers.map((n: any) => n.port_in_phone_number_sid);
    expect(pi.port_in_request_status).toBe('In Review');

    const review = await at(HOUR);
    expect(names(review)).toEqual([
      'PortInWaitingForSignature',
      'PortInPhoneNumberWaitingForSignature',
      'PortInPhoneNumberWaitingForSignature',
    ]);
    let now = await fetchPortIn(sid);
    expect(now.port_in_request_status).toBe('Waiting for Signature');
    expect(now.signature_request_url).toBe(`${sandbox.url}/_sandbox/port-ins/${sid}/loa`);
    expect(now.phone_numbers.map((n: any) => n.port_in_phone_number_status)).toEqual([
      'Waiting for Signature',
      'Waiting for Signature',
    ]);

    const signed = await at(HOUR + DAY);
    expect(names(signed)).toEqual(['PortInInProgress', 'PortInPhoneNumberSubmitted', 'PortInPhoneNumberSubmitted']);
    now = await fetchPortIn(sid);
    expect(now.port_in_request_status).toBe('In Progress');
    expect(now.phone_numbers[0].port_in_phone_number_status).toBe('Port Submitted');

    const foc = await at(HOUR + 2 * DAY);
    expect(names(foc)).toEqual(['PortInPhoneNumberPending', 'PortInPhoneNumberPending']);
    expect(foc[0]!.json.port_date).toBe(iso(portAt()));
    now = await fetchPortIn(sid);
    expect(now.phone_numbers.map((n: any) => [n.port_in_phone_number_status, n.port_date])).toEqual([
      ['Port Pending', iso(portAt())],
      ['Port Pending', iso(portAt())],
    ]);

    expect(names(await at(portAt() - t0 - 1000))).toEqual([]);
    const done = await at(portAt() - t0);
    expect(names(done)).toEqual(['PortInPhoneNumberCompleted', 'PortInPhoneNumberCompleted', 'PortInCompleted']);
    now = await fetchPortIn(sid);
    expect(now.port_in_request_status).toBe('Completed');
    expect(now.phone_numbers.map((n: any) => n.port_in_phone_number_status)).toEqual(['Completed', 'Completed']);
    const number = (await api('GET', `/v1/Porting/PortIn/${sid}/PhoneNumber/${pu2}`)).body;
    expect(number).toMatchObject({
      port_in_phone_number_status: 'completed',
      port_date: iso(portAt()),
      phone_number_type: 'MOBILE',
    });

    // Payloads carry the documented fields; every delivery is signed and has its own idempotency token.
    const all = receiver.received;
    expect(all).toHaveLength(11);
    expect(all.find((h) => h.json.status === 'PortInCompleted')!.json).toEqual({
      port_in_request_sid: sid,
      status: 'PortInCompleted',
      last_date_updated: iso(portAt()),
      order_cancellation_reason: null,
    });
    expect(done[0]!.json).toEqual({
      port_in_request_sid: sid,
      port_in_phone_number_sid: pu1,
      phone_number: '+14155551234',
      status: 'PortInPhoneNumberCompleted',
      last_date_updated: iso(portAt()),
      portable: true,
      not_portable_reason: null,
      not_portable_reason_code: null,
      rejection_reason: null,
      rejection_reason_code: null,
      port_date: iso(portAt()),
    });
    const origin = new URL(receiver.url).origin;
    for (const h of all) {
      const fullUrl = origin + h.url;
      const hash = new URL(fullUrl).searchParams.get('bodySHA256');
      expect(hash).toBe(createHash('sha256').update(h.body).digest('hex'));
      const expected = createHmac('sha1', sandbox.authToken).update(fullUrl).digest('base64');
      expect(h.headers['x-twilio-signature']).toBe(expected);
      expect(h.headers['content-type']).toBe('application/json');
      expect(h.url.startsWith('/hooks/twilio?bodySHA256=')).toBe(true);
    }
    expect(new Set(all.map((h) => h.headers['i-twilio-idempotency-token'])).size).toBe(11);

    // The number now belongs to the account.
    const portability = await api('GET', `/v1/Porting/Portability/PhoneNumber/${encodeURIComponent('+14155551234')}`);
    expect(portability.body).toMatchObject({
      portable: false,
      not_portable_reason_code: 22131,
      account_sid: sandbox.accountSid,
    });
    const summary = (await api('GET', `/v1/Porting/PortIn/PortInRequests?PortInRequestSid=${sid}`)).body
      .port_in_requests[0];
    expect(summary).toMatchObject({
      phone_numbers_ported: 2,
      phone_numbers_requested: 2,
      port_in_request_status: 'Completed',
    });
  });

  it('rejects 015x on first submission (Action Required), recovers when the number is canceled, accepts a resubmission', async () => {
    const rejected = sandboxNumber('0153');
    const pi = await create(['+14155551234', rejected]);
    const sid = pi.port_in_request_sid;
    const rejectedSid = pi.phone_numbers[1].port_in_phone_number_sid;
    await at(HOUR + DAY);
    const answer = await at(HOUR + 2 * DAY);
    expect(names(answer)).toEqual(['PortInPhoneNumberPending', 'PortInPhoneNumberRejected', 'PortInActionRequired']);
    const hook = answer[1]!.json;
    expect(hook).toMatchObject({
      phone_number: rejected,
      rejection_reason_code: 22153,
      rejection_reason: 'Invalid end-user (authorized representative) name',
      port_date: null,
    });

    const now = await fetchPortIn(sid);
    expect(now.port_in_request_status).toBe('Action Required');
    expect(now.phone_numbers[1]).toMatchObject({
      port_in_phone_number_status: 'Port Rejected',
      rejection_reason_code: '22153',
      rejection_reason: 'Invalid end-user (authorized representative) name',
    });
    const resource = (await api('GET', `/v1/Porting/PortIn/${sid}/PhoneNumber/${rejectedSid}`)).body;
    expect(resource).toMatchObject({ port_in_phone_number_status: 'port_rejected', rejection_reason_code: 22153 });
    const list = (await api('GET', `/v1/Porting/PortIn/PortInRequests?PortInRequestSid=${sid}`)).body
      .port_in_requests[0];
    expect(list.suggested_action).toContain('rejected');

    // The operator cancels the rejected number (allowed whatever the date): the request goes on.
    expect((await api('DELETE', `/v1/Porting/PortIn/${sid}/PhoneNumber/${rejectedSid}`)).status).toBe(204);
    const recovered = await at(HOUR + 2 * DAY);
    expect(names(recovered)).toEqual(['PortInPhoneNumberCanceled', 'PortInInProgress']);
    expect((await fetchPortIn(sid)).port_in_request_status).toBe('In Progress');

    // Resubmitted with corrected data in a new request: the carrier accepts it this time.
    const second = await create([rejected]);
    await at(portAt() - t0);
    expect(names(receiver.received).filter((e) => e === 'PortInCompleted')).toHaveLength(2);
    const first = await fetchPortIn(sid);
    expect(first.port_in_request_status).toBe('Completed');
    expect(first.phone_numbers.map((n: any) => n.port_in_phone_number_status)).toEqual(['Completed', 'Canceled']);
    const secondNow = await fetchPortIn(second.port_in_request_sid);
    expect(secondNow.port_in_request_status).toBe('Completed');
    expect(secondNow.phone_numbers[0]).toMatchObject({
      port_in_phone_number_status: 'Completed',
      rejection_reason: null,
    });
  });

  describe('the 72-hour cancellation cutoff', () => {
    async function pending(): Promise<any> {
      const pi = await create(['+14155551234', '+14155551235']);
      await at(HOUR + 2 * DAY);
      const now = await fetchPortIn(pi.port_in_request_sid);
      expect(now.phone_numbers[0].port_in_phone_number_status).toBe('Port Pending');
      return now;
    }

    it('accepts a cancellation more than 72 hours before the port date (Canceling, then Canceled)', async () => {
      const pi = await pending();
      sandbox.settings({ timeline: { cancelMs: HOUR } });
      await at(portAt() - t0 - 73 * HOUR);
      expect((await api('DELETE', `/v1/Porting/PortIn/${pi.port_in_request_sid}`)).status).toBe(204);
      const canceling = await fetchPortIn(pi.port_in_request_sid);
      expect(canceling.port_in_request_status).toBe('Canceling');
      expect(canceling.phone_numbers[0].port_in_phone_number_status).toBe('Canceling');
      const hooks = await at(portAt() - t0 - 72 * HOUR);
      expect(names(hooks)).toEqual(['PortInPhoneNumberCanceled', 'PortInPhoneNumberCanceled', 'PortInCanceled']);
      expect(hooks[2]!.json.order_cancellation_reason).toContain('Canceled by the customer');
      const now = await fetchPortIn(pi.port_in_request_sid);
      expect(now.port_in_request_status).toBe('Canceled');
      expect(now.phone_numbers.map((n: any) => n.port_in_phone_number_status)).toEqual(['Canceled', 'Canceled']);
    });

    it('refuses to cancel the request or a number less than 72 hours before the port date', async () => {
      const pi = await pending();
      await at(portAt() - t0 - 71 * HOUR);
      const res = await api('DELETE', `/v1/Porting/PortIn/${pi.port_in_request_sid}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(400);
      expect(res.body.message).toContain('less than 72 hours');
      expect(res.body.message).toContain(iso(portAt()));
      const pu = pi.phone_numbers[0].port_in_phone_number_sid;
      const one = await api('DELETE', `/v1/Porting/PortIn/${pi.port_in_request_sid}/PhoneNumber/${pu}`);
      expect(one.status).toBe(400);
      expect(one.body.message).toContain('72 hours');
      expect((await fetchPortIn(pi.port_in_request_sid)).port_in_request_status).toBe('In Progress');
    });

    it('refuses to cancel a request that has completed', async () => {
      const pi = await pending();
      await at(portAt() - t0);
      const res = await api('DELETE', `/v1/Porting/PortIn/${pi.port_in_request_sid}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain('Completed');
      const pu = pi.phone_numbers[0].port_in_phone_number_sid;
      expect(
        (await api('DELETE', `/v1/Porting/PortIn/${pi.port_in_request_sid}/PhoneNumber/${pu}`)).body.message
      ).toContain('already been ported');
    });
  });

  it('expires a request whose LOA is not signed in 30 days (04xx) and cancels its numbers', async () => {
    const pi = await create([sandboxNumber('0401'), '+14155551234']);
    await at(HOUR);
    expect(names(await at(HOUR + 30 * DAY - 1000))).toEqual([]);
    expect((await fetchPortIn(pi.port_in_request_sid)).port_in_request_status).toBe('Waiting for Signature');
    const hooks = await at(HOUR + 30 * DAY);
    expect(names(hooks)).toEqual(['PortInExpired', 'PortInPhoneNumberCanceled', 'PortInPhoneNumberCanceled']);
    const now = await fetchPortIn(pi.port_in_request_sid);
    expect(now.port_in_request_status).toBe('Expired');
    expect(now.order_cancellation_reason).toContain('not signed within 30 days');
    expect(now.phone_numbers.map((n: any) => n.port_in_phone_number_status)).toEqual(['Canceled', 'Canceled']);
    expect(
      (await api('GET', '/v1/Porting/PortIn/PortInRequests?PortInRequestStatus=Expired')).body.port_in_requests
    ).toHaveLength(1);
  });

  it('answers slowly for 03xx: FOC 10 days after submission, port date moved past the target', async () => {
    const pi = await create([sandboxNumber('0305')]);
    await at(HOUR + 2 * DAY);
    expect((await fetchPortIn(pi.port_in_request_sid)).phone_numbers[0].port_in_phone_number_status).toBe(
      'Port Submitted'
    );
    const foc = await at(HOUR + DAY + 10 * DAY);
    expect(names(foc)).toEqual(['PortInPhoneNumberPending']);
    expect(foc[0]!.json.port_date).toBe(iso(t0 + HOUR + 11 * DAY + DAY));
  });

  it('cancels not-portable numbers at review, and the whole request when none is portable', async () => {
    const mixed = await create(['+14155551234', sandboxNumber('0132')]);
    const hooks = await at(HOUR);
    const canceled = hooks.find((h) => h.json.status === 'PortInPhoneNumberCanceled')!.json;
    expect(canceled).toMatchObject({
      portable: false,
      not_portable_reason_code: 22132,
      not_portable_reason: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER',
    });
    const now = await fetchPortIn(mixed.port_in_request_sid);
    expect(now.port_in_request_status).toBe('Waiting for Signature');
    expect(now.phone_numbers[1]).toMatchObject({
      port_in_phone_number_status: 'Canceled',
      portable: false,
      not_portability_reason_code: 22132,
    });

    const none = await create([sandboxNumber('0130')]);
    const more = await at(2 * HOUR);
    expect(names(more)).toEqual(['PortInPhoneNumberCanceled', 'PortInCanceled']);
    expect((await fetchPortIn(none.port_in_request_sid)).order_cancellation_reason).toContain('portable');
  });

  it('sends only the events named in notifications_of', async () => {
    await api('POST', '/v1/Porting/Configuration/Webhook', {
      notifications_of: ['PortInInProgress', 'PortInCompleted'],
    });
    await create(['+14155551234']);
    await at(portAt() - t0);
    expect(names(receiver.received)).toEqual(['PortInInProgress', 'PortInCompleted']);
  });

  it('sends nothing once the PORT_IN target is deleted', async () => {
    await api('DELETE', '/v1/Porting/Configuration/Webhook/PORT_IN');
    await create(['+14155551234']);
    await at(portAt() - t0);
    expect(receiver.received).toHaveLength(0);
  });

  it('speaks canonical snake_case everywhere with quirks off', async () => {
    sandbox.settings({ quirks: false });
    try {
      const pi = await create(['+14155551234', sandboxNumber('0150')]);
      expect(pi.port_in_request_status).toBe('in_review');
      expect(pi.phone_numbers[0]).toMatchObject({
        port_in_phone_number_status: 'in_review',
        phone_number_type: 'LOCAL',
      });
      expect(pi.phone_numbers[0].phone_number_sid).toMatch(/^PU/);
      expect(pi.phone_numbers[0]).not.toHaveProperty('port_in_phone_number_sid');
      expect(pi.phone_numbers[0]).toHaveProperty('last_updated');
      await at(HOUR + 2 * DAY);
      const now = await fetchPortIn(pi.port_in_request_sid);
      expect(now.port_in_request_status).toBe('action_required');
      expect(now.phone_numbers[1]).toMatchObject({
        port_in_phone_number_status: 'port_rejected',
        rejection_reason_code: 22150,
      });
      const list = (await api('GET', '/v1/Porting/PortIn/PortInRequests')).body.port_in_requests[0];
      expect(list.port_in_request_status).toBe('action_required');
    } finally {
      sandbox.settings({ quirks: true });
    }
  });
});
