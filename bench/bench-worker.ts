/**
 * The worker process of a bench, run as production runs it: `node lib/worker.js` (the compiled
 * worker with the build's prebuilt workflow bundle, see the Dockerfile), configured from its
 * environment — encryption keys, Prometheus metrics on a free port, the attention gauge, the
 * PORTFLOW_WORKER_* tuning and the Twilio limits. A baseline worker is plain node on compiled
 * JavaScript too (see {@link startBaselineWorker}), so the two are compared like for like.
 *
 * lib/ is built first when it is missing or older than src/ (`npm run build`): a bench never
 * measures a stale build, and never the TypeScript sources through tsx (twice the memory: tsx's
 * loader, and webpack bundling the workflow code at start).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../src/temporal-server/binaries';
import { startManagedProcess, waitUntilReady } from '../src/temporal-server/managed-process';
import { reservePort } from '../src/temporal-server/ports';
import { WORKFLOW_BUNDLE_FILE } from '../src/workflow-bundle';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../src/worker-process';
import { peakRssMb, processCpuMs } from './proc';
import type { MemorySample } from './scale/memory-probe';

const LIB = path.join(projectRoot, 'lib');
const SRC = path.join(projectRoot, 'src');

export interface BenchWorker {
  readonly name: string;
  readonly pid: number;
  /**
   * Rejects as soon as the process dies before `stop()`, with its exit code or signal and the
   * tail of its output: race it against whatever the bench waits for.
   */
  readonly died: Promise<never>;
  /** Its log lines so far at WARN and ERROR. */
  warnings(): { warn: number; error: number };
  peakRssMb(): number;
  cpuMs(): number | null;
  stop(): Promise<void>;
}

export interface BenchWorkerOptions {
  /** Node flags. @default {@link benchWorkerProcess}'s */
  nodeFlags?: string[];
  /** Preload ./scale/memory-probe.ts, sampling every thread's heap into this file (see {@link memoryReport}). */
  memoryProbeFile?: string;
}

/**
 * How the benches start a worker: with the image's process settings (src/worker-process.ts) and the
 * flags of BENCH_WORKER_NODE_FLAGS after them; `BENCH_WORKER_PROCESS=plain` leaves the settings out
 * (plain `node`, glibc's and V8's defaults) to measure what they save. See docs/scale.md.
 */
export function benchWorkerProcess(): { flags: string[]; env: Record<string, string>; description: string } {
  const mode = process.env.BENCH_WORKER_PROCESS ?? '';
  if (mode !== '' && mode !== 'plain') {
    throw new Error(`BENCH_WORKER_PROCESS must be unset (the image's settings) or "plain", got "${mode}"`);
  }
  const plain = mode === 'plain';
  const flags = [
    ...(plain ? [] : WORKER_NODE_FLAGS),
    ...(process.env.BENCH_WORKER_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  const env = plain ? {} : { ...WORKER_PROCESS_ENV };
  const settings = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const description = `${[...settings, 'node', ...flags].join(' ')} lib/worker.js${plain ? ' (BENCH_WORKER_PROCESS=plain)' : ''}`;
  return { flags, env, description };
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The build's prebuilt workflow bundle, the one `node lib/worker.js` loads (call {@link ensureBuilt} first). */
export const PRODUCTION_WORKFLOW_BUNDLE = path.join(LIB, WORKFLOW_BUNDLE_FILE);

/** Builds lib/ (`npm run build`) when its workflow bundle, the build's last output, is missing or older than src/. */
export function ensureBuilt(): void {
  const builtAt = statSync(PRODUCTION_WORKFLOW_BUNDLE, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const inputs = [
    newestMtimeMs(SRC),
    ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(path.join(projectRoot, f)).mtimeMs),
  ];
  if (Math.max(...inputs) <= builtAt) return;
  console.error('bench: lib/ is missing or older than src/; building it (npm run build) to run the production worker');
  // The build's output goes to our stderr: stdout is the bench's figures.
  const result = spawnSync('npm', ['run', 'build'], { cwd: projectRoot, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    throw new Error(`bench: npm run build failed (${result.signal ?? `exit code ${result.status}`}); see above`);
  }
}

/**
 * Compiles a bench file with esbuild (which tsx ships) into a hidden file in lib/, beside the
 * compiled modules it imports from src/ (their imports are pointed there, so it loads the same
 * modules as `node lib/worker.js`); packages stay external. The caller removes the file.
 */
async function compileToLib(entry: string): Promise<string> {
  const outfile = path.join(LIB, `.bench-${path.basename(entry, '.ts')}-${process.pid}-${Date.now()}.js`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'compiled-src',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (!args.path.startsWith('.')) return { path: args.path, external: true };
            const resolved = path.resolve(args.resolveDir, args.path);
            if (resolved.startsWith(SRC + path.sep))
              return { path: `./${path.relative(SRC, resolved)}`, external: true };
            return undefined;
          });
        },
      },
    ],
  });
  return outfile;
}

/**
 * Starts `node <flags> script` with `env` and waits for its `portflow worker:` line on stdout (the
 * production worker's, printed once it is created). {@link startProductionWorker} and
 * {@link startBaselineWorker} are the two the benches run.
 */
export async function startWorkerProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  options: BenchWorkerOptions & { onExit?: () => void }
): Promise<BenchWorker> {
  // Prometheus metrics as in production, on a port of the worker's own.
  const metrics = await reservePort();
  await metrics.release();
  const probe = options.memoryProbeFile ? await compileToLib(path.join(__dirname, 'scale/memory-probe.ts')) : null;
  const settings = benchWorkerProcess();
  const flags = [...(options.nodeFlags ?? settings.flags), ...(probe ? ['--require', probe] : [])];
  const proc = startManagedProcess(name, process.execPath, [...flags, script], {
    cwd: projectRoot,
    env: {
      // The bench's own environment may override the image's malloc settings.
      ...settings.env,
      ...process.env,
      PORTFLOW_METRICS_HOST: '127.0.0.1',
      PORTFLOW_METRICS_PORT: String(metrics.port),
      ...(options.memoryProbeFile ? { BENCH_MEMORY_PROBE_FILE: options.memoryProbeFile } : {}),
      ...env,
    },
    tailLines: 40,
  });
  const counts = { warn: 0, error: 0 };
  let ready = false;
  proc.child.stdout!.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('portflow worker:')) ready = true;
  });
  proc.child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    counts.warn += text.match(/\[WARN\]/g)?.length ?? 0;
    counts.error += text.match(/\[ERROR\]/g)?.length ?? 0;
  });
  let stopping = false;
  const died = new Promise<never>((_, reject) => {
    proc.child.once('exit', (code, signal) => {
      options.onExit?.();
      if (probe) rmSync(probe, { force: true });
      if (stopping) return;
      reject(
        new Error(
          `${name} (pid ${proc.child.pid}) died (${signal ? `signal ${signal}` : `exit code ${code}`}) before the bench stopped it\n` +
            `--- its last output ---\n${proc.outputTail()}`
        )
      );
    });
  });
  died.catch(() => undefined);
  await waitUntilReady(proc, async () => ready, { timeoutMs: 120_000, intervalMs: 100, what: 'its ready line' });
  const pid = proc.child.pid!;
  // Read every second as well, so that the peak of a worker that died is still known.
  let lastPeakMb = 0;
  const readPeak = () => {
    try {
      lastPeakMb = Math.max(lastPeakMb, peakRssMb(pid));
    } catch {
      // Gone: keep the last reading.
    }
    return lastPeakMb;
  };
  const peakTimer = setInterval(readPeak, 1000).unref();
  proc.child.once('exit', () => clearInterval(peakTimer));
  return {
    name,
    pid,
    died,
    warnings: () => ({ ...counts }),
    peakRssMb: readPeak,
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      stopping = true;
      // The SDK drains on SIGTERM; its default grace for activities is short, the bench's orders are done.
      await proc.stop(15_000);
    },
  };
}

/**
 * `node lib/worker.js` with `env` (see src/config.ts; a stack's `env` plus the task queue and any
 * PORTFLOW_* setting of this process's environment, which it inherits).
 */
export async function startProductionWorker(
  env: Record<string, string>,
  options: BenchWorkerOptions = {}
): Promise<BenchWorker> {
  ensureBuilt();
  return startWorkerProcess('portflow worker', path.join(LIB, 'worker.js'), env, options);
}

/**
 * bench/scale/baseline-worker.ts compiled with esbuild (which tsx ships) into a file in lib/,
 * beside the compiled modules it imports from src/, and run with plain node like the production
 * worker; the file is removed when the worker exits. `bundlePath` is its workflow bundle.
 */
export async function startBaselineWorker(
  env: Record<string, string>,
  bundlePath: string,
  options: BenchWorkerOptions = {}
): Promise<BenchWorker> {
  ensureBuilt();
  const outfile = await compileToLib(path.join(__dirname, 'scale/baseline-worker.ts'));
  const remove = () => rmSync(outfile, { force: true });
  try {
    return await startWorkerProcess(
      'baseline worker',
      outfile,
      { ...env, BENCH_BASELINE_BUNDLE: bundlePath },
      {
        ...options,
        onExit: remove,
      }
    );
  } catch (err) {
    remove();
    throw err;
  }
}

/** Where a worker's memory was at its peak, from the samples of ./scale/memory-probe.ts. */
export interface MemoryReport {
  samples: number;
  /** At the main thread's sample of the highest RSS: the RSS and each part of it, in MB. */
  atPeak: { rss: number; mainHeap: number; workflowThreadHeaps: number; outsideV8Heaps: number };
  /** The highest of each over the run, in MB. */
  max: {
    mainHeapUsed: number;
    mainHeapTotal: number;
    workflowHeapUsed: number;
    workflowHeapTotal: number;
    external: number;
  };
}

export function memoryReport(file: string): MemoryReport | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const samples = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MemorySample);
  const main = samples.filter((s) => s.main);
  const others = samples.filter((s) => !s.main);
  if (main.length === 0) return null;
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const peak = main.reduce((a, b) => (b.rss > a.rss ? b : a));
  // Each workflow thread's sample nearest the peak (they sample on their own second).
  const nearest = new Map<number, MemorySample>();
  for (const s of others) {
    const best = nearest.get(s.thread);
    if (!best || Math.abs(s.t - peak.t) < Math.abs(best.t - peak.t)) nearest.set(s.thread, s);
  }
  const threadHeaps = [...nearest.values()].reduce((n, s) => n + s.heapTotal, 0);
  const max = (list: MemorySample[], f: (s: MemorySample) => number) => mb(Math.max(0, ...list.map(f)));
  return {
    samples: samples.length,
    atPeak: {
      rss: mb(peak.rss),
      mainHeap: mb(peak.heapTotal),
      workflowThreadHeaps: mb(threadHeaps),
      outsideV8Heaps: mb(peak.rss - peak.heapTotal - threadHeaps),
    },
    max: {
      mainHeapUsed: max(main, (s) => s.heapUsed),
      mainHeapTotal: max(main, (s) => s.heapTotal),
      workflowHeapUsed: max(others, (s) => s.heapUsed),
      workflowHeapTotal: max(others, (s) => s.heapTotal),
      external: max(samples, (s) => s.external),
    },
  };
}

/** One line of a {@link MemoryReport}. */
export function formatMemoryReport(r: MemoryReport | null): string {
  if (!r) return 'no samples';
  return (
    `at the peak sample ${r.atPeak.rss} MB RSS = main-thread heap ${r.atPeak.mainHeap} + workflow-thread heap ${r.atPeak.workflowThreadHeaps} + outside the V8 heaps ${r.atPeak.outsideV8Heaps} (core, buffers, code); ` +
    `max over the run: main heap ${r.max.mainHeapUsed}/${r.max.mainHeapTotal} MB used/total, workflow thread ${r.max.workflowHeapUsed}/${r.max.workflowHeapTotal} MB, external ${r.max.external} MB`
  );
}
