/**
 * Operator actions are safe and say why: a resubmission files the new request before it cancels
 * the rejected numbers, so a refused resubmission leaves every number where it was; and every update
 * that Twilio refuses fails with Twilio's code and message (not "Activity task failed").
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  cancelPhoneNumbers,
  cancelPortIn,
  getPortInStatus,
  portInHandle,
  resubmitRejected,
  startPortIn,
  waitForPortIn,
} from '../../../src/starter';
import { UpdateRefusalType } from '../../../src/workflows/failures';
import type { PortInStatusView } from '../../../src/workflows/messages';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const DAY = 86_400_000;

function refusal(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a refused resubmission leaves every number where it was', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('keeps the number rejected in its request, says why, and a corrected resubmission then completes', async () => {
    const rejected = '+14155550155'; // rejected once by the carrier: 22155 invalid PIN
    const order = buildOrder(env.sandbox, ['+14155552201', rejected]);
    const worker = await env.newWorker();
    const lci = order.losingCarrierInformation;
    const tenDaysOut = () => new Date(env.sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10);
    const out = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const before = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.status === 'Action Required' ? v : undefined;
        },
        { what: 'Action Required' }
      );
      // 1. A date too soon: refused before anything reaches Twilio.
      const tooSoon = await resubmitRejected(env.client, order.orderId, {
        losingCarrierInformation: lci,
        targetPortInDate: new Date(env.sandbox.clock.now().getTime() + DAY).toISOString().slice(0, 10),
      }).catch((e: unknown) => e);
      const afterTooSoon = await getPortInStatus(env.client, order.orderId);

      // 2. Twilio does not answer the create (every attempt a 503): nothing changes either.
      env.sandbox.addFault({
        kind: 'http',
        method: 'POST',
        pathPattern: '^/v1/Porting/PortIn$',
        fault: 'server-error',
        status: 503,
        times: 4,
      });
      const unavailable = await resubmitRejected(env.client, order.orderId, {
        losingCarrierInformation: lci,
        targetPortInDate: tenDaysOut(),
      }).catch((e: unknown) => e);
      const afterUnavailable = await getPortInStatus(env.client, order.orderId);
      const sandboxAfterRefusals = env.sandbox.portIns();

      // 3. The corrected resubmission goes through.
      const resubmission = await resubmitRejected(env.client, order.orderId, {
        losingCarrierInformation: lci,
        targetPortInDate: tenDaysOut(),
      });
      const result = await waitForPortIn(env.client, order.orderId);
      return {
        before,
        tooSoon,
        afterTooSoon,
        unavailable,
        afterUnavailable,
        sandboxAfterRefusals,
        resubmission,
        result,
      };
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'resubmit-refused-then-resubmitted');

    const rejectedIn = (v: PortInStatusView) => v.numbers.find((n) => n.phoneNumber === rejected)!;
    const oldSid = rejectedIn(out.before).requestSid;

    const soon = refusal(out.tooSoon);
    expect(soon.type).toBe('PortInValidationError');
    expect(soon.message).toMatch(/^Refused before reaching Twilio, the resubmission: .*targetPortInDate/s);
    for (const v of [out.afterTooSoon, out.afterUnavailable]) {
      expect(rejectedIn(v)).toMatchObject({ status: 'port_rejected', requestSid: oldSid, rejection: { code: 22155 } });
      expect(v.requestSids).toEqual([oldSid]);
    }
    expect(out.afterTooSoon.status).toBe('Action Required');
    expect(out.afterTooSoon.timeline.at(-1)?.message).toMatch(
      /^Refused before reaching Twilio, the resubmission: .*nothing changed$/s
    );

    const down = refusal(out.unavailable);
    expect(down.type).toBe(UpdateRefusalType.TwilioUnavailable);
    expect(down.message).toMatch(/^Twilio did not answer the resubmission \(nothing changed; try again later\): .*503/);
    expect(out.afterUnavailable.attention).toMatchObject({
      reason: 'TwilioUnavailable',
      code: 20500,
      operation: 'resubmission',
    });

    // At Twilio too: one request, the rejected number still rejected in it (not canceled).
    expect(out.sandboxAfterRefusals).toHaveLength(1);
    const atTwilio = out.sandboxAfterRefusals[0]!.phone_numbers as Array<{
      phone_number: string;
      port_in_phone_number_status: string;
    }>;
    expect(atTwilio.find((n) => n.phone_number === rejected)?.port_in_phone_number_status).toMatch(/rejected/i);

    expect(out.resubmission).toMatchObject({ resubmittedNumbers: [rejected], canceledInRequests: [oldSid] });
    expect(out.result.outcome).toBe('completed');
    expect(out.result.numbers.find((n) => n.phoneNumber === rejected)).toMatchObject({
      status: 'completed',
      requestSid: out.resubmission.newRequestSid,
    });
  });
});

describe('updates Twilio refuses say what Twilio said', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // No receiver and an hour between polls: the order does not learn that Twilio has moved on.
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('cancelPhoneNumbers and cancelPortIn of numbers already ported fail with Twilio’s code and message', async () => {
    const [a, b] = ['+14155552211', '+14155552212'];
    const order = buildOrder(env.sandbox, [a, b], { options: { reconcileInterval: '1 hour' } });
    const worker = await env.newWorker();
    const out = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const sid = await eventually(async () => (await getPortInStatus(env.client, order.orderId)).requestSids[0]);
      // The order polls hourly: ask the sandbox, not the order, when the LOA can be signed.
      await eventually(async () =>
        /signature/i.test(
          String(env.sandbox.portIns().find((r) => r.port_in_request_sid === sid)?.port_in_request_status)
        )
          ? true
          : undefined
      );
      env.sandbox.sign(sid!);
      // The carrier ports both numbers; the order, polling hourly, does not know yet.
      await eventually(async () =>
        /completed/i.test(
          String(env.sandbox.portIns().find((r) => r.port_in_request_sid === sid)?.port_in_request_status)
        )
          ? true
          : undefined
      );
      const numberRefused = await cancelPhoneNumbers(env.client, order.orderId, [a]).catch((e: unknown) => e);
      const orderRefused = await cancelPortIn(env.client, order.orderId, 'deal lost').catch((e: unknown) => e);
      const view = await getPortInStatus(env.client, order.orderId);
      await portInHandle(env.client, order.orderId).terminate('test over');
      return { numberRefused, orderRefused, view };
    });

    const n = refusal(out.numberRefused);
    expect(n.type).toBe('Twilio.400');
    expect(n.message).toMatch(
      /^Twilio refused the cancel: 400 Twilio 400 code 400: Phone number \+14155552211 .* has already been ported/
    );
    expect(n.details).toEqual([{ status: 400, code: 400, moreInfo: expect.anything() }]);
    const o = refusal(out.orderRefused);
    expect(o.type).toBe('Twilio.400');
    expect(o.message).toMatch(/^Twilio refused the cancel: 400 .*can no longer be canceled/);
    // Refusals of the action itself do not park the order; they are in its timeline.
    expect(out.view.attention).toBeNull();
    expect(out.view.timeline.filter((t) => t.message.startsWith('Twilio refused the cancel'))).toHaveLength(2);
  });
});
