/**
 * What the benches run against, started once here rather than in each: an in-memory dev server of
 * their own, the sandbox (real time, a short carrier timeline), a Temporal client, optionally the
 * webhook receiver with the sandbox's webhooks pointed at it, and a temp folder with a key file
 * and a utility bill. Payloads are encrypted as in production: the client and the receiver use the
 * key file's data converter, and `env` gives a portflow process the same keys.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDataConverter } from '../src/codec/data-converter';
import { generateKeyEntry, readKeyFile } from '../src/codec/keys';
import { startSandbox } from '../src/sandbox';
import type { SandboxHandle, SandboxOptions, Timeline } from '../src/sandbox';
import { startDevServer } from '../src/temporal-server/dev-server';
import type { DevServerHandle } from '../src/temporal-server/dev-server';
import { findFreePort } from '../src/temporal-server/ports';
import { PortingClient } from '../src/twilio/client';
import { silentLogger, startWebhookReceiver } from '../src/webhooks';
import type { WebhookReceiverHandle } from '../src/webhooks/server';

const DAY = 86_400_000;

/** The sandbox's carrier delays of the benches (real time): review, auto-sign, carrier response, port date. */
export const BENCH_TIMELINE = {
  reviewMs: 200,
  autoSignMs: 500,
  carrierResponseMs: 500,
  portDateMs: 1000,
} as const satisfies Partial<Timeline>;

export interface BenchStackOptions {
  /** Prefix of the temp folder and the task queue. */
  name: string;
  sandbox?: Omit<SandboxOptions, 'clockScale' | 'timeline'>;
  /** Start the webhook receiver (on the task queue, for its inboxes). @default true */
  receiver?: boolean;
  /** Serve the dev server's Prometheus /metrics on a free port (see `serverMetricsUrl`). @default false */
  serverMetrics?: boolean;
}

export interface BenchStack {
  server: DevServerHandle;
  sandbox: SandboxHandle;
  connection: Connection;
  /** With the key file's data converter. */
  client: Client;
  receiver: WebhookReceiverHandle | null;
  /** The dev server's Prometheus endpoint, with `serverMetrics`. */
  serverMetricsUrl: string | null;
  taskQueue: string;
  dir: string;
  billPath: string;
  /** The environment of a portflow process on this stack (see src/config.ts): Temporal, the sandbox, the keys. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `portflow-${options.name}-`));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  // Also on exit: a bench whose worker died may end while stopping (a client call still retrying on
  // the closed connection throws from its timer) before it reaches the last step.
  process.once('exit', removeDir);
  const stops: Array<() => Promise<void> | void> = [removeDir];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const keyFile = path.join(dir, 'keys.json');
    const { id, key } = generateKeyEntry('bench');
    writeFileSync(keyFile, JSON.stringify({ activeKeyId: id, keys: { [id]: key } }), { mode: 0o600 });
    const billPath = path.join(dir, 'bill.pdf');
    writeFileSync(billPath, '%PDF-1.4\n%%EOF\n');

    const metricsPort = options.serverMetrics ? await findFreePort() : undefined;
    const server = await startDevServer({ port: 0, uiPort: false, dbFile: ':memory:', metricsPort });
    stops.push(() => server.stop());
    const sandbox = await startSandbox({ ...options.sandbox, clockScale: 1, timeline: BENCH_TIMELINE });
    stops.push(() => sandbox.stop());
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const client = new Client({ connection, dataConverter: await createDataConverter(await readKeyFile(keyFile)) });
    const taskQueue = `${options.name}-${Date.now()}`;
    let receiver: WebhookReceiverHandle | null = null;
    if (options.receiver !== false) {
      const r = await startWebhookReceiver({
        temporalClient: client,
        authToken: sandbox.authToken,
        sandbox: true,
        inbox: { taskQueue },
        logger: silentLogger,
      });
      stops.push(() => r.stop());
      receiver = r;
      const porting = PortingClient.forSandbox(sandbox);
      await porting.configureWebhooks({ portInTargetUrl: r.webhookUrl, notificationsOf: [] });
      porting.close();
    }
    return {
      server,
      sandbox,
      connection,
      client,
      receiver,
      serverMetricsUrl: metricsPort === undefined ? null : `http://127.0.0.1:${metricsPort}/metrics`,
      taskQueue,
      dir,
      billPath,
      env: {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        TWILIO_API_BASE_URL: sandbox.url,
        TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
        TWILIO_ACCOUNT_SID: sandbox.accountSid,
        TWILIO_AUTH_TOKEN: sandbox.authToken,
        PORTFLOW_ENCRYPTION_KEY_FILE: keyFile,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A valid order of the given numbers, ten days out on the sandbox's clock, with the stack's bill. */
export function benchOrder(
  stack: Pick<BenchStack, 'sandbox' | 'billPath'>,
  orderId: string,
  phoneNumbers: string[],
  extra: { customerRef?: string; options?: { reconcileInterval?: string } } = {}
): Record<string, unknown> {
  return {
    orderId,
    customerRef: extra.customerRef ?? 'bench',
    losingCarrierInformation: {
      customerType: 'Business',
      customerName: 'Bench Co',
      accountNumber: 'ACCT-1',
      accountTelephoneNumber: phoneNumbers[0],
      authorizedRepresentative: 'Bench Person',
      authorizedRepresentativeEmail: 'bench@example.com',
      address: { street: '1 Main St', city: 'Denver', state: 'CO', zip: '80202', country: 'US' },
    },
    phoneNumbers: phoneNumbers.map((phoneNumber) => ({ phoneNumber })),
    targetPortInDate: new Date(stack.sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10),
    utilityBill: { path: stack.billPath },
    ...(extra.options ? { options: extra.options } : {}),
  };
}

/** Plain portable numbers of the sandbox's table: exchange 555, subscribers 2000–9999, area codes in turn. */
export function benchNumber(i: number): string {
  const npas = ['212', '303', '312', '415', '503', '617', '702', '808', '917', '206', '213', '305', '404', '512'];
  return `+1${npas[Math.floor(i / 8000) % npas.length]}555${2000 + (i % 8000)}`;
}
