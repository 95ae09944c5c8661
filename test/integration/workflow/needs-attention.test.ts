/**
 * Credentials and outages never end an in-flight order: refused credentials (401 / 20003), 5xx
 * streaks and a 404 on the order's own request during reconcile or an operator's cancel park the order as "Needs Attention" (search
 * attribute, `attention` in the query, a timeline entry), and it resumes by itself once Twilio answers
 * again. The reconcile interval is short here on purpose: these tests are about outages, not lost
 * webhooks (no receiver runs, so the orders learn everything from the poll).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { PortInStatus } from '../../../src/search-attributes';
import { cancelPhoneNumbers, getPortInStatus, portInHandle, startPortIn, waitForPortIn } from '../../../src/starter';
import type { PortingClient } from '../../../src/twilio/client';
import { createPortflowWorker } from '../../../src/worker';
import { AttentionReason } from '../../../src/workflows/failures';
import type { PortInStatusView } from '../../../src/workflows/messages';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, sandboxPortingClient, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { workflowBundle } from '../../helpers/temporal';

const ORDERS = 50;

describe('Needs Attention: 50 in-flight orders survive credentials broken for several reconcile intervals', () => {
  let env: PortflowTestEnv;
  let badPorting: PortingClient;
  beforeAll(async () => {
    // LOAs are signed by hand once the credentials are broken, so every order is in flight meanwhile.
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
    badPorting = sandboxPortingClient(env.sandbox, { authToken: 'a-bad-rotation' });
  });
  afterAll(async () => {
    badPorting?.close();
    await env?.close();
  });

  const workerWith = (porting: PortingClient): Promise<Worker> =>
    createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting,
      workflowBundle: workflowBundle(),
      tuning: { maxCachedWorkflows: 100 },
    });
  const views = (ids: string[]) => Promise.all(ids.map((id) => getPortInStatus(env.client, id)));
  const countWithStatus = async (status: string) => {
    const { count } = await env.client.workflow.count(
      `TaskQueue = '${env.taskQueue}' AND ${PortInStatus.name} = '${status}'`
    );
    return count;
  };

  it('parks every order while Twilio refuses the credentials, then completes them all after the fix', async () => {
    const orders = Array.from({ length: ORDERS }, (_, i) =>
      buildOrder(env.sandbox, [`+1415555${String(2000 + i).padStart(4, '0')}`], {
        options: { reconcileInterval: '10s' },
      })
    );
    const ids = orders.map((o) => o.orderId);

    // 1. A healthy worker files every request; the LOAs stay unsigned.
    const good = await workerWith(env.porting);
    await good.runUntil(async () => {
      for (const order of orders) {
        await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      }
      // Visibility, not 50 queries a second: the machine running this test is small.
      await eventually(async () => ((await countWithStatus('Waiting for Signature')) === ORDERS ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: 2000,
        what: 'every order waiting for its signature',
      });
    });

    // 2. A bad credential rotation: the next worker's every call answers 401 / 20003.
    const bad = await workerWith(badPorting);
    const parked = await bad.runUntil(async () => {
      await eventually(async () => ((await countWithStatus('Needs Attention')) === ORDERS ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: 2000,
        what: 'every order Needs Attention',
      });
      const parked = await eventually(
        async () => {
          const all = await views(ids);
          // Several reconcile intervals: every order has failed at least three polls in a row.
          return all.every((v) => v.status === 'Needs Attention' && (v.attention?.failures ?? 0) >= 3)
            ? all
            : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 5000, what: 'every order parked for three failed polls' }
      );
      // An operator's cancel meanwhile is refused with Twilio's reason, and changes nothing.
      const refused = await cancelPhoneNumbers(env.client, ids[0]!, [orders[0]!.phoneNumbers[0]!.phoneNumber]).catch(
        (e: unknown) => e
      );
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('Twilio.20003');
      expect(cause.message).toMatch(/^Twilio refused the cancel: 20003 Twilio 401 code 20003: Authentication Error/);
      expect(cause.details).toEqual([{ status: 401, code: 20003, moreInfo: expect.stringContaining('20003') }]);
      // Asked while this worker still runs: a query needs a worker to answer it.
      const cancelTried: PortInStatusView = await getPortInStatus(env.client, ids[0]!);
      expect(cancelTried.numbers[0]!.status).toBe('waiting_for_signature');
      expect(
        cancelTried.timeline.some((t) => /Twilio refused the cancel: 20003.*nothing changed/.test(t.message))
      ).toBe(true);
      expect(await countWithStatus('Needs Attention')).toBe(ORDERS);
      return parked;
    });
    for (const v of parked) {
      expect(v.phase).toBe('porting');
      expect(v.failure).toBeNull();
      expect(v.attention).toMatchObject({
        reason: AttentionReason.CredentialsRefused,
        code: 20003,
        operation: 'reconcile',
      });
      expect(v.timeline.filter((t) => t.kind === 'needs-attention')).toHaveLength(1);
      expect(v.numbers[0]!.status).toBe('waiting_for_signature');
    }

    // Meanwhile the carrier goes on: the customers sign.
    for (const v of parked) env.sandbox.sign(v.requestSids[0]!);

    // 3. The fix is deployed: the orders resume by themselves and complete.
    const fixed = await workerWith(env.porting);
    const results = await fixed.runUntil(async () => {
      const results = await Promise.all(ids.map((id) => waitForPortIn(env.client, id)));
      return { results, final: await views(ids) };
    });
    await recordHistory(portInHandle(env.client, ids[0]!), 'needs-attention-credentials');
    expect(results.results.map((r) => r.outcome)).toEqual(Array(ORDERS).fill('completed'));
    for (const v of results.final) {
      expect(v.status).toBe('Completed');
      expect(v.attention).toBeNull();
      expect(v.timeline.some((t) => t.kind === 'attention-resolved')).toBe(true);
    }
    expect(await countWithStatus('Completed')).toBe(ORDERS);
    expect(env.sandbox.portIns()).toHaveLength(ORDERS);
  }, 900_000);
});

describe('Needs Attention: a 5xx streak or a 404 during reconcile', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('parks the order as TwilioUnavailable while every attempt fails, and resumes after', async () => {
    const order = buildOrder(env.sandbox, ['+14155552101'], { options: { reconcileInterval: '1s' } });
    const worker = await env.newWorker();
    const { parked, result, final } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const sid = await eventually(async () => (await getPortInStatus(env.client, order.orderId)).requestSids[0]);
      // Every GET of the request answers 503 for a while: more than one poll's attempts (the client's own
      // retries of a GET included), so at least one poll gives up.
      env.sandbox.addFault({
        kind: 'http',
        method: 'GET',
        pathPattern: `^/v1/Porting/PortIn/${sid}$`,
        fault: 'server-error',
        status: 503,
        times: 40,
      });
      const parked = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.status === 'Needs Attention' ? v : undefined;
        },
        { what: 'Needs Attention' }
      );
      env.sandbox.sign(sid);
      const result = await waitForPortIn(env.client, order.orderId);
      return { parked, result, final: await getPortInStatus(env.client, order.orderId) };
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'needs-attention-5xx');
    expect(parked.attention).toMatchObject({
      reason: AttentionReason.TwilioUnavailable,
      code: 20500, // the sandbox's (and Twilio's) code of an internal error
      operation: 'reconcile',
    });
    expect(parked.timeline.at(-1)?.message).toMatch(
      /^Needs attention \(TwilioUnavailable 20500\) during reconcile: .*503/
    );
    expect(result.outcome).toBe('completed');
    expect(final.attention).toBeNull();
    expect(final.timeline.some((t) => t.kind === 'attention-resolved')).toBe(true);
  });

  it('parks the order as RequestNotFound while Twilio answers 404 for its request, and resumes when the 404s end', async () => {
    const order = buildOrder(env.sandbox, ['+14155552102'], { options: { reconcileInterval: '1s' } });
    const worker = await env.newWorker();
    const { parked, parkedInVisibility, resumed, result, final } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      const sid = await eventually(async () => (await getPortInStatus(env.client, order.orderId)).requestSids[0]);
      // Twilio "loses" the request for a while (real time): every GET of it answers 404 / 20404.
      env.sandbox.addFault({
        kind: 'http',
        method: 'GET',
        pathPattern: `^/v1/Porting/PortIn/${sid}$`,
        fault: 'not-found',
        durationMs: 20_000,
      });
      const parked = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.status === 'Needs Attention' ? v : undefined;
        },
        { what: 'Needs Attention' }
      );
      const parkedInVisibility = await eventually(
        async () => {
          const { count } = await env.client.workflow.count(
            `WorkflowId = '${portInHandle(env.client, order.orderId).workflowId}' AND ${PortInStatus.name} = 'Needs Attention'`
          );
          return count === 1 ? true : undefined;
        },
        { what: 'PortInStatus = Needs Attention in visibility' }
      );
      // The 404 period ends: the next retry finds the request, with no one's help.
      const resumed = await eventually(
        async () => {
          const v = await getPortInStatus(env.client, order.orderId);
          return v.attention === null && v.timeline.some((t) => t.kind === 'attention-resolved') ? v : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1000, what: 'the order resumed after the 404 period' }
      );
      env.sandbox.sign(sid);
      const result = await waitForPortIn(env.client, order.orderId);
      return { parked, parkedInVisibility, resumed, result, final: await getPortInStatus(env.client, order.orderId) };
    });
    await recordHistory(portInHandle(env.client, order.orderId), 'needs-attention-404');
    expect(parked.phase).toBe('porting');
    expect(parked.failure).toBeNull();
    expect(parked.attention).toMatchObject({
      reason: AttentionReason.RequestNotFound,
      code: 20404,
      operation: 'reconcile',
    });
    expect(parkedInVisibility).toBe(true);
    const entry = parked.timeline.find((t) => t.kind === 'needs-attention');
    expect(entry).toMatchObject({ requestSid: parked.requestSids[0] });
    expect(entry?.message).toMatch(/^Needs attention \(RequestNotFound 20404\) during reconcile: .*404/);
    expect(resumed.status).toBe('Waiting for Signature');
    expect(result.outcome).toBe('completed');
    expect(final.status).toBe('Completed');
    expect(final.timeline.filter((t) => t.kind === 'needs-attention')).toHaveLength(1);
  });
});
