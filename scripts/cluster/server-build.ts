/**
 * The Temporal server of the cluster tier, built from Go modules: `tools/temporal-server/go.mod`
 * pins `go.temporal.io/server` at the version docker-compose.yml deploys, and this module builds
 * its server and SQL tool into `.tools/temporal-server/<version>/` (git-ignored), together with the
 * schema and configuration template shipped inside the same module, so that binaries, schema and
 * configuration always match. A complete build is reused; nothing is rebuilt unless it is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/temporal-server/binaries';

export const serverModuleDir = path.join(projectRoot, 'tools', 'temporal-server');
const SERVER_MODULE = 'go.temporal.io/server';

export class ServerBuildError extends Error {
  override readonly name = 'ServerBuildError';
}

/** What `go.mod` says: the server version and the oldest Go that can build it. */
export interface ServerPin {
  /** Without the leading `v`, as compose's image tags spell it: `1.29.1`. */
  version: string;
  /** The module's `go` line: `1.25.0`. */
  minimumGo: string;
}

export function readServerPin(goModText = readFileSync(path.join(serverModuleDir, 'go.mod'), 'utf8')): ServerPin {
  const version = new RegExp(`^\\s*${SERVER_MODULE.replace(/\./g, '\\.')} v(\\d+\\.\\d+\\.\\d+)\\b`, 'm').exec(
    goModText
  )?.[1];
  const minimumGo = /^go (\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goModText)?.[1];
  if (!version || !minimumGo) {
    throw new ServerBuildError(`tools/temporal-server/go.mod must require ${SERVER_MODULE} vX.Y.Z and have a go line`);
  }
  return { version, minimumGo };
}

/** The pieces of one build, all inside `.tools/temporal-server/<version>/`. */
export interface ServerBuild {
  version: string;
  dir: string;
  /** `temporal-server` (cmd/server). */
  server: string;
  /** `temporal-sql-tool` (cmd/tools/sql). */
  sqlTool: string;
  /** The module's `schema/postgresql/v12` (`temporal/versioned`, `visibility/versioned`). */
  postgresSchemaDir: string;
  /** The module's `config/`: `docker.yaml` (the server image's templated config) and `dynamicconfig/`. */
  configDir: string;
}

export function serverBuildLayout(version: string, toolsRoot = path.join(projectRoot, '.tools')): ServerBuild {
  const dir = path.join(toolsRoot, 'temporal-server', version);
  return {
    version,
    dir,
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    postgresSchemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    configDir: path.join(dir, 'config'),
  };
}

/** Written last: a directory without it is an interrupted build and is built again. */
const MARKER = 'build.json';

export function isCompleteBuild(build: ServerBuild): boolean {
  return (
    existsSync(path.join(build.dir, MARKER)) &&
    [build.server, build.sqlTool, path.join(build.configDir, 'docker.yaml'), build.postgresSchemaDir].every(existsSync)
  );
}

/** `1.25.0` ≤ `1.26.8`? Versions compared numerically, part by part. */
export function goVersionAtLeast(actual: string, minimum: string): boolean {
  const a = actual.split('.').map(Number);
  const m = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, m.length); i++) {
    const d = (a[i] ?? 0) - (m[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function goMissing(minimumGo: string, found?: string): ServerBuildError {
  return new ServerBuildError(
    `${found ? `Go ${found} is too old` : 'Go was not found on PATH'}: the cluster tier builds the Temporal server ` +
      `from tools/temporal-server/go.mod, which needs Go ≥ ${minimumGo}. Install it from https://go.dev/dl/ ` +
      `(or your package manager) and put \`go\` on PATH, or run with a Go ≥ 1.21 and GOTOOLCHAIN=auto, which ` +
      `fetches the right toolchain through the Go module proxy. The rest of the test suite (npm test) does not need Go.`
  );
}

/** The Go on PATH, checked against the module's `go` line. */
export function checkGo(minimumGo: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env });
  if (result.error || result.status !== 0) throw goMissing(minimumGo);
  const found = /go(\d+\.\d+(?:\.\d+)?)/.exec(result.stdout)?.[1];
  if (!found) throw goMissing(minimumGo);
  // With GOTOOLCHAIN=auto an older go switches itself to the module's version: let it try.
  if (!goVersionAtLeast(found, minimumGo) && !/auto/.test(env.GOTOOLCHAIN ?? '')) throw goMissing(minimumGo, found);
  return found;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (l: string) => void) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The Go build takes minutes of both cores: lower its priority so the machine stays usable.
    if (child.pid) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // Not allowed here: build at normal priority.
      }
    }
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      for (const line of c.toString().split('\n').filter(Boolean)) log(`  ${line}`);
    });
    child.once('error', (e) => reject(new ServerBuildError(`${command} could not start: ${e.message}`)));
    child.once('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new ServerBuildError(`${command} ${args.join(' ')} failed (exit ${code}):\n${err.slice(-4000)}`))
    );
  });
}

function makeWritable(dir: string): void {
  chmodSync(dir, statSync(dir).mode | 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else chmodSync(p, statSync(p).mode | 0o600);
  }
}

export interface EnsureServerOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Where `.tools` is; the project's by default. */
  toolsRoot?: string;
}

/**
 * The build for the pinned version: reused when complete, otherwise built with the Go on PATH
 * (a cold build takes a few minutes on 2 cores and fetches through the Go module proxy).
 */
export async function ensureServerBuild(options: EnsureServerOptions = {}): Promise<ServerBuild> {
  const log = options.log ?? (() => undefined);
  const env = options.env ?? process.env;
  const pin = readServerPin();
  const build = serverBuildLayout(pin.version, options.toolsRoot);
  if (isCompleteBuild(build)) return build;

  const goVersion = checkGo(pin.minimumGo, env);
  const started = Date.now();
  log(`building Temporal server ${pin.version} with Go ${goVersion} into ${path.relative(projectRoot, build.dir)} …`);
  const staging = `${build.dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.join(staging, 'bin'), { recursive: true });
  const goEnv = { ...env, GOFLAGS: `${env.GOFLAGS ?? ''} -mod=readonly -buildvcs=false`.trim() };
  try {
    for (const [pkg, name] of [
      [`${SERVER_MODULE}/cmd/server`, 'temporal-server'],
      [`${SERVER_MODULE}/cmd/tools/sql`, 'temporal-sql-tool'],
    ] as const) {
      await run(
        'go',
        ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(staging, 'bin', name), pkg],
        serverModuleDir,
        goEnv,
        log
      );
    }
    // The schema and config template of exactly this module version, out of the module cache.
    const moduleDir = (
      await run('go', ['list', '-m', '-f', '{{.Dir}}', SERVER_MODULE], serverModuleDir, goEnv, log)
    ).trim();
    cpSync(path.join(moduleDir, 'schema', 'postgresql', 'v12'), path.join(staging, 'schema', 'postgresql', 'v12'), {
      recursive: true,
    });
    mkdirSync(path.join(staging, 'config', 'dynamicconfig'), { recursive: true });
    cpSync(path.join(moduleDir, 'config', 'docker.yaml'), path.join(staging, 'config', 'docker.yaml'));
    cpSync(
      path.join(moduleDir, 'config', 'dynamicconfig', 'docker.yaml'),
      path.join(staging, 'config', 'dynamicconfig', 'docker.yaml')
    );
    // Module-cache files are read-only; the copies must be deletable by the next rebuild.
    makeWritable(staging);
    writeFileSync(
      path.join(staging, MARKER),
      `${JSON.stringify({ version: pin.version, go: goVersion, seconds: Math.round((Date.now() - started) / 1000) })}\n`
    );
    rmSync(build.dir, { recursive: true, force: true });
    mkdirSync(path.dirname(build.dir), { recursive: true });
    renameSync(staging, build.dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    // Another process may have finished the same build meanwhile.
    if (isCompleteBuild(build)) return build;
    throw err;
  }
  log(`built Temporal server ${pin.version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return build;
}
