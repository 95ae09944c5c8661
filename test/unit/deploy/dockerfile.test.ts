import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WORKER_COMMAND, WORKER_PROCESS_ENV } from '../../../src/worker-process';

const root = resolve(__dirname, '../../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};

/** Dockerfile instructions with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** The instructions of each stage, by the stage's name. */
const stages = new Map<string, string[]>();
let current: string[] = [];
for (const line of instructions) {
  const from = /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(line);
  if (from) stages.set(from[1]!, (current = []));
  current.push(line);
}
const inStage = (stage: string, keyword: string) =>
  (stages.get(stage) ?? []).filter((l) => l.toUpperCase().startsWith(`${keyword} `));
const copySources = (l: string) =>
  l
    .split(/\s+/)
    .slice(1, -1)
    .filter((s) => !s.startsWith('--'));

describe('Dockerfile', () => {
  it('builds on a current Node LTS (22) that package.json engines allow', () => {
    const base = instructions.find((l) => /^ARG NODE_IMAGE=/.test(l));
    expect(base).toBe('ARG NODE_IMAGE=node:22-bookworm-slim');
    expect(instructions.filter((l) => /^FROM /.test(l))).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
    expect(packageJson.engines.node).toMatch(/^>=\s*(20|22)\./);
  });

  it('compiles and pre-bundles the workflow code in the build stage', () => {
    const runs = inStage('build', 'RUN');
    expect(runs.some((l) => /npm ci\b/.test(l))).toBe(true);
    expect(runs.at(-1)).toBe('RUN npm run build');
    expect(packageJson.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(packageJson.scripts.build).toMatch(/node lib\/workflow-bundle\.js/);
    const copied = inStage('build', 'COPY').flatMap(copySources);
    expect(copied).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src'])
    );
  });

  it('runs production dependencies and compiled JavaScript only', () => {
    const runtime = stages.get('runtime') ?? [];
    expect(inStage('runtime', 'RUN').some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
    expect(inStage('runtime', 'COPY')).toContain('COPY --from=build /app/lib ./lib');
    // Neither the sources nor tsx reach the runtime image.
    expect(runtime.filter((l) => /^COPY /.test(l) && !l.includes('--from')).flatMap(copySources)).toEqual([
      'package.json',
      'package-lock.json',
    ]);
    expect(runtime.join('\n')).not.toMatch(/tsx/);
  });

  it('copies only paths that exist', () => {
    for (const line of instructions.filter((l) => /^COPY /.test(l) && !l.includes('--from'))) {
      for (const source of copySources(line)) expect(existsSync(join(root, source))).toBe(true);
    }
  });

  it('runs as a non-root user', () => {
    const users = inStage('runtime', 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it('starts the compiled worker, whose source exists, with the process settings of src/worker-process.ts', () => {
    const cmd = inStage('runtime', 'CMD').at(-1) ?? '';
    expect(JSON.parse(cmd.slice(4))).toEqual(WORKER_COMMAND);
    expect(WORKER_COMMAND.at(-1)).toBe('lib/worker.js');
    expect(existsSync(join(root, 'src/worker.ts'))).toBe(true);
    const env = inStage('runtime', 'ENV').join(' ');
    for (const [name, value] of Object.entries(WORKER_PROCESS_ENV)) expect(env).toContain(`${name}=${value}`);
  });
});

describe('.dockerignore', () => {
  it.each(['node_modules', '.tools', '.data', 'lib', '.git', '.env'])('excludes %s', (path) => {
    expect(dockerignore).toContain(path);
  });

  it('does not exclude anything the image copies', () => {
    const copied = instructions.filter((l) => /^COPY /.test(l) && !l.includes('--from')).flatMap(copySources);
    for (const source of copied) expect(dockerignore).not.toContain(source);
  });
});
