/**
 * Ctrl-C stops the long-running npm scripts (`npm run demo`, `worker`, `webhooks`, …) cleanly even when
 * their event loop is busy at that moment. tsx's own CLI (`tsx file.ts`) does not allow it: it relays
 * a signal to its child and SIGKILLs the child when the child has not acknowledged it within about
 * 60 ms, so a demo busy for a moment under load was killed before it stopped the Temporal dev server it
 * had started. The scripts run `node --import tsx` (one process, no relay); this test runs a command
 * busy at the interrupt through the scripts' own runner and signals its process group, as a terminal does.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const scripts = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
/** The scripts a person stops with Ctrl-C. */
const LONG_RUNNING = ['demo', 'worker', 'webhooks', 'sandbox', 'codec-server', 'temporal', 'cluster', 'portflow'];

/** The command that runs a script's TypeScript entry: everything before the `.ts` path. */
function runnerOf(name: string): string {
  const match = /^(.*?)\s+\S+\.ts$/.exec(scripts[name] ?? '');
  if (!match) throw new Error(`package.json script "${name}" is not "<runner> <file>.ts": ${scripts[name]}`);
  return match[1]!;
}

describe('Ctrl-C while a long-running script is busy', () => {
  it('every long-running script uses the same runner', () => {
    expect(Object.fromEntries(LONG_RUNNING.map((name) => [name, runnerOf(name)]))).toEqual(
      Object.fromEntries(LONG_RUNNING.map((name) => [name, runnerOf('demo')]))
    );
  });

  it('lets the command finish its own clean stop (the runner neither kills it nor exits before it)', async () => {
    const child = spawn('sh', ['-c', `exec ${runnerOf('demo')} test/fixtures/busy-at-interrupt.ts`], {
      cwd: root,
      detached: true,
      env: { ...process.env, PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | string | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? signal))
    );
    const busy = new Promise<void>((resolve) => {
      const check = () => (out.includes('busy') ? resolve() : setTimeout(check, 20));
      check();
    });
    await Promise.race([busy, exited]);
    // As a terminal's Ctrl-C: the whole process group.
    process.kill(-child.pid!, 'SIGINT');
    const guard = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone.
      }
    }, 30_000);
    const code = await exited;
    clearTimeout(guard);
    expect({ code, out: out.trim().split('\n') }).toEqual({
      code: 0,
      out: ['busy', 'SIGINT: stopping cleanly', 'stopped cleanly'],
    });
  });
});
