import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { PortInOrder } from '../../src/order';
import { startSandbox } from '../../src/sandbox';
import type { SandboxHandle, SandboxOptions } from '../../src/sandbox';
import { PortingClient } from '../../src/twilio/client';
import type { PortingClientOptions } from '../../src/twilio/client';
import { createPortflowWorker } from '../../src/worker';
import { makeTempDir } from './hygiene';
import { connectTemporal, uniqueTaskQueue, workflowBundle } from './temporal';
import type { TemporalTestContext } from './temporal';

const DAY = 24 * 3600 * 1000;

/** Carrier delays for tests, in (real = simulated) ms. */
export const FAST_TIMELINE = {
  reviewMs: 100,
  autoSignMs: 300,
  carrierResponseMs: 300,
  slowCarrierResponseMs: 1500,
  portDateMs: 400,
};

/** A tiny valid-looking PDF, written once per process: the bill travels as a path, never as bytes. */
let billFile: string | undefined;
export function utilityBillPath(): string {
  if (billFile) return billFile;
  // Removed when the test process exits (test/helpers/hygiene.ts).
  const file = path.join(makeTempDir('portflow-bill-'), 'utility-bill.pdf');
  writeFileSync(file, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  billFile = file;
  return file;
}

/** A Twilio client for this sandbox (its URL serves both hosts; its credentials). */
export function sandboxPortingClient(
  sandbox: SandboxHandle,
  overrides: Partial<PortingClientOptions> = {}
): PortingClient {
  return new PortingClient({
    apiBaseUrl: sandbox.url,
    documentsBaseUrl: sandbox.url,
    accountSid: sandbox.accountSid,
    authToken: sandbox.authToken,
    timeoutMs: 5000,
    ...overrides,
  });
}

let orderCounter = 0;

/** An order for the given numbers, valid against the sandbox's clock. */
export function buildOrder(
  sandbox: SandboxHandle,
  phoneNumbers: Array<string | { phoneNumber: string; pin?: string }>,
  overrides: Partial<PortInOrder> = {}
): PortInOrder {
  const target = new Date(sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10);
  return {
    orderId: `order-${process.pid}-${Date.now()}-${++orderCounter}`,
    customerRef: 'cust-0042',
    losingCarrierInformation: {
      customerType: 'Business',
      customerName: 'Acme Plumbing LLC',
      accountNumber: 'ACCT-99812',
      accountTelephoneNumber: '+14155550100',
      authorizedRepresentative: 'Jordan Example',
      authorizedRepresentativeEmail: 'jordan@example.com',
      address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
    },
    phoneNumbers: phoneNumbers.map((n) => (typeof n === 'string' ? { phoneNumber: n } : n)),
    targetPortInDate: target,
    notificationEmails: ['ops@example.com'],
    utilityBill: { path: utilityBillPath() },
    options: { reconcileInterval: '1s' },
    ...overrides,
  };
}

export interface PortflowTestEnv {
  sandbox: SandboxHandle;
  porting: PortingClient;
  temporal: TemporalTestContext;
  client: Client;
  taskQueue: string;
  /** Creates a worker on this env's task queue (not started). */
  newWorker(connection?: NativeConnection): Promise<Worker>;
  close(): Promise<void>;
}

/** Sandbox + Temporal client + a task queue of its own, for workflow integration tests. */
export async function startPortflowEnv(
  options: { sandbox?: SandboxOptions; porting?: Partial<PortingClientOptions> } = {}
): Promise<PortflowTestEnv> {
  // Real time with short carrier delays: the target date (≥ 7 days ahead) is never overtaken by an
  // accelerated clock while the order is being prepared, and the port still completes in about a second.
  const sandbox = await startSandbox({
    clockScale: 1,
    ...options.sandbox,
    timeline: { ...FAST_TIMELINE, ...options.sandbox?.timeline },
  });
  const porting = sandboxPortingClient(sandbox, options.porting);
  const temporal = await connectTemporal();
  const taskQueue = uniqueTaskQueue('portin');
  return {
    sandbox,
    porting,
    temporal,
    client: temporal.client,
    taskQueue,
    newWorker: (connection = temporal.nativeConnection) =>
      createPortflowWorker({ connection, taskQueue, porting, workflowBundle: workflowBundle() }),
    async close() {
      porting.close();
      await temporal.close();
      await sandbox.stop();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), within a bounded time. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250, what = 'condition' } = {}
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
