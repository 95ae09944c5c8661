/**
 * Benchmark: portability checks of many numbers through PortingClient at a concurrency cap, against
 * the sandbox with a fixed per-call latency. The ideal time is numbers × latency ÷ concurrency; the
 * ratio achieved ÷ ideal shows what the client (limiter, keep-alive, parsing) costs. Target ≤ 1.2.
 *
 *   npx tsx bench/portability.ts [--numbers 1000] [--latency 50] [--concurrency 25] [--in-process] [--strict]
 *
 * The sandbox runs in a child process by default, so its CPU does not compete with the client's on
 * one event loop (Twilio is remote, after all). Loopback only; bounded by `--numbers`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, startSandbox } from '../src/sandbox';
import { PortingClient } from '../src/twilio';

/** Settings of one run. */
export interface PortabilityBenchOptions {
  numbers: number;
  latencyMs: number;
  concurrency: number;
  /** Run the sandbox on this process's event loop instead of a child process. */
  inProcess: boolean;
}

/** What one run measured. */
export interface PortabilityBenchResult extends PortabilityBenchOptions {
  elapsedMs: number;
  idealMs: number;
  ratio: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  notPortable: number;
}

export const TARGET_RATIO = 1.2;

/** `+1 NPA 555 SSSS` with SSSS from 1000: plain portable LOCAL numbers in the sandbox's scenario table. */
function benchNumber(i: number): string {
  const npas = ['212', '303', '312', '415', '503', '617', '702', '808', '917'];
  return `+1${npas[Math.floor(i / 9000) % npas.length]}555${1000 + (i % 9000)}`;
}

async function sandboxInChild(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(__filename, ['--serve-sandbox'], { execArgv: process.execArgv, stdio: 'inherit' });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the sandbox child did not start within 30 s')), 30_000);
    child.once('message', (m: unknown) => {
      clearTimeout(timer);
      resolve(String((m as { url: string }).url));
    });
    child.once('exit', (code) => reject(new Error(`the sandbox child exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function serveSandbox(): Promise<void> {
  const sandbox = await startSandbox({ port: 0 });
  process.send?.({ url: sandbox.url });
  process.on('message', (m) => {
    if (m === 'stop') void sandbox.stop().then(() => process.exit(0));
  });
}

/** Runs the benchmark once and returns the measurements. */
export async function runPortabilityBench(options: PortabilityBenchOptions): Promise<PortabilityBenchResult> {
  const sandbox = options.inProcess ? await startSandbox({ port: 0 }) : await sandboxInChild();
  // The child sandbox reports only its URL; it accepts the default sandbox credentials.
  const client = PortingClient.forSandbox(
    { url: sandbox.url, accountSid: SANDBOX_ACCOUNT_SID, authToken: SANDBOX_AUTH_TOKEN },
    {
      maxConcurrency: options.concurrency,
      maxRetries: 0,
    }
  );
  try {
    const settings = await fetch(`${sandbox.url}/_sandbox/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: options.latencyMs }),
    });
    if (!settings.ok) throw new Error(`could not set the sandbox latency: ${settings.status} ${await settings.text()}`);

    // Warm-up: open the keep-alive connections and JIT the paths before timing.
    await Promise.all(
      Array.from({ length: options.concurrency * 2 }, (_, i) => client.checkPortability(benchNumber(i)))
    );

    const durations: number[] = [];
    let notPortable = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.numbers }, async (_, i) => {
        const t0 = performance.now();
        const result = await client.checkPortability(benchNumber(i));
        durations.push(performance.now() - t0);
        if (!result.portable) notPortable++;
      })
    );
    const elapsedMs = performance.now() - started;
    const idealMs = (options.numbers * options.latencyMs) / options.concurrency;
    // Each duration includes the wait for a free slot in the client's limiter.
    durations.sort((a, b) => a - b);
    const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))] ?? 0;
    return {
      ...options,
      elapsedMs,
      idealMs,
      ratio: elapsedMs / idealMs,
      callsPerSecond: (options.numbers / elapsedMs) * 1000,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      notPortable,
    };
  } finally {
    client.close();
    await sandbox.stop();
  }
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 100_000) {
    throw new Error(`--${name} must be an integer from 1 to 100000, got ${args[i + 1] ?? '(nothing)'}`);
  }
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--serve-sandbox')) return serveSandbox();
  const options: PortabilityBenchOptions = {
    numbers: flag(args, 'numbers', 1000),
    latencyMs: flag(args, 'latency', 50),
    concurrency: flag(args, 'concurrency', 25),
    inProcess: args.includes('--in-process'),
  };
  const r = await runPortabilityBench(options);
  const verdict = r.ratio <= TARGET_RATIO ? 'within target' : 'OVER TARGET';
  console.log(
    [
      `portability bench: ${r.numbers} numbers, ${r.latencyMs} ms sandbox latency, concurrency ${r.concurrency}` +
        ` (sandbox ${r.inProcess ? 'in process' : 'in a child process'})`,
      `  achieved ${r.elapsedMs.toFixed(0)} ms, ideal ${r.idealMs.toFixed(0)} ms (numbers × latency ÷ concurrency)`,
      `  ratio ${r.ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}): ${verdict}`,
      `  ${r.callsPerSecond.toFixed(0)} checks/s; per call incl. queueing p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms; ${r.notPortable} not portable`,
    ].join('\n')
  );
  if (args.includes('--strict') && r.ratio > TARGET_RATIO) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
