/**
 * The demo's stop on Ctrl-C: every step runs, in order, each bounded by its own limit and all of
 * them by one budget, so nothing that hangs keeps the demo (and its dev server) alive.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DemoLogFile } from '../../../src/demo/log-file';
import { runCleanups } from '../../../src/demo/stop-sequence';
import type { CleanupStep } from '../../../src/demo/stop-sequence';

const hang = () => new Promise<void>(() => undefined);

describe('runCleanups (the demo stop sequence)', () => {
  let dir: string;
  let log: DemoLogFile;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-stop-'));
    log = new DemoLogFile(path.join(dir, 'demo.log'));
  });
  afterEach(() => {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const logLines = () =>
    readFileSync(log.file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; message: string; ms?: number; allowedMs?: number });

  it('runs every step in order and logs each with its duration', async () => {
    const order: string[] = [];
    const steps: CleanupStep[] = ['worker', 'dev server', 'sandbox'].map((what) => ({
      what,
      run: async () => {
        order.push(what);
      },
    }));
    expect(await runCleanups(steps, log)).toEqual([]);
    expect(order).toEqual(['worker', 'dev server', 'sandbox']);
    const stopped = logLines().filter((l) => l.message.startsWith('stopped '));
    expect(stopped.map((l) => l.message)).toEqual(['stopped worker', 'stopped dev server', 'stopped sandbox']);
    expect(stopped.every((l) => typeof l.ms === 'number')).toBe(true);
  });

  it('gives up on a step that hangs past its limit and still runs the ones after it', async () => {
    const ran: string[] = [];
    const started = Date.now();
    const problems = await runCleanups(
      [
        { what: 'worker', run: hang, timeoutMs: 1200 },
        { what: 'sandbox', run: () => void ran.push('sandbox') },
        { what: 'codec server', run: () => Promise.reject(new Error('port already closed')) },
      ],
      log
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ran).toEqual(['sandbox']);
    expect(problems).toEqual(['worker: did not stop within 1.2 s', 'codec server: port already closed']);
    expect(
      logLines()
        .filter((l) => l.level === 'error')
        .map((l) => l.message)
    ).toEqual(['failed to stop worker', 'failed to stop codec server']);
  });

  it('bounds the whole stop by the budget: a step past it gets one second, not its own limit', async () => {
    const problems = await runCleanups(
      [
        { what: 'worker', run: hang, timeoutMs: 60_000 },
        { what: 'Temporal dev server', run: hang, timeoutMs: 60_000 },
      ],
      log,
      1500
    );
    expect(problems).toEqual(['worker: did not stop within 1.5 s', 'Temporal dev server: did not stop within 1.0 s']);
    const allowed = logLines()
      .filter((l) => l.message.startsWith('stopping '))
      .map((l) => l.allowedMs);
    expect(allowed[0]).toBe(1500);
    expect(allowed[1]).toBe(1000);
  });
});
