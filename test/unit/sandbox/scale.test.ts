import { sandboxNumber } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, dateAfter, DAY, HOUR, startReceiver, uploadBill, startSandbox } from './helpers';
import type { Api, Receiver } from './helpers';

describe('sandbox with a 1,000-number request', () => {
  let sandbox: SandboxHandle;
  let api: Api;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startSandbox({ clockStart: '2025-10-01T12:00:00Z', clockScale: 0, webhookConcurrency: 16 });
    api = apiFor(sandbox);
    await api('POST', '/v1/Porting/Configuration/Webhook', { port_in_target_url: receiver.url });
  });
  afterAll(async () => {
    await sandbox.stop();
    await receiver.close();
  });

  it('takes it through its whole lifecycle with every webhook delivered once per event', async () => {
    const rejected = Array.from({ length: 10 }, (_, i) => sandboxNumber(`015${i}`, '212'));
    const plain = Array.from({ length: 990 }, (_, i) => `+1646555${1000 + i}`);
    const bill = await uploadBill(api);
    const body = createBody({
      numbers: [...plain, ...rejected],
      documents: [bill],
      targetDate: dateAfter(sandbox.clock.now(), 10),
    });

    const created = await api('POST', '/v1/Porting/PortIn', body);
    expect(created.status).toBe(202);
    const sid = created.body.port_in_request_sid as string;
    expect(created.body.phone_numbers).toHaveLength(1000);

    // By event, not by request: on a slow machine the sandbox retries a delivery the receiver was
    // slow to answer, and every retry carries the same idempotency token.
    const events = () =>
      new Map(receiver.received.map((w) => [w.headers['i-twilio-idempotency-token'], w.json?.status as string]));
    const count = (name: string) => [...events().values()].filter((e) => e === name).length;
    const step = async (ms: number) => {
      sandbox.clock.advance(ms);
      await sandbox.webhooksIdle();
    };

    await step(HOUR);
    expect(count('PortInPhoneNumberWaitingForSignature')).toBe(1000);
    await step(DAY);
    expect(count('PortInPhoneNumberSubmitted')).toBe(1000);
    await step(DAY);
    expect(count('PortInPhoneNumberPending')).toBe(990);
    expect(count('PortInPhoneNumberRejected')).toBe(10);
    expect(count('PortInActionRequired')).toBe(1);

    const pi = (await api('GET', `/v1/Porting/PortIn/${sid}`)).body;
    expect(pi.port_in_request_status).toBe('Action Required');
    const rejectedSids = pi.phone_numbers
      .filter((n: any) => n.port_in_phone_number_status === 'Port Rejected')
      .map((n: any) => n.port_in_phone_number_sid as string);
    expect(rejectedSids).toHaveLength(10);
    for (const pu of rejectedSids) {
      expect((await api('DELETE', `/v1/Porting/PortIn/${sid}/PhoneNumber/${pu}`)).status).toBe(204);
    }
    await step(0);
    expect(count('PortInPhoneNumberCanceled')).toBe(10);
    expect(count('PortInInProgress')).toBe(2);

    await step(10 * DAY);
    expect(count('PortInPhoneNumberCompleted')).toBe(990);
    expect(count('PortInCompleted')).toBe(1);
    const done = (await api('GET', `/v1/Porting/PortIn/${sid}`)).body;
    expect(done.port_in_request_status).toBe('Completed');
    const summary = (await api('GET', `/v1/Porting/PortIn/PortInRequests?PortInRequestSid=${sid}`)).body
      .port_in_requests[0];
    expect(summary).toMatchObject({ phone_numbers_requested: 1000, phone_numbers_ported: 990 });

    expect(events().size).toBe(1 + 1000 + 1 + 1000 + 990 + 10 + 1 + 10 + 1 + 990 + 1);
    expect(sandbox.webhooks({ status: 'delivered' })).toHaveLength(events().size);
    expect(receiver.received.every((w) => typeof w.headers['i-twilio-idempotency-token'] === 'string')).toBe(true);
  });
});
