/**
 * Benchmark: one 1,000-number order end to end — portability, bill upload, one request, signed
 * webhooks through the receiver, completion — against the sandbox on an accelerated clock and a
 * dev server of its own. Prints wall time, history events per run (the budget is 10,240 per run)
 * and the worker process's peak RSS. Loopback only; bounded by the order's size.
 *
 *   npx tsx bench/port-in-1000.ts [--numbers 1000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startSandbox } from '../src/sandbox';
import { startPortIn, waitForPortIn } from '../src/starter';
import { startDevServer } from '../src/temporal-server/dev-server';
import { PortingClient } from '../src/twilio/client';
import { startWebhookReceiver } from '../src/webhooks';
import { portInWorkflowId } from '../src/workflows/messages';
import { loadAverage, peakRssMb } from './proc';
import { quietBundler } from './quiet-bundler';

const DAY = 86_400_000;

function benchNumber(i: number): string {
  // Exchange 555 with subscriber numbers from 2000: plain portable numbers in the sandbox's table.
  const npas = ['212', '303', '312', '415', '503', '617', '702', '808', '917'];
  return `+1${npas[Math.floor(i / 8000) % npas.length]}555${2000 + (i % 8000)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { numbers: { type: 'string', default: '1000' } } });
  const count = Math.min(10_000, Math.max(1, Number(values.numbers)));
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

  const server = await startDevServer({ port: 0, uiPort: false, dbFile: ':memory:' });
  // Real time with short carrier delays (see FAST_TIMELINE in the tests): no race with the 7-day rule.
  const sandbox = await startSandbox({
    clockScale: 1,
    webhookConcurrency: 16,
    timeline: { reviewMs: 200, autoSignMs: 500, carrierResponseMs: 500, portDateMs: 1000 },
  });
  const taskQueue = `bench-${Date.now()}`;
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const receiver = await startWebhookReceiver({
    temporalClient: client,
    authToken: sandbox.authToken,
    sandbox: true,
    inbox: { taskQueue },
    logger: quiet,
  });
  const porting = new PortingClient({
    apiBaseUrl: sandbox.url,
    documentsBaseUrl: sandbox.url,
    accountSid: sandbox.accountSid,
    authToken: sandbox.authToken,
  });
  await porting.configureWebhooks({ portInTargetUrl: receiver.webhookUrl, notificationsOf: [] });

  // The worker runs in a process of its own, so its peak RSS is its own.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-bench-'));
  const bundlePath = path.join(dir, 'bundle.js');
  writeFileSync(
    bundlePath,
    (await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quietBundler })).code
  );
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '../test/fixtures/worker-process.ts')],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TASK_QUEUE: taskQueue,
        SANDBOX_URL: sandbox.url,
        SANDBOX_ACCOUNT_SID: sandbox.accountSid,
        SANDBOX_AUTH_TOKEN: sandbox.authToken,
        PORTFLOW_TEST_WORKFLOW_BUNDLE: bundlePath,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });

  try {
    const target = new Date(sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10);
    const orderId = `bench-${count}-${Date.now()}`;
    const billPath = path.join(dir, 'bill.pdf');
    writeFileSync(billPath, '%PDF-1.4\n%%EOF\n');
    const started = Date.now();
    await startPortIn(
      client,
      {
        orderId,
        customerRef: 'bench',
        losingCarrierInformation: {
          customerType: 'Business',
          customerName: 'Bench Co',
          accountNumber: 'ACCT-1',
          accountTelephoneNumber: benchNumber(0),
          authorizedRepresentative: 'Bench Person',
          authorizedRepresentativeEmail: 'bench@example.com',
          address: { street: '1 Main St', city: 'Denver', state: 'CO', zip: '80202', country: 'US' },
        },
        phoneNumbers: Array.from({ length: count }, (_, i) => ({ phoneNumber: benchNumber(i) })),
        targetPortInDate: target,
        utilityBill: { path: billPath },
        options: { reconcileInterval: '1 hour' },
      },
      { taskQueue, now: sandbox.clock.now() }
    );
    const result = await waitForPortIn(client, orderId);
    const wallMs = Date.now() - started;
    const completed = result.numbers.filter((n) => n.status === 'completed').length;

    const runs: Array<{ runId: string; events: number }> = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = "${portInWorkflowId(orderId)}"` })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      runs.push({ runId: execution.runId, events: history.events?.length ?? 0 });
    }
    const stats = receiver.stats();
    console.log(`numbers:               ${count} (${completed} completed, outcome ${result.outcome})`);
    console.log(`wall time:             ${(wallMs / 1000).toFixed(1)} s`);
    console.log(`runs:                  ${runs.length}`);
    console.log(
      `history events / run:  ${runs.map((r) => r.events).join(', ')} (max ${Math.max(...runs.map((r) => r.events))}; budget 10,240)`
    );
    console.log(
      `webhooks:              ${stats.received} received, ${stats.routed} routed, ${stats.duplicate} duplicate`
    );
    console.log(`worker peak RSS:       ${peakRssMb(worker.pid!)} MB`);
    console.log(`load average:          ${loadAverage()} (1, 5, 15 min; ${os.cpus().length} cores)`);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    porting.close();
    await receiver.stop();
    await connection.close();
    await sandbox.stop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
