import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const DAY = 24 * 3600 * 1000;

describe('post-port activation on the dev server and the sandbox', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('configures each ported number as the order asks, and a refused one ends as configuration failed', async () => {
    const service = env.sandbox.addMessagingService('Acme notifications');
    const refused = '+14155551103';
    const twilioMessage = 'VoiceUrl is not valid: voice.example.com is not allowed for this phone number';
    env.sandbox.refuseConfiguration(refused, { status: 400, code: 21402, message: twilioMessage });
    const onPorted = {
      friendlyName: 'Acme main line',
      voiceUrl: 'https://voice.example.com/incoming',
      voiceMethod: 'POST' as const,
      voiceFallbackUrl: 'https://fallback.example.com/voice',
      voiceFallbackMethod: 'GET' as const,
      statusCallback: 'https://status.example.com/calls',
      messagingServiceSid: service,
    };
    const order = buildOrder(env.sandbox, ['+14155551101', '+14155551102', refused], { onPorted });
    const worker = await env.newWorker();
    const result = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const done = await waitForPortIn(env.client, order.orderId);
      return { ...done, view: await getPortInStatus(env.client, order.orderId) };
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'post-port-activation');

    // The refused configuration did not hold the rest of the order back.
    expect(result.outcome).toBe('completed');
    const byNumber = Object.fromEntries(result.numbers.map((n) => [n.phoneNumber, n]));
    for (const n of ['+14155551101', '+14155551102']) {
      expect(byNumber[n]).toMatchObject({ status: 'completed', activation: { status: 'live', reason: null } });
    }
    expect(byNumber[refused]).toMatchObject({
      status: 'completed',
      activation: { status: 'configuration_failed', reason: twilioMessage },
    });

    // Read back through the sandbox's IncomingPhoneNumbers: what Twilio now has is what the order asked for.
    const members = env.sandbox.messagingServiceNumbers(service);
    for (const n of ['+14155551101', '+14155551102']) {
      const number = await env.porting.findIncomingPhoneNumber(n);
      expect(number).toMatchObject({
        phoneNumber: n,
        friendlyName: 'Acme main line',
        voiceUrl: 'https://voice.example.com/incoming',
        voiceMethod: 'POST',
        voiceFallbackUrl: 'https://fallback.example.com/voice',
        voiceFallbackMethod: 'GET',
        statusCallback: 'https://status.example.com/calls',
      });
      expect(byNumber[n]!.activation!.phoneNumberSid).toBe(number!.sid);
      expect(members).toContain(number!.sid);
    }
    const untouched = await env.porting.findIncomingPhoneNumber(refused);
    expect(untouched).toMatchObject({ friendlyName: '(415) 555-1103', voiceUrl: null });
    expect(members).not.toContain(untouched!.sid);

    const { view } = result;
    expect(view.status).toBe('Completed');
    expect(view.activation).toEqual({ activating: 0, live: 2, configurationFailed: 1 });
    const failedView = view.numbers.find((n) => n.phoneNumber === refused)!;
    expect(failedView.statusLabel).toBe(`Ported, configuration failed: ${twilioMessage}`);
    expect(failedView.activation).toMatchObject({ status: 'configuration_failed', code: 21402 });
    expect(view.numbers.find((n) => n.phoneNumber === '+14155551101')).toMatchObject({
      statusLabel: 'Ported, live',
      activation: {
        status: 'live',
        messagingServiceSid: service,
        configured: expect.arrayContaining(['friendlyName', 'voiceUrl', 'statusCallback']),
      },
    });
    const entries = view.timeline.filter((t) => t.kind.startsWith('number-live') || t.kind.startsWith('number-config'));
    expect(entries.map((t) => [t.kind, t.phoneNumber]).sort()).toEqual([
      ['number-configuration-failed', refused],
      ['number-live', '+14155551101'],
      ['number-live', '+14155551102'],
    ]);
    expect(entries.find((t) => t.kind === 'number-configuration-failed')!.message).toContain(twilioMessage);
    // The order ends only after its numbers are live (or have failed their configuration).
    const kinds = view.timeline.map((t) => t.kind);
    expect(kinds.lastIndexOf('phase')).toBeGreaterThan(kinds.lastIndexOf('number-live'));
  });

  it('waits, with backoff, for a number that reaches the account after Completed', async () => {
    // The number is listed a (simulated) day after it completes: every check fails until the clock moves.
    env.sandbox.settings({ timeline: { provisionMs: DAY } });
    const order = buildOrder(env.sandbox, ['+14155551104']);
    const worker = await env.newWorker();
    const result = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const handle = portInHandle(env.client, order.orderId);
      await eventually(
        async () => {
          const pending = (await handle.describe()).raw.pendingActivities ?? [];
          const activation = pending.find((a) => a.activityType?.name === 'activatePortedNumber');
          return activation && (activation.attempt ?? 0) >= 2 ? true : undefined;
        },
        { what: 'a second check of the account' }
      );
      const during = await getPortInStatus(env.client, order.orderId);
      env.sandbox.clock.advance(DAY);
      const done = await waitForPortIn(env.client, order.orderId);
      return { ...done, during, view: await getPortInStatus(env.client, order.orderId) };
    });

    expect(result.during.numbers[0]).toMatchObject({ status: 'completed', statusLabel: 'Ported, activating' });
    expect(result.during.activation).toEqual({ activating: 1, live: 0, configurationFailed: 0 });
    expect(result.outcome).toBe('completed');
    expect(result.numbers[0]!.activation).toMatchObject({ status: 'live' });
    const { view } = result;
    expect(view.numbers[0]!.activation!.checks).toBeGreaterThanOrEqual(2);
    expect(view.numbers[0]!.activation!.configured).toEqual([]);
  });
});
