/**
 * Any Temporal: the worker and the CLI reach a Temporal endpoint that requires TLS and a client
 * certificate (the dev server behind a TLS terminator with a CA of its own), configured by the SDK's
 * envconfig variables only. A CA that did not sign the server's certificate is refused, saying so.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createDataConverter } from '../../../src/codec/data-converter';
import { generateKeyEntry, parseKeyList } from '../../../src/codec/keys';
import {
  connectTemporalClient,
  connectWorkerConnection,
  loadTemporalSettings,
  TemporalConnectionError,
} from '../../../src/temporal-connection';
import { createPortflowWorker } from '../../../src/worker';
import { buildOrder, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';
import { devServerAddress, installTestRuntime, workflowBundle } from '../../helpers/temporal';
import { cleanEnv, run } from './processes';
import { makeCertificates, startTlsTerminator } from './tls-terminator';
import type { TestCertificates, TlsTerminator } from './tls-terminator';

const root = path.resolve(__dirname, '../../..');
const key = generateKeyEntry('tls-test');
const keySpec = `${key.id}:${key.key}`;

let dir: string;
let certs: TestCertificates;
let proxy: TlsTerminator;
let env: PortflowTestEnv;

/** The only Temporal settings the processes get: envconfig's variables. */
const tlsVars = (ca: string) => ({
  TEMPORAL_ADDRESS: proxy.address,
  TEMPORAL_NAMESPACE: 'default',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
  TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
});

function cli(args: string[], vars: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/bin.ts'), ...args], {
    cwd: root,
    env: cleanEnv({ ...vars, PORTFLOW_ENCRYPTION_KEYS: keySpec }),
    timeoutMs: 90_000,
  });
}

beforeAll(async () => {
  installTestRuntime();
  dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-tls-'));
  certs = makeCertificates(dir);
  proxy = await startTlsTerminator(devServerAddress(), certs);
  env = await startPortflowEnv();
});

afterAll(async () => {
  await env?.close();
  await proxy?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Temporal over TLS, configured by envconfig variables', () => {
  it('reads the address, CA and client certificate from TEMPORAL_* variables', () => {
    const settings = loadTemporalSettings(tlsVars(certs.ca));
    expect(settings.address).toBe(proxy.address);
    expect(settings.description).toBe(`${proxy.address} (namespace default, mTLS, own server CA)`);
  });

  it('the worker and the CLI work through the TLS endpoint: start, run and show an order', async () => {
    const settings = loadTemporalSettings(tlsVars(certs.ca));
    const dataConverter = await createDataConverter(parseKeyList(keySpec));
    const connection = await connectWorkerConnection(settings);
    const client = await connectTemporalClient(settings, { dataConverter });
    const taskQueue = `tls-${randomUUID()}`;
    let worker: Worker | undefined;
    try {
      worker = await createPortflowWorker({
        connection,
        namespace: settings.namespace,
        taskQueue,
        porting: env.porting,
        workflowBundle: workflowBundle(),
        dataConverter,
      });
      const order = buildOrder(env.sandbox, ['+14155551001']);
      const orderFile = path.join(dir, 'order.json');
      writeFileSync(orderFile, JSON.stringify(order));
      const vars = { ...tlsVars(certs.ca), TEMPORAL_TASK_QUEUE: taskQueue };

      await worker.runUntil(async () => {
        const started = await cli(['start', '--order', orderFile], vars);
        expect(started.stderr + started.stdout).toMatch(/Started portin-|Started /);
        expect(started.code).toBe(0);
        const result = await client.workflow.getHandle(`portin-${order.orderId}`).result();
        expect(result).toMatchObject({ outcome: 'completed' });
        const status = await cli(['status', order.orderId, '--json'], vars);
        expect(status.code).toBe(0);
        const json = status.stdout.slice(status.stdout.indexOf('{'), status.stdout.lastIndexOf('}') + 1);
        expect(JSON.parse(json)).toMatchObject({ orderId: order.orderId, status: 'Completed' });
      });
      expect(proxy.accepted).toBeGreaterThan(0);
    } finally {
      await client.connection.close();
      await connection.close();
    }
  });

  it('refuses a CA that did not sign the server certificate, in the worker and in the CLI, saying why', async () => {
    const settings = loadTemporalSettings(tlsVars(certs.wrongCa));
    const err = await connectWorkerConnection(settings).then(
      () => null,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(TemporalConnectionError);
    const message = (err as Error).message;
    expect(message).toMatch(
      new RegExp(`^Could not connect to Temporal at ${proxy.address} \\(namespace default, mTLS`)
    );
    expect(message).toMatch(/certificate/i);
    expect(message).toMatch(/TEMPORAL_TLS_SERVER_CA_CERT_PATH/);

    const status = await cli(['status', 'some-order'], tlsVars(certs.wrongCa));
    expect(status.code).not.toBe(0);
    const said = status.stderr + status.stdout;
    expect(said).toMatch(/Could not connect to Temporal at 127\.0\.0\.1:\d+ .*certificate/is);
    expect(said).toMatch(/TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
  });
});
