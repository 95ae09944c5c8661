/**
 * The one way portflow connects to Temporal: the worker, the webhook receiver, the CLI and the demo
 * all take their connection from here. Settings are the SDK's own (`@temporalio/envconfig`), so any
 * Temporal is reachable — a local dev server, a self-hosted cluster with TLS or mTLS, Temporal Cloud
 * with an API key — from the same variables the Temporal CLI reads: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, or a profile of a TOML
 * file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE). See docs/configuration.md.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import type { ClientOptions, ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';

/** Where portflow connects when nothing names an address: a local dev server (`npm run temporal`). */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** What every Temporal connection of portflow is made from. */
export interface TemporalSettings {
  /** `host:port` of the frontend. */
  address: string;
  namespace: string;
  /** Address, TLS, API key and gRPC metadata, as the SDK's connections take them. */
  connectionOptions: NativeConnectionOptions & { address: string };
  /** One line for logs and errors: address, namespace, TLS/mTLS, whether an API key is used — never a secret. */
  description: string;
}

/** The settings cannot be read: a profile that does not exist, an unreadable certificate file, a bad TOML file. */
export class TemporalConfigError extends Error {
  override readonly name = 'TemporalConfigError';
}

/** Temporal did not answer a connection attempt; the message says where, with which settings, and why. */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
}

export interface LoadTemporalSettingsOptions {
  /** A profile of the config file; overrides TEMPORAL_PROFILE. @default TEMPORAL_PROFILE, else "default" */
  profile?: string;
}

/**
 * Reads the Temporal settings from the environment the SDK's way (@temporalio/envconfig): the profile
 * of the TOML file (TEMPORAL_CONFIG_FILE, else the user's `temporalio/temporal.toml`), then the
 * TEMPORAL_* variables over it. An empty variable counts as unset (compose's `${VAR:-}`): an empty
 * TEMPORAL_API_KEY must not switch TLS on.
 */
export function loadTemporalSettings(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadTemporalSettingsOptions = {}
): TemporalSettings {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') vars[key] = value;
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({
      overrideEnvVars: vars,
      ...(options.profile ? { profile: options.profile } : {}),
    });
  } catch (err) {
    throw new TemporalConfigError(`Invalid Temporal settings: ${explainLoadError(err, vars)}`);
  }
  const address = loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = loaded.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  const connectionOptions = { ...loaded.connectionOptions, address };
  return { address, namespace, connectionOptions, description: describe(connectionOptions, namespace, vars) };
}

/** Settings for a local server without TLS (the demo's own dev server, tests). */
export function localTemporalSettings(address: string, namespace = DEFAULT_TEMPORAL_NAMESPACE): TemporalSettings {
  const connectionOptions = { address };
  return { address, namespace, connectionOptions, description: describe(connectionOptions, namespace, {}) };
}

/** The options of a JS (`@temporalio/client`) connection for these settings. */
export function clientConnectionOptions(settings: TemporalSettings): ConnectionOptions {
  const { address, tls, apiKey, metadata } = settings.connectionOptions;
  return {
    address,
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(apiKey !== undefined ? { apiKey: apiKey as ConnectionOptions['apiKey'] } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/**
 * A connected Temporal client (close it with `client.connection.close()`). Fails with a
 * {@link TemporalConnectionError} that names the address, the settings and the cause.
 */
export async function connectTemporalClient(
  settings: TemporalSettings,
  options: Omit<ClientOptions, 'connection' | 'namespace'> = {}
): Promise<Client> {
  const connection = await withClearError(settings, () => Connection.connect(clientConnectionOptions(settings)));
  return new Client({ ...options, connection, namespace: settings.namespace });
}

/**
 * A JS connection that connects on first use: for a process that must start while Temporal is still
 * down (the webhook receiver answers 503 until it is back).
 */
export function lazyTemporalConnection(settings: TemporalSettings): Connection {
  return Connection.lazy(clientConnectionOptions(settings));
}

/** The native (Rust core) connection a Worker needs; a Client can use it too. */
export async function connectWorkerConnection(settings: TemporalSettings): Promise<NativeConnection> {
  // Loaded here, not at the top: the CLI and a client-only backend never load the worker's native module.
  const { NativeConnection } = await import('@temporalio/worker');
  return withClearError(settings, () => NativeConnection.connect(settings.connectionOptions));
}

async function withClearError<T>(settings: TemporalSettings, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    let cause = err instanceof Error ? err.message : String(err);
    // The JS client only says "Failed to connect before the deadline": ask the TLS layer why.
    const handshake = settings.connectionOptions.tls ? await tlsHandshakeProblem(settings) : undefined;
    if (handshake && !cause.includes(handshake)) cause += `; the TLS handshake fails: ${handshake}`;
    throw new TemporalConnectionError(
      `Could not connect to Temporal at ${settings.description}: ${cause}${hint(cause, settings)}`,
      { cause: err }
    );
  }
}

/** One TLS handshake with the connection's own CA, certificate and server name: its error, if any. */
function tlsHandshakeProblem(settings: TemporalSettings): Promise<string | undefined> {
  const { address, tls: config } = settings.connectionOptions;
  const options = typeof config === 'object' && config ? config : {};
  const colon = address.lastIndexOf(':');
  const host = (colon > 0 ? address.slice(0, colon) : address).replace(/^\[|\]$/g, '');
  const port = colon > 0 ? Number(address.slice(colon + 1)) : 7233;
  const name = options.serverNameOverride ?? host;
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      ...(isIP(name) ? {} : { servername: name }),
      ...(options.serverRootCACertificate ? { ca: Buffer.from(options.serverRootCACertificate) } : {}),
      ...(options.clientCertPair
        ? { cert: Buffer.from(options.clientCertPair.crt), key: Buffer.from(options.clientCertPair.key) }
        : {}),
      ALPNProtocols: ['h2'],
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    });
    const done = (problem?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(), 5000);
    socket.once('secureConnect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ? `${err.message} (${err.code})` : err.message));
  });
}

/** A next step for the failures people meet first. */
function hint(cause: string, settings: TemporalSettings): string {
  const tls = settings.connectionOptions.tls;
  if (/certificate|UnknownIssuer|self[- ]signed|CERT_|BadSignature|invalid peer/i.test(cause)) {
    return (
      '. The server certificate was not accepted: check TEMPORAL_TLS_SERVER_CA_CERT_PATH (or _DATA) names the CA ' +
      "that signed the server's certificate, and TEMPORAL_TLS_SERVER_NAME the name in it"
    );
  }
  if (
    !tls &&
    /connection (reset|closed)|unexpected eof|broken pipe|frame with invalid size|h2 protocol error/i.test(cause)
  ) {
    return '. If the server expects TLS, set TEMPORAL_TLS=true (an API key or certificate settings also enable it)';
  }
  return '';
}

function describe(options: NativeConnectionOptions, namespace: string, vars: Record<string, string>): string {
  const parts = [`${options.address} (namespace ${namespace}`];
  const tls = options.tls;
  if (tls && typeof tls === 'object') {
    parts.push(tls.clientCertPair ? 'mTLS' : 'TLS');
    if (tls.serverRootCACertificate) parts.push('own server CA');
    if (tls.serverNameOverride) parts.push(`server name ${tls.serverNameOverride}`);
  } else if (tls) {
    parts.push('TLS');
  } else {
    parts.push('no TLS');
  }
  if (options.apiKey) parts.push('API key');
  const profile = vars.TEMPORAL_PROFILE;
  if (profile) parts.push(`profile ${profile}`);
  return `${parts.join(', ')})`;
}

/** envconfig's errors name TOML keys and file paths; say which variable led there. */
function explainLoadError(err: unknown, vars: Record<string, string>): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.path) {
    const variable = Object.entries(vars).find(([k, v]) => k.startsWith('TEMPORAL_') && v === e.path)?.[0];
    return `cannot read ${e.path}${variable ? ` (named by ${variable})` : ''}: no such file`;
  }
  if (e?.code === 'EACCES' && e.path) return `cannot read ${e.path}: permission denied`;
  const message = err instanceof Error ? err.message : String(err);
  if (/Profile '.*' not found/.test(message)) {
    const file = vars.TEMPORAL_CONFIG_FILE ?? 'the default config file (temporalio/temporal.toml)';
    return `${message} (TEMPORAL_PROFILE=${vars.TEMPORAL_PROFILE ?? ''}, looked in ${file})`;
  }
  return message;
}
