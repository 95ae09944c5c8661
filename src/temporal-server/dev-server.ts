import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { portflowSearchAttributes, searchAttributeCliArgs } from '../search-attributes';
import { ensureTemporalBinaries, projectRoot } from './binaries';
import { startManagedProcess, waitUntilReady } from './managed-process';
import type { ManagedProcess } from './managed-process';
import { assertPortFree, findFreePort } from './ports';

export interface DevServerOptions {
  /** Frontend gRPC port; 0 picks a free one. @default 7233 */
  port?: number;
  /** UI port; `false` runs headless. @default port + 1000 */
  uiPort?: number | false;
  namespace?: string;
  /**
   * SQLite file for persistent state. `undefined` uses `.data/temporal.sqlite`; `':memory:'` keeps
   * everything in memory (tests).
   */
  dbFile?: string;
  /** The codec server the UI should call to decode payloads (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** Port of the server's Prometheus `/metrics` (requests by gRPC method, …). @default a random free port */
  metricsPort?: number;
  /** Extra `--dynamic-config-value KEY=VALUE` entries. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** The SDK's own limit is 5 s; a cold start on a 2-core machine needs more. @default 60000 */
  startTimeoutMs?: number;
  /** Copy the server's output to our stderr. */
  echo?: boolean;
  log?: (line: string) => void;
  /**
   * Stop the server as soon as this process gets SIGINT/SIGTERM. `false` when the caller handles
   * those signals and stops the server last, after the workers that use it. @default true
   */
  stopOnSignals?: boolean;
  /** Gives up waiting for the server to come up: stops it and rejects with the abort reason. */
  signal?: AbortSignal;
}

export interface DevServerHandle {
  /** host:port of the frontend, for clients and workers. */
  address: string;
  namespace: string;
  uiUrl?: string;
  dbFile: string;
  process: ManagedProcess;
  /** SIGTERM, then SIGKILL after `graceMs` (@default 10000); resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export const defaultDbFile = path.join(projectRoot, '.data', 'temporal.sqlite');

/** How often one `startDevServer` call starts the CLI while it keeps losing port races. */
export const DEV_SERVER_START_ATTEMPTS = 3;

/**
 * Starts `temporal server start-dev` on 127.0.0.1 with portflow's search attributes registered and
 * waits (up to a minute) until the frontend answers and the attributes are visible.
 *
 * The CLI picks its internal ports (frontend HTTP, history, matching, ...) the racy way: free a
 * moment ago, maybe not when it binds. If it exits because a port was taken meanwhile, it is started
 * again (with a new frontend port when `port` is 0), up to {@link DEV_SERVER_START_ATTEMPTS} times.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(options);
    } catch (err) {
      if (!(err instanceof PortRaceError) || attempt >= DEV_SERVER_START_ATTEMPTS) throw err;
      options.log?.(`temporal dev server: a port was taken while it started (${err.bindError}); starting again`);
    }
  }
}

/** The server exited because a port it was about to bind had been taken. */
class PortRaceError extends Error {
  override readonly name = 'PortRaceError';
  constructor(
    message: string,
    readonly bindError: string
  ) {
    super(message);
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<DevServerHandle> {
  const host = '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port === 0 ? await findFreePort(host) : (options.port ?? 7233);
  const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? port + 1000);
  await assertPortFree(port, 'Temporal frontend', host);
  if (uiPort !== undefined) await assertPortFree(uiPort, 'Temporal UI', host);

  const dbFile = options.dbFile ?? defaultDbFile;
  const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (dbFile !== ':memory:') {
    mkdirSync(path.dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
    // WAL keeps a file-backed dev server responsive under test load (the SDK's own stress CI does the same).
    args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', host);
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  args.push(...searchAttributeCliArgs());
  const dynamicConfig = {
    'frontend.enableUpdateWorkflowExecution': true,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
    ...options.dynamicConfig,
  };
  for (const [key, value] of Object.entries(dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${typeof value === 'string' ? JSON.stringify(value) : value}`);
  }

  const { temporal } = ensureTemporalBinaries(process.env, options.log);
  const proc = startManagedProcess('temporal dev server', temporal.path, args, {
    echo: options.echo,
    stopOnSignals: options.stopOnSignals,
  });
  const address = `${host}:${port}`;
  try {
    await waitUntilReady(proc, () => searchAttributesVisible(address, namespace), {
      timeoutMs: options.startTimeoutMs ?? 60_000,
      what: `frontend on ${address} with portflow's search attributes`,
      signal: options.signal,
    });
  } catch (err) {
    // e.g. `Error: can't set frontend HTTP port 51557: listen tcp 127.0.0.1:51557: bind: address already in use`
    const bindError = /[^\n]*bind: address already in use[^\n]*/.exec(proc.outputTail())?.[0];
    if (proc.hasExited() && bindError && !options.signal?.aborted) {
      throw new PortRaceError(err instanceof Error ? err.message : String(err), bindError.trim());
    }
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${host}:${uiPort}`,
    dbFile,
    process: proc,
    stop: (graceMs) => proc.stop(graceMs),
  };
}

/** Asks the server (not our own flags) whether every portflow search attribute is registered. */
export async function listCustomSearchAttributes(address: string, namespace: string): Promise<Record<string, number>> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.fromEntries(
      Object.entries(response.customAttributes ?? {}).map(([name, type]) => [name, Number(type)])
    );
  } finally {
    await connection.close();
  }
}

async function searchAttributesVisible(address: string, namespace: string): Promise<boolean> {
  const registered = await listCustomSearchAttributes(address, namespace);
  return portflowSearchAttributes.every((key) => key.name in registered);
}
