import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

/** The variables src/config.ts reads: the keys of its envSchema. */
function configVariables(): string[] {
  const source = readFileSync(join(root, 'src/config.ts'), 'utf8');
  const start = source.indexOf('const envSchema = z.object({');
  const body = source.slice(start, source.indexOf('});', start));
  return [...body.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}

/** Variable names in the first column of the table under `heading` in docs/configuration.md. */
function documented(heading: string): string[] {
  const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const start = doc.indexOf(`## ${heading}\n`);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_<>]+)` \|/gm)].map((m) => m[1] as string);
}
const documentedSettings = () => documented('Settings');

/** The variables the installed @temporalio/envconfig reads (its own source), the gRPC header prefix as `…<NAME>`. */
function envconfigVariables(): string[] {
  const source = readFileSync(require.resolve('@temporalio/envconfig/lib/envconfig-toml.js'), 'utf8');
  const names = [...source.matchAll(/envProvider\['(TEMPORAL_[A-Z_]+)'\]/g)].map((m) => m[1] as string);
  const prefix = /const PREFIX = '(TEMPORAL_[A-Z_]+)'/.exec(source)?.[1];
  return [...new Set([...names, ...(prefix ? [`${prefix}<NAME>`] : [])])];
}

describe('docs/configuration.md', () => {
  it('finds the variables of src/config.ts', () => {
    expect(configVariables()).toEqual(expect.arrayContaining(['TEMPORAL_TASK_QUEUE', 'CODEC_CORS_ORIGINS']));
    expect(configVariables().length).toBeGreaterThan(20);
  });

  it('documents every variable of src/config.ts, and only those, in its Settings table', () => {
    expect([...documentedSettings()].sort()).toEqual([...configVariables()].sort());
  });

  it("documents every variable of the SDK's envconfig, and only those, in its Temporal connection table", () => {
    expect(envconfigVariables()).toEqual(
      expect.arrayContaining([
        'TEMPORAL_ADDRESS',
        'TEMPORAL_API_KEY',
        'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
        'TEMPORAL_PROFILE',
      ])
    );
    expect([...documented('Temporal connection')].sort()).toEqual(envconfigVariables().sort());
  });
});
