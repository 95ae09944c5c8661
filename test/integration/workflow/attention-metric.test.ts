/**
 * `portflow_orders_needing_attention` on the worker's Prometheus endpoint: the worker runs in a process
 * of its own, configured as production configures it (test/fixtures/configured-worker-process.ts, the
 * same runPortflowWorker as `node lib/worker.js`), against the real dev server and the sandbox over
 * HTTP. Credentials refused (the sandbox's `auth-failure` fault) park the orders and the gauge counts
 * them; once Twilio accepts the credentials again the orders resume and the gauge returns to 0.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { ATTENTION_GAUGE_NAME, needsAttentionQuery } from '../../../src/attention-gauge';
import { loadDataConverter } from '../../../src/codec/data-converter';
import { loadConfig } from '../../../src/config';
import { PortInStatus } from '../../../src/search-attributes';
import { getPortInStatus, startPortIn, waitForPortIn } from '../../../src/starter';
import { reservePort } from '../../../src/temporal-server/ports';
import { KillableChild } from '../chaos/processes';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { promSample } from '../../helpers/prometheus';
import { devServerAddress } from '../../helpers/temporal';

const ORDERS = 3;

describe('the Needs Attention gauge (worker process, Prometheus)', () => {
  let env: PortflowTestEnv;
  let worker: KillableChild | undefined;
  beforeAll(async () => {
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.close();
  });

  it('counts the parked orders of its task queue, then returns to 0 once the credentials work again', async () => {
    const metricsPort = await reservePort();
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      TWILIO_ACCOUNT_SID: env.sandbox.accountSid,
      TWILIO_AUTH_TOKEN: env.sandbox.authToken,
      TWILIO_API_BASE_URL: env.sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: env.sandbox.url,
      TWILIO_TIMEOUT_MS: '5000',
      PORTFLOW_ENCRYPTION_KEYS: `gauge:${randomBytes(32).toString('base64')}`,
      PORTFLOW_ENCRYPTION_KEY_FILE: '',
      PORTFLOW_METRICS_HOST: '127.0.0.1',
      PORTFLOW_METRICS_PORT: String(metricsPort.port),
      PORTFLOW_ATTENTION_GAUGE_INTERVAL: '1s',
      PORTFLOW_LOG_LEVEL: 'WARN',
      PORTFLOW_TEST_METRICS: '1',
    };
    // The orders travel encrypted with the worker's keys, as production's do.
    const client = new Client({
      connection: env.temporal.connection,
      namespace: 'default',
      dataConverter: await loadDataConverter(loadConfig(childEnv)),
    });
    await metricsPort.release();
    worker = new KillableChild({
      name: 'worker',
      script: path.join(__dirname, '../../fixtures/configured-worker-process.ts'),
      env: childEnv,
      ready: /configured-worker-process: ready/,
      readyTimeoutMs: 90_000,
    });
    await worker.start();
    const metricsUrl = `http://127.0.0.1:${metricsPort.port}/metrics`;
    const gauge = async () =>
      promSample(await (await fetch(metricsUrl)).text(), ATTENTION_GAUGE_NAME, { task_queue: env.taskQueue });
    const countWithStatus = async (status: string) =>
      (await client.workflow.count(`TaskQueue = '${env.taskQueue}' AND ${PortInStatus.name} = '${status}'`)).count;

    const orders = Array.from({ length: ORDERS }, (_, i) =>
      buildOrder(env.sandbox, [`+1415555${String(2300 + i).padStart(4, '0')}`], {
        options: { reconcileInterval: '2s' },
      })
    );
    for (const order of orders) {
      await startPortIn(client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
    }
    await eventually(async () => ((await countWithStatus('Waiting for Signature')) === ORDERS ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 1000,
      what: 'every order waiting for its signature',
    });
    // Nothing parked yet: the gauge is there, at 0.
    expect(
      await eventually(async () => ((await gauge()) === 0 ? 0 : undefined), {
        timeoutMs: 30_000,
        what: `${ATTENTION_GAUGE_NAME} = 0 on ${metricsUrl}`,
      })
    ).toBe(0);

    // A bad credential rotation, as Twilio answers it: every API call 401 / 20003.
    const fault = env.sandbox.addFault({ kind: 'http', fault: 'auth-failure', times: 1_000_000 });
    await eventually(async () => ((await gauge()) === ORDERS ? true : undefined), {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: `${ATTENTION_GAUGE_NAME} = ${ORDERS} on ${metricsUrl}`,
    });
    // The gauge says what visibility says.
    expect((await client.workflow.count(needsAttentionQuery(env.taskQueue))).count).toBe(ORDERS);
    expect(fault).toEqual(expect.any(String));

    // The fix: Twilio accepts the credentials again; the orders resume by themselves.
    env.sandbox.clearFaults();
    await eventually(async () => ((await gauge()) === 0 ? true : undefined), {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: `${ATTENTION_GAUGE_NAME} back to 0 on ${metricsUrl}`,
    });

    // Leave nothing running: the customers sign, and every order completes.
    for (const order of orders) {
      const view = await getPortInStatus(client, order.orderId);
      expect(view.attention).toBeNull();
      env.sandbox.sign(view.requestSids[0]!);
    }
    const results = await Promise.all(orders.map((o) => waitForPortIn(client, o.orderId)));
    expect(results.map((r) => r.outcome)).toEqual(Array(ORDERS).fill('completed'));
  }, 600_000);
});
