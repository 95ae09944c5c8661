/**
 * Test hygiene: a test run leaves no temporary folder, process or listening port behind.
 *
 * The global setup of each jest project points TMPDIR at a folder of its own for the run (every
 * test process and every child inherits it, so `os.tmpdir()` lands there) and marks the run's
 * environment with PORTFLOW_TEST_RUN. The global teardown then fails the run, naming what was
 * left, when that folder is not empty or a process carrying the mark is still alive — and removes
 * or stops it, so the machine is clean either way. Tests make their folders with
 * {@link makeTempDir}, which removes them when the test process exits (or earlier, by hand).
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();
let exitHookInstalled = false;

/** A fresh folder under the system temp directory, removed when this process exits. */
export function makeTempDir(prefix = 'portflow-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', removeTempDirs);
  }
  return dir;
}

/** Removes every folder {@link makeTempDir} made in this process (also run at exit). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

export const RUN_MARK = 'PORTFLOW_TEST_RUN';
const RUN_TMPDIR = 'PORTFLOW_TEST_RUN_TMPDIR';

/**
 * Global setup: a temp folder and a mark for this run. Called by each project's setup; the first
 * call wins, so both projects of `npm test` share one folder and one mark.
 */
export function beginHygiene(): void {
  const g = globalThis as { __portflowHygieneUsers?: number };
  g.__portflowHygieneUsers = (g.__portflowHygieneUsers ?? 0) + 1;
  if (process.env[RUN_MARK]) return;
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'portflow-test-run-'));
  process.env[RUN_MARK] = `${process.pid}-${Date.now()}`;
  process.env[RUN_TMPDIR] = runDir;
  process.env.TMPDIR = runDir;
}

/** What a run left behind, in words. Empty when it left nothing. */
export function leftovers(): string[] {
  const problems: string[] = [];
  const runDir = process.env[RUN_TMPDIR];
  if (runDir) {
    let entries: string[] = [];
    try {
      entries = readdirSync(runDir);
    } catch {
      // Removed already (a second teardown).
    }
    for (const entry of entries) {
      // tsx keeps its compile cache in the temp directory (tsx-<uid>): a cache, not a test's leftover.
      if (/^tsx-\d+$/.test(entry)) continue;
      problems.push(`temporary folder or file left behind: ${path.join(runDir, entry)}`);
    }
  }
  for (const p of markedProcesses()) problems.push(`process left running: pid ${p.pid} ${p.command}`);
  for (const port of listeningPortsOf(process.pid)) problems.push(`port still listening in the jest process: ${port}`);
  return problems;
}

/**
 * Global teardown: fails with every leftover named, after cleaning them up. Waits a moment for
 * processes that are already exiting (a grace for exits, not a timing assertion).
 */
export async function endHygiene(): Promise<void> {
  // Both projects of `npm test` share the run: only the last teardown checks, once the other
  // project's servers (the integration dev server) have stopped.
  const g = globalThis as { __portflowHygieneUsers?: number };
  g.__portflowHygieneUsers = (g.__portflowHygieneUsers ?? 1) - 1;
  if (g.__portflowHygieneUsers > 0) return;
  const runDir = process.env[RUN_TMPDIR];
  if (!runDir) return;
  let problems = leftovers();
  for (let i = 0; i < 20 && problems.some((p) => p.startsWith('process')); i++) {
    await new Promise((r) => setTimeout(r, 250));
    problems = leftovers();
  }
  for (const p of markedProcesses()) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  rmSync(runDir, { recursive: true, force: true });
  delete process.env[RUN_TMPDIR];
  if (problems.length > 0) {
    throw new Error(`The test run left things behind (now removed):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

interface MarkedProcess {
  pid: number;
  command: string;
}

/** Processes of this run (they carry its mark in their environment), except jest's own. Linux only. */
export function markedProcesses(): MarkedProcess[] {
  const mark = process.env[RUN_MARK];
  if (!mark || process.platform !== 'linux') return [];
  const needle = `${RUN_MARK}=${mark}\0`;
  const out: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue; // a zombie holds nothing; its parent reaps it
      const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      // Jest's own workers carry the mark too; they are not the tests' processes.
      if (/jest-worker|processChild\.js/.test(command)) continue;
      out.push({ pid, command: command.slice(0, 200) });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return out;
}

/** TCP ports a process listens on (from /proc: its socket inodes against the LISTEN table). Linux only. */
export function listeningPortsOf(pid: number): number[] {
  if (process.platform !== 'linux') return [];
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // Closed while we looked.
      }
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the tenth column.
      if (cols.length > 9 && cols[3] === '0A' && inodes.has(cols[9]!)) {
        ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
      }
    }
  }
  return ports;
}
