/**
 * Runs `scripts/demo.ts` as a child process the way a person would (no TTY), on free ports and a
 * temporary data directory, and watches the processes it starts. Shared by the demo test and the
 * browser test.
 *
 * Every port is given as `0`: the demo reserves its own free ports and holds them until each piece
 * listens. Ports chosen here would stay unbound for the seconds the demo takes to start, and
 * another process or an outgoing connection could take one meanwhile (CI saw EADDRINUSE).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_PORTS } from '../../../src/demo/settings';
import { makeTempDir } from '../../helpers/hygiene';
import type { DemoPortName } from '../../../src/demo/settings';

export const projectRoot = path.resolve(__dirname, '../../..');

export interface DemoProcess {
  child: ChildProcess;
  /** The port of each piece, read from the lines the demo printed as it started them; throws if one is missing. */
  ports(): Record<DemoPortName, number>;
  dataDir: string;
  /** Everything written so far to stdout and stderr. */
  stdout(): string;
  stderr(): string;
  /** Every process seen below the demo while it ran (scanned in /proc), plus the demo itself. */
  seenProcesses(): Map<number, SeenProcess>;
  /** Resolves with the demo's first stdout line matching `pattern`; rejects if it exits or the time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (a signal is reported as 128 + its number). */
  exited: Promise<number>;
  /** Sends `signal` (to the process group when started `asInTerminal`) if it still runs, then waits (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number>;
  /** Last resort for afterAll: SIGKILL whatever the demo started that is still alive; returns those pids. */
  killLeftovers(): number[];
  /** For a failure message: the end of stdout and stderr, and the demo's own lines in demo.log (its stop steps, timed). */
  diagnostics(): string;
}

/** The fields of /proc/<pid>/stat after the command name, or undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * A process identity that survives pid reuse: the pid and its start time (clock ticks after boot).
 * `pid:starttime`.
 */
export type ProcessKey = `${number}:${string}`;

function keyOf(pid: number): ProcessKey | undefined {
  const fields = statFields(pid);
  // Field 22 of stat is starttime; fields[] starts at field 3 (state).
  return fields ? `${pid}:${fields[19]}` : undefined;
}

/** A process seen below the demo: its identity and its command name (`/proc/<pid>/comm`). */
export interface SeenProcess {
  key: ProcessKey;
  command: string;
}

/** How the demo announces each piece (scripts/demo.ts and src/demo/stack.ts). */
const ANNOUNCED: Record<DemoPortName, RegExp> = {
  temporal: /^ *Temporal: +127\.0\.0\.1:(\d+) /m,
  ui: /^ *Temporal UI: +http:\/\/127\.0\.0\.1:(\d+)$/m,
  codec: /^ *Codec server: +http:\/\/127\.0\.0\.1:(\d+)$/m,
  sandbox: /^ *Twilio sandbox: +http:\/\/127\.0\.0\.1:(\d+) /m,
  webhooks: /^ *Webhook receiver: +http:\/\/127\.0\.0\.1:(\d+)\//m,
  metrics: /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m,
};

function announcedPorts(stdout: string): Record<DemoPortName, number> {
  const ports = {} as Record<DemoPortName, number>;
  const missing: DemoPortName[] = [];
  for (const name of Object.keys(ANNOUNCED) as DemoPortName[]) {
    const match = ANNOUNCED[name].exec(stdout);
    if (match) ports[name] = Number(match[1]);
    else missing.push(name);
  }
  if (missing.length > 0) throw new Error(`The demo has not announced the port of: ${missing.join(', ')}.\n${stdout}`);
  return ports;
}

/** Every live descendant of `root`. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const parent = statFields(pid)?.[1];
    if (parent !== undefined) children.set(Number(parent), [...(children.get(Number(parent)) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** True while the process `key` names exists (same pid, same start time) and is not a zombie. */
export function isAlive(key: ProcessKey): boolean {
  const [pid, start] = key.split(':');
  if (!existsSync(`/proc/${pid}`)) return false;
  const fields = statFields(Number(pid));
  return fields !== undefined && fields[19] === start && fields[0] !== 'Z';
}

/**
 * Starts the demo with every port free and its own data directory.
 *
 * `asInTerminal`: started as a person types it, `npm run demo`, in a process group of its own, and
 * `stop()` signals the whole group as Ctrl-C in a terminal does; npm then relays the same
 * SIGINT to the demo a second time. Otherwise the demo script runs directly and only it is signalled.
 */
export async function startDemoProcess(
  env: Record<string, string> = {},
  { asInTerminal = false }: { asInTerminal?: boolean } = {}
): Promise<DemoProcess> {
  const demoEnv: Record<string, string> = {};
  for (const name of Object.keys(DEMO_PORTS) as DemoPortName[]) demoEnv[DEMO_PORTS[name].env] = '0';
  // Holds the demo's generated encryption keys: removed when the test process exits.
  const dataDir = makeTempDir('portflow-demo-');
  const inherited = { ...process.env };
  // The demo must generate its own key file; no key from the developer's shell.
  for (const key of Object.keys(inherited)) {
    if (key.startsWith('PORTFLOW_ENCRYPTION_') || key.startsWith('PORTFLOW_DEMO_')) delete inherited[key];
  }
  const [command, args] = asInTerminal
    ? ['npm', ['run', '--silent', 'demo']]
    : [process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'demo.ts')]];
  const child = spawn(command, args, {
    cwd: projectRoot,
    detached: asInTerminal,
    env: {
      ...inherited,
      ...demoEnv,
      PORTFLOW_DEMO_DATA_DIR: dataDir,
      // A simulated day per second: the scenario takes about ten seconds.
      PORTFLOW_DEMO_CLOCK_SCALE: '86400',
      PORTFLOW_DEMO_TIMEOUT_SECONDS: '120',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const seen = new Map<number, SeenProcess>();
  const remember = (pid: number) => {
    if (seen.has(pid)) return;
    const key = keyOf(pid);
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      // Gone already.
    }
    if (key) seen.set(pid, { key, command });
  };
  remember(child.pid!);
  const scan = setInterval(() => {
    for (const pid of descendantsOf(child.pid!)) remember(pid);
  }, 200);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(scan);
      for (const w of waiters) w();
      resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
    });
  });

  return {
    child,
    ports: () => announcedPorts(stdout),
    dataDir,
    stdout: () => stdout,
    stderr: () => stderr,
    seenProcesses: () => seen,
    exited,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = stdout.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) return finish(() => resolve(line));
          if (child.exitCode !== null || child.signalCode !== null) {
            return finish(() =>
              reject(
                new Error(
                  `The demo exited before printing ${pattern}.\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`
                )
              )
            );
          }
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `No line matching ${pattern} within ${timeoutMs} ms.\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`
                )
              )
            ),
          timeoutMs
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    diagnostics() {
      let own = '(no demo.log)';
      try {
        own = readFileSync(path.join(dataDir, 'demo.log'), 'utf8')
          .split('\n')
          .filter((line) => line.includes('"source":"demo"'))
          .slice(-30)
          .join('\n');
      } catch {
        // Not written yet.
      }
      const tail = (text: string) => text.split('\n').slice(-15).join('\n');
      return `--- stdout (end) ---\n${tail(stdout)}\n--- stderr (end) ---\n${tail(stderr)}\n--- demo.log (the demo's own lines) ---\n${own}`;
    },
    killLeftovers() {
      const alive = [...seen].filter(([, p]) => isAlive(p.key)).map(([pid]) => pid);
      for (const pid of alive) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      return alive;
    },
    async stop(signal = 'SIGINT', graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) {
        // A terminal signals the foreground process group, not one process.
        const send = (s: NodeJS.Signals) => {
          try {
            if (asInTerminal) process.kill(-child.pid!, s);
            else child.kill(s);
          } catch {
            // Gone in the meantime.
          }
        };
        send(signal);
        const timer = setTimeout(() => send('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}
