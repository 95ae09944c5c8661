/**
 * The CLI as an operator runs it (`npm run start -- <command>`), in a process of its own, against
 * the run's dev server, with payloads encrypted like in production.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataConverter } from '../../../src/codec/data-converter';
import { generateKeyEntry, parseKeyList } from '../../../src/codec/keys';
import { createPortflowWorker } from '../../../src/worker';
import { buildOrder, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { devServerAddress, workflowBundle } from '../../helpers/temporal';

const key = generateKeyEntry('cli-test');
const keySpec = `${key.id}:${key.key}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-cli-'));

function cli(args: string[], taskQueue: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '../../../src/cli/bin.ts'), ...args],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: devServerAddress(),
          TEMPORAL_TASK_QUEUE: taskQueue,
          PORTFLOW_ENCRYPTION_KEYS: keySpec,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('the portflow CLI', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // The LOA waits for the test to sign it, so the order is still open while the CLI steers it.
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('starts, lists, shows, refuses and watches an order to the end, printing the UI link', async () => {
    const order = buildOrder(env.sandbox, ['+13125551201', '+13125550131']);
    const orderFile = path.join(dir, 'order.json');
    writeFileSync(orderFile, JSON.stringify(order));
    const worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: env.taskQueue,
      porting: env.porting,
      workflowBundle: workflowBundle(),
      dataConverter: await createDataConverter(parseKeyList(keySpec)),
    });
    await worker.runUntil(async () => {
      const start = await cli(['start', '--order', orderFile], env.taskQueue);
      expect(start.code).toBe(0);
      expect(start.out).toContain(`Started portin-${order.orderId}`);
      expect(start.out).toContain(
        `Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/portin-${order.orderId}`
      );
      const again = await cli(['start', '--order', orderFile], env.taskQueue);
      expect(again.out).toContain(`Already exists: portin-${order.orderId}`);

      const refused = await cli(['cancel-numbers', order.orderId, '+19995550000'], env.taskQueue);
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/Refused: phoneNumbers: \+19995550000 is not in order/);

      const json = await cli(['status', order.orderId, '--json'], env.taskQueue);
      const view = JSON.parse(json.out.slice(0, json.out.lastIndexOf('}') + 1)) as { requestSids: string[] };
      expect(view.requestSids).toHaveLength(1);
      env.sandbox.sign(view.requestSids[0]!);

      const watched = await cli(['watch', order.orderId], env.taskQueue);
      expect(watched.code).toBe(0);
      expect(watched.out).toMatch(/Order .* — Completed — 1\/2 completed/);
      expect(watched.out).toMatch(/\+13125550131 +Not portable +22131/);

      const status = await cli(['status', order.orderId], env.taskQueue);
      expect(status.out).toMatch(/\+13125551201 +Completed +port date/);
      expect(status.out).toContain('Timeline:');

      const list = await cli(['list', '--query', 'PortInStatus = "Completed"'], env.taskQueue);
      expect(list.out).toContain(`portin-${order.orderId}`);

      const late = await cli(['cancel', order.orderId], env.taskQueue);
      expect(late.code).toBe(1);
      expect(late.out).toContain(`Order ${order.orderId} has already ended; nothing was changed.`);
    });
  });

  it('reports every problem of a bad order file at once, by field', async () => {
    const bad = { ...buildOrder(env.sandbox, ['+1415555', '+18005551212']), targetPortInDate: '2020-01-01' };
    const file = path.join(dir, 'bad-order.json');
    writeFileSync(file, JSON.stringify(bad));
    const result = await cli(['start', '--order', file], env.taskQueue);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/problems:/);
    expect(result.out).toContain('phoneNumbers[0].phoneNumber');
    expect(result.out).toContain('phoneNumbers[1].phoneNumber');
    expect(result.out).toContain('targetPortInDate');
    expect(result.out).not.toContain('ACCT-99812');
  });

  it('explains its usage on an unknown command', async () => {
    const result = await cli(['frobnicate'], env.taskQueue);
    expect(result.code).toBe(2);
    expect(result.out).toContain('unknown command "frobnicate"');
    expect(result.out).toContain('Usage: npm run start -- <command>');
  });
});
