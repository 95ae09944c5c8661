/**
 * Preloaded (`--require`) into a bench's worker process when the bench runs with --memory: every
 * second, each thread (the main one, and the SDK's workflow worker thread, which inherits the
 * flag) appends one JSON line to BENCH_MEMORY_PROBE_FILE with the process's RSS and its own V8
 * isolate's heap, so the bench can say where the peak went: main-thread heap, workflow-thread
 * heap, or outside V8 (the Rust core, buffers, code). Diagnostics only; production never loads it.
 */
import { appendFileSync } from 'node:fs';
import v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

export interface MemorySample {
  t: number;
  thread: number;
  main: boolean;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  malloced: number;
}

const file = process.env.BENCH_MEMORY_PROBE_FILE;
if (file) {
  const sample = () => {
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const line: MemorySample = {
      t: Date.now(),
      thread: threadId,
      main: isMainThread,
      rss: m.rss,
      heapTotal: h.total_heap_size,
      heapUsed: h.used_heap_size,
      external: h.external_memory,
      arrayBuffers: m.arrayBuffers,
      malloced: h.malloced_memory,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  sample();
  setInterval(sample, 1000).unref();
}
