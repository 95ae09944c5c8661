/**
 * A portflow process (worker or webhook receiver) that a chaos test SIGKILLs and starts again with
 * the same settings. All of its output is kept across restarts, for counting what it logged.
 */
import path from 'node:path';
import { projectRoot } from '../../src/temporal-server/binaries';
import { startManagedProcess, waitUntilReady } from '../../src/temporal-server/managed-process';
import type { ManagedProcess } from '../../src/temporal-server/managed-process';

export interface Restartable {
  readonly name: string;
  readonly output: string[];
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  pid(): number | undefined;
}

export function restartable(
  name: string,
  entry: string,
  env: Record<string, string>,
  ready: (output: string[]) => Promise<boolean>
): Restartable {
  let proc: ManagedProcess | undefined;
  const output: string[] = [];
  return {
    name,
    output,
    async start() {
      if (proc && !proc.hasExited()) throw new Error(`${name} is running`);
      proc = startManagedProcess(name, process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], {
        cwd: projectRoot,
        env: { ...process.env, ...env },
        tailLines: 60,
      });
      const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      proc.child.stdout?.on('data', collect);
      proc.child.stderr?.on('data', collect);
      const from = output.length;
      await waitUntilReady(proc, () => ready(output.slice(from)), {
        timeoutMs: 90_000,
        intervalMs: 200,
        what: 'ready',
      });
    },
    async kill() {
      if (!proc || proc.hasExited()) return;
      proc.child.kill('SIGKILL');
      await proc.exited();
    },
    async stop() {
      await proc?.stop(10_000);
    },
    pid: () => proc?.child.pid,
  };
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}
