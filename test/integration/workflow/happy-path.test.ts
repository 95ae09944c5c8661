import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { recordHistory } from '../../replay/record';
import { buildOrder, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

describe('portInWorkflow on the dev server and the sandbox', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('ports several numbers to Completed and drops a not-portable one with its reason', async () => {
    const order = buildOrder(env.sandbox, ['+14155551001', '+14155551002', '+14155550132']);
    const worker = await env.newWorker();
    const result = await worker.runUntil(async () => {
      const started = await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      expect(started.started).toBe(true);
      const again = await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      expect(again).toMatchObject({ started: false, runId: started.runId });
      const done = await waitForPortIn(env.client, order.orderId);
      return { ...done, view: await getPortInStatus(env.client, order.orderId) };
    });

    await recordHistory(portInHandle(env.client, order.orderId), 'happy-path');
    expect(result.outcome).toBe('completed');
    expect(result.requestSids).toHaveLength(1);
    const byNumber = Object.fromEntries(result.numbers.map((n) => [n.phoneNumber, n]));
    for (const n of ['+14155551001', '+14155551002']) {
      expect(byNumber[n]).toMatchObject({ status: 'completed', requestSid: result.requestSids[0] });
      expect(byNumber[n]!.portDate).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    }
    expect(byNumber['+14155550132']).toMatchObject({
      status: 'not_portable',
      requestSid: null,
      notPortable: { code: 22132, reason: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER' },
    });

    const { view } = result;
    expect(view.status).toBe('Completed');
    expect(view.timeline.map((t) => t.kind)).toEqual(
      expect.arrayContaining(['not-portable', 'request-created', 'request-status', 'number-status'])
    );
    expect(env.sandbox.portIns()).toHaveLength(1);
  });

  it('stops an order before anything is created when a number needs a PIN and account number it lacks', async () => {
    const order = buildOrder(env.sandbox, ['+14155551003', '+14155550201']);
    const worker = await env.newWorker();
    const outcome = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const failure = await waitForPortIn(env.client, order.orderId).catch((e: unknown) => e);
      return { failure, view: await getPortInStatus(env.client, order.orderId) };
    });
    const { failure: err, view } = outcome;
    await recordHistory(portInHandle(env.client, order.orderId), 'missing-pin');
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('PinAndAccountNumberRequired');
    expect(cause!.message).toContain('+14155550201');
    expect(cause!.message).not.toContain('+14155551003');

    const created = [];
    for await (const r of env.porting.listPortIns({})) created.push(r);
    // Only the first test's request exists: nothing was created for this order.
    expect(created).toHaveLength(1);
    expect(view.status).toBe('Failed');
    expect(view.requestSids).toEqual([]);
  });
});
