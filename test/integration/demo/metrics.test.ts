/**
 * The worker's Prometheus endpoint carries portflow's own counters (emitted from workflow code)
 * next to Temporal's. The worker runs in a child process (./metrics-worker.ts): the SDK runtime,
 * and so its metrics exporter, can be installed only once per process.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { METRIC_NAMES } from '../../../src/workflows/metrics';
import { eventually } from '../../helpers/portflow-env';

const root = path.resolve(__dirname, '../../..');

/** The value of the first sample of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const body = line.slice(name.length + 1, close);
    const have = Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}

describe('worker metrics (Prometheus, own process)', () => {
  let child: ChildProcess | undefined;
  let stderr = '';

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('exports orders by outcome, numbers by status and rejections by code, with Temporal’s own metrics', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'metrics-worker.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PORTFLOW_METRICS_HOST: '127.0.0.1',
        PORTFLOW_LOG_LEVEL: 'WARN',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const ready = await new Promise<{ metricsUrl: string; outcome: string }>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child!.once('exit', (code) => reject(new Error(`metrics-worker exited with ${code}:\n${stderr}`)));
    });
    expect(ready).toEqual({
      metricsUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/),
      outcome: 'completed',
    });

    // The exporter reads the counters on scrape; a value recorded by the last activation may need a moment.
    const text = await eventually(
      async () => {
        const body = await (await fetch(ready.metricsUrl)).text();
        return sample(body, METRIC_NAMES.orders, { outcome: 'completed' }) ? body : undefined;
      },
      { timeoutMs: 20_000, what: `${METRIC_NAMES.orders}{outcome="completed"} on ${ready.metricsUrl}` }
    );

    expect(sample(text, METRIC_NAMES.orders, { outcome: 'completed', workflowType: 'portInWorkflow' })).toBe(1);
    expect(sample(text, METRIC_NAMES.rejections, { code: '22156' })).toBe(1);
    // Three numbers: one dropped as not portable, two completed (one after its resubmission).
    expect(sample(text, METRIC_NAMES.numberStatus, { status: 'not_portable' })).toBe(1);
    expect(sample(text, METRIC_NAMES.numberStatus, { status: 'completed' })).toBe(2);
    expect(sample(text, METRIC_NAMES.numberStatus, { status: 'port_rejected' })).toBe(1);
    // The rejected number entered In Review twice: its first request and the resubmission.
    expect(sample(text, METRIC_NAMES.numberStatus, { status: 'in_review' })).toBe(3);
    expect(text).toMatch(/^# HELP portflow_orders_total /m);
    // Temporal's SDK metrics are on the same endpoint.
    expect(text).toMatch(/^temporal_workflow_completed\{/m);
  });
});
