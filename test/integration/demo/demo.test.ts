/**
 * `npm run demo` end to end, as a child process without a TTY: the whole stack on free ports, the
 * scenario to its end, no PIN or account number in anything it prints or logs, and no process left
 * behind. The demo starts its own (persistent) dev server; the run's shared one is not used.
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DEMO_ACCOUNT_NUMBER, DEMO_NUMBERS, DEMO_PIN } from '../../../src/demo/scenario';
import { startDevServer } from '../../../src/temporal-server/dev-server';
import { isAlive, startDemoProcess } from './demo-process';
import type { DemoProcess } from './demo-process';

describe('npm run demo (PORTFLOW_DEMO_EXIT=1, no TTY)', () => {
  let demo: DemoProcess | undefined;

  afterAll(async () => {
    await demo?.stop('SIGTERM', 10_000);
    demo?.killLeftovers();
  });

  it('runs the scenario to its end, prints no PIN or account number, and leaves no process behind', async () => {
    demo = await startDemoProcess({ PORTFLOW_DEMO_EXIT: '1' });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      demo.exited,
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`The demo did not exit within 150 s:\n${demo?.stdout()}`)), 150_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const out = demo.stdout();
    const err = demo.stderr();
    if (code !== 0) throw new Error(`The demo exited with ${code}.\n--- stdout ---\n${out}\n--- stderr ---\n${err}`);

    // Every piece announced its own port (all given as 0: the demo reserved free ones).
    const ports = demo.ports();
    expect(new Set(Object.values(ports)).size).toBe(6);
    expect(Object.values(ports).every((port) => port > 0)).toBe(true);
    expect(out).toMatch(new RegExp(`generated a new local key file ${escape(demo.dataDir)}`));
    expect(existsSync(path.join(demo.dataDir, 'encryption-keys.json'))).toBe(true);
    expect(existsSync(path.join(demo.dataDir, 'temporal.sqlite'))).toBe(true);

    // Live progress, as plain changed lines: the order went through the carrier's statuses (only
    // those that last several polls: a one-second status may fall between two on a busy machine).
    for (const status of ['In Review', 'Port Rejected', 'Port Pending', 'Completed']) {
      expect(out).toContain(status);
    }
    // The end of the scenario, one line per number.
    const summary = out.slice(out.indexOf('Scenario finished'));
    expect(summary).toMatch(
      /^Scenario finished in \d+ s: order demo-\d{8}-\d{6}-\d{3} Completed \(4 of 5 numbers ported\)/
    );
    const lineOf = (n: string) => summary.split('\n').find((l) => l.trim().startsWith(n)) ?? `(no line for ${n})`;
    for (const n of [DEMO_NUMBERS.portable, DEMO_NUMBERS.pinRequired, DEMO_NUMBERS.mobile]) {
      expect(lineOf(n)).toMatch(/Ported, live \(port date \d{4}-\d\d-\d\d\)$/);
    }
    expect(lineOf(DEMO_NUMBERS.rejectedOnce)).toMatch(
      /Ported, live after resubmission: rejected 22154 .* in KW[0-9a-f]{32}, resubmitted in KW[0-9a-f]{32} \(port date /
    );
    expect(lineOf(DEMO_NUMBERS.notPortable)).toMatch(/dropped: not portable \(22132 /);
    // The UI links: the workflow and the search-attribute filtered lists.
    expect(out).toMatch(new RegExp(`http://127\\.0\\.0\\.1:${ports.ui}/namespaces/default/workflows/portin-demo-`));
    expect(out).toContain(`workflows?query=${encodeURIComponent('PortInCustomer = "demo-customer"')}`);
    expect(out).toContain(`workflows?query=${encodeURIComponent('PortInStatus = "Completed"')}`);

    // Never a PIN or an account number: not on the terminal, not in the log.
    const log = readFileSync(path.join(demo.dataDir, 'demo.log'), 'utf8');
    expect(log.split('\n').length).toBeGreaterThan(20);
    for (const text of [out, err, log]) {
      expect(text).not.toContain(DEMO_PIN);
      expect(text).not.toContain(DEMO_ACCOUNT_NUMBER);
    }

    // Every process it started is gone: those it named, and every one seen below it while it ran.
    const named = /demo pid (\d+); Temporal dev server pid (\d+)/.exec(out);
    expect(named).not.toBeNull();
    expect(Number(named![1])).toBe(demo.child.pid);
    const seen = demo.seenProcesses();
    expect(seen.has(Number(named![2]))).toBe(true);
    expect([...seen.values()].map((p) => p.command)).toContain('temporal');
    expect([...seen].filter(([, p]) => isAlive(p.key)).map(([pid, p]) => `${pid} ${p.command}`)).toEqual([]);
  });

  it('stops what had started, in order, on Ctrl-C while the dev server is still coming up', async () => {
    const early = await startDemoProcess({ PORTFLOW_DEMO_EXIT: '1' });
    try {
      const deadline = Date.now() + 60_000;
      while (![...early.seenProcesses().values()].some((p) => p.command === 'temporal')) {
        if (Date.now() > deadline || early.child.exitCode !== null) throw new Error(early.diagnostics());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const code = await early.stop('SIGINT', 45_000);
      expect({ code, diagnostics: code === 130 ? '' : early.diagnostics() }).toEqual({ code: 130, diagnostics: '' });
      expect(early.stdout()).toContain('Interrupted during startup; everything that had started was stopped.');
      const own = early.diagnostics();
      expect(own).toContain('startup interrupted: stopping what had started');
      expect(own).toContain('"stopped sandbox"');
      expect(own).toContain('"stopped codec server"');
      expect(
        [...early.seenProcesses()].filter(([, p]) => isAlive(p.key)).map(([pid, p]) => `${pid} ${p.command}`)
      ).toEqual([]);
      // The dev server was stopped, not killed mid-setup: its state file starts again.
      const again = await startDevServer({
        port: 0,
        uiPort: false,
        dbFile: path.join(early.dataDir, 'temporal.sqlite'),
      });
      await again.stop();
    } finally {
      await early.stop('SIGKILL', 1000);
      early.killLeftovers();
    }
  });

  it('refuses to start when a port is taken, naming the port and what it is for, and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const refused = await startDemoProcess({ PORTFLOW_DEMO_EXIT: '1', PORTFLOW_DEMO_SANDBOX_PORT: String(taken) });
      const code = await refused.exited;
      expect(code).toBe(2);
      expect(refused.stderr()).toContain(
        `port ${taken}: Twilio sandbox (Porting API emulator) — free it (see \`ss -ltnp 'sport = :${taken}'\`) or set PORTFLOW_DEMO_SANDBOX_PORT`
      );
      expect(refused.stderr()).toContain('Nothing was started.');
      expect([...refused.seenProcesses().values()].map((p) => p.command)).not.toContain('temporal');
      expect(existsSync(path.join(refused.dataDir, 'temporal.sqlite'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('explains an invalid setting by variable name, value and what is allowed', async () => {
    const refused = await startDemoProcess({ PORTFLOW_DEMO_CLOCK_SCALE: 'fast', PORTFLOW_DEMO_UI_PORT: '70000' });
    expect(await refused.exited).toBe(2);
    const err = refused.stderr();
    expect(err).toContain('Invalid demo settings:');
    expect(err).toMatch(/PORTFLOW_DEMO_CLOCK_SCALE="fast": expected a number of simulated ms per real ms/);
    expect(err).toMatch(/PORTFLOW_DEMO_UI_PORT="70000": expected 1–65535/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
