/**
 * The CLI as an operator runs it, in a process of its own, against the run's dev server and a
 * sandbox over HTTP, with payloads encrypted like in production. One test per promise of the CLI
 * (issue 12 point 5, issue 11 point 6).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../../src/codec/data-converter';
import { generateKeyEntry, parseKeyList } from '../../../src/codec/keys';
import { loadConfig } from '../../../src/config';
import { loadDemoSettings } from '../../../src/demo/settings';
import { portInStatusQuery } from '../../../src/workflows/messages';
import type { PortInStatusView } from '../../../src/workflows/messages';
import { createPortflowWorker } from '../../../src/worker';
import { makeTempDir } from '../../helpers/hygiene';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { devServerAddress, workflowBundle } from '../../helpers/temporal';
import { runCliProcess } from './run-cli';
import type { CliResult } from './run-cli';

const key = generateKeyEntry('cli-test');
const keySpec = `${key.id}:${key.key}`;
/** The task queue every piece uses when nobody sets TEMPORAL_TASK_QUEUE. */
const DEFAULT_TASK_QUEUE = loadConfig({}).temporal.taskQueue;

describe('the portflow CLI', () => {
  let env: PortflowTestEnv;
  let dir: string;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;

  /** The CLI with the settings an operator of this stack has: no TEMPORAL_TASK_QUEUE, so the default. */
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runCliProcess(args, {
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_TASK_QUEUE: undefined,
      PORTFLOW_ENCRYPTION_KEYS: keySpec,
      TWILIO_API_BASE_URL: env.sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: env.sandbox.url,
      ...extraEnv,
    });
  const writeJson = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return file;
  };
  /** The order's state, read in-process (waiting loops would otherwise start a CLI per poll). */
  const statusOf = (orderId: string): Promise<PortInStatusView> =>
    client.workflow.getHandle(`portin-${orderId}`).query(portInStatusQuery);
  const filed = (orderId: string) =>
    eventually(
      async () => {
        const v = await statusOf(orderId);
        return v.requestSids.length > 0 ? v : undefined;
      },
      { what: `order ${orderId} to file its request` }
    );

  beforeAll(async () => {
    dir = makeTempDir('portflow-cli-');
    // The LOA waits for the test to sign it, so orders stay open while the CLI steers them.
    env = await startPortflowEnv({ sandbox: { autoSign: false } });
    const dataConverter = await createDataConverter(parseKeyList(keySpec));
    client = new Client({ connection: env.temporal.connection, dataConverter });
    // The worker polls the default task queue: what `npm run worker` does without settings.
    worker = await createPortflowWorker({
      connection: env.temporal.nativeConnection,
      taskQueue: DEFAULT_TASK_QUEUE,
      porting: env.porting,
      workflowBundle: workflowBundle(),
      dataConverter,
    });
    running = worker.run();
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await env?.close();
  });

  it('uses one default task queue for the demo, the worker and the CLI', () => {
    expect(DEFAULT_TASK_QUEUE).toBe('portflow');
    expect(loadDemoSettings({}).taskQueue).toBe(DEFAULT_TASK_QUEUE);
  });

  it('starts an order on the default task queue and shows it by order id or workflow id; --json is JSON only', async () => {
    const order = buildOrder(env.sandbox, ['+13125551201', '+13125550131']);
    const file = writeJson('order.json', order);
    const start = await cli(['start', '--order', file]);
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(`Started portin-${order.orderId}`);
    expect(start.stdout).toContain(`on task queue ${DEFAULT_TASK_QUEUE}`);
    expect(start.stdout).toContain(
      `Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/portin-${order.orderId}`
    );
    const again = await cli(['start', '--order', file]);
    expect(again.stdout).toContain(`Already exists: portin-${order.orderId}`);

    const view = await filed(order.orderId);
    expect(view.orderId).toBe(order.orderId);

    const byWorkflowId = await cli(['status', `portin-${order.orderId}`]);
    expect(byWorkflowId.code).toBe(0);
    expect(byWorkflowId.stdout).toMatch(new RegExp(`Order ${order.orderId} — Waiting for Signature`));
    expect(byWorkflowId.stdout).toMatch(/\+13125550131 +Not portable +22131/);
    expect(byWorkflowId.stdout).toContain('Numbers by status: ');
    expect(byWorkflowId.stdout).toContain('Timeline (latest 15):');

    const json = await cli(['status', `portin-${order.orderId}`, '--json']);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
    expect(json.stdout.trim().startsWith('{') && json.stdout.trim().endsWith('}')).toBe(true);

    const list = await cli(['list', '--query', `PortInCustomer = "${order.customerRef}"`]);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ORDER ID +WORKFLOW ID +STATUS +PENDING +CUSTOMER +STARTED +REQUESTS$/);
    const row = rows.find((r: string) => r.startsWith(`${order.orderId} `));
    expect(row).toContain(`portin-${order.orderId}`);
    // The workflow id from the list is accepted wherever an order id is.
    const listed = row!.split(/\s+/)[1]!;
    expect((await cli(['status', listed])).code).toBe(0);
    const listJson = await cli(['list', '--query', `PortInCustomer = "${order.customerRef}"`, '--json']);
    expect((JSON.parse(listJson.stdout) as Array<{ orderId: string }>).map((r) => r.orderId)).toContain(order.orderId);

    const missing = await cli(['status', 'no-such-order-42']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such order: no-such-order-42');
    await env.client.workflow.getHandle(`portin-${order.orderId}`).terminate('test done');
  });

  it("prints a validator's refusal, and Twilio's code and message when Twilio refuses, changing nothing", async () => {
    // Reconciliation far away: the workflow learns nothing the test does behind its back.
    const order = buildOrder(env.sandbox, ['+13125551211', '+13125551212'], { options: { reconcileInterval: '1h' } });
    expect((await cli(['start', '--order', writeJson('refusals.json', order)])).code).toBe(0);
    const view = await filed(order.orderId);

    const refused = await cli(['cancel-numbers', order.orderId, '+19995550000']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Refused: .*\+19995550000 is not in order/m);

    // The carrier completes a number the workflow still believes is waiting for a signature (no
    // webhook reaches it here); canceling it is refused by Twilio (the sandbox), not by the validator.
    const sid = view.requestSids[0]!;
    env.sandbox.sign(sid);
    env.sandbox.completeNumber(sid, '+13125551211');
    const byTwilio = await cli(['cancel-numbers', order.orderId, '+13125551211', '--wait', '60']);
    expect(byTwilio.code).toBe(1);
    expect(byTwilio.stderr).toMatch(/^Refused by Twilio \(code \d+, HTTP 400\): .*can no longer be canceled/m);
    expect(byTwilio.stderr).not.toContain('Activity task failed');
    const after = await statusOf(order.orderId);
    expect(after.numbers.find((n) => n.phoneNumber === '+13125551212')!.status).not.toBe('canceled');
    await env.client.workflow.getHandle(`portin-${order.orderId}`).terminate('test done');
  });

  it('says an update is still running, with how to follow it, when it cannot finish in the wait', async () => {
    const order = buildOrder(env.sandbox, ['+13125551221'], { options: { reconcileInterval: '1h' } });
    expect((await cli(['start', '--order', writeJson('slow.json', order)])).code).toBe(0);
    await filed(order.orderId);
    // Twilio answers the cancel slowly: the update is accepted, its handler waits on the call.
    env.sandbox.addFault({ kind: 'http', method: 'DELETE', fault: 'slow', delayMs: 4000 });
    const slow = await cli(['cancel', order.orderId, '--wait', '1']);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain(`Still running: cancelPortIn was accepted by order ${order.orderId}`);
    expect(slow.stderr).toContain(`Follow it with: portflow status ${order.orderId}`);
    expect(slow.stderr).not.toMatch(/DEADLINE_EXCEEDED/);
    // …and it then happens.
    await eventually(
      async () => ((await statusOf(order.orderId)).numbers[0]!.status.startsWith('cancel') ? true : undefined),
      { what: 'the cancel to be applied' }
    );
  });

  it('summarises a large order (counts per status, the numbers that need action) and lists all with --all', async () => {
    const numbers = [...Array.from({ length: 29 }, (_, i) => `+1312555${1400 + i}`), '+13125550154'];
    const order = buildOrder(env.sandbox, numbers);
    expect((await cli(['start', '--order', writeJson('large.json', order)])).code).toBe(0);
    const view = await filed(order.orderId);
    env.sandbox.sign(view.requestSids[0]!);
    await eventually(async () => ((await statusOf(order.orderId)).counts.rejected > 0 ? true : undefined), {
      what: 'the carrier to reject +13125550154',
    });

    const summary = await cli(['status', order.orderId]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/Numbers by status: .*Rejected 1/);
    expect(summary.stdout).toMatch(
      new RegExp(
        `Needs action \\(1\\):\\n  \\+13125550154 +rejected \\(22154[^)]*\\): portflow resubmit ${order.orderId}`
      )
    );
    expect(summary.stdout).toContain(`30 numbers: portflow status ${order.orderId} --all lists each one`);
    expect(summary.stdout).not.toContain(numbers[0]);

    const all = await cli(['status', order.orderId, '--all']);
    for (const n of numbers) expect(all.stdout).toContain(n);
    await env.client.workflow.getHandle(`portin-${order.orderId}`).terminate('test done');
  });

  it("shows a Failed order's reason in status and list", async () => {
    const order = buildOrder(env.sandbox, ['+13125551231'], {
      utilityBill: { path: path.join(dir, 'no-such-bill.pdf') },
    });
    expect((await cli(['start', '--order', writeJson('failing.json', order)])).code).toBe(0);
    await eventually(
      async () => {
        const d = await env.client.workflow.getHandle(`portin-${order.orderId}`).describe();
        return d.status.name === 'RUNNING' ? undefined : d;
      },
      { what: 'the order to fail' }
    );
    const status = await cli(['status', order.orderId]);
    expect(status.stdout).toMatch(/^Failed: \S+: [\s\S]*no-such-bill\.pdf/m);
    const list = await cli(['list', '--query', `WorkflowId = "portin-${order.orderId}"`]);
    expect(list.stdout).toMatch(new RegExp(`^${order.orderId} .*\\n  └ Failed: [\\s\\S]*no-such-bill`, 'm'));
  });

  it('names the file, line and column of a JSON error, and refuses unknown keys by name', async () => {
    const broken = writeJson('broken.json', '{\n  "orderId": "x",\n  "customerRef": "c"\n  "phoneNumbers": []\n}\n');
    const syntax = await cli(['start', '--order', broken]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain(`${broken}:4:3: invalid JSON: expected "," or "}" after a property value`);

    const order = buildOrder(env.sandbox, ['+13125551241']);
    const unknown = writeJson('unknown-keys.json', {
      ...order,
      targetDate: '2030-01-01',
      losingCarrierInformation: { ...order.losingCarrierInformation, acountNumber: '1' },
    });
    const refused = await cli(['start', '--order', unknown]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${unknown}: The order has 2 problems:`);
    expect(refused.stderr).toMatch(
      /- \(order\): unknown key "targetDate"; allowed: orderId, customerRef, .*targetPortInDate/
    );
    expect(refused.stderr).toMatch(/- losingCarrierInformation: unknown key "acountNumber"; allowed: .*accountNumber/);
    await expect(env.client.workflow.getHandle(`portin-${order.orderId}`).describe()).rejects.toThrow();

    const missing = await cli(['start', '--order', path.join(dir, 'absent.json')]);
    expect(missing.stderr).toContain(`${path.join(dir, 'absent.json')}: no such file`);
  });

  it('reports every problem of a bad order at once, by field, without the account number', async () => {
    const bad = { ...buildOrder(env.sandbox, ['+1415555', '+18005551212']), targetPortInDate: '2020-01-01' };
    const result = await cli(['start', '--order', writeJson('bad-order.json', bad)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/problems:/);
    expect(result.stderr).toContain('phoneNumbers[0].phoneNumber');
    expect(result.stderr).toContain('phoneNumbers[1].phoneNumber');
    expect(result.stderr).toContain('targetPortInDate');
    expect(result.stderr + result.stdout).not.toContain('ACCT-99812');
  });

  it('checks examples/order.json with start --dry-run against the sandbox, creating nothing', async () => {
    const example = path.join(__dirname, '../../../examples/order.json');
    const requestsBefore = env.sandbox.portIns().length;
    const dry = await cli(['start', '--order', example, '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`against ${env.sandbox.url} (sandbox): nothing was created`);
    expect(dry.stdout).toMatch(/portable: 2 /);
    expect(dry.stdout).toContain('OK: starting this order would file a port-in request for 2 number(s)');
    expect(env.sandbox.portIns()).toHaveLength(requestsBefore);
    await expect(env.client.workflow.getHandle('portin-acme-2030-0001').describe()).rejects.toThrow();

    // Not portable, and a PIN the carrier wants but the order lacks: said before anything exists.
    const order = buildOrder(env.sandbox, ['+14155550132', '+14155550201', '+14155551001']);
    const doubtful = await cli(['start', '--order', writeJson('doubtful.json', order), '--dry-run']);
    expect(doubtful.code).toBe(1);
    expect(doubtful.stdout).toMatch(/not portable, would be dropped: 1\n +\+14155550132 22132/);
    expect(doubtful.stdout).toMatch(/problem: phoneNumbers\[\d\]\.pin: /);
    expect(doubtful.stdout).toContain('NOT OK');
    expect(env.sandbox.portIns()).toHaveLength(requestsBefore);
  });

  it('lists orphaned webhook events, as text or JSON', async () => {
    const text = await cli(['orphans']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^(No orphaned webhook events\.|KW[0-9a-f]{32} {2}\d+ event)/);
    const json = await cli(['orphans', '--json', '--limit', '5']);
    expect(json.code).toBe(0);
    expect(Array.isArray(JSON.parse(json.stdout))).toBe(true);
  });

  it('explains its usage on an unknown command or option', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain('Usage: portflow <command>');
    const option = await cli(['status', 'x', '--order', 'y.json']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--order'");
    const badLimit = await cli(['orphans', '--limit', '0']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit: expected a whole number from 1 to 1000, got "0"');
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('start --order <file.json> [--dry-run]');
  });
});
