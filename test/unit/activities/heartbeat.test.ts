import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { PortabilityVerdict } from '../../../src/activities';
import { createActivities } from '../../../src/activities';
import { withHeartbeat } from '../../../src/activities/heartbeat';
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { PortingClient } from '../../../src/twilio/client';

describe('withHeartbeat', () => {
  it('heartbeats while the work is still waiting', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 200 });
    let beats = 0;
    // The work ends only after three beats arrived while it waited: no beat, no end.
    const result = await env.run(() =>
      withHeartbeat(
        () =>
          new Promise<string>((resolve) => {
            env.on('heartbeat', () => {
              if (++beats >= 3) resolve('done');
            });
          })
      )
    );
    expect(result).toBe('done');
    const after = beats;
    await new Promise((r) => setTimeout(r, 200));
    expect(beats).toBe(after); // the timer stopped with the work
  });

  it('stops beating when the work fails, and passes the error on', async () => {
    // Silent: the SDK logs every failed activity, and this failure is the point of the test.
    const env = new MockActivityEnvironment(
      { heartbeatTimeoutMs: 200 },
      { logger: new DefaultLogger('ERROR', () => undefined) }
    );
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await expect(env.run(() => withHeartbeat(() => Promise.reject(new Error('Twilio said no'))))).rejects.toThrow(
      'Twilio said no'
    );
    const after = beats;
    await new Promise((r) => setTimeout(r, 200));
    expect(beats).toBe(after);
  });

  it('sends no beat for work that ends before the first interval (the server times a silent activity out from its start)', async () => {
    // Interval: min(2 s, timeout / 4) = 2 s, far longer than work that is already done.
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 60_000 });
    let beats = 0;
    env.on('heartbeat', () => beats++);
    expect(await env.run(() => withHeartbeat(async () => 'done'))).toBe('done');
    expect(beats).toBe(0);
  });

  it('never heartbeats in an activity without a heartbeatTimeout', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: undefined });
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await env.run(() => withHeartbeat(() => new Promise((r) => setTimeout(r, 100))));
    expect(beats).toBe(0);
  });
});

describe('checkPortability resumes from its heartbeat details', () => {
  let sandbox: SandboxHandle;
  let client: PortingClient;
  beforeAll(async () => {
    sandbox = await startSandbox({ clockScale: 0 });
    client = new PortingClient({
      apiBaseUrl: sandbox.url,
      documentsBaseUrl: sandbox.url,
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
      timeoutMs: 5000,
    });
  });
  afterAll(async () => {
    client.close();
    await sandbox.stop();
  });

  it('asks only for the numbers not yet checked, and every beat keeps the earlier verdicts', async () => {
    const checked: PortabilityVerdict = {
      phoneNumber: '+14155552001',
      portable: true,
      pinAndAccountNumberRequired: false,
      code: null,
      reason: null,
      numberType: 'LOCAL',
    };
    // A call for the number already checked would fail the activity.
    sandbox.addFault({ kind: 'http', fault: 'not-found', pathPattern: '14155552001$', durationMs: 60_000 });
    // The other call is slow enough for beats to happen while it is in flight.
    sandbox.addFault({ kind: 'http', fault: 'slow', pathPattern: '14155552002$', delayMs: 300 });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 200, heartbeatDetails: [checked], attempt: 2 });
    const beats: PortabilityVerdict[][] = [];
    env.on('heartbeat', (d: PortabilityVerdict[]) => beats.push(d));
    const activities = createActivities({ client });
    const verdicts = await env.run(activities.checkPortability, {
      phoneNumbers: ['+14155552001', '+14155552002'],
      concurrency: 2,
    });
    expect(verdicts).toEqual([checked, expect.objectContaining({ phoneNumber: '+14155552002', portable: true })]);
    expect(beats.length).toBeGreaterThan(0);
    for (const b of beats) expect(b).toContainEqual(checked);
  });
});
