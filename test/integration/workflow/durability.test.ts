import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

describe('exactly once: the sandbox loses the create response after committing it', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // A short client timeout turns the lost response into a quick, ambiguous failure.
    env = await startPortflowEnv({ porting: { timeoutMs: 1500 } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('creates exactly one request and completes the order', async () => {
    env.sandbox.addFault({
      kind: 'http',
      method: 'POST',
      pathPattern: '^/v1/Porting/PortIn$',
      fault: 'lose-response',
      delayMs: 4000,
    });
    const order = buildOrder(env.sandbox, ['+14155551051', '+14155551052']);
    const worker = await env.newWorker();
    const { result, view } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const result = await waitForPortIn(env.client, order.orderId);
      return { result, view: await getPortInStatus(env.client, order.orderId) };
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'exactly-once-lost-response');
    expect(env.sandbox.portIns()).toHaveLength(1);
    expect(result.outcome).toBe('completed');
    expect(result.requestSids).toEqual([env.sandbox.portIns()[0]!.port_in_request_sid]);
    expect(view.timeline.some((t) => t.message.startsWith('Found the request made by an earlier attempt'))).toBe(true);
  });
});

describe('continue-as-new with a small threshold', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // A slower carrier: the order must live long enough to outgrow a run.
    env = await startPortflowEnv({
      sandbox: { timeline: { autoSignMs: 1000, carrierResponseMs: 2000, portDateMs: 2000 } },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('keeps the full state across runs and keeps answering queries', async () => {
    const order = buildOrder(env.sandbox, ['+14155551061', '+14155550133'], {
      options: { reconcileInterval: '300ms', continueAsNewAfterEvents: 40 },
    });
    const worker = await env.newWorker();
    const { result, views, firstRunId } = await worker.runUntil(async () => {
      const started = await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const views = [];
      // Query across runs: the handle follows the chain to the latest run.
      const second = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          views.push(v);
          return v.counters.runs >= 2 ? v : undefined;
        },
        { what: 'a second run', intervalMs: 100 }
      );
      views.push(second);
      const result = await waitForPortIn(env.client, order.orderId);
      const final = await getPortInStatus(env.client, order.orderId);
      const description = await started.handle.describe();
      return { result, views: [...views, final], firstRunId: started.runId, lastRunId: description.runId };
    });
    await recordHistory(
      env.client.workflow.getHandle(portInHandle(env.client, order.orderId).workflowId, firstRunId),
      'continue-as-new-first-run'
    );
    await recordHistory(portInHandle(env.client, order.orderId), 'continue-as-new-last-run');
    const last = views[views.length - 1]!;
    expect(last.counters.runs).toBeGreaterThanOrEqual(2);
    expect(result.outcome).toBe('completed');
    // State made in the first run is still there after continue-as-new: the dropped number, the
    // request, and the timeline from the portability check on.
    expect(last.numbers.find((n) => n.phoneNumber === '+14155550133')).toMatchObject({
      status: 'not_portable',
      notPortable: { code: 22133 },
    });
    expect(last.timeline.some((t) => t.kind === 'not-portable')).toBe(true);
    expect(last.requestSids).toEqual(result.requestSids);
  });
});

describe('crash: the worker process is killed mid-port and restarted', () => {
  let env: PortflowTestEnv;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    // Slow enough that the kill lands mid-port.
    env = await startPortflowEnv({
      sandbox: { timeline: { autoSignMs: 2000, carrierResponseMs: 4000, portDateMs: 4000 } },
    });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await env?.close();
  });

  function startWorkerProcess(): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      // `node --import tsx` (not the tsx CLI, which forks): the pid we SIGKILL is the worker itself.
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

  it('completes the order with the same result and a single request', async () => {
    const order = buildOrder(env.sandbox, ['+14155551071', '+14155551072', '+14155551073']);
    const first = await startWorkerProcess();
    await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
    // Mid-port: the request exists and the carrier is working on it.
    await eventually(async () => {
      const v = await getPortInStatus(env.client, order.orderId);
      return v.requestSids.length === 1 && v.status !== 'Completed' ? v : undefined;
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await startWorkerProcess();
    const result = await waitForPortIn(env.client, order.orderId);
    await recordHistory(portInHandle(env.client, order.orderId), 'crash-restart');
    expect(result.outcome).toBe('completed');
    expect(result.numbers.every((n) => n.status === 'completed')).toBe(true);
    expect(env.sandbox.portIns()).toHaveLength(1);
  });
});
