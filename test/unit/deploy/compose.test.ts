import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config';
import { SANDBOX_API_KEY_SECRET, SANDBOX_AUTH_TOKEN } from '../../../src/sandbox/defaults';
import { searchAttributeCliArgs } from '../../../src/search-attributes';
import { WORKER_COMMAND } from '../../../src/worker-process';
import { checkCompose, environmentOf, interpolate } from './compose-rules';
import type { ComposeContext } from './compose-rules';

const root = resolve(__dirname, '../../..');
const composePath = join(root, 'docker-compose.yml');
const rawText = readFileSync(composePath, 'utf8');
const parseCompose = (text: string) => parse(text, { merge: true });

/** The variables src/config.ts reads: the keys of its envSchema. */
function configVariables(): string[] {
  const source = readFileSync(join(root, 'src/config.ts'), 'utf8');
  const body = source.slice(
    source.indexOf('const envSchema = z.object({'),
    source.indexOf('});', source.indexOf('envSchema'))
  );
  return [...body.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}

/** Variables entry points read themselves: `process.env.X`, or upper-case keys of a zod schema over the environment. */
function directlyReadVariables(dir = join(root, 'src')): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...directlyReadVariables(path));
    else if (entry.name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g)) {
        found.push((m[1] ?? m[2]) as string);
      }
      // `KEY: z.string()…`, or `KEY: z` with the chain on the next lines (prettier's layout), or
      // `KEY: durationVariable(…)` (a schema built by a helper).
      for (const m of text.matchAll(/^\s+([A-Z][A-Z0-9_]+): (?:z(?:\.|$)|[a-z]\w*\()/gm)) found.push(m[1] as string);
    }
  }
  return found;
}

/** The Temporal connection's variables, as the installed @temporalio/envconfig reads them. */
function envconfigVariables(): string[] {
  const source = readFileSync(require.resolve('@temporalio/envconfig/lib/envconfig-toml.js'), 'utf8');
  return [...source.matchAll(/envProvider\['(TEMPORAL_[A-Z_]+)'\]/g)].map((m) => m[1] as string);
}

const searchAttributes = searchAttributeCliArgs().filter((_, i) => i % 2 === 1);

const ctx: ComposeContext = {
  rootDir: root,
  packageScripts: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts,
  searchAttributes,
  knownVariables: [...configVariables(), ...directlyReadVariables(), ...envconfigVariables()],
};
const knownSecrets = [SANDBOX_AUTH_TOKEN, SANDBOX_API_KEY_SECRET];

describe('docker-compose.yml', () => {
  it('passes every static rule', () => {
    expect(checkCompose(parseCompose(rawText), rawText, ctx, knownSecrets)).toEqual([]);
  });

  it('runs the services a deployment needs', () => {
    const services = Object.keys(parseCompose(rawText).services).sort();
    expect(services).toEqual(
      [
        'codec-server',
        'postgresql',
        'sandbox',
        'temporal',
        'temporal-namespace',
        'temporal-schema',
        'temporal-ui',
        'webhooks',
        'worker',
      ].sort()
    );
  });

  it('sets up both Temporal databases with temporal-sql-tool before the server starts', () => {
    const doc = parseCompose(rawText);
    const script = String(doc.services['temporal-schema'].command);
    for (const step of ['create', 'setup-schema -v 0.0', 'update-schema -d']) expect(script).toContain(step);
    expect(script).toMatch(/for db in temporal temporal_visibility/);
    expect(doc.services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(doc.services.postgresql.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('registers exactly the search attributes of src/search-attributes.ts', () => {
    expect(searchAttributes).toEqual([
      'PortInRequestSids=KeywordList',
      'PortInStatus=Keyword',
      'PortInTargetDate=Datetime',
      'PortInCustomer=Keyword',
      'PortInNumbersPending=Int',
      'PortInCancelCutoff=Datetime',
    ]);
    const env = environmentOf(parseCompose(rawText).services['temporal-namespace']);
    expect(String(env.PORTFLOW_SEARCH_ATTRIBUTES).split(/\s+/).sort()).toEqual([...searchAttributes].sort());
  });

  it('has job scripts that a POSIX shell can parse', () => {
    const doc = parseCompose(rawText);
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      const script = interpolate(String(doc.services[name].command[0]));
      const result = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
      expect({ name, stderr: result.stderr, status: result.status }).toEqual({ name, stderr: '', status: 0 });
    }
  });

  it("runs the worker with the image's command (src/worker-process.ts)", () => {
    expect(parseCompose(rawText).services.worker.command).toEqual(WORKER_COMMAND);
  });

  it('needs the secrets from the environment and holds none itself', () => {
    const doc = parseCompose(rawText);
    expect(environmentOf(doc.services.worker).PORTFLOW_ENCRYPTION_KEYS).toMatch(/^\$\{PORTFLOW_ENCRYPTION_KEYS:\?/);
    expect(environmentOf(doc.services.postgresql).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    // The sandbox never sees real credentials or keys.
    expect(Object.keys(environmentOf(doc.services.sandbox)).every((k) => k.startsWith('SANDBOX_'))).toBe(true);
  });

  it('passes every PORTFLOW_ setting of the worker and the receiver through, empty meaning the default', () => {
    const doc = parseCompose(rawText);
    const worker = environmentOf(doc.services.worker);
    // The key file is for a machine without compose: compose passes the keys themselves.
    const workerSettings = configVariables().filter(
      (v) => v.startsWith('PORTFLOW_') && v !== 'PORTFLOW_ENCRYPTION_KEY_FILE'
    );
    expect(workerSettings.filter((v) => !(v in worker))).toEqual([]);
    const serveSource = readFileSync(join(root, 'src/webhooks/serve.ts'), 'utf8');
    const receiverSettings = [...serveSource.matchAll(/^\s+(PORTFLOW_[A-Z0-9_]+): /gm)].map((m) => m[1] as string);
    expect(receiverSettings).toContain('PORTFLOW_INBOX_ORPHAN_AFTER');
    expect(receiverSettings.filter((v) => !(v in environmentOf(doc.services.webhooks)))).toEqual([]);
    // A setting the operator leaves unset reaches the process as '', which must mean "the default".
    const unset = Object.fromEntries(
      Object.entries(worker)
        .filter(([, value]) => /^\$\{[A-Z0-9_]+:-\}$/.test(String(value)))
        .map(([name]) => [name, ''])
    );
    expect(Object.keys(unset)).toEqual(
      expect.arrayContaining(['PORTFLOW_WORKER_MAX_CACHED_WORKFLOWS', 'PORTFLOW_EVENTS_URL'])
    );
    expect(loadConfig(unset)).toEqual(loadConfig({}));
  });

  it('gives the worker, the webhook receiver and the codec server the same keys', () => {
    const doc = parseCompose(rawText);
    const keysOf = (name: string) => environmentOf(doc.services[name]).PORTFLOW_ENCRYPTION_KEYS;
    expect(keysOf('webhooks')).toBe(keysOf('worker'));
    expect(keysOf('codec-server')).toBe(keysOf('worker'));
  });

  it('makes the servers listen on all interfaces inside their containers', () => {
    const doc = parseCompose(rawText);
    expect(environmentOf(doc.services.webhooks).WEBHOOK_HOST).toBe('0.0.0.0');
    expect(environmentOf(doc.services.worker).PORTFLOW_METRICS_HOST).toBe('0.0.0.0');
    expect(environmentOf(doc.services['codec-server']).CODEC_SERVER_HOST).toBe('0.0.0.0');
    expect(environmentOf(doc.services.sandbox).SANDBOX_HOST).toBe('0.0.0.0');
    expect(readFileSync(join(root, 'src/codec/main.ts'), 'utf8')).toContain('CODEC_SERVER_HOST');
    const sandboxMain = join(root, 'src/sandbox/main.ts');
    if (existsSync(sandboxMain)) expect(readFileSync(sandboxMain, 'utf8')).toContain('SANDBOX_HOST');
  });

  describe('the checker', () => {
    const fresh = () => parseCompose(rawText);
    const problemsOf = (doc: ReturnType<typeof fresh>, text = rawText) => checkCompose(doc, text, ctx, knownSecrets);

    it.each<[string, (doc: any) => void, RegExp]>([
      ['an image on :latest', (d) => (d.services.postgresql.image = 'postgres:latest'), /postgresql: .*:latest/],
      [
        'an image without a tag',
        (d) => (d.services['temporal-ui'].image = 'temporalio/ui'),
        /temporal-ui: .*no version tag/,
      ],
      [
        'an image whose version has no default',
        (d) => (d.services.temporal.image = 'temporalio/server:${TEMPORAL_VERSION}'),
        /temporal: .*no version tag/,
      ],
      [
        'a host port published twice',
        (d) => (d.services.sandbox.ports = ['127.0.0.1:8888:4010']),
        /host port 8888 is already published/,
      ],
      [
        'a dependency on a missing service',
        (d) => (d.services.worker.depends_on = { temporall: { condition: 'service_healthy' } }),
        /worker: depends_on temporall, which is not a service/,
      ],
      [
        'an invalid dependency condition',
        (d) => (d.services.worker.depends_on = { temporal: { condition: 'service_ready' } }),
        /condition "service_ready"/,
      ],
      [
        'waiting for health of a service without a healthcheck',
        (d) => delete d.services.temporal.healthcheck,
        /waits for temporal to be healthy, but temporal has no healthcheck/,
      ],
      [
        'a build context without a Dockerfile',
        (d) => (d.services.webhooks.build = { context: 'src', dockerfile: 'Dockerfile' }),
        /webhooks: build context src has no Dockerfile/,
      ],
      [
        'a compiled entry without a source',
        (d) => (d.services.worker.command = ['node', 'lib/wrker.js']),
        /worker: runs lib\/wrker.js, but there is no src\/wrker.ts to compile it from/,
      ],
      [
        'a command that runs TypeScript through npm and tsx',
        (d) => (d.services.worker.command = ['npm', 'run', 'worker']),
        /worker: command must be \["node", "--flag", \.\.\., "lib\/<entry>.js"\] \(compiled JavaScript/,
      ],
      [
        'a command that puts a script before the compiled entry',
        (d) => (d.services.worker.command = ['node', '--import', 'tsx', 'lib/worker.js']),
        /worker: command must be/,
      ],
      [
        'a flag that loads TypeScript tooling before the compiled entry',
        (d) => (d.services.worker.command = ['node', '--import=tsx', 'lib/worker.js']),
        /worker: command must be/,
      ],
      [
        'a long-running service without a healthcheck',
        (d) => delete d.services['codec-server'].healthcheck,
        /codec-server: long-running service without a healthcheck/,
      ],
      [
        'a UI codec endpoint on the wrong port',
        (d) => (d.services['temporal-ui'].environment.TEMPORAL_CODEC_ENDPOINT = 'http://localhost:9999'),
        /TEMPORAL_CODEC_ENDPOINT http:\/\/localhost:9999 does not reach codec-server/,
      ],
      [
        'a UI codec endpoint pointing at another service',
        (d) => (d.services['temporal-ui'].environment.TEMPORAL_CODEC_ENDPOINT = 'http://webhooks:3000'),
        /points at neither codec-server:8888/,
      ],
      [
        'a codec server that does not allow the UI origin',
        (d) => (d.services['codec-server'].environment.CODEC_CORS_ORIGINS = 'http://localhost:8233'),
        /CODEC_CORS_ORIGINS does not allow the UI origin http:\/\/localhost:8080/,
      ],
      [
        'a missing search attribute',
        (d) =>
          (d.services['temporal-namespace'].environment.PORTFLOW_SEARCH_ATTRIBUTES =
            'PortInRequestSids=KeywordList PortInStatus=Keyword PortInTargetDate=Datetime PortInCustomer=Keyword PortInCancelCutoff=Datetime'),
        /does not register PortInNumbersPending=Int/,
      ],
      [
        'a search attribute of the wrong type',
        (d) =>
          (d.services['temporal-namespace'].environment.PORTFLOW_SEARCH_ATTRIBUTES = searchAttributes
            .join(' ')
            .replace('PortInStatus=Keyword', 'PortInStatus=Text')),
        /registers PortInStatus=Text, which src\/search-attributes.ts does not define/,
      ],
      [
        'a literal password',
        (d) => (d.services.postgresql.environment.POSTGRES_PASSWORD = 'temporal'),
        /postgresql: POSTGRES_PASSWORD holds a literal value/,
      ],
      [
        'a secret with a literal default',
        (d) => (d.services.worker.environment.TWILIO_AUTH_TOKEN = '${TWILIO_AUTH_TOKEN:-abc123}'),
        /worker: TWILIO_AUTH_TOKEN has a literal default/,
      ],
      [
        'a variable portflow does not read',
        (d) => (d.services.worker.environment.TWILIO_REGION = 'us1'),
        /worker: sets TWILIO_REGION, which portflow does not read/,
      ],
    ])('reports %s', (_what, mutate, problem) => {
      const doc = fresh();
      mutate(doc);
      const problems = problemsOf(doc);
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
    });

    it('reports a committed key or known credential anywhere in the file', () => {
      const withKey = `${rawText}\n# PORTFLOW_ENCRYPTION_KEYS=k1:${Buffer.alloc(32, 9).toString('base64')}\n`;
      expect(problemsOf(fresh(), withKey)).toContain('the file contains what looks like a base64 32-byte key');
      const withToken = `${rawText}\n# ${SANDBOX_AUTH_TOKEN}\n`;
      expect(problemsOf(fresh(), withToken)).toEqual(
        expect.arrayContaining([expect.stringMatching(/contains a known credential/)])
      );
    });

    it('reports a file without services', () => {
      expect(checkCompose({}, '', ctx)).toEqual(['the file has no services']);
    });
  });

  describe('docker compose config', () => {
    const hasCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
    (hasCompose ? it : it.skip)('accepts the file (docker compose config -q)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'portflow-compose-'));
      try {
        const envFile = join(dir, '.env');
        writeFileSync(envFile, 'POSTGRES_PASSWORD=x\nPORTFLOW_ENCRYPTION_KEYS=k1:x\n');
        const result = spawnSync('docker', ['compose', '-f', composePath, '--env-file', envFile, 'config', '-q'], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
