import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

/**
 * Fast recovery (issue 11 item 7): a worker SIGKILLed while createPortInRequest waits on Twilio.
 * The history shows why the next attempt started: a heartbeat timeout (seconds after the kill),
 * not the 2-minute start-to-close timeout.
 */
describe('recovery: the worker is killed while createPortInRequest is in flight', () => {
  let env: PortflowTestEnv;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? exited(c) : null)));
    await env?.close();
  });

  function startWorkerProcess(): Promise<ChildProcess> {
    // `node --import tsx` (not the tsx CLI, which forks): the pid we SIGKILL is the worker itself.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '../../fixtures/worker-process.ts')],
      {
        env: {
          ...process.env,
          TASK_QUEUE: env.taskQueue,
          SANDBOX_URL: env.sandbox.url,
          SANDBOX_ACCOUNT_SID: env.sandbox.accountSid,
          SANDBOX_AUTH_TOKEN: env.sandbox.authToken,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      }
    );
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker-process: ready')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
    });
  }

  it('retries it after a heartbeat timeout and creates exactly one request', async () => {
    // Holds the create call (under the fixture's 5 s client timeout) so that the kill lands inside it.
    const faultId = env.sandbox.addFault({
      kind: 'http',
      method: 'POST',
      pathPattern: '^/v1/Porting/PortIn$',
      fault: 'slow',
      delayMs: 3000,
    });
    const order = buildOrder(env.sandbox, ['+14155551081', '+14155551082']);
    const first = await startWorkerProcess();
    await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
    const handle = portInHandle(env.client, order.orderId);
    // In flight: the create call reached the sandbox (its fault was taken) and the attempt is started.
    await eventually(
      async () => {
        const faults = (await (await fetch(`${env.sandbox.url}/_sandbox/faults`)).json()) as {
          faults: { id: string }[];
        };
        if (faults.faults.some((f) => f.id === faultId)) return undefined;
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        return pending.find(
          (p) =>
            p.activityType?.name === 'createPortInRequest' &&
            p.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        );
      },
      { what: 'createPortInRequest in flight', intervalMs: 50 }
    );
    first.kill('SIGKILL');
    await exited(first);
    await startWorkerProcess();

    const result = await waitForPortIn(env.client, order.orderId);
    await recordHistory(handle, 'worker-killed-during-create');
    expect(result.outcome).toBe('completed');
    expect(env.sandbox.portIns()).toHaveLength(1);

    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createPortInRequest'
    );
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.activityTaskScheduledEventAttributes!.heartbeatTimeout).toBeTruthy();
    const started = events.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(scheduled[0]!.eventId)
    )!.activityTaskStartedEventAttributes!;
    expect(started.attempt).toBe(2);
    expect(started.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT
    );
  });
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => child.once('exit', () => r()));
}
