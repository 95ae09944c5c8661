/**
 * A PostgreSQL of our own for the cluster tier: data under the given directory (inside `.data/`),
 * listening on 127.0.0.1 only (its Unix socket inside the data directory), one superuser with a
 * generated password kept beside the data (mode 0600), and a fast shutdown on stop.
 *
 * It uses the machine's PostgreSQL binaries (PATH, then Debian's /usr/lib/postgresql/<n>/bin) and,
 * as root on Debian without them, installs Debian's `postgresql` package. initdb refuses to run as
 * root, so as root the server runs as the `postgres` user and owns only its data directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startManagedProcess, waitUntilReady } from '../../src/temporal-server/managed-process';
import type { ManagedProcess } from '../../src/temporal-server/managed-process';

export class PostgresError extends Error {
  override readonly name = 'PostgresError';
}

/** The directory holding initdb, postgres, pg_isready and pg_dump, or undefined. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PORTFLOW_POSTGRES_BIN) return env.PORTFLOW_POSTGRES_BIN;
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8', env }).stdout.trim();
  // PATH often has Debian's wrappers or symlinks: use the real directory, where pg_dump matches the server.
  const candidates: string[] = [];
  if (onPath) {
    try {
      candidates.push(path.dirname(execFileSync('readlink', ['-f', onPath], { encoding: 'utf8' }).trim()));
    } catch {
      candidates.push(path.dirname(onPath));
    }
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  return candidates.find((dir) =>
    (['initdb', 'postgres', 'pg_isready', 'pg_dump'] as const).every((t) => existsSync(path.join(dir, t)))
  );
}

/** The binaries, installing Debian's package when we may (root, apt-get) and they are missing. */
export function ensurePostgresBin(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const found = findPostgresBin(env);
  if (found) return found;
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (!canInstall) {
    throw new PostgresError(
      'PostgreSQL server binaries (initdb, postgres, pg_isready, pg_dump) were not found on PATH or in ' +
        '/usr/lib/postgresql/<version>/bin. Install PostgreSQL ≥ 12 (Debian/Ubuntu: `apt-get install postgresql`), ' +
        'or set PORTFLOW_POSTGRES_BIN to the directory that holds them.'
    );
  }
  log("PostgreSQL not found: installing Debian's postgresql package (apt-get) …");
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new PostgresError(`apt-get ${args.join(' ')} failed (exit ${result.status})`);
  }
  const installed = findPostgresBin(env);
  if (!installed) throw new PostgresError('apt-get installed postgresql, but its binaries are still not found');
  return installed;
}

/** As root, the `postgres` user's ids: initdb and the server refuse to run as root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new PostgresError(
      'running as root, PostgreSQL needs an unprivileged `postgres` user to run as (initdb refuses root): ' +
        "create one (`useradd --system postgres`; Debian's postgresql package does) or run as another user"
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface PostgresOptions {
  /** Holds `postgres/` (the data directory) and `postgres-password`. Created when missing. */
  baseDir: string;
  port: number;
  /** The superuser's name, as compose's POSTGRES_USER. @default 'temporal' */
  user?: string;
  log?: (line: string) => void;
  /** Each Temporal role keeps up to 30 connections (compose's server is one process, this tier four). @default 200 */
  maxConnections?: number;
}

export interface PostgresHandle {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  dataDir: string;
  binDir: string;
  process: ManagedProcess;
  /** `pg_dump` of one database, as plain SQL. */
  dump(database: string): string;
  /** Fast shutdown (SIGINT: active sessions are ended), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The password of an existing data directory, or a new one written beside it (0600). */
function passwordFor(baseDir: string): { password: string; fresh: boolean } {
  const file = path.join(baseDir, 'postgres-password');
  if (existsSync(file)) return { password: readFileSync(file, 'utf8').trim(), fresh: false };
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return { password, fresh: true };
}

function initdb(binDir: string, dataDir: string, user: string, password: string, runAs: ReturnType<typeof serverUser>) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file; it must be readable by the user initdb runs as.
  const pwfile = path.join(dataDir, '..', `.initdb-pw-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(dataDir, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    const result = spawnSync(
      path.join(binDir, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        user,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { encoding: 'utf8', ...(runAs ?? {}) }
    );
    if (result.status !== 0) {
      throw new PostgresError(`initdb failed (exit ${result.status}):\n${result.stderr || result.error?.message}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Starts PostgreSQL (initializing the data directory on first use) and waits until it accepts connections. */
export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const log = options.log ?? (() => undefined);
  const user = options.user ?? 'temporal';
  const binDir = ensurePostgresBin(log);
  const runAs = serverUser();
  mkdirSync(options.baseDir, { recursive: true });
  const dataDir = path.join(options.baseDir, 'postgres');
  const initialized = existsSync(path.join(dataDir, 'PG_VERSION'));
  const { password, fresh } = passwordFor(options.baseDir);
  if (!initialized) {
    if (!fresh && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    log(`initializing PostgreSQL in ${dataDir}`);
    initdb(binDir, dataDir, user, password, runAs);
  } else if (fresh) {
    throw new PostgresError(
      `${dataDir} exists but its password file is gone: remove ${options.baseDir} to start afresh`
    );
  }

  const proc = startManagedProcess(
    'postgres',
    path.join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
      '-c',
      `max_connections=${options.maxConnections ?? 200}`,
    ],
    { ...(runAs ?? {}), stopOnSignals: false, tailLines: 80 }
  );
  const isReady = () =>
    new Promise<boolean>((resolve) => {
      const probe = spawnSync(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(options.port)]);
      resolve(probe.status === 0);
    });
  await waitUntilReady(proc, isReady, {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `accepting connections on ${options.port}`,
  });

  const stop = async (graceMs = 15_000) => {
    if (proc.hasExited()) return;
    proc.child.kill('SIGINT');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
    await proc.exited();
    clearTimeout(timer);
  };
  return {
    host: '127.0.0.1',
    port: options.port,
    user,
    password,
    dataDir,
    binDir,
    process: proc,
    dump(database: string) {
      const result = spawnSync(
        path.join(binDir, 'pg_dump'),
        ['-h', '127.0.0.1', '-p', String(options.port), '-U', user, '--no-password', database],
        { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password }, maxBuffer: 1 << 30 }
      );
      if (result.status !== 0) throw new PostgresError(`pg_dump ${database} failed: ${result.stderr}`);
      return result.stdout;
    },
    stop,
  };
}
