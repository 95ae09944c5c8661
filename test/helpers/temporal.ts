import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { ClientOptions } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { WorkerOptions } from '@temporalio/worker';

let runtimeInstalled = false;

/** Quiet SDK logs in tests; must run before any worker or native connection exists. */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by another module of this test file: fine.
  }
}

export function devServerAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run integration tests through jest (global setup).');
  return address;
}

export function workflowBundle(): { codePath: string } {
  const codePath = process.env.PORTFLOW_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('PORTFLOW_TEST_WORKFLOW_BUNDLE is not set: run integration tests through jest.');
  return { codePath };
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export interface TemporalTestContext {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** Connects a client and a worker connection to the run's shared dev server (or `address`). */
export async function connectTemporal(
  address = devServerAddress(),
  clientOptions: Partial<ClientOptions> = {}
): Promise<TemporalTestContext> {
  installTestRuntime();
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace: 'default', ...clientOptions });
  return {
    client,
    connection,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A worker on the shared bundle; pass it to `worker.runUntil(...)`. */
export function createTestWorker(
  nativeConnection: NativeConnection,
  options: Omit<WorkerOptions, 'connection' | 'workflowBundle' | 'workflowsPath'>
): Promise<Worker> {
  return Worker.create({ connection: nativeConnection, workflowBundle: workflowBundle(), ...options });
}
