/**
 * A describe block with its own time-skipping server, a sandbox on real time and a worker: weeks of
 * workflow time in seconds. One server per suite, so one suite's skipped days are not the next one's start.
 */
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { startSandbox } from '../../src/sandbox';
import type { SandboxHandle } from '../../src/sandbox';
import type { PortingClient } from '../../src/twilio/client';
import { sandboxPortingClient } from './portflow-env';
import { uniqueTaskQueue, workflowBundle } from './temporal';
import { startTimeSkippingEnv } from './time-skipping';
import type { TimeSkippingEnv } from './time-skipping';

export interface TimeSkippingSuiteContext {
  ts: TimeSkippingEnv;
  sandbox: SandboxHandle;
  taskQueue: string;
}

export function timeSkippingSuite(name: string, tests: (ctx: () => TimeSkippingSuiteContext) => void): void {
  describe(name, () => {
    let ts: TimeSkippingEnv;
    let sandbox: SandboxHandle;
    let porting: PortingClient;
    let worker: Worker;
    let running: Promise<void>;
    const taskQueue = uniqueTaskQueue('timers');

    beforeAll(async () => {
      ts = await startTimeSkippingEnv();
      sandbox = await startSandbox({ clockScale: 1, autoSign: false, timeline: { reviewMs: 1 } });
      porting = sandboxPortingClient(sandbox);
      worker = await Worker.create({
        connection: ts.env.nativeConnection,
        taskQueue,
        workflowBundle: workflowBundle(),
        // The claim of each request's webhook inbox signals through this environment's own client.
        activities: createActivities({ client: porting, temporal: ts.env.client, inbox: { taskQueue } }),
      });
      running = worker.run();
    });
    afterAll(async () => {
      worker?.shutdown();
      await running;
      porting?.close();
      await sandbox?.stop();
      await ts?.teardown();
    });

    tests(() => ({ ts, sandbox, taskQueue }));
  });
}
