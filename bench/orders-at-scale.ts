/**
 * Benchmark: N concurrent orders of M numbers each through the whole flow — portability, bill
 * upload, one request per order, signed webhooks through the receiver, completion — against the
 * sandbox (short carrier timeline), one production worker (`node lib/worker.js`, see ./bench-worker.ts)
 * in a process of its own, a dev server of its own.
 * Then a baseline on the same server: N trivial workflows doing the same activities, timers and
 * signals per order, whose activities take a token of the same Twilio rate limit for each call the
 * orders made (./scale/baseline-worker.ts), so both spend the same request budget. Prints wall time
 * against the timeline's ideal, throughput against the baseline, the worker's peak RSS, CPU per
 * order, history events per order, Twilio calls per ported number against the minimum, the
 * webhooks, and the poll schedule of 10,000 simulated orders at the production interval against the
 * configured request rate. Loopback only; bounded by N × M.
 *
 *   node --import tsx bench/orders-at-scale.ts [--orders 1000] [--numbers 5] [--no-baseline] [--memory]
 *
 * --memory samples the worker's threads' heaps (./scale/memory-probe.ts) and prints where the peak went.
 *
 * The worker takes the PORTFLOW_WORKER_* and PORTFLOW_TWILIO_MAX_RPS settings (and NODE_OPTIONS)
 * from this process's environment (their defaults otherwise), so the bench measures what a
 * deployment would run, and the image's process settings (src/worker-process.ts; BENCH_WORKER_PROCESS=plain
 * leaves them out); BENCH_WORKER_NODE_FLAGS adds Node flags to its command line.
 */
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { DEFAULT_TWILIO_MAX_RPS, loadConfig } from '../src/config';
import { startPortIn } from '../src/starter';
import { portInWorkflowId } from '../src/workflows/messages';
import { simulatePollRate } from '../src/workflows/poll-schedule';
import { prng } from '../test/helpers/prng';
import {
  benchWorkerProcess,
  formatMemoryReport,
  memoryReport,
  startBaselineWorker,
  startProductionWorker,
} from './bench-worker';
import type { BenchWorker } from './bench-worker';
import { loadAverage, processCpuMs } from './proc';
import { baselineSignal } from './scale/baseline-workflow';
import type { BaselineInput } from './scale/baseline-workflow';
import { quietBundler } from './quiet-bundler';
import { describeRequestDelta, serverRequestCounts } from './server-metrics';
import type { RequestCounts } from './server-metrics';
import { BENCH_TIMELINE, benchNumber, benchOrder, startBenchStack } from './stack';

const EventType = temporal.api.enums.v1.EventType;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const IDEAL_MS =
  BENCH_TIMELINE.reviewMs + BENCH_TIMELINE.autoSignMs + BENCH_TIMELINE.carrierResponseMs + BENCH_TIMELINE.portDateMs;
/** Bound on the whole run: orders still open after this are reported, not waited for. */
const RUN_DEADLINE_MS = 45 * 60_000;
/** Histories fetched to count events, activities, timers and signals per order. */
const SAMPLE = 20;

function intFlag(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`--${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return n;
}

/** Runs `job(i)` for i < count with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) await job(next++);
    })
  );
}

/**
 * Waits until no workflow of the type runs on the task queue (visibility count; the webhook inboxes
 * share the queue and outlive their orders), or the deadline; returns the open count.
 */
async function waitForQueue(
  client: Client,
  taskQueue: string,
  workflowType: string,
  worker: BenchWorker,
  deadline: number
): Promise<number> {
  let reported = Date.now();
  for (;;) {
    const { count } = await client.workflow.count(
      `TaskQueue = '${taskQueue}' AND WorkflowType = '${workflowType}' AND ExecutionStatus = 'Running'`
    );
    if (count === 0 || Date.now() > deadline) return count;
    if (Date.now() - reported > 15_000) {
      console.error(`  … ${count} ${workflowType} still running (load ${loadAverage()})`);
      reported = Date.now();
    }
    await Promise.race([new Promise((r) => setTimeout(r, 500)), worker.died]);
  }
}

interface PerOrder {
  events: number;
  activities: number;
  timers: number;
  signals: number;
  /** History events by type, the most frequent first. */
  byType: Array<[string, number]>;
}

async function historyCounts(client: Client, workflowIds: string[]): Promise<PerOrder> {
  const sum = { events: 0, activities: 0, timers: 0, signals: 0 };
  const byType = new Map<string, number>();
  for (const workflowId of workflowIds) {
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const events = (await client.workflow.getHandle(workflowId, run.runId).fetchHistory()).events ?? [];
      sum.events += events.length;
      for (const e of events) {
        const type = String(EventType[e.eventType ?? 0] ?? e.eventType).replace('EVENT_TYPE_', '');
        byType.set(type, (byType.get(type) ?? 0) + 1);
        if (e.activityTaskScheduledEventAttributes) sum.activities++;
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') sum.activities++;
        if (e.timerStartedEventAttributes) sum.timers++;
        if (e.workflowExecutionSignaledEventAttributes) sum.signals++;
      }
    }
  }
  const n = Math.max(1, workflowIds.length);
  return {
    events: sum.events / n,
    activities: sum.activities / n,
    timers: sum.timers / n,
    signals: sum.signals / n,
    byType: [...byType].sort((a, b) => b[1] - a[1]).map(([type, count]) => [type, count / n]),
  };
}

/** The Twilio calls a clean run of one order of `m` numbers cannot do without, by endpoint. */
function minimumCalls(m: number): Record<string, number> {
  return {
    'GET /v1/Porting/Portability/PhoneNumber/{number}': m,
    'POST /v1/Documents': 1,
    'POST /v1/Porting/PortIn': 1,
    // Under the API-is-truth rules an ending only webhooks reported is confirmed by one poll.
    'GET /v1/Porting/PortIn/{sid}': 1,
    // Post-port activation (patch portflow-post-port-activation) looks each ported number up in the account.
    'GET /2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json': m,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string' },
      numbers: { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      memory: { type: 'boolean', default: false },
    },
  });
  const orders = intFlag(values.orders, 'orders', 1000, 5000);
  const perOrder = intFlag(values.numbers, 'numbers', 5, 100);
  if (orders * perOrder > 100_000) throw new Error(`--orders × --numbers is at most 100,000, got ${orders * perOrder}`);
  // The settings the worker will read: validated here first, so a bad value fails before anything starts.
  const config = loadConfig(process.env);
  const loadBefore = loadAverage();

  const stack = await startBenchStack({
    name: 'scale',
    serverMetrics: true,
    // Twilio waits up to 15 s for a webhook's answer (/work/shared/reference/performance-reliability.md);
    // the sandbox's default 5 s re-sent deliveries a loaded machine's receiver was still answering.
    sandbox: { webhookConcurrency: 32, webhookRetry: { timeoutMs: 15_000 } },
  });
  const metricsUrl = stack.serverMetricsUrl!;
  const { client, sandbox, taskQueue } = stack;
  const receiver = stack.receiver!;
  const workerEnv = { ...stack.env, PORTFLOW_RECONCILE_INTERVAL: '1 hour' };
  const serverPid = stack.server.process.child.pid;
  let worker: BenchWorker | null = null;
  try {
    const memoryFile = values.memory ? path.join(stack.dir, 'memory.jsonl') : undefined;
    worker = await startProductionWorker(workerEnv, { memoryProbeFile: memoryFile });
    const runId = Date.now();
    const orderIds = Array.from({ length: orders }, (_, i) => `scale-${runId}-${i}`);
    const apiBefore = sandbox.apiCalls();
    const cpu0 = { worker: worker.cpuMs(), server: processCpuMs(serverPid), bench: processCpuMs(process.pid) };
    const requests0 = await serverRequestCounts(metricsUrl);
    const started = Date.now();
    await pool(orders, 32, async (i) => {
      const numbers = Array.from({ length: perOrder }, (_, j) => benchNumber(i * perOrder + j));
      await startPortIn(client, benchOrder(stack, orderIds[i]!, numbers, { customerRef: `bench-${i % 97}` }), {
        taskQueue,
        now: sandbox.clock.now(),
      });
    });
    const startedAllMs = Date.now() - started;
    const open = await waitForQueue(client, taskQueue, 'portInWorkflow', worker, started + RUN_DEADLINE_MS);
    const wallMs = Date.now() - started;
    const cpu1 = { worker: worker.cpuMs(), server: processCpuMs(serverPid), bench: processCpuMs(process.pid) };
    const requests1 = await serverRequestCounts(metricsUrl);
    const rssMb = worker.peakRssMb();
    const warnings = worker.warnings();
    const memory = memoryFile ? formatMemoryReport(memoryReport(memoryFile)) : null;
    const loadAfterRun = loadAverage();
    await worker.stop();
    worker = null;

    const completed = await client.workflow.count(
      `TaskQueue = '${taskQueue}' AND WorkflowType = 'portInWorkflow' AND ExecutionStatus = 'Completed'`
    );
    const ported = sandbox
      .portIns()
      .reduce((sum, r) => sum + r.phone_numbers.filter((n) => n.port_in_phone_number_status === 'Completed').length, 0);
    const sampleIds = orderIds.filter((_, i) => i % Math.max(1, Math.floor(orders / SAMPLE)) === 0).slice(0, SAMPLE);
    const counts = await historyCounts(client, sampleIds.map(portInWorkflowId));
    const calls: Record<string, number> = {};
    for (const [endpoint, n] of Object.entries(sandbox.apiCalls())) {
      const delta = n - (apiBefore[endpoint] ?? 0);
      if (delta > 0) calls[endpoint] = delta;
    }
    const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    // What the baseline's activities take from its rate limiter, per order.
    const callsPerOrder = Math.round(totalCalls / orders);
    const stats = receiver.stats();

    // ----- the baseline: the same Temporal work per order, nothing of portflow's ------------------
    let baseline: {
      wallMs: number;
      cpuWorker: number | null;
      cpuBench: number | null;
      cpuServer: number | null;
      rssMb: number;
      requests: [RequestCounts, RequestCounts];
    } | null = null;
    if (!values['no-baseline']) {
      const baseQueue = `${taskQueue}-baseline`;
      const input: BaselineInput = {
        activities: Math.round(counts.activities),
        timers: Math.max(1, Math.round(counts.timers)),
        timerMs: Math.round(IDEAL_MS / Math.max(1, Math.round(counts.timers))),
        signals: Math.round(counts.signals),
        twilioCalls: callsPerOrder,
      };
      const bundlePath = path.join(stack.dir, 'baseline-bundle.js');
      const bundle = await bundleWorkflowCode({
        workflowsPath: require.resolve('./scale/baseline-workflow'),
        // As the production build bundles its workflows (src/workflow-bundle.ts).
        failureConverterPath: require.resolve('../src/codec/failure-converter'),
        logger: quietBundler,
      });
      writeFileSync(bundlePath, bundle.code);
      worker = await startBaselineWorker({ ...workerEnv, TEMPORAL_TASK_QUEUE: baseQueue }, bundlePath);
      const b0 = { worker: worker.cpuMs(), server: processCpuMs(serverPid), bench: processCpuMs(process.pid) };
      const bRequests0 = await serverRequestCounts(metricsUrl);
      const t0 = Date.now();
      await pool(orders, 32, async (i) => {
        const handle = await client.workflow.start('baselineWorkflow', {
          taskQueue: baseQueue,
          workflowId: `baseline-${runId}-${i}`,
          args: [input],
        });
        for (let s = 0; s < input.signals; s++) await handle.signal(baselineSignal, s);
      });
      await waitForQueue(client, baseQueue, 'baselineWorkflow', worker, t0 + RUN_DEADLINE_MS);
      const b1 = { worker: worker.cpuMs(), server: processCpuMs(serverPid), bench: processCpuMs(process.pid) };
      const bRequests1 = await serverRequestCounts(metricsUrl);
      baseline = {
        wallMs: Date.now() - t0,
        cpuWorker: d(b0.worker, b1.worker),
        cpuBench: d(b0.bench, b1.bench),
        cpuServer: d(b0.server, b1.server),
        rssMb: worker.peakRssMb(),
        requests: [bRequests0, bRequests1],
      };
      await worker.stop();
      worker = null;
    }

    // ----- the poll schedule of 10,000 running orders at the production interval --------------------
    const rate = config.twilio.maxRequestsPerSecond;
    const simulated = simulatePollRate({
      orders: 10_000,
      intervalMs: 6 * HOUR,
      horizonMs: 7 * DAY,
      // The worst case: a migration that starts every order within the same minute.
      startOf: (i) => (i % 60) * 1000,
      random: prng(2026),
    });

    const perMs = (ms: number | null, n: number) => (ms === null ? 'n/a' : `${(ms / n).toFixed(1)} ms`);
    const minimum = minimumCalls(perOrder);
    const minTotal = Object.values(minimum).reduce((a, b) => a + b, 0) * orders;
    const throughput = orders / (wallMs / 1000);
    const lines = [
      `orders at scale: ${orders} orders × ${perOrder} numbers on one worker (${os.cpus().length} cores, load ${loadBefore} before, ${loadAfterRun} after the run)`,
      `  worker settings:       ${benchWorkerProcess().description}, maxCachedWorkflows ${config.worker.maxCachedWorkflows}, activities ${config.worker.maxConcurrentActivityTaskExecutions}, workflow tasks ${config.worker.maxConcurrentWorkflowTaskExecutions}, Twilio concurrency ${config.twilio.maxConcurrency}, rate ${rate ?? 'off'} req/s`,
      `  outcome:               ${completed.count}/${orders} orders completed, ${ported}/${orders * perOrder} numbers ported${open > 0 ? `, ${open} STILL OPEN at the deadline` : ''}`,
      `  wall time:             ${(wallMs / 1000).toFixed(1)} s (starts took ${(startedAllMs / 1000).toFixed(1)} s); the sandbox timeline's ideal ${(IDEAL_MS / 1000).toFixed(1)} s → ${(wallMs / IDEAL_MS).toFixed(1)}× the ideal`,
      ...(rate === null
        ? []
        : [
            `  rate-limit floor:      ${totalCalls} Twilio calls at ${rate} req/s take at least ${(totalCalls / rate).toFixed(1)} s` +
              (wallMs < 1.1 * (totalCalls / rate) * 1000
                ? ': this run was bound by it (PORTFLOW_TWILIO_MAX_RPS=off measures the worker alone)'
                : '') +
              (baseline
                ? `; the baseline took the same ${callsPerOrder} tokens per order from a limit of the same rate`
                : ''),
          ]),
      `  throughput:            ${throughput.toFixed(1)} orders/s` +
        (baseline
          ? `; baseline ${(orders / (baseline.wallMs / 1000)).toFixed(1)} orders/s (${(baseline.wallMs / 1000).toFixed(1)} s) → ratio ${(throughput / (orders / (baseline.wallMs / 1000))).toFixed(2)} (goal ≥ 0.8)`
          : ' (baseline skipped)'),
      `  worker peak RSS:       ${rssMb} MB (goal ≤ 300)` + (baseline ? `; baseline worker ${baseline.rssMb} MB` : ''),
      ...(memory ? [`  worker memory:         ${memory}`] : []),
      `  worker log:            ${warnings.warn} warnings, ${warnings.error} errors`,
      `  CPU per order:         worker ${perMs(d(cpu0.worker, cpu1.worker), orders)}, Temporal server ${perMs(d(cpu0.server, cpu1.server), orders)}` +
        (baseline
          ? `; baseline worker ${perMs(baseline.cpuWorker, orders)}, server ${perMs(baseline.cpuServer, orders)}`
          : ''),
      // This process: the sandbox (Twilio's side), the receiver and the bench's client; the baseline's is its client alone.
      `  CPU per order (bench): sandbox + receiver + client ${perMs(d(cpu0.bench, cpu1.bench), orders)}` +
        (baseline ? `; baseline client ${perMs(baseline.cpuBench, orders)}` : ''),
      `  per order (sample ${sampleIds.length}): ${counts.events.toFixed(0)} history events, ${counts.activities.toFixed(1)} activities, ${counts.timers.toFixed(1)} timers, ${counts.signals.toFixed(1)} signals`,
      `    by type:             ${counts.byType.map(([type, n]) => `${type.toLowerCase()} ${n.toFixed(1)}`).join(', ')}`,
      `  Twilio calls:          ${totalCalls} = ${(totalCalls / Math.max(1, ported)).toFixed(2)} per ported number; minimum ${minTotal} → ${(totalCalls / minTotal).toFixed(2)}× (goal ≤ 1.2×)`,
      ...[...new Set([...Object.keys(minimum), ...Object.keys(calls)])].map((endpoint) => {
        const got = calls[endpoint] ?? 0;
        const min = (minimum[endpoint] ?? 0) * orders;
        return `    ${endpoint.padEnd(52)} ${String(got).padStart(7)} (${(got / Math.max(1, ported)).toFixed(2)}/number; minimum ${min}${min ? `, ${(got / min).toFixed(2)}×` : ''})`;
      }),
      `  server requests/order: ${describeRequestDelta(requests0, requests1, orders, (k) => k.startsWith('frontend/')).join(', ')}`,
      `  persistence ops/order: ${describeRequestDelta(requests0, requests1, orders, isPersistence).join(', ')}`,
      ...(baseline
        ? [
            `    baseline requests:   ${describeRequestDelta(...baseline.requests, orders, (k) => k.startsWith('frontend/')).join(', ')}`,
            `    baseline persistence: ${describeRequestDelta(...baseline.requests, orders, isPersistence).join(', ')}`,
          ]
        : []),
      `  webhooks:              ${stats.received} received, ${stats.routed} routed, ${stats.duplicate} duplicate, ${Object.values(stats.held).reduce((a, b) => a + (b ?? 0), 0)} held`,
      `  poll schedule:         10,000 orders started within one minute, 6 h interval, 7 days: ${simulated.polls} polls, peak ${simulated.peakPerSecond}/s and ${simulated.peakPerMinute}/min, mean ${simulated.meanPerSecond.toFixed(2)}/s against the configured ${rate ?? 'unlimited'} req/s (default ${DEFAULT_TWILIO_MAX_RPS}): ${rate === null || simulated.peakPerSecond <= rate ? 'under it' : 'OVER IT'}`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await worker?.stop();
    await stack.stop();
  }
}

const d = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
const isPersistence = (key: string) => key.startsWith('persistence/') || key.startsWith('visibility_persistence/');

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
