/**
 * Reducer rules V2 in the order workflow (patch portflow-api-is-truth): a suspect webhook triggers an
 * immediate reconcile, and an order never ends on a webhook Twilio contradicts. Real dev server, real
 * sandbox over HTTP; the reconcile interval is 6 hours, and the sandbox delivers no webhooks here (no
 * receiver), so only the workflow's own polls can bring Twilio's state in: nothing is hidden by polling.
 */
import { getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import { eventsFromPortIn } from '../../../src/twilio';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portingEventSignal } from '../../../src/workflows/messages';
import type { PortInStatusView } from '../../../src/workflows/messages';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const HOUR = 3_600_000;

describe('the order workflow under reducer rules V2 (the API is the truth)', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // The carrier answers, and a confirmed number ports, only when the test says so (confirmNumber /
    // completeNumber): with the default 400 ms port date a loaded machine saw Completed where the
    // test expected Port Pending.
    env = await startPortflowEnv({ sandbox: { timeline: { carrierResponseMs: 10 * HOUR, portDateMs: 10 * HOUR } } });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** Twilio's answer for the request, as the reconcile reads it (over HTTP). */
  const twilioSays = async (sid: string) => {
    const events = eventsFromPortIn(await env.porting.fetchPortIn(sid));
    const request = events.find((e) => e.level === 'request')!;
    const numbers = Object.fromEntries(
      events.flatMap((e) => (e.level === 'number' && e.phoneNumber ? [[e.phoneNumber, e.status]] : []))
    );
    return { request: request.status, numbers };
  };
  const workflowSays = (view: PortInStatusView, sid: string) => ({
    request: view.requests.find((r) => r.sid === sid)!.status,
    numbers: Object.fromEntries(view.numbers.map((n) => [n.phoneNumber, n.status])),
  });
  const numberEvent = (
    sid: string,
    phoneNumber: string,
    fields: Pick<PortingEvent, 'status' | 'rawStatus' | 'occurredAt' | 'eventName' | 'source'>
  ): PortingEvent => ({ level: 'number', portInRequestSid: sid, phoneNumber, ...fields }) as PortingEvent;

  /** Starts a one-number order and waits until the sandbox has it In Progress (the workflow still has In Review). */
  async function startSubmittedOrder(phoneNumber: string) {
    const order = buildOrder(env.sandbox, [phoneNumber], { options: { reconcileInterval: '6 hours' } });
    await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
    const sid = await eventually(
      async () => {
        const p = env.sandbox
          .portIns()
          .find((r) => r.phone_numbers.some((n: { phone_number: string }) => n.phone_number === phoneNumber));
        return p && /^in[ _]progress$/i.test(p.port_in_request_status) ? p.port_in_request_sid : undefined;
      },
      { what: 'the sandbox request in progress' }
    );
    const view = await eventually(
      async () => {
        const v = await getPortInStatus(env.client, order.orderId);
        return v.requests.some((r) => r.sid === sid) ? v : undefined;
      },
      { what: 'the workflow to record the request' }
    );
    return { order, sid, view };
  }

  it('records a future-dated or backwards webhook as suspect, reconciles at once and matches the sandbox', async () => {
    const phoneNumber = '+14155551021';
    const worker = await env.newWorker();
    const out = await worker.runUntil(async () => {
      const { order, sid, view: before } = await startSubmittedOrder(phoneNumber);
      // No webhook reached it, and the next reconcile is hours away.
      expect(workflowSays(before, sid)).toEqual({ request: 'in_review', numbers: { [phoneNumber]: 'in_review' } });
      const handle = portInHandle(env.client, order.orderId);

      // Dated a day ahead, and claiming to be a poll (the sender controls `source`): a suspect webhook.
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'poll',
          eventName: 'PortInPhoneNumberCompleted',
          status: 'completed',
          rawStatus: 'Completed',
          occurredAt: new Date(Date.now() + 24 * HOUR).toISOString(),
        })
      );
      const afterFuture = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.numbers[0]!.status === 'port_submitted' ? v : undefined;
        },
        { what: 'the immediate reconcile after the future-dated webhook' }
      );
      expect(workflowSays(afterFuture, sid)).toEqual(await twilioSays(sid));

      // The carrier accepts (no webhook reaches the order); then a webhook that moves the number back.
      env.sandbox.confirmNumber(sid, phoneNumber);
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'webhook',
          eventName: 'PortInPhoneNumberWaitingForSignature',
          status: 'waiting_for_signature',
          rawStatus: 'Waiting for Signature',
          occurredAt: new Date().toISOString(),
        })
      );
      const afterBackwards = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.numbers[0]!.status === 'port_pending' ? v : undefined;
        },
        { what: 'the immediate reconcile after the backwards webhook' }
      );
      expect(workflowSays(afterBackwards, sid)).toEqual(await twilioSays(sid));

      // Twilio completes the number; its webhook (dated now) is applied and confirmed before the order ends.
      env.sandbox.completeNumber(sid, phoneNumber);
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'webhook',
          eventName: 'PortInPhoneNumberCompleted',
          status: 'completed',
          rawStatus: 'Completed',
          occurredAt: new Date().toISOString(),
        })
      );
      const result = await waitForPortIn(env.client, order.orderId);
      return { order, sid, result, view: await getPortInStatus(env.client, order.orderId) };
    });

    await recordHistory(portInHandle(env.client, out.order.orderId), 'api-is-truth-suspect-reconciled');
    const suspects = out.view.timeline.filter((t) => t.kind === 'suspect-event');
    expect(suspects).toHaveLength(2);
    expect(suspects[0]!.message).toMatch(/dated .* after the workflow time/);
    expect(suspects[1]!.message).toMatch(/back from .* to /);
    expect(out.result.outcome).toBe('completed');
    expect(workflowSays(out.view, out.sid)).toEqual(await twilioSays(out.sid));
  });

  it('keeps a webhook received while a poll is in flight: applied again after the older snapshot', async () => {
    const phoneNumber = '+14155551023';
    const worker = await env.newWorker();
    const out = await worker.runUntil(async () => {
      const { order, sid } = await startSubmittedOrder(phoneNumber);
      const handle = portInHandle(env.client, order.orderId);
      // The next fetch of this request waits 4 s at Twilio: the poll is in flight meanwhile.
      const faultId = env.sandbox.addFault({
        kind: 'http',
        method: 'GET',
        pathPattern: `/v1/Porting/PortIn/${sid}$`,
        fault: 'slow',
        delayMs: 4000,
        times: 1,
      });
      // A suspect webhook starts that poll at once.
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'webhook',
          eventName: 'PortInPhoneNumberCompleted',
          status: 'completed',
          rawStatus: 'Completed',
          occurredAt: new Date(Date.now() + 24 * HOUR).toISOString(),
        })
      );
      await eventually(
        async () => {
          const faults = (await (await fetch(`${env.sandbox.url}/_sandbox/faults`)).json()) as {
            faults: { id: string }[];
          };
          return faults.faults.some((f) => f.id === faultId) ? undefined : true;
        },
        { what: 'the poll to reach the sandbox', intervalMs: 50 }
      );
      // While it waits: the carrier's acceptance, newer than the snapshot the poll will bring.
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'webhook',
          eventName: 'PortInPhoneNumberPending',
          status: 'port_pending',
          rawStatus: 'Port Pending',
          occurredAt: new Date().toISOString(),
        })
      );
      return eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          // The snapshot (Submitted) replaced it, then the kept webhook advanced it again.
          const replaced = v.timeline.some((t) => t.kind === 'number-status' && /was Port Pending/.test(t.message));
          return replaced && v.numbers[0]!.status === 'port_pending' ? { order, view: v } : undefined;
        },
        { what: 'the poll to end and the kept webhook to be applied again' }
      );
    });
    expect(out.view.phase).toBe('porting');
    await portInHandle(env.client, out.order.orderId).terminate('test over');
  });

  it('does not end an order on a fake Canceled webhook: the confirming reconcile reopens the number', async () => {
    const phoneNumber = '+14155551022';
    const worker = await env.newWorker();
    const out = await worker.runUntil(async () => {
      const { order, sid } = await startSubmittedOrder(phoneNumber);
      const handle = portInHandle(env.client, order.orderId);
      // Validly shaped and dated now, but Twilio still has the number in progress.
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'webhook',
          eventName: 'PortInPhoneNumberCanceled',
          status: 'canceled',
          rawStatus: 'Canceled',
          occurredAt: new Date().toISOString(),
        })
      );
      const reopened = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.timeline.some((t) => t.kind === 'number-status' && /was Canceled/.test(t.message)) ? v : undefined;
        },
        { what: 'the confirming reconcile to reopen the number' }
      );
      expect(reopened.phase).toBe('porting');
      expect(workflowSays(reopened, sid)).toEqual(await twilioSays(sid));

      // Twilio goes on: the carrier accepts and the number ports; the completion webhook ends the order.
      env.sandbox.confirmNumber(sid, phoneNumber);
      env.sandbox.completeNumber(sid, phoneNumber);
      await handle.signal(
        portingEventSignal,
        numberEvent(sid, phoneNumber, {
          source: 'webhook',
          eventName: 'PortInPhoneNumberCompleted',
          status: 'completed',
          rawStatus: 'Completed',
          occurredAt: new Date().toISOString(),
        })
      );
      const result = await waitForPortIn(env.client, order.orderId);
      return { order, sid, result, view: await getPortInStatus(env.client, order.orderId) };
    });

    await recordHistory(portInHandle(env.client, out.order.orderId), 'api-is-truth-fake-cancel-reopened');
    expect(out.result.outcome).toBe('completed');
    expect(out.view.status).toBe('Completed');
    expect(workflowSays(out.view, out.sid)).toEqual(await twilioSays(out.sid));
    expect(out.view.timeline.map((t) => t.kind)).not.toContain('suspect-event');
  });
});
