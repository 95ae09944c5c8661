import { Connection } from '@temporalio/client';
import { ensureTemporalBinaries } from './binaries';
import { startManagedProcess, waitUntilReady } from './managed-process';
import type { ManagedProcess } from './managed-process';
import { assertPortFree, findFreePort } from './ports';

export interface TimeSkippingServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  startTimeoutMs?: number;
  echo?: boolean;
  log?: (line: string) => void;
}

export interface TimeSkippingServerHandle {
  address: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts the time-skipping test server (`temporal-test-server <port>`) and
 * waits until it answers. Used for the 30-day LOA expiry and 72-hour cutoff tests.
 */
export async function startTimeSkippingServer(
  options: TimeSkippingServerOptions = {}
): Promise<TimeSkippingServerHandle> {
  const port = options.port ? options.port : await findFreePort();
  await assertPortFree(port, 'Temporal time-skipping test server');
  const binary = ensureTemporalBinaries(process.env, options.log)['temporal-test-server'];
  const proc = startManagedProcess(
    'temporal time-skipping test server',
    binary.path,
    // Without --enable-time-skipping the server starts with skipping locked; the SDK's time-skipping
    // client unlocks it only while a test awaits a result, which is what makes durations deterministic.
    [String(port)],
    { echo: options.echo }
  );
  // The test server binds every interface; we only ever talk to it on loopback.
  const address = `127.0.0.1:${port}`;
  await waitUntilReady(proc, () => answers(address), {
    timeoutMs: options.startTimeoutMs ?? 60_000,
    what: `frontend on ${address}`,
  });
  return { address, process: proc, stop: () => proc.stop() };
}

async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}
