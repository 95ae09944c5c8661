/**
 * portflow as a backend team gets it: `npm pack`, then a plain `npm install` of the tarball into an
 * empty project, and from there plain node (no tsx, no dev dependencies of portflow):
 * require/import, the `portflow` bin, a consumer's TypeScript under `tsc --init`'s defaults, a
 * consumer script that runs an order against the package's own sandbox, and the compiled worker
 * and webhook receiver (`node lib/worker.js` with the image's flags and malloc settings,
 * `node lib/webhooks/main.js`) running an order through.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDataConverter } from '../../../src/codec/data-converter';
import { parseKeyList } from '../../../src/codec/keys';
import { generateEventsSecret, verifyPortflowEvent } from '../../../src/events';
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { getPortInStatus, startPortIn, waitForPortIn } from '../../../src/starter';
import { PortingClient } from '../../../src/twilio/client';
import { reservePort } from '../../../src/temporal-server/ports';
import { WORKER_COMMAND, WORKER_PROCESS_ENV } from '../../../src/worker-process';
import { buildOrder, FAST_TIMELINE } from '../../helpers/portflow-env';
import { devServerAddress } from '../../helpers/temporal';
import { cleanEnv, run, Service } from './processes';

const root = path.resolve(__dirname, '../../..');
const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const installedVersion = (name: string) =>
  (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

let tmp: string;
let consumer: string;
let installed: string;

const npm = (args: string[], cwd: string, timeoutMs = 600_000) => run('npm', args, { cwd, timeoutMs });
function expectOk(result: { code: number | null; stdout: string; stderr: string }, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'portflow-pack-'));
  // prepack builds lib/ (tsc + the workflow bundle) from a clean slate.
  const packed = await npm(['pack', '--json', '--pack-destination', tmp], root);
  expectOk(packed, 'npm pack');
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string }>;
  const tarball = path.join(tmp, info!.filename);

  consumer = path.join(tmp, 'consumer');
  const fresh = { name: 'consumer', version: '1.0.0', private: true, type: 'module' };
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify(fresh, null, 2));
  // Plain npm install: portflow's dependencies only, nothing of its devDependencies, no scripts of its own.
  expectOk(await npm(['install', '--no-audit', tarball], consumer), 'npm install <tarball>');
  // The consumer's own TypeScript, as a consumer would add it.
  expectOk(
    await npm(
      [
        'install',
        '--no-audit',
        '--save-dev',
        `typescript@${installedVersion('typescript')}`,
        `@types/node@${installedVersion('@types/node')}`,
      ],
      consumer
    ),
    'npm install typescript'
  );
  installed = path.join(consumer, 'node_modules', rootPackage.name);
}, 900_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed package, installed with plain npm install', () => {
  it('installs none of the development tools', () => {
    for (const dev of ['tsx', 'jest', 'ts-jest', '@temporalio/testing', 'eslint']) {
      expect(() => require.resolve(`${dev}/package.json`, { paths: [consumer] })).toThrow();
    }
  });

  it('loads with require() and import() in plain node, sub-exports included', async () => {
    const script = `
      const cjs = require('portflow');
      const sandbox = require('portflow/sandbox');
      const webhooks = require('portflow/webhooks');
      const events = require('portflow/events');
      import('portflow').then((esm) => {
        console.log(JSON.stringify({
          cjs: ['startPortIn', 'getPortInStatus', 'PortingClient', 'createPortflowWorker', 'createWebhookReceiver',
                'createDataConverter', 'EncryptionCodec', 'portInOrderSchema', 'portInStatusQuery', 'TwilioApiError',
                'connectTemporalClient', 'loadTemporalSettings', 'verifyPortflowEvent'].filter((n) => cjs[n] === undefined),
          esm: ['startPortIn', 'PortingClient', 'createPortflowWorker', 'portInOrderSchema', 'TwilioApiError']
                .filter((n) => typeof esm[n] === 'undefined'),
          sandbox: typeof sandbox.startSandbox,
          webhooks: typeof webhooks.createWebhookReceiver,
          events: [typeof events.verifyPortflowEvent, typeof events.generateEventsSecret],
        }));
      });`;
    const result = await run(process.execPath, ['-e', script], { cwd: consumer });
    expectOk(result, 'node -e require/import');
    expect(JSON.parse(result.stdout)).toEqual({
      cjs: [],
      esm: [],
      sandbox: 'function',
      webhooks: 'function',
      events: ['function', 'function'],
    });
    const esm = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { startSandbox } from 'portflow/sandbox'; console.log(typeof startSandbox);",
      ],
      { cwd: consumer }
    );
    expect(esm.stdout.trim()).toBe('function');
  });

  it('runs the CLI with npx portflow --help', async () => {
    const result = await run('npx', ['--no-install', 'portflow', '--help'], { cwd: consumer });
    expectOk(result, 'npx portflow --help');
    expect(result.stdout).toMatch(/Commands:/);
    expect(result.stdout).toMatch(/start/);
  });

  it("type-checks a consumer under tsc --init's defaults, and the compiled consumer runs an order against the sandbox", async () => {
    expectOk(await run('npx', ['--no-install', 'tsc', '--init'], { cwd: consumer }), 'tsc --init');
    writeFileSync(path.join(consumer, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      path.join(consumer, 'bill.pdf'),
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'
    );
    const tsc = await run('npx', ['--no-install', 'tsc', '-p', '.'], { cwd: consumer });
    expectOk(tsc, 'tsc -p . (consumer)');

    const result = await run(process.execPath, ['consumer.js'], {
      cwd: consumer,
      env: cleanEnv({ TEMPORAL_ADDRESS: devServerAddress() }),
      timeoutMs: 240_000,
    });
    expectOk(result, 'node consumer.js');
    const outcome = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(outcome).toMatchObject({
      started: true,
      status: expect.any(String),
      numbers: ['+14155551001'],
      final: 'completed',
    });
  }, 600_000);
});

describe('the compiled processes, node lib/worker.js and node lib/webhooks/main.js', () => {
  let sandbox: SandboxHandle;
  let worker: Service | undefined;
  let receiver: Service | undefined;
  let connection: Connection | undefined;
  // The backend's endpoint for lifecycle events (PORTFLOW_EVENTS_URL): keeps what it receives, answers 204.
  const delivered: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const backend = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      delivered.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });

  afterAll(async () => {
    await receiver?.stop();
    await worker?.stop();
    await connection?.close();
    await sandbox?.stop();
    backend.closeAllConnections();
    if (backend.listening) await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  it('run an order through against the sandbox and the dev server, configured by environment only', async () => {
    sandbox = await startSandbox({ clockScale: 1, timeline: FAST_TIMELINE });
    const keys = `pack:${randomBytes(32).toString('base64')}`;
    const taskQueue = `compiled-${randomUUID()}`;
    const webhookPort = await reservePort();
    const metricsPort = await reservePort();
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const eventsSecret = generateEventsSecret();
    const env = cleanEnv({
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TWILIO_ACCOUNT_SID: sandbox.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.authToken,
      TWILIO_API_BASE_URL: sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
      PORTFLOW_ENCRYPTION_KEYS: keys,
      // Production's interval: the order must move on webhooks through the receiver, not on polls.
      PORTFLOW_RECONCILE_INTERVAL: '6 hours',
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(webhookPort.port),
      PORTFLOW_METRICS_PORT: String(metricsPort.port),
      PORTFLOW_EVENTS_URL: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/portflow-events`,
      PORTFLOW_EVENTS_SECRET: eventsSecret,
    });
    await webhookPort.release();
    await metricsPort.release();
    // As the image starts it (Dockerfile CMD and ENV): the V8 heap flags and glibc's malloc settings.
    const [, ...workerArgs] = WORKER_COMMAND;
    worker = new Service('worker', process.execPath, workerArgs, {
      cwd: installed,
      env: { ...env, ...WORKER_PROCESS_ENV },
    });
    receiver = new Service('receiver', process.execPath, ['lib/webhooks/main.js'], { cwd: installed, env });
    await worker.waitFor(/portflow worker: task queue/);
    await receiver.waitFor(/portflow webhooks: listening on/);
    // The worker found the pre-built bundle: it did not bundle at start.
    expect(worker.log).not.toMatch(/Workflow bundle created/);

    const porting = PortingClient.forSandbox(sandbox);
    await porting.configureWebhooks({
      portInTargetUrl: `http://127.0.0.1:${webhookPort.port}/webhooks/twilio/porting`,
      notificationsOf: [],
    });
    porting.close();

    connection = await Connection.connect({ address: devServerAddress() });
    const client = new Client({ connection, dataConverter: await createDataConverter(parseKeyList(keys)) });
    const order = buildOrder(sandbox, ['+14155551001', '+14155551002'], { options: { reconcileInterval: '6 hours' } });
    const started = await startPortIn(client, order, { taskQueue, now: sandbox.clock.now() });
    expect(started.started).toBe(true);
    const result = await waitForPortIn(client, order.orderId);
    expect(result.outcome).toBe('completed');
    const view = await getPortInStatus(client, order.orderId);
    expect(view.numbers.map((n) => n.status)).toEqual(['completed', 'completed']);
    // The events came through the compiled receiver and were signalled to the workflow.
    const metrics = await (await fetch(`http://127.0.0.1:${webhookPort.port}/metrics`)).text();
    const routed = [...metrics.matchAll(/^portflow_webhook_routed_total(?:\{[^}]*\})? (\d+)/gm)];
    expect(routed.reduce((sum, m) => sum + Number(m[1]), 0)).toBeGreaterThan(0);
    // The compiled worker sent the order's lifecycle events, signed with PORTFLOW_EVENTS_SECRET.
    const events = delivered.map((d) => verifyPortflowEvent(d.body, d.headers, eventsSecret));
    expect(events[0]!.type).toBe('order.started');
    expect(events.at(-1)!.type).toBe('order.completed');
    expect(events.filter((e) => e.type === 'number.ported')).toHaveLength(2);
  }, 300_000);
});

/** What a backend team writes: the README's snippet, against the sandbox the package ships. */
const CONSUMER_TS = `import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  PortingClient,
  connectTemporalClient,
  connectWorkerConnection,
  createDataConverter,
  createPortflowWorker,
  getPortInStatus,
  loadTemporalSettings,
  parseKeyList,
  startPortIn,
  waitForPortIn,
  type PortInOrder,
  type PortInStatusView,
} from 'portflow';
import { startSandbox } from 'portflow/sandbox';

const sandbox = await startSandbox({
  timeline: { reviewMs: 100, autoSignMs: 300, carrierResponseMs: 300, slowCarrierResponseMs: 1500, portDateMs: 400 },
});
const temporal = loadTemporalSettings();
const dataConverter = await createDataConverter(parseKeyList(\`consumer:\${randomBytes(32).toString('base64')}\`));
const porting = PortingClient.forSandbox(sandbox);
const connection = await connectWorkerConnection(temporal);
const client = await connectTemporalClient(temporal, { dataConverter });
const taskQueue = \`consumer-\${process.pid}\`;
const worker = await createPortflowWorker({ connection, namespace: temporal.namespace, taskQueue, porting, dataConverter });

const target = new Date(sandbox.clock.now().getTime() + 10 * 24 * 3600 * 1000).toISOString().slice(0, 10);
const order: PortInOrder = {
  orderId: \`consumer-\${Date.now()}\`,
  customerRef: 'cust-0001',
  losingCarrierInformation: {
    customerType: 'Business',
    customerName: 'Acme Plumbing LLC',
    accountNumber: 'ACCT-1',
    accountTelephoneNumber: '+14155550100',
    authorizedRepresentative: 'Jordan Example',
    authorizedRepresentativeEmail: 'jordan@example.com',
    address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
  },
  phoneNumbers: [{ phoneNumber: '+14155551001' }],
  targetPortInDate: target,
  notificationEmails: ['ops@example.com'],
  utilityBill: { path: resolve('bill.pdf') },
  options: { reconcileInterval: '1s' },
};

const outcome = await worker.runUntil(async () => {
  const started = await startPortIn(client, order, { taskQueue, now: sandbox.clock.now() });
  const status: PortInStatusView = await getPortInStatus(client, order.orderId);
  const result = await waitForPortIn(client, order.orderId);
  return {
    started: started.started,
    status: status.status,
    numbers: status.numbers.map((n) => n.phoneNumber),
    final: result.outcome,
  };
});
await client.connection.close();
await connection.close();
porting.close();
await sandbox.stop();
console.log(JSON.stringify(outcome));
`;
