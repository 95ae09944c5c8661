/**
 * The killable pieces of the chaos test: a Temporal dev server of its own (a SQLite file in a temp
 * dir, so a restart keeps every workflow) and child processes (worker, webhook receiver), each on a
 * fixed port, SIGKILLed and restarted on the same port. Every wait is bounded and says what it
 * waited for.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { startDevServer } from '../../../src/temporal-server/dev-server';
import type { DevServerHandle } from '../../../src/temporal-server/dev-server';
import { PortInUseError } from '../../../src/temporal-server/ports';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `fn` again while the port it binds is still (or again) held by someone else, for a bounded time. */
async function whilePortBusy<T>(what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const busy = err instanceof PortInUseError || /EADDRINUSE|address already in use/.test(String(err));
      if (!busy || Date.now() > deadline) throw new Error(`${what} could not start: ${String(err)}`);
      await sleep(500);
    }
  }
}

/** A dev server that can be SIGKILLed and started again on the same port with the same database. */
export class KillableDevServer {
  private handle: DevServerHandle | null = null;
  readonly address: string;

  constructor(
    readonly port: number,
    readonly dbFile: string
  ) {
    this.address = `127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.handle = await whilePortBusy(
      'the chaos dev server',
      () =>
        startDevServer({
          port: this.port,
          uiPort: false,
          dbFile: this.dbFile,
          startTimeoutMs: 120_000,
          stopOnSignals: true,
        }),
      30_000
    );
  }

  /** SIGKILL: no shutdown of any kind; resolves once the process is gone. */
  async kill(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (!h || h.process.hasExited()) return;
    h.process.child.kill('SIGKILL');
    await h.process.exited();
  }

  async stop(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.stop(5000);
  }
}

export interface ChildSpec {
  name: string;
  /** A TypeScript entry point, run as `node --import tsx <script>` so the pid is the process itself. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** A line on stdout that says the process is ready. */
  ready: RegExp;
  readyTimeoutMs: number;
}

/**
 * A child process that is restarted on demand. An exit we did not cause (a crash) is counted and
 * the process started again, as a supervisor (systemd, Kubernetes) would: the count is reported.
 */
export class KillableChild {
  private child: ChildProcess | null = null;
  private tail: string[] = [];
  private stopping = false;
  private killing = false;
  private restarting: Promise<void> | null = null;
  unexpectedExits: string[] = [];

  constructor(private readonly spec: ChildSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** The last lines the process wrote (both streams), for failure messages. */
  outputTail(): string {
    return this.tail.slice(-30).join('\n');
  }

  async start(): Promise<void> {
    const { spec } = this;
    const child = spawn(process.execPath, ['--import', 'tsx', spec.script], {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
    };
    child.stderr!.on('data', collect);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs} ms:\n${this.outputTail()}`));
      }, spec.readyTimeoutMs);
      const onData = (chunk: Buffer) => {
        collect(chunk);
        if (spec.ready.test(chunk.toString('utf8'))) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          // Keep draining stdout, or a chatty child would block on a full pipe.
          child.stdout!.on('data', collect);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited (${signal ?? code}) before it was ready:\n${this.outputTail()}`));
      });
    });
    child.once('exit', (code, signal) => {
      if (this.child !== child || this.stopping || this.killing) return;
      this.unexpectedExits.push(`${signal ?? code}: ${this.tail.slice(-5).join(' | ')}`);
      this.child = null;
      this.restarting = this.start().finally(() => (this.restarting = null));
    });
  }

  /** SIGKILL, then start again on the same settings (ports included). */
  async killAndRestart(): Promise<void> {
    await this.restarting;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.killing = true;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      this.killing = false;
    }
    this.child = null;
    await whilePortBusy(this.spec.name, () => this.start(), 30_000);
  }

  /** Waits for a supervisor restart in progress (after a crash). */
  async settled(): Promise<void> {
    await this.restarting;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting?.catch(() => undefined);
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
