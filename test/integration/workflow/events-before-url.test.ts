/**
 * A webhook that reaches a continued-as-new run in its first workflow task still makes its lifecycle
 * events (patch `portflow-events-before-url`). Such a run learns its events URL from the worker's
 * settings, a local activity, and the webhook is applied before that answer: it used to change the
 * state without an event, so the backend never heard that the number ported.
 *
 * The run is made deterministic: a real order runs until it continues as new, the second run (idle:
 * it polls once a day) is terminated, and its continue-as-new input (the real carried state) is
 * started again with signal-with-start, so the webhook is in the run's first task. Against the dev
 * server, the sandbox (which completes the request on its own) and a real HTTP endpoint.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { generateEventsSecret, verifyPortflowEvent } from '../../../src/events';
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { PhoneNumberStatus } from '../../../src/twilio/porting-event';
import type { NumberPortingEvent } from '../../../src/twilio/porting-event';
import { portingEventSignal } from '../../../src/workflows/messages';
import type { PortInWorkflowInput } from '../../../src/workflows/messages';
import { createPortflowWorker } from '../../../src/worker';
import { recordHistory } from '../../replay/record';
import { CaptureServer } from '../../helpers/capture-server';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { workflowBundle } from '../../helpers/temporal';

describe('a webhook in the first task of a continued-as-new run', () => {
  let env: PortflowTestEnv;
  // The backend's endpoint: answers 200 to every POST and keeps them.
  let endpoint: CaptureServer;
  const secret = generateEventsSecret();

  beforeAll(async () => {
    env = await startPortflowEnv();
    endpoint = await new CaptureServer().start();
  });
  afterAll(async () => {
    await endpoint?.stop();
    await env?.close();
  });

  const worker = (path: string) =>
    createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting: env.porting,
      workflowBundle: workflowBundle(),
      // The worker's default URL: a run without the order's own URL asks for it in a local activity.
      events: { secret, timeoutMs: 2000, defaultUrl: `${endpoint.url}${path}` },
    });

  it('makes the events of the change it applies before the run knows its events URL', async () => {
    const phoneNumber = '+14155551061';
    // Polls once a day: the first run continues as new at its first wait (over 20 events by then),
    // and the second waits without a poll until it is terminated.
    const order = buildOrder(env.sandbox, [phoneNumber], {
      options: { reconcileInterval: '1 day', continueAsNewAfterEvents: 20 },
    });
    const first = await worker('/first');
    const { runId: firstRunId } = await first.runUntil(async () => {
      const started = await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      await eventually(
        async () => ((await getPortInStatus(env.client, order.orderId)).counters.runs >= 2 ? true : undefined),
        { what: 'the order to continue as new' }
      );
      return started;
    });
    const handle = portInHandle(env.client, order.orderId);
    await handle.terminate('the test starts its continue-as-new input again, with a webhook in its first task');

    // The real carried state: the first run's continue-as-new input.
    const history = await env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
    const continued = history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!;
    const input = defaultPayloadConverter.fromPayload<PortInWorkflowInput>(continued.input!.payloads![0]!);
    const carried = input.resume!;
    const filed = carried.numbers[phoneNumber]!;
    expect(carried.phase).toBe('porting');
    expect(filed.status).toBe(PhoneNumberStatus.IN_REVIEW);
    // By now the sandbox has completed the request (it does so within seconds): the webhook says so.
    await eventually(
      async () =>
        (await env.porting.fetchPortIn(filed.requestSid!)).phoneNumbers[0]?.status === PhoneNumberStatus.COMPLETED
          ? true
          : undefined,
      { what: 'the sandbox to complete the request' }
    );
    const webhook: NumberPortingEvent = {
      source: 'webhook',
      eventName: 'PortInPhoneNumberCompleted',
      level: 'number',
      portInRequestSid: filed.requestSid!,
      phoneNumberSid: filed.phoneNumberSid,
      phoneNumber,
      status: PhoneNumberStatus.COMPLETED,
      rawStatus: 'Completed',
    };

    const resumed = await worker('/resumed');
    await resumed.runUntil(async () => {
      // Polls every second now, so the order confirms the ending and completes in the test's time.
      const options = { ...input.order.options, reconcileInterval: '1s' };
      await env.client.workflow.signalWithStart('portInWorkflow', {
        workflowId: handle.workflowId,
        taskQueue: env.taskQueue,
        args: [{ order: { ...input.order, options }, resume: carried }],
        signal: portingEventSignal,
        signalArgs: [webhook],
      });
      await waitForPortIn(env.client, order.orderId);
      await eventually(
        async () => ((await getPortInStatus(env.client, order.orderId)).events?.pending === 0 ? true : undefined),
        { what: 'the outbox to empty' }
      );
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'events-before-url');

    const received = endpoint.requests
      .filter((r) => r.url === '/resumed')
      .map((r) => verifyPortflowEvent(r.body, r.headers, secret));
    const ofNumber = received.filter((e) => 'phoneNumber' in e.data && e.data.phoneNumber === phoneNumber);
    // The webhook's change, made before the run knew where to send it: in_review → completed, ported;
    // then the post-port activation's.
    expect(ofNumber.map((e) => e.type)).toEqual(['number.status_changed', 'number.ported', 'number.live']);
    expect(ofNumber[0]!.data).toMatchObject({ from: PhoneNumberStatus.IN_REVIEW, to: PhoneNumberStatus.COMPLETED });
    expect(received.at(-1)!.type).toBe('order.completed');
    // One sequence across the runs: the resumed run goes on from the carried outbox.
    const next = carried.events?.nextSequence ?? 0;
    expect(received.map((e) => e.data.sequence)).toEqual(received.map((_, i) => next + i));
  }, 180_000);
});
