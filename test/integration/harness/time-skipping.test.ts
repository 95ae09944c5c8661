import { Worker } from '@temporalio/worker';
import { startTimeSkippingEnv } from '../../helpers/time-skipping';
import type { TimeSkippingEnv } from '../../helpers/time-skipping';
import { uniqueTaskQueue, workflowBundle } from '../../helpers/temporal';

describe('the time-skipping test server', () => {
  let ts: TimeSkippingEnv;
  beforeAll(async () => {
    ts = await startTimeSkippingEnv();
  });
  afterAll(async () => {
    await ts?.teardown();
  });

  it('completes a durable 30-day sleep in seconds of real time', async () => {
    const taskQueue = uniqueTaskQueue('sleep');
    const worker = await Worker.create({
      connection: ts.env.nativeConnection,
      workflowBundle: workflowBundle(),
      taskQueue,
    });
    const started = Date.now();
    const sleptMs = await worker.runUntil(
      ts.env.client.workflow.execute('harnessSleepWorkflow', {
        taskQueue,
        workflowId: taskQueue,
        args: ['30 days'],
        workflowExecutionTimeout: '400 days',
      })
    );
    const realMs = Date.now() - started;
    expect(sleptMs).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
    expect(realMs).toBeLessThan(60_000);
  });
});
