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

/** Variable names in the first column of the "## Settings" table of docs/configuration.md. */
function documentedSettings(): string[] {
  const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
  const start = doc.indexOf('## Settings');
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string);
}

describe('docs/configuration.md', () => {
  it('finds the variables of src/config.ts', () => {
    expect(configVariables()).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'CODEC_CORS_ORIGINS']));
    expect(configVariables().length).toBeGreaterThan(20);
  });

  it('documents every variable of src/config.ts, and only those, in its Settings table', () => {
    expect([...documentedSettings()].sort()).toEqual([...configVariables()].sort());
  });
});
