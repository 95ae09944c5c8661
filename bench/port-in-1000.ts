/**
 * Benchmark: one 1,000-number order end to end — portability, bill upload, one request, signed
 * webhooks through the receiver, completion — against the sandbox (short carrier timeline), the
 * production worker (`node lib/worker.js`, see ./bench-worker.ts) in a process of its own and a dev
 * server of its own. Prints wall time, history events per run (the budget is 10,240 per run) and the
 * worker's peak RSS. A worker that dies fails the bench at once, with its exit and its last output.
 * Loopback only; bounded by the order's size and RUN_DEADLINE_MS.
 *
 *   node --import tsx bench/port-in-1000.ts [--numbers 1000] [--memory]
 *
 * --memory samples the worker's threads' heaps (./scale/memory-probe.ts) and prints where the peak went.
 *
 * The worker runs with the production defaults, PORTFLOW_TWILIO_MAX_RPS (25) among them: the 1,000
 * portability checks alone take at least 40 s.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPortIn, waitForPortIn } from '../src/starter';
import { portInWorkflowId } from '../src/workflows/messages';
import { benchWorkerProcess, formatMemoryReport, memoryReport, startProductionWorker } from './bench-worker';
import type { BenchWorker } from './bench-worker';
import { loadAverage } from './proc';
import { benchNumber, benchOrder, startBenchStack } from './stack';

/** Bound on the order: reported as a failure, not waited for, after this. */
const RUN_DEADLINE_MS = 30 * 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { numbers: { type: 'string', default: '1000' }, memory: { type: 'boolean', default: false } },
  });
  const count = Math.min(10_000, Math.max(1, Number(values.numbers)));
  const loadBefore = loadAverage();
  const stack = await startBenchStack({ name: 'bench-1000', sandbox: { webhookConcurrency: 16 } });
  const { client, sandbox, taskQueue } = stack;
  let worker: BenchWorker | null = null;
  let deadline: NodeJS.Timeout | undefined;
  try {
    const memoryFile = values.memory ? path.join(stack.dir, 'memory.jsonl') : undefined;
    worker = await startProductionWorker(stack.env, { memoryProbeFile: memoryFile });
    const orderId = `bench-${count}-${Date.now()}`;
    const numbers = Array.from({ length: count }, (_, i) => benchNumber(i));
    const started = Date.now();
    await startPortIn(client, benchOrder(stack, orderId, numbers, { options: { reconcileInterval: '1 hour' } }), {
      taskQueue,
      now: sandbox.clock.now(),
    });
    const result = await Promise.race([
      waitForPortIn(client, orderId),
      // Said at once: the cleanup that follows closes the connection under waitForPortIn's pending
      // call, whose retry then throws, and the process may end before main()'s catch prints.
      worker.died.catch((err: unknown) => {
        console.error(err);
        console.error(
          `the worker died ${((Date.now() - started) / 1000).toFixed(1)} s into the order, peak RSS ${worker?.peakRssMb()} MB` +
            (memoryFile ? `; ${formatMemoryReport(memoryReport(memoryFile))}` : '') +
            `; load average ${loadAverage()}`
        );
        throw err;
      }),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(
          () => reject(new Error(`the order did not end within ${RUN_DEADLINE_MS / 60_000} minutes`)),
          RUN_DEADLINE_MS
        );
      }),
    ]);
    const wallMs = Date.now() - started;
    const rssMb = worker.peakRssMb();
    const warnings = worker.warnings();
    const completed = result.numbers.filter((n) => n.status === 'completed').length;

    const runs: Array<{ runId: string; events: number }> = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = "${portInWorkflowId(orderId)}"` })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      runs.push({ runId: execution.runId, events: history.events?.length ?? 0 });
    }
    const stats = stack.receiver!.stats();
    console.log(`worker:                ${benchWorkerProcess().description}`);
    console.log(`numbers:               ${count} (${completed} completed, outcome ${result.outcome})`);
    console.log(`wall time:             ${(wallMs / 1000).toFixed(1)} s`);
    console.log(`runs:                  ${runs.length}`);
    console.log(
      `history events / run:  ${runs.map((r) => r.events).join(', ')} (max ${Math.max(...runs.map((r) => r.events))}; budget 10,240)`
    );
    console.log(
      `webhooks:              ${stats.received} received, ${stats.routed} routed, ${stats.duplicate} duplicate`
    );
    console.log(`worker peak RSS:       ${rssMb} MB (goal ≤ 300)`);
    if (memoryFile) console.log(`worker memory:         ${formatMemoryReport(memoryReport(memoryFile))}`);
    console.log(`worker log:            ${warnings.warn} warnings, ${warnings.error} errors`);
    console.log(
      `load average:          ${loadBefore} before, ${loadAverage()} after (1, 5, 15 min; ${os.cpus().length} cores)`
    );
  } finally {
    clearTimeout(deadline);
    await worker?.stop();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
