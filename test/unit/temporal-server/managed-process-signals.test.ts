/**
 * The managed-process SIGINT hook: one Ctrl-C that arrives twice (the terminal's copy and npm's
 * relayed one) still stops the children before the process ends, instead of the copy hitting Node's
 * default handler while a child is still stopping.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

it('stops its children before dying of a SIGINT that arrives twice', async () => {
  const owner = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/fixtures/managed-child.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    owner.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /child (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    owner.once('exit', () => reject(new Error(`the owner exited early: ${out}`)));
  });
  const exited = new Promise<{ signal: NodeJS.Signals | null; childAlive: boolean }>((resolve) =>
    owner.once('exit', (_code, signal) => resolve({ signal, childAlive: existsSync(`/proc/${childPid}`) }))
  );
  owner.kill('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 100));
  owner.kill('SIGINT');
  const result = await exited;
  if (result.childAlive) process.kill(childPid, 'SIGKILL');
  // Re-raised after the stop: the owner still ends as SIGINT would end it.
  expect(result).toEqual({ signal: 'SIGINT', childAlive: false });
});
