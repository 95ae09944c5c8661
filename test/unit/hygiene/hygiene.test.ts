/**
 * The check that fails a test run which leaves something behind (test/helpers/hygiene.ts): it must
 * see a temp folder, a process and a listening port that a test forgot.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leftovers, listeningPortsOf, makeTempDir, markedProcesses, removeTempDirs } from '../../helpers/hygiene';

describe('test hygiene', () => {
  it("runs every test with the run's own temp directory and mark", () => {
    expect(process.env.PORTFLOW_TEST_RUN).toBeTruthy();
    expect(path.basename(os.tmpdir())).toMatch(/^portflow-test-run-/);
  });

  it('names a temp folder a test left behind, and forgets it once removed', () => {
    const forgotten = mkdtempSync(path.join(os.tmpdir(), 'portflow-forgotten-'));
    expect(leftovers()).toContain(`temporary folder or file left behind: ${forgotten}`);
    rmSync(forgotten, { recursive: true });
    expect(leftovers().join('\n')).not.toContain(forgotten);

    const made = makeTempDir('portflow-made-');
    expect(leftovers().join('\n')).toContain(made);
    removeTempDirs();
    expect(leftovers().join('\n')).not.toContain(made);
  });

  it('names a process of the run still alive, and the port it listens on', async () => {
    const child = spawn(
      process.execPath,
      ['-e', "require('net').createServer().listen(0, '127.0.0.1', () => console.log('listening'))"],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      expect(markedProcesses().map((p) => p.pid)).toContain(child.pid);
      expect(leftovers()).toContainEqual(expect.stringMatching(new RegExp(`^process left running: pid ${child.pid} `)));
      expect(listeningPortsOf(child.pid!).length).toBe(1);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    expect(markedProcesses().map((p) => p.pid)).not.toContain(child.pid);
  });
});
