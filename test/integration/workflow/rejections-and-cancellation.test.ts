import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  cancelPhoneNumbers,
  cancelPortIn,
  getPortInStatus,
  portInHandle,
  resubmitRejected,
  startPortIn,
  waitForPortIn,
} from '../../../src/starter';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

function refusal(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('rejections, resubmission and cancellation (accelerated sandbox clock)', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('puts a rejected number in Action Required, then resubmitRejected leads to completion', async () => {
    const rejected = '+14155550154'; // the carrier rejects it once: 22154 invalid address
    const order = buildOrder(env.sandbox, ['+14155551021', rejected]);
    const worker = await env.newWorker();
    const { result, actionRequired, resubmission, refusedResubmit } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const actionRequired = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.status === 'Action Required' ? v : undefined;
        },
        { what: 'Action Required' }
      );
      const refusedResubmit = await resubmitRejected(env.client, order.orderId, {
        losingCarrierInformation: order.losingCarrierInformation,
        phoneNumbers: ['+14155551021'],
      }).catch((e: unknown) => e);
      const resubmission = await resubmitRejected(env.client, order.orderId, {
        losingCarrierInformation: {
          ...order.losingCarrierInformation,
          address: { street: '1 Corrected Way', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
        },
        // The accelerated clock has moved on: a new request needs a date 7+ days after the sandbox's now.
        targetPortInDate: new Date(env.sandbox.clock.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10),
      });
      return { result: await waitForPortIn(env.client, order.orderId), actionRequired, resubmission, refusedResubmit };
    });

    await recordHistory(portInHandle(env.client, order.orderId), 'rejected-then-resubmitted');
    const rejectedView = actionRequired.numbers.find((n) => n.phoneNumber === rejected)!;
    expect(rejectedView).toMatchObject({ status: 'port_rejected', rejection: { code: 22154 } });
    expect(refusal(refusedResubmit).message).toMatch(/\+14155551021 \(.*\) is not rejected/);

    expect(resubmission.resubmittedNumbers).toEqual([rejected]);
    expect(resubmission.newRequestSid).toMatch(/^KW[0-9a-f]{32}$/);
    expect(result.outcome).toBe('completed');
    expect(result.requestSids).toHaveLength(2);
    expect(result.numbers.find((n) => n.phoneNumber === rejected)).toMatchObject({
      status: 'completed',
      requestSid: resubmission.newRequestSid,
    });
  });

  it('cancels some numbers, and then the whole order, before the cutoff', async () => {
    const order = buildOrder(env.sandbox, ['+14155551031', '+14155551032', '+14155551033']);
    // Keep this order's LOA unsigned so the cancellations land before the carrier acts.
    env.sandbox.settings({ autoSign: false });
    const worker = await env.newWorker();
    try {
      const result = await worker.runUntil(async () => {
        await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
        await eventually(
          async () => ((await getPortInStatus(env.client, order.orderId)).requestSids.length ? true : undefined),
          { what: 'request created' }
        );
        const unknown = await cancelPhoneNumbers(env.client, order.orderId, ['+14155559999']).catch((e: unknown) => e);
        expect(refusal(unknown).message).toContain('+14155559999 is not in order');
        const some = await cancelPhoneNumbers(env.client, order.orderId, ['+14155551031'], 'customer changed plan');
        expect(some.canceledNumbers).toEqual(['+14155551031']);
        const again = await cancelPhoneNumbers(env.client, order.orderId, ['+14155551031']).catch((e: unknown) => e);
        expect(refusal(again).message).toMatch(/cannot be canceled any more/);
        const all = await cancelPortIn(env.client, order.orderId, 'deal lost');
        expect(all.canceledRequestSids).toHaveLength(1);
        return await waitForPortIn(env.client, order.orderId);
      });
      await recordHistory(portInHandle(env.client, order.orderId), 'cancel-numbers-then-order');
      expect(result.outcome).toBe('canceled');
      expect(result.numbers.every((n) => n.status === 'canceled')).toBe(true);
    } finally {
      env.sandbox.settings({ autoSign: true });
    }
  });
});

describe('canceling the workflow itself (the UI\'s "Request Cancellation")', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('cancels the open request at Twilio too, and ends as canceled', async () => {
    const order = buildOrder(env.sandbox, ['+14155551111', '+14155551112']);
    const worker = await env.newWorker();
    const { failure, view } = await worker.runUntil(async () => {
      const { handle } = await startPortIn(env.client, order, {
        taskQueue: env.taskQueue,
        now: env.sandbox.clock.now(),
      });
      await eventually(async () =>
        (await getPortInStatus(env.client, order.orderId)).requestSids.length ? true : undefined
      );
      await handle.cancel();
      const failure = await handle.result().catch((e: unknown) => e);
      return { failure, view: await getPortInStatus(env.client, order.orderId) };
    });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(view.phase).toBe('canceled');
    expect(view.timeline.at(-1)?.message).toMatch(
      /Workflow canceled by an operator; 1 open request\(s\) canceled at Twilio/
    );
    const [request] = env.sandbox.portIns();
    expect(request?.port_in_request_sid).toBe(view.requestSids[0]);
    expect(String(request?.port_in_request_status).toLowerCase()).toMatch(/cancel/);
  });
});

describe('the 72-hour cancel cutoff (real-time sandbox, confirmed port date)', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // The carrier never answers by itself here: the test confirms one number's date by hand.
    env = await startPortflowEnv({
      sandbox: { autoSign: false, timeline: { reviewMs: 200, carrierResponseMs: 24 * 3600 * 1000 } },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('refuses cancelPhoneNumbers and cancelPortIn in the validator once the port date is within 72 hours', async () => {
    const order = buildOrder(env.sandbox, ['+14155551041', '+14155551042']);
    const worker = await env.newWorker();
    const result = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const sid = await eventually(async () => {
        const v = await getPortInStatus(env.client, order.orderId);
        return v.requests[0]?.status === 'waiting_for_signature' ? v.requestSids[0] : undefined;
      });
      env.sandbox.sign(sid!);
      const portDate = new Date(Date.now() + 24 * 3600 * 1000);
      env.sandbox.confirmNumber(sid!, '+14155551041', portDate);
      const view = await eventually(async () => {
        const v = await getPortInStatus(env.client, order.orderId);
        return v.numbers.find((n) => n.phoneNumber === '+14155551041')?.portDate ? v : undefined;
      });
      const pending = view.numbers.find((n) => n.phoneNumber === '+14155551041')!;
      expect(Date.parse(pending.cancelCutoff!)).toBe(Date.parse(pending.portDate!) - 72 * 3600 * 1000);

      const numberRefused = await cancelPhoneNumbers(env.client, order.orderId, ['+14155551041']).catch(
        (e: unknown) => e
      );
      const cause = refusal(numberRefused);
      expect(cause.type).toBe('CancelCutoffPassed');
      expect(cause.message).toMatch(/Too late to cancel \+14155551041.*72 hours/);
      const orderRefused = await cancelPortIn(env.client, order.orderId).catch((e: unknown) => e);
      expect(refusal(orderRefused).type).toBe('CancelCutoffPassed');

      // The other number has no confirmed date yet: its cutoff is the target date's, days away.
      const stillOpen = await cancelPhoneNumbers(env.client, order.orderId, ['+14155551042']);
      expect(stillOpen.canceledNumbers).toEqual(['+14155551042']);

      env.sandbox.completeNumber(sid!, '+14155551041');
      return await waitForPortIn(env.client, order.orderId);
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'cancel-cutoff-refused');
    expect(result.outcome).toBe('completed');
    expect(result.numbers.find((n) => n.phoneNumber === '+14155551042')?.status).toBe('canceled');
  });
});
