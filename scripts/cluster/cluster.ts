/**
 * A Temporal cluster on PostgreSQL on this machine: the server built from tools/temporal-server,
 * PostgreSQL with both schemas, the four roles (frontend, history, matching, worker) as separate
 * processes, and the namespace with portflow's search attributes.
 *
 * Nothing here is a second copy of the deployment: the roles render the server image's own
 * templated config (`config/docker.yaml` of the pinned module) from the environment compose gives
 * its `temporal` service, and the schema and namespace steps run compose's `temporal-schema` and
 * `temporal-namespace` job scripts. Only addresses, ports, paths and the log level are overridden.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { listCustomSearchAttributes } from '../../src/temporal-server/dev-server';
import { ensureTemporalBinaries } from '../../src/temporal-server/binaries';
import { startManagedProcess, waitUntilReady } from '../../src/temporal-server/managed-process';
import type { ManagedProcess } from '../../src/temporal-server/managed-process';
import type { PortReservation } from '../../src/temporal-server/ports';
import { portflowSearchAttributes } from '../../src/search-attributes';
import { jobScript, loadCompose, serviceEnvironment } from './compose';
import type { ComposeDocument } from './compose';
import { startPostgres } from './postgres';
import type { PostgresHandle } from './postgres';
import { ensureServerBuild } from './server-build';
import type { ServerBuild } from './server-build';

export const ROLES = ['history', 'matching', 'frontend', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const HOST = '127.0.0.1';

export interface ClusterOptions {
  /** Holds PostgreSQL's data and password (inside `.data/`). */
  baseDir: string;
  /** Remove `baseDir` on stop (tests). @default false */
  removeOnStop?: boolean;
  /** The frontend's gRPC port; 0 picks a free one. @default 0 */
  frontendPort?: number;
  /** PostgreSQL's port; 0 picks a free one. @default 0 */
  postgresPort?: number;
  namespace?: string;
  /** The server's log level (compose leaves the image's `info`). @default 'warn' */
  logLevel?: string;
  log?: (line: string) => void;
  /** Copy the roles' output to our stderr. */
  echo?: boolean;
}

export interface TemporalCluster {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  postgres: PostgresHandle;
  build: ServerBuild;
  /** The running process of each role (replaced by `restart`). */
  roles: Record<Role, ManagedProcess>;
  /** SIGKILL, no grace: what a crash looks like. Resolves once the process is gone. */
  kill(role: Role): Promise<void>;
  /** Starts the role again with the same configuration and waits until it listens. */
  restart(role: Role): Promise<void>;
  /** What compose's temporal-namespace job did on the fresh database at start: its first and only attempt. */
  firstNamespaceJob: JobResult;
  /** Runs compose's temporal-namespace job script against this cluster; `vars` as a `.env` gives them. */
  runNamespaceJob(vars?: Record<string, string>): Promise<JobResult>;
  /** Runs compose's temporal-schema job script against this cluster's PostgreSQL. */
  runSchemaJob(): Promise<JobResult>;
  /** Stops the roles (frontend first), then PostgreSQL; removes the data when asked to. */
  stop(): Promise<void>;
}

export interface JobResult {
  code: number | null;
  output: string;
}

/** Runs a job script with `sh -c` (as compose's `entrypoint: ['/bin/sh', '-c']` does). */
export function runJob(script: string, env: Record<string, string>, timeoutMs = 120_000): Promise<JobResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface RolePorts {
  grpc: number;
  membership: number;
  /** frontend only */
  http?: number;
}

/** The kernel's range for outgoing connections' local ports (Linux; the usual default elsewhere). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi) return [lo, hi];
  } catch {
    // Not Linux.
  }
  return [32768, 60999];
}

/**
 * `n` free ports held until released, from below the ephemeral range. The roles bind theirs a
 * moment after we release them, while the other roles already open connections to PostgreSQL: a
 * port from the ephemeral range (what `listen(0)` hands out) can be taken by such a connection in
 * between; one below it never is.
 */
async function reserve(n: number): Promise<PortReservation[]> {
  const [lo] = ephemeralRange();
  const floor = Math.min(20_000, lo - 2000);
  const held: PortReservation[] = [];
  for (let attempt = 0; held.length < n; attempt++) {
    if (attempt > 2000) throw new Error(`no ${n} free ports between ${floor} and ${lo - 1} on ${HOST}`);
    const port = floor + Math.floor(Math.random() * (lo - floor));
    if (held.some((h) => h.port === port)) continue;
    const reservation = await holdPort(port);
    if (reservation) held.push(reservation);
  }
  return held;
}

function holdPort(port: number): Promise<PortReservation | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: HOST, exclusive: true }, () => {
      let released: Promise<void> | undefined;
      resolve({ port, release: () => (released ??= new Promise<void>((done) => server.close(() => done()))) });
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The environment compose gives its `temporal` service, with this machine's addresses and ports. */
export function roleEnvironment(
  compose: ComposeDocument,
  build: ServerBuild,
  postgres: Pick<PostgresHandle, 'port' | 'user' | 'password'>,
  ports: Record<Role, RolePorts>,
  logLevel: string
): Record<string, string> {
  const fromCompose = serviceEnvironment(compose, 'temporal', {
    POSTGRES_USER: postgres.user,
    POSTGRES_PASSWORD: postgres.password,
  });
  return {
    ...fromCompose,
    POSTGRES_SEEDS: HOST,
    DB_PORT: String(postgres.port),
    // The template's PostgreSQL visibility store reads POSTGRES_PORT, not DB_PORT (compose's 5432
    // makes the difference invisible there); this names the port for both.
    VISIBILITY_DB_PORT: String(postgres.port),
    BIND_ON_IP: HOST,
    LOG_LEVEL: logLevel,
    DYNAMIC_CONFIG_FILE_PATH: path.join(build.configDir, 'dynamicconfig', 'docker.yaml'),
    FRONTEND_GRPC_PORT: String(ports.frontend.grpc),
    FRONTEND_HTTP_PORT: String(ports.frontend.http),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontend.membership),
    HISTORY_GRPC_PORT: String(ports.history.grpc),
    HISTORY_MEMBERSHIP_PORT: String(ports.history.membership),
    MATCHING_GRPC_PORT: String(ports.matching.grpc),
    MATCHING_MEMBERSHIP_PORT: String(ports.matching.membership),
    WORKER_GRPC_PORT: String(ports.worker.grpc),
    WORKER_MEMBERSHIP_PORT: String(ports.worker.membership),
  };
}

/** PATH with the SQL tool and the Temporal CLI first: what the admin-tools image has. */
function jobPath(build: ServerBuild): string {
  const cli = ensureTemporalBinaries(process.env).temporal.path;
  return `${path.dirname(build.sqlTool)}:${path.dirname(cli)}:${process.env.PATH ?? ''}`;
}

/** Compose's `temporal-schema` job, as compose runs it, against this machine's PostgreSQL. */
export function runComposeSchemaJob(
  build: ServerBuild,
  postgres: Pick<PostgresHandle, 'port' | 'user' | 'password'>
): Promise<JobResult> {
  const compose = loadCompose();
  const env = {
    ...serviceEnvironment(compose, 'temporal-schema', {
      POSTGRES_USER: postgres.user,
      POSTGRES_PASSWORD: postgres.password,
    }),
    SQL_HOST: HOST,
    SQL_PORT: String(postgres.port),
    // Where the pinned module's schema was copied (the image has it in /etc/temporal/schema).
    TEMPORAL_SCHEMA_DIR: build.postgresSchemaDir,
    PATH: jobPath(build),
  };
  return runJob(jobScript(compose, 'temporal-schema', {}), env);
}

/**
 * Compose's `temporal-namespace` job against the frontend at `address`; `vars` are compose
 * variables (TEMPORAL_NAMESPACE, TEMPORAL_NAMESPACE_RETENTION) as a `.env` would give them.
 */
export function runComposeNamespaceJob(
  address: string,
  vars: Record<string, string> = {},
  build?: ServerBuild
): Promise<JobResult> {
  const compose = loadCompose();
  const env = {
    ...serviceEnvironment(compose, 'temporal-namespace', vars),
    TEMPORAL_ADDRESS: address,
    PATH: build
      ? jobPath(build)
      : `${path.dirname(ensureTemporalBinaries(process.env).temporal.path)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? os.tmpdir(),
  };
  return runJob(jobScript(compose, 'temporal-namespace', {}), env);
}

/** Builds (or reuses) the server, starts PostgreSQL, applies the schemas, starts the roles, creates the namespace. */
export async function startCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const log = options.log ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const compose = loadCompose();
  const build = await ensureServerBuild({ log });
  ensureTemporalBinaries(process.env, log);
  mkdirSync(options.baseDir, { recursive: true });

  const pgReservation = options.postgresPort ? undefined : (await reserve(1))[0];
  await pgReservation?.release();
  const postgres = await startPostgres({
    baseDir: options.baseDir,
    port: options.postgresPort || (pgReservation as PortReservation).port,
    log,
  });
  const roles = {} as Record<Role, ManagedProcess>;
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    // Frontend first, so no new work arrives while the others stop; then PostgreSQL.
    for (const role of ['frontend', 'worker', 'matching', 'history'] as const) await roles[role]?.stop(10_000);
    await postgres.stop();
    if (options.removeOnStop) rmSync(options.baseDir, { recursive: true, force: true });
  };

  try {
    const runSchemaJob = () => runComposeSchemaJob(build, postgres);
    const schema = await runSchemaJob();
    if (schema.code !== 0)
      throw new Error(`compose's temporal-schema job failed (exit ${schema.code}):\n${schema.output}`);
    log('schemas applied (temporal, temporal_visibility)');

    const fixedFrontend = options.frontendPort ? 1 : 0;
    const reservations = await reserve(9 - fixedFrontend);
    let taken = 0;
    const next = () => (reservations[taken++] as PortReservation).port;
    const ports: Record<Role, RolePorts> = {
      frontend: { grpc: options.frontendPort || next(), http: next(), membership: next() },
      history: { grpc: next(), membership: next() },
      matching: { grpc: next(), membership: next() },
      worker: { grpc: next(), membership: next() },
    };
    const env = { ...process.env, ...roleEnvironment(compose, build, postgres, ports, options.logLevel ?? 'warn') };
    const address = `${HOST}:${ports.frontend.grpc}`;

    const spawnRole = (role: Role) =>
      startManagedProcess(
        `temporal ${role}`,
        build.server,
        ['--root', build.dir, '--config', 'config', '--env', 'docker', '--allow-no-auth', 'start', '--service', role],
        { env, echo: options.echo, stopOnSignals: false, tailLines: 80 }
      );
    const waitForRole = async (role: Role) => {
      const proc = roles[role];
      // The worker role serves no gRPC: it is up once it listens for membership.
      const port = role === 'worker' ? ports[role].membership : ports[role].grpc;
      await waitUntilReady(proc, () => canConnect(port), { timeoutMs: 90_000, what: `${role} listening on ${port}` });
      if (role === 'frontend') {
        await waitUntilReady(proc, () => frontendAnswers(address), {
          timeoutMs: 90_000,
          what: `frontend on ${address}`,
        });
      }
    };
    await Promise.all(reservations.map((r) => r.release()));
    // On a fresh database every role would write the cluster metadata at once, and all but one
    // fail on the version check: history goes first and writes it, the rest follow together.
    roles.history = spawnRole('history');
    await waitForRole('history');
    for (const role of ROLES.filter((r) => r !== 'history')) roles[role] = spawnRole(role);
    await Promise.all(ROLES.filter((r) => r !== 'history').map(waitForRole));
    log(`roles up: ${ROLES.map((r) => `${r} :${ports[r].grpc}`).join(', ')}`);

    const runNamespaceJob = (extra?: Record<string, string>) =>
      runComposeNamespaceJob(address, { TEMPORAL_NAMESPACE: namespace, ...extra });
    const job = await runNamespaceJob();
    if (job.code !== 0) throw new Error(`compose's temporal-namespace job failed (exit ${job.code}):\n${job.output}`);
    // The job registered them; wait until the frontend's own cache shows them too.
    await waitUntilReady(roles.frontend, () => searchAttributesVisible(address, namespace), {
      timeoutMs: 60_000,
      what: `search attributes visible in ${namespace}`,
    });
    log(`namespace ${namespace} ready with portflow's search attributes`);

    return {
      address,
      namespace,
      postgres,
      build,
      roles,
      firstNamespaceJob: job,
      async kill(role) {
        const proc = roles[role];
        if (proc.hasExited()) return;
        proc.child.kill('SIGKILL');
        await proc.exited();
      },
      async restart(role) {
        if (!roles[role].hasExited()) throw new Error(`temporal ${role} is still running: kill it first`);
        roles[role] = spawnRole(role);
        await waitForRole(role);
      },
      runNamespaceJob,
      runSchemaJob,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function searchAttributesVisible(address: string, namespace: string): Promise<boolean> {
  const registered = await listCustomSearchAttributes(address, namespace);
  return portflowSearchAttributes.every((key) => key.name in registered);
}
