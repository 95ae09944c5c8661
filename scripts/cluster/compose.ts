/**
 * docker-compose.yml as the one source of the cluster's settings: the Temporal service's
 * environment (rendered by the server's own templated config, `config/docker.yaml`, exactly as in
 * the image) and the two one-shot jobs' scripts (schema, namespace + search attributes). The
 * cluster tier reads them from here and overrides only what a single machine must change
 * (addresses and ports), so compose and the tier cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../src/temporal-server/binaries';

export const composeFile = path.join(projectRoot, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  environment?: Record<string, unknown> | string[];
  command?: string | string[];
}

export interface ComposeDocument {
  services: Record<string, ComposeService>;
}

export function loadCompose(file = composeFile): ComposeDocument {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeDocument;
}

export class ComposeError extends Error {
  override readonly name = 'ComposeError';
}

/**
 * Compose's variable substitution: `$$` is a literal `$`; `${X}`, `${X:-default}`, `${X-default}`,
 * `${X:?message}` and `${X?message}` read `vars`. A required variable that is missing throws with
 * compose's own message.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = vars[name];
      const unset = colon ? !value : value === undefined;
      if (op === '-') return unset ? interpolate(arg ?? '', vars) : (value as string);
      if (op === '?') {
        if (unset) throw new ComposeError(`${name}: ${arg || 'required variable is missing a value'}`);
        return value as string;
      }
      return value ?? '';
    }
  );
}

function service(doc: ComposeDocument, name: string): ComposeService {
  const found = doc.services?.[name];
  if (!found) throw new ComposeError(`docker-compose.yml has no service ${name}`);
  return found;
}

/** A service's `environment`, interpolated with `vars`, as compose would hand it to the container. */
export function serviceEnvironment(
  doc: ComposeDocument,
  name: string,
  vars: Record<string, string | undefined>
): Record<string, string> {
  const raw = service(doc, name).environment ?? {};
  const entries: Array<[string, string]> = Array.isArray(raw)
    ? raw.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, vars[line] ?? ''] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v == null ? '' : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, vars)]));
}

/** The shell script of a one-shot job whose entrypoint is `sh -c`, interpolated like compose does. */
export function jobScript(doc: ComposeDocument, name: string, vars: Record<string, string | undefined>): string {
  const command = service(doc, name).command;
  const script = Array.isArray(command) ? command[0] : command;
  if (typeof script !== 'string') throw new ComposeError(`${name}: command must be one sh -c script`);
  return interpolate(script, vars);
}

/** The tag of a service's image, with its default: `temporalio/server:${TEMPORAL_VERSION:-1.29.1}` → `1.29.1`. */
export function imageTag(doc: ComposeDocument, name: string): string {
  const image = service(doc, name).image;
  if (!image) throw new ComposeError(`${name} has no image`);
  const tag = interpolate(image, {}).split(':').pop();
  if (!tag) throw new ComposeError(`${name}: image ${image} has no tag`);
  return tag;
}
