/**
 * Benchmark: what the production worker (`node lib/worker.js`, see ./bench-worker.ts) costs before
 * any order — its peak RSS after it has polled for a while with nothing to do, against a dev server
 * and the sandbox of its own. The fixed part of every other bench's worker RSS. Loopback only.
 *
 *   node --import tsx bench/idle-worker.ts [--seconds 20] [--memory]
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { benchWorkerProcess, formatMemoryReport, memoryReport, startProductionWorker } from './bench-worker';
import { loadAverage } from './proc';
import { startBenchStack } from './stack';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '20' }, memory: { type: 'boolean', default: false } },
  });
  const seconds = Math.min(600, Math.max(1, Number(values.seconds)));
  const loadBefore = loadAverage();
  const stack = await startBenchStack({ name: 'idle', receiver: false });
  const memoryFile = values.memory ? path.join(stack.dir, 'memory.jsonl') : undefined;
  try {
    const worker = await startProductionWorker(stack.env, { memoryProbeFile: memoryFile });
    try {
      await Promise.race([new Promise((r) => setTimeout(r, seconds * 1000)), worker.died]);
      console.log(`idle worker: ${benchWorkerProcess().description}, ${seconds} s polling`);
      console.log(`  peak RSS:      ${worker.peakRssMb()} MB`);
      if (memoryFile) console.log(`  memory:        ${formatMemoryReport(memoryReport(memoryFile))}`);
      console.log(`  load average:  ${loadBefore} before, ${loadAverage()} after`);
    } finally {
      await worker.stop();
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
