/**
 * Every ending is visible: an order that fails, whatever the cause, says so in its search
 * attributes ("Failed", the true pending count), in `portInStatus` (`failure {type, code, message}`,
 * a timeline entry) and in the workflow's own failure. Real dev server, real sandbox over HTTP.
 * (The metric is checked in failure-metrics.test.ts, with a worker in its own process.)
 */
import { randomBytes } from 'node:crypto';
import { PortInFailureType } from '../../../src/workflows/failures';
import { recordHistory } from '../../replay/record';
import { sandboxPortingClient, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { createPortflowWorker } from '../../../src/worker';
import { uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';
import { devServerAddress } from '../../helpers/temporal';
import { runCliProcess } from '../cli/run-cli';
import { EXHAUSTED_CREATE_ATTEMPTS, runFailedOrder } from './failure-causes';
import type { FailedOrder } from './failure-causes';

function expectVisibleFailure(f: FailedOrder, expected: { type: string; code: number | null; message: RegExp }) {
  expect(f.failureType).toBe(expected.type);
  expect(f.failureMessage).toMatch(expected.message);
  expect(f.view.status).toBe('Failed');
  expect(f.view.phase).toBe('failed');
  expect(f.view.failure).toEqual({ type: expected.type, code: expected.code, message: f.failureMessage });
  expect(f.view.timeline.at(-1)).toMatchObject({ kind: 'phase', message: f.failureMessage });
  expect(f.view.counts.pending).toBe(0);
  expect(f.searchAttributes).toEqual({ status: 'Failed', pending: 0 });
  // Nothing of the order's secrets in what operators read.
  expect(f.failureMessage).not.toContain('ACCT-99812');
}

describe('every ending is visible: failed orders', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('a number that needs a PIN the order lacks: PinAndAccountNumberRequired', async () => {
    const worker = await env.newWorker();
    const f = await worker.runUntil(() => runFailedOrder(env.client, env.sandbox, env.taskQueue, 'missing-pin'));
    await recordHistory(f.handle, 'failed-missing-pin-visible');
    expectVisibleFailure(f, {
      type: PortInFailureType.PinAndAccountNumberRequired,
      code: null,
      message: /requires a PIN and an account number for \+14155550201/,
    });
    expect(f.failureDetails).toEqual([{ phoneNumbers: ['+14155550201'] }]);
  });

  it('a utility bill that cannot be read: UtilityBillUnreadable, nothing created', async () => {
    const before = env.sandbox.portIns().length;
    const worker = await env.newWorker();
    const f = await worker.runUntil(() => runFailedOrder(env.client, env.sandbox, env.taskQueue, 'bill-unreadable'));
    await recordHistory(f.handle, 'failed-bill-unreadable');
    expectVisibleFailure(f, {
      type: PortInFailureType.UtilityBillUnreadable,
      code: null,
      message: /^The utility bill upload failed: the utility bill cannot be used: [\s\S]*cannot read the file/,
    });
    expect(env.sandbox.portIns()).toHaveLength(before);
  });

  it('a create Twilio refuses (unknown document): TwilioRefused with Twilio’s code and message', async () => {
    const worker = await env.newWorker();
    const f = await worker.runUntil(() => runFailedOrder(env.client, env.sandbox, env.taskQueue, 'create-refused'));
    await recordHistory(f.handle, 'failed-create-refused');
    expectVisibleFailure(f, {
      type: PortInFailureType.TwilioRefused,
      code: 400,
      message: /^Creating the port-in request failed: Twilio refused it: Twilio 400.*Invalid documents.*does not exist/,
    });
    expect(f.failureDetails).toEqual([{ code: 400 }]);
  });

  it('credentials Twilio refuses at the portability check: TwilioRefused 20003', async () => {
    // A worker deployed with a wrong auth token: every call answers 401 / 20003.
    const badPorting = sandboxPortingClient(env.sandbox, { authToken: 'not-the-token' });
    const taskQueue = uniqueTaskQueue('bad-credentials');
    const worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue,
      porting: badPorting,
      workflowBundle: workflowBundle(),
    });
    try {
      const f = await worker.runUntil(() => runFailedOrder(env.client, env.sandbox, taskQueue, 'credentials-refused'));
      expectVisibleFailure(f, {
        type: PortInFailureType.TwilioRefused,
        code: 20003,
        message: /^The portability check failed: Twilio refused it: Twilio 401 code 20003: Authentication Error/,
      });
    } finally {
      badPorting.close();
    }
  });

  it('creates that keep failing until the order’s attempts run out: AttemptsExhausted, in the CLI too', async () => {
    const before = env.sandbox.portIns().length;
    // What an operator sees: `portflow status` and `portflow list`, each a process of its own.
    const cliEnv = {
      TEMPORAL_ADDRESS: devServerAddress(),
      PORTFLOW_ENCRYPTION_KEYS: `cli:${randomBytes(32).toString('base64')}`,
      PORTFLOW_ENCRYPTION_KEY_FILE: '',
      TWILIO_API_BASE_URL: env.sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: env.sandbox.url,
    };
    const worker = await env.newWorker();
    // The CLI runs while the worker does: `status` is a query, and a query needs a worker.
    const { f, status, list } = await worker.runUntil(async () => {
      const f = await runFailedOrder(env.client, env.sandbox, env.taskQueue, 'attempts-exhausted');
      const status = await runCliProcess(['status', f.orderId], cliEnv);
      const list = await runCliProcess(['list', '--query', `WorkflowId = "${f.handle.workflowId}"`], cliEnv);
      return { f, status, list };
    });
    await recordHistory(f.handle, 'failed-attempts-exhausted');
    expectVisibleFailure(f, {
      type: PortInFailureType.AttemptsExhausted,
      code: 20500, // the last attempt's: Twilio's code of an internal error
      message: /^Creating the port-in request failed: every attempt failed, the last with: Twilio 503/,
    });
    expect(env.sandbox.portIns()).toHaveLength(before);
    // Exactly the order's attempts, each a create the sandbox answered 503.
    const events = (await f.handle.fetchHistory()).events ?? [];
    const create = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createPortInRequest'
    );
    const started = events.find(
      (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(create?.eventId)
    );
    expect(create?.activityTaskScheduledEventAttributes?.retryPolicy?.maximumAttempts).toBe(EXHAUSTED_CREATE_ATTEMPTS);
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(EXHAUSTED_CREATE_ATTEMPTS);

    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(
      /^Failed: AttemptsExhausted code 20500: Creating the port-in request failed: every attempt failed/m
    );
    expect(list.stdout).toMatch(new RegExp(`^${f.orderId} .*Failed[\\s\\S]*\\n  └ Failed: AttemptsExhausted`, 'm'));
  });
});
