/**
 * A portflow worker in a process of its own with Prometheus metrics on, for metrics.test.ts: the SDK
 * runtime (and its metrics exporter) can be installed once per process, and jest may reuse a
 * process for several test files. It runs one order through the sandbox (a completed number, a
 * not-portable one, one rejected and resubmitted), prints one JSON line, then keeps serving
 * /metrics until SIGTERM.
 *
 * Reads TEMPORAL_ADDRESS and PORTFLOW_TEST_WORKFLOW_BUNDLE from the env. The metrics port is
 * chosen here, held until the runtime binds it: chosen by the test, it would stay unbound for the
 * seconds this process takes to start, and something else could take it.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../../src/config';
import { reservePort } from '../../../src/temporal-server/ports';
import { startSandbox } from '../../../src/sandbox';
import { getPortInStatus, resubmitRejected, startPortIn, waitForPortIn } from '../../../src/starter';
import { PortingClient } from '../../../src/twilio/client';
import { createPortflowWorker, installRuntime } from '../../../src/worker';
import { buildOrder, eventually, FAST_TIMELINE } from '../../helpers/portflow-env';

const DAY = 86_400_000;

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  const codePath = process.env.PORTFLOW_TEST_WORKFLOW_BUNDLE;
  if (!address || !codePath)
    throw new Error('metrics-worker: TEMPORAL_ADDRESS and PORTFLOW_TEST_WORKFLOW_BUNDLE are required');
  // The production path: the worker's own runtime installer, metrics on config.metrics.port.
  const metricsPort = await reservePort();
  const config = loadConfig({ ...process.env, PORTFLOW_METRICS_PORT: String(metricsPort.port) });
  await metricsPort.release();
  installRuntime(config);

  // Real time with short carrier delays (as startPortflowEnv): no race with the 7-day target-date rule.
  const sandbox = await startSandbox({ clockScale: 1, timeline: FAST_TIMELINE });
  const porting = new PortingClient({
    apiBaseUrl: sandbox.url,
    documentsBaseUrl: sandbox.url,
    accountSid: sandbox.accountSid,
    authToken: sandbox.authToken,
    timeoutMs: 5000,
  });
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = `metrics-${process.pid}-${Date.now()}`;
  const worker = await createPortflowWorker({
    connection: nativeConnection,
    taskQueue,
    porting,
    workflowBundle: { codePath },
  });
  const running = worker.run();

  const rejected = '+14155550156';
  const order = buildOrder(sandbox, ['+14155551101', '+14155550133', rejected]);
  await startPortIn(client, order, { taskQueue, now: sandbox.clock.now() });
  await eventually(
    async () => ((await getPortInStatus(client, order.orderId)).status === 'Action Required' ? true : undefined),
    { what: 'Action Required' }
  );
  await resubmitRejected(client, order.orderId, {
    losingCarrierInformation: order.losingCarrierInformation,
    targetPortInDate: new Date(sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10),
  });
  const result = await waitForPortIn(client, order.orderId);
  console.log(
    JSON.stringify({
      metricsUrl: `http://${config.metrics.host}:${config.metrics.port}/metrics`,
      outcome: result.outcome,
    })
  );

  // The runtime's own SIGTERM handler shuts the worker down; run() then resolves.
  await running;
  await nativeConnection.close();
  await connection.close();
  porting.close();
  await sandbox.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
