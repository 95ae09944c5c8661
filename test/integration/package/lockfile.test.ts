/**
 * The lock file and `engines` tell the truth: `npm ci` accepts the lock file with npm 10 (Node 22's
 * own npm) and npm 11 (this machine's), `npm install` does not rewrite it, and every dependency's
 * own `engines` allows every Node version portflow claims to run on.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { run } from './processes';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devEngines: { runtime: { version: string }; packageManager: { version: string } };
};
const lockText = readFileSync(path.join(root, 'package-lock.json'), 'utf8');
const lock = JSON.parse(lockText) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
};

/** package.json and the lock file alone in a fresh directory, as a clean clone has them before install. */
function cleanCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-lock-'));
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, file), path.join(dir, file));
  return dir;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Packages whose declared Node range does not include every version of `range`. */
function outside(range: string, which: 'runtime' | 'dev'): string[] {
  return Object.entries(lock.packages)
    .filter(([name, p]) => name !== '' && (which === 'dev' ? p.dev === true : p.dev !== true))
    .flatMap(([name, p]) => {
      const declared = !Array.isArray(p.engines) ? p.engines?.node : undefined;
      return declared && !semver.subset(range, declared) ? [`${name}@${p.version} wants node ${declared}`] : [];
    });
}

describe('package.json engines', () => {
  it('claims only Node versions every runtime dependency accepts', () => {
    expect(outside(manifest.engines.node, 'runtime')).toEqual([]);
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
  });

  it('devEngines claims only Node versions every development tool accepts', () => {
    expect(outside(manifest.devEngines.runtime.version, 'dev')).toEqual([]);
    expect(semver.satisfies(process.version, manifest.devEngines.runtime.version)).toBe(true);
  });
});

describe('package-lock.json', () => {
  it.each([
    ['npm 11 (this machine)', 'npm', [] as string[]],
    ['npm 10', 'npx', ['-y', 'npm@10']],
  ])('is accepted by npm ci with %s', async (_label, command, prefix) => {
    const dir = cleanCopy();
    dirs.push(dir);
    // --dry-run: the lock file is checked against package.json exactly as a real `npm ci` checks it
    // (a refusal such as "Missing: @swc/core-darwin-arm64 from lock file" fails here), without
    // downloading 600 packages twice.
    const result = await run(command, [...prefix, 'ci', '--dry-run', '--ignore-scripts', '--no-audit'], {
      cwd: dir,
      timeoutMs: 300_000,
    });
    expect({
      code: result.code,
      refusal: /Missing: .* from lock file|can only install packages when/.exec(result.stderr)?.[0],
    }).toEqual({
      code: 0,
      refusal: undefined,
    });
  });

  it('is not rewritten by npm install (npm 11, which maintains it)', async () => {
    const dir = cleanCopy();
    dirs.push(dir);
    const result = await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit'], {
      cwd: dir,
      timeoutMs: 300_000,
    });
    expect(result.code).toBe(0);
    expect(
      semver.satisfies(
        (await run('npm', ['--version'], { cwd: dir })).stdout.trim(),
        manifest.devEngines.packageManager.version
      )
    ).toBe(true);
    expect(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).toBe(lockText);
  });
});
