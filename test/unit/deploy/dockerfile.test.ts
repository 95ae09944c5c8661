import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Dockerfile instructions with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const withKeyword = (keyword: string) => instructions.filter((l) => l.toUpperCase().startsWith(`${keyword} `));

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim', () => {
    const base = withKeyword('ARG').find((l) => l.includes('NODE_IMAGE='));
    expect(base).toBe('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(withKeyword('FROM')).toEqual(['FROM ${NODE_IMAGE}']);
  });

  it('skips the Temporal binary download during npm ci', () => {
    const envIndex = instructions.findIndex((l) => /^ENV .*PORTFLOW_SKIP_TEMPORAL_INSTALL=1/.test(l));
    const ciIndex = instructions.findIndex((l) => /^RUN .*npm ci\b/.test(l));
    expect(envIndex).toBeGreaterThanOrEqual(0);
    expect(ciIndex).toBeGreaterThan(envIndex);
    expect(readFileSync(join(root, 'scripts/ensure-temporal.ts'), 'utf8')).toContain('PORTFLOW_SKIP_TEMPORAL_INSTALL');
  });

  it('keeps the dev dependencies the npm scripts run with (tsx)', () => {
    expect(packageJson.devDependencies.tsx).toBeDefined();
    expect(packageJson.scripts.worker).toMatch(/^tsx /);
    expect(dockerfile).not.toMatch(/--omit[= ]dev|--production|NODE_ENV=production/);
  });

  it('copies what postinstall needs before npm ci, and only paths that exist', () => {
    const ciIndex = instructions.findIndex((l) => /^RUN .*npm ci\b/.test(l));
    const copies = withKeyword('COPY').map((l) => l.split(/\s+/).slice(1, -1));
    for (const sources of copies) for (const source of sources) expect(existsSync(join(root, source))).toBe(true);
    const copiedBeforeCi = instructions
      .slice(0, ciIndex)
      .filter((l) => l.startsWith('COPY '))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copiedBeforeCi).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'scripts', 'src']));
  });

  it('runs as a non-root user', () => {
    const users = withKeyword('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it('starts through an npm script that exists', () => {
    const cmd = withKeyword('CMD').at(-1) ?? '';
    const [npm, run, script] = JSON.parse(cmd.slice(4)) as string[];
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(packageJson.scripts[script as string]).toBeDefined();
  });
});

describe('.dockerignore', () => {
  it.each(['node_modules', '.tools', '.data', 'lib', '.git', '.env'])('excludes %s', (path) => {
    expect(dockerignore).toContain(path);
  });

  it('does not exclude anything the image copies', () => {
    const copied = withKeyword('COPY').flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const source of copied) expect(dockerignore).not.toContain(source);
  });
});
