/**
 * `portflow_orders_total{outcome="failed"}` counts every failed order, whatever the cause: read
 * from the worker's Prometheus endpoint, the worker in a process of its own (./failure-metrics-worker.ts).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { METRIC_NAMES } from '../../../src/workflows/metrics';
import { eventually } from '../../helpers/portflow-env';
import { promSample as sample } from '../../helpers/prometheus';

const root = path.resolve(__dirname, '../../..');

describe('the failed-orders metric (Prometheus, own process)', () => {
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

  it('counts one failed order per cause: missing PIN, unreadable bill, create refused, credentials refused, attempts exhausted', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'failure-metrics-worker.ts')], {
      cwd: root,
      env: { ...process.env, PORTFLOW_METRICS_HOST: '127.0.0.1', PORTFLOW_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const ready = await new Promise<{ metricsUrl: string; failed: Array<{ cause: string; type: string | null }> }>(
      (resolve, reject) => {
        let out = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line));
        });
        child!.once('exit', (code) => reject(new Error(`failure-metrics-worker exited with ${code}:\n${stderr}`)));
      }
    );
    expect(ready.failed).toEqual([
      { cause: 'missing-pin', type: 'PinAndAccountNumberRequired' },
      { cause: 'bill-unreadable', type: 'UtilityBillUnreadable' },
      { cause: 'create-refused', type: 'TwilioRefused' },
      { cause: 'credentials-refused', type: 'TwilioRefused' },
      { cause: 'attempts-exhausted', type: 'AttemptsExhausted' },
    ]);
    const text = await eventually(
      async () => {
        const body = await (await fetch(ready.metricsUrl)).text();
        return sample(body, METRIC_NAMES.orders, { outcome: 'failed' }) === 5 ? body : undefined;
      },
      { timeoutMs: 20_000, what: `${METRIC_NAMES.orders}{outcome="failed"} = 5 on ${ready.metricsUrl}` }
    );
    expect(sample(text, METRIC_NAMES.orders, { outcome: 'completed' })).toBeUndefined();
  });
});
