/**
 * Vendors the porting part of Twilio's numbers v1 OpenAPI spec as a test fixture: every
 * `/v1/Porting/…` path, verbatim, and the component schemas those paths reference (transitively).
 * The sandbox's tests validate every response against it (test/helpers/openapi.ts), so re-running
 * this on a newer commit shows what Twilio changed.
 *
 *   git -C <twilio-oai> show <commit>:spec/json/twilio_numbers_v1.json > /tmp/twilio_numbers_v1.json
 *   npx tsx scripts/vendor-twilio-openapi.ts /tmp/twilio_numbers_v1.json <commit>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURE = path.resolve(__dirname, '../test/fixtures/openapi/twilio_numbers_v1.porting.json');
const PATH_PREFIX = '/v1/Porting/';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `#/components/schemas/<name>` names referenced anywhere under `node`. */
function refsIn(node: Json, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) refsIn(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const m = /^#\/components\/schemas\/(.+)$/.exec(value);
      if (!m) throw new Error(`unexpected $ref ${value}: only #/components/schemas/… is supported`);
      out.add(m[1] as string);
    } else {
      refsIn(value, out);
    }
  }
}

/** The porting paths and their schemas, with where they came from in `info['x-vendored']`. */
export function extractPorting(spec: any, source: { repo: string; path: string; commit: string }): any {
  const paths = Object.fromEntries(Object.entries(spec.paths).filter(([p]) => p.startsWith(PATH_PREFIX)));
  if (Object.keys(paths).length === 0) throw new Error(`no ${PATH_PREFIX} paths in the spec`);
  const all: Record<string, Json> = spec.components.schemas;
  const wanted = new Set<string>();
  refsIn(paths as Json, wanted);
  // Follow references until no new schema appears; the spec is finite, so this ends.
  for (let size = -1; size !== wanted.size;) {
    size = wanted.size;
    for (const name of [...wanted]) {
      if (!(name in all)) throw new Error(`schema ${name} is referenced but not defined`);
      refsIn(all[name] as Json, wanted);
    }
  }
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => wanted.has(name)));
  return {
    openapi: spec.openapi,
    info: {
      ...spec.info,
      'x-vendored': {
        repository: source.repo,
        path: source.path,
        commit: source.commit,
        extracted: `paths starting with ${PATH_PREFIX} and the component schemas they reference`,
      },
    },
    servers: spec.servers,
    security: spec.security,
    paths,
    components: { securitySchemes: spec.components.securitySchemes, schemas },
  };
}

async function main(): Promise<void> {
  const [specFile, commit] = process.argv.slice(2);
  if (!specFile || !commit || !/^[0-9a-f]{40}$/.test(commit)) {
    console.error('usage: tsx scripts/vendor-twilio-openapi.ts <twilio_numbers_v1.json> <40-hex commit of twilio-oai>');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const fixture = extractPorting(spec, {
    repo: 'https://github.com/twilio/twilio-oai',
    path: 'spec/json/twilio_numbers_v1.json',
    commit,
  });
  // Loaded here, not at the top: the tests import extractPorting, and prettier needs ESM loading.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(FIXTURE)) ?? {};
  writeFileSync(FIXTURE, await prettier.format(JSON.stringify(fixture), { ...options, parser: 'json' }));
  console.log(
    `${FIXTURE}: ${Object.keys(fixture.paths).length} paths, ${Object.keys(fixture.components.schemas).length} schemas`
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
