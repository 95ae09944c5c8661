/**
 * Benchmark: orders per minute through the whole flow — portability, bill upload, one request,
 * signed webhooks through a receiver process, completion — on the cluster tier (Temporal on
 * PostgreSQL, four roles), with one production worker process and then with two, in the same run
 * and on the same cluster. Prints orders/min of each phase and their ratio (two workers should
 * approach 2× while neither the server nor the machine's cores are the bottleneck), and per order
 * the CPU of the server processes (the four roles and PostgreSQL with its backends) and of the
 * workers, with the server processes' RSS. Loopback only; bounded by --orders and a 10-minute cap.
 *
 *   npx tsx bench/cluster-scale.ts [--orders 40] [--numbers 2]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startCluster } from '../scripts/cluster/cluster';
import type { TemporalCluster } from '../scripts/cluster/cluster';
import { createDataConverter } from '../src/codec/data-converter';
import { Keyring } from '../src/codec/keys';
import { projectRoot } from '../src/temporal-server/binaries';
import { reservePort } from '../src/temporal-server/ports';
import { startSandbox } from '../src/sandbox';
import { startPortIn, waitForPortIn } from '../src/starter';
import { PortingClient } from '../src/twilio/client';
import { httpOk, restartable } from '../test/cluster/restartable';
import type { Restartable } from '../test/cluster/restartable';
import { quietBundler } from './quiet-bundler';

const DAY = 86_400_000;
const CAP_MS = 10 * 60_000;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process and all its descendants (PostgreSQL forks a backend per connection), in ms. */
function treeCpuMs(rootPid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state(0) ppid(1) … utime(11) stime(12).
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Gone meanwhile.
    }
  }
  let ticks = 0;
  const visit = (pid: number) => {
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) visit(child);
  };
  visit(rootPid);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

function serverPids(cluster: TemporalCluster): Record<string, number> {
  const pids: Record<string, number> = { postgres: cluster.postgres.process.child.pid as number };
  for (const [role, proc] of Object.entries(cluster.roles)) pids[role] = proc.child.pid as number;
  return pids;
}

function benchNumber(phase: number, i: number, n: number): string {
  const npas = ['212', '303', '312', '415', '503', '617', '702', '808', '917'];
  return `+1${npas[phase % npas.length]}555${2000 + i * 10 + n}`;
}

interface PhaseFigures {
  workers: number;
  orders: number;
  seconds: number;
  ordersPerMinute: number;
  serverCpuMsPerOrder: Record<string, number>;
  workerCpuMsPerOrder: number;
  serverRssMb: Record<string, number>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { orders: { type: 'string', default: '40' }, numbers: { type: 'string', default: '2' } },
  });
  const orderCount = Math.min(500, Math.max(1, Number(values.orders)));
  const numbersPerOrder = Math.min(9, Math.max(1, Number(values.numbers)));
  const deadline = Date.now() + CAP_MS;
  const log = (line: string) => console.log(`cluster-scale: ${line}`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-cluster-bench-'));
  const codePath = path.join(dir, 'workflow-bundle.js');
  const [cluster, bundle] = await Promise.all([
    startCluster({
      baseDir: path.join(projectRoot, '.data', 'cluster-bench', `${process.pid}`),
      removeOnStop: true,
      log,
    }),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      failureConverterPath: require.resolve('../src/codec/failure-converter'),
      logger: quietBundler,
    }),
  ]);
  writeFileSync(codePath, bundle.code);
  const sandbox = await startSandbox({
    clockScale: 1,
    webhookConcurrency: 16,
    timeline: { reviewMs: 100, autoSignMs: 200, carrierResponseMs: 200, portDateMs: 300 },
  });
  const key = randomBytes(32);
  const processes: Restartable[] = [];
  let connection: Connection | undefined;
  try {
    const receiverPort = await reservePort();
    // One task queue for both phases: the receiver starts the webhook inbox of a sid it cannot route
    // yet on its own TEMPORAL_TASK_QUEUE, so it must be the queue the workers poll (else the inbox
    // never runs and the order waits for its events until the 6-hour poll).
    const taskQueue = `cluster-scale-${process.pid}`;
    const common = {
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TWILIO_ACCOUNT_SID: sandbox.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.authToken,
      TWILIO_API_BASE_URL: sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
      PORTFLOW_ENCRYPTION_KEYS: `bench:${key.toString('base64')}`,
      PORTFLOW_ENCRYPTION_KEY_ID: 'bench',
      PORTFLOW_LOG_LEVEL: 'WARN',
      PORTFLOW_TEST_WORKFLOW_BUNDLE: codePath,
    };
    const receiver = restartable(
      'receiver',
      'src/webhooks/main.ts',
      { ...common, WEBHOOK_HOST: '127.0.0.1', WEBHOOK_PORT: String(receiverPort.port) },
      () => httpOk(`http://127.0.0.1:${receiverPort.port}/healthz`)
    );
    processes.push(receiver);
    await receiverPort.release();
    await receiver.start();
    const porting = new PortingClient({
      apiBaseUrl: sandbox.url,
      documentsBaseUrl: sandbox.url,
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
    });
    await porting.configureWebhooks({
      portInTargetUrl: `http://127.0.0.1:${receiverPort.port}/webhooks/twilio/porting`,
    });
    porting.close();

    connection = await Connection.connect({ address: cluster.address });
    const client = new Client({
      connection,
      namespace: cluster.namespace,
      dataConverter: await createDataConverter(new Keyring(new Map([['bench', key]]), 'bench')),
    });
    const bill = path.join(dir, 'utility-bill.pdf');
    writeFileSync(bill, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

    const runPhase = async (phase: number, workerCount: number): Promise<PhaseFigures> => {
      const workers: Restartable[] = [];
      for (let w = 0; w < workerCount; w++) {
        const metrics = await reservePort();
        await metrics.release();
        const worker = restartable(
          `worker-${phase}-${w + 1}`,
          'test/cluster/fixtures/production-worker.ts',
          { ...common, PORTFLOW_METRICS_PORT: String(metrics.port) },
          async (out) => out.some((l) => l.startsWith('production-worker: ready'))
        );
        workers.push(worker);
        processes.push(worker);
      }
      await Promise.all(workers.map((w) => w.start()));
      const pids = serverPids(cluster);
      const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, treeCpuMs(pid)]));
      const workersBefore = workers.reduce((n, w) => n + treeCpuMs(w.pid() as number), 0);
      const started = Date.now();
      const target = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10);
      await Promise.all(
        Array.from({ length: orderCount }, async (_, i) => {
          const orderId = `cluster-scale-${process.pid}-${phase}-${i}`;
          await startPortIn(
            client,
            {
              orderId,
              customerRef: `cust-bench-${i}`,
              losingCarrierInformation: {
                customerType: 'Business',
                customerName: 'Bench Plumbing LLC',
                accountNumber: 'ACCT-1',
                accountTelephoneNumber: '+14155550100',
                authorizedRepresentative: 'Jordan Example',
                authorizedRepresentativeEmail: 'jordan@example.com',
                address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
              },
              phoneNumbers: Array.from({ length: numbersPerOrder }, (_, n) => ({
                phoneNumber: benchNumber(phase, i, n),
              })),
              targetPortInDate: target,
              utilityBill: { path: bill },
              options: { reconcileInterval: '6 hours' },
            },
            { taskQueue }
          );
          // The cap's timer is cleared once the order ends: a pending one would keep the bench alive until the cap.
          let cap: NodeJS.Timeout | undefined;
          const result = await Promise.race([
            waitForPortIn(client, orderId),
            new Promise<never>((_, reject) => {
              cap = setTimeout(
                () => reject(new Error(`${orderId} not done within the cap`)),
                Math.max(0, deadline - Date.now())
              );
            }),
          ]).finally(() => clearTimeout(cap));
          if (result.outcome !== 'completed') throw new Error(`${orderId} ended ${result.outcome}`);
        })
      );
      const seconds = (Date.now() - started) / 1000;
      const serverCpuMsPerOrder = Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [
          name,
          Math.round((treeCpuMs(pid) - (cpuBefore[name] ?? 0)) / orderCount),
        ])
      );
      serverCpuMsPerOrder.total = Object.values(serverCpuMsPerOrder).reduce((a, b) => a + b, 0);
      const workerCpuMsPerOrder = Math.round(
        (workers.reduce((n, w) => n + treeCpuMs(w.pid() as number), 0) - workersBefore) / orderCount
      );
      const serverRssMb = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, rssMb(pid)]));
      await Promise.all(workers.map((w) => w.stop()));
      return {
        workers: workerCount,
        orders: orderCount,
        seconds: Math.round(seconds * 10) / 10,
        ordersPerMinute: Math.round((orderCount / seconds) * 60 * 10) / 10,
        serverCpuMsPerOrder,
        workerCpuMsPerOrder,
        serverRssMb,
      };
    };

    const one = await runPhase(1, 1);
    log(`1 worker:  ${JSON.stringify(one)}`);
    const two = await runPhase(2, 2);
    log(`2 workers: ${JSON.stringify(two)}`);
    const ratio = Math.round((two.ordersPerMinute / one.ordersPerMinute) * 100) / 100;
    console.log(
      `\ncluster-scale: ${orderCount} orders × ${numbersPerOrder} numbers per phase, Temporal ${cluster.build.version} on PostgreSQL, ${os.cpus().length} cores\n` +
        `  1 worker : ${one.ordersPerMinute} orders/min (${one.seconds} s); server CPU ${one.serverCpuMsPerOrder.total} ms/order, worker CPU ${one.workerCpuMsPerOrder} ms/order\n` +
        `  2 workers: ${two.ordersPerMinute} orders/min (${two.seconds} s); server CPU ${two.serverCpuMsPerOrder.total} ms/order, workers CPU ${two.workerCpuMsPerOrder} ms/order\n` +
        `  ratio 2 ÷ 1 workers: ${ratio}\n` +
        `  server RSS (MB) after the run: ${JSON.stringify(two.serverRssMb)}\n` +
        `  server CPU per order by process (ms, 2 workers): ${JSON.stringify(two.serverCpuMsPerOrder)}`
    );
    console.log(JSON.stringify({ bench: 'cluster-scale', one, two, ratio }));
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await connection?.close();
    await sandbox.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
