import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { handleInterrupts } from '../interrupts';

/**
 * A child process that must never outlive us: it is stopped (TERM, then KILL) on `stop()`, on our
 * exit, and — unless its owner stops it itself — on SIGINT/SIGTERM; its recent output is kept to
 * explain an early death.
 */
export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** The last lines the process wrote, for error messages. */
  outputTail(): string;
  /** Resolves when the process has exited (immediately if it already has). */
  exited(): Promise<number | null>;
  hasExited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ManagedProcess>();
/** The subset stopped by our own SIGINT/SIGTERM hook (see `stopOnSignals`). */
const stopOnSignal = new Set<ManagedProcess>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // Synchronous last resort: 'exit' handlers cannot wait, so send KILL to whatever is left.
  process.on('exit', () => {
    for (const p of live) {
      if (!p.hasExited()) p.child.kill('SIGKILL');
    }
  });
  // Installed for the process's lifetime until the first interrupt has been handled: copies of the
  // same Ctrl-C (relayed by npm) must not reach Node's default handler, which would kill us
  // before the children are stopped. A later press waits for the (bounded) stop like the first.
  const dispose = handleInterrupts(['SIGINT', 'SIGTERM'], {
    onFirst: (signal) => {
      void Promise.all([...stopOnSignal].map((p) => p.stop(5000))).finally(() => {
        dispose();
        // Re-raise so the default behaviour (and other listeners' expectations) still apply.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    },
    onForce: () => undefined,
  });
}

export function startManagedProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & {
    echo?: boolean;
    tailLines?: number;
    /**
     * Stop the process on SIGINT/SIGTERM at once. `false` for an owner that handles those signals
     * and stops things in its own order (the demo stops the worker before the server it talks to);
     * the exit hook still kills the process if the owner never does.
     * @default true
     */
    stopOnSignals?: boolean;
  } = {}
): ManagedProcess {
  installExitHooks();
  const { echo = false, tailLines = 40, stopOnSignals = true, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (echo) process.stderr.write(text);
    tail.push(...text.split('\n').filter(Boolean));
    if (tail.length > tailLines) tail.splice(0, tail.length - tailLines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exitCode: number | null | undefined;
  const exitPromise = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      live.delete(handle);
      stopOnSignal.delete(handle);
      resolve(code);
    });
    child.once('error', (err) => {
      tail.push(`failed to start ${command}: ${err.message}`);
      exitCode = -1;
      live.delete(handle);
      stopOnSignal.delete(handle);
      resolve(-1);
    });
  });

  const handle: ManagedProcess = {
    child,
    name,
    outputTail: () => tail.join('\n'),
    exited: () => exitPromise,
    hasExited: () => exitCode !== undefined,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
  };
  live.add(handle);
  if (stopOnSignals) stopOnSignal.add(handle);
  return handle;
}

/**
 * Polls `probe` until it resolves true, the process dies, the deadline passes or `signal` aborts
 * (then the process is stopped and the abort reason thrown). The error says which, with the
 * process's last output.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  {
    timeoutMs,
    intervalMs = 250,
    what,
    signal,
  }: { timeoutMs: number; intervalMs?: number; what: string; signal?: AbortSignal }
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) {
      await proc.stop(5000);
      signal.throwIfAborted();
    }
    if (proc.hasExited()) {
      throw new Error(`${proc.name} exited before ${what}.\n--- last output ---\n${proc.outputTail()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      await proc.stop(2000);
      throw new Error(
        `${proc.name} did not become ready (${what}) within ${Math.round(timeoutMs / 1000)} s.\n--- last output ---\n${proc.outputTail()}`
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
