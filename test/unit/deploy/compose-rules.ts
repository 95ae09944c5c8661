import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Static rules for docker-compose.yml, for machines without a Docker engine. Each rule returns
 * human-readable problems ("service x: …"); an empty list means the file passes.
 */

/** What the rules compare the compose file with. */
export interface ComposeContext {
  /** Directory of the compose file: build contexts are relative to it. */
  rootDir: string;
  /** package.json scripts (kept for rules that name scripts). */
  packageScripts: Record<string, string>;
  /** `Name=Type` pairs (CLI type names) that must be registered, exactly. */
  searchAttributes: string[];
  /** Environment variables portflow reads (src/config.ts and the few entry points read themselves). */
  knownVariables: string[];
}

type Service = Record<string, unknown>;
type Doc = { services?: Record<string, Service> };

const DEPENDENCY_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];
const SECRET_NAME = /PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|ENCRYPTION_KEYS$/i;
/** Names that look secret but hold a switch: whether the UI forwards its own access token. */
const NOT_SECRET = new Set(['TEMPORAL_CODEC_PASS_ACCESS_TOKEN']);
/** A value that only refers to a variable: `${X}`, `${X:-default}`, `${X:?msg}`; group 1 is the default. */
const REFERENCE_ONLY = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*)|:?\?[^}]*)?\}$/;

/**
 * Compose-style interpolation with each variable's default: `${X:-d}` → d, `${X:?m}` → `<X>`,
 * `$$` → `$`. Variables without a default become empty, as compose makes them.
 */
export function interpolate(value: string, env: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, name?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const variable = (name ?? bare) as string;
      const value = env[variable];
      if (op === ':-') return value ? value : (arg ?? '');
      if (op === '-') return value !== undefined ? value : (arg ?? '');
      if (op === ':?' || op === '?') return value ?? `<${variable}>`;
      return value ?? '';
    }
  );
}

/** A service's environment as a map, whichever of the two compose syntaxes it uses. */
export function environmentOf(service: Service): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry: string) => {
        const eq = String(entry).indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      })
    );
  }
  if (env && typeof env === 'object') {
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
  }
  return {};
}

interface PublishedPort {
  hostIp?: string;
  published: number;
  target: number;
}

/** Published ports of a service (short and long syntax). */
export function publishedPorts(service: Service): PublishedPort[] {
  const ports = Array.isArray(service.ports) ? service.ports : [];
  return ports.flatMap((entry): PublishedPort[] => {
    if (entry && typeof entry === 'object') {
      const p = entry as { published?: unknown; target?: unknown; host_ip?: unknown };
      if (p.published === undefined) return [];
      return [
        {
          hostIp: p.host_ip ? String(p.host_ip) : undefined,
          published: Number(interpolate(String(p.published))),
          target: Number(p.target),
        },
      ];
    }
    const parts = interpolate(String(entry))
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    if (parts.length === 1) return [];
    const target = Number(parts.at(-1));
    const published = Number(parts.at(-2));
    const hostIp = parts.length === 3 ? parts[0] : undefined;
    return [{ hostIp, published, target }];
  });
}

function dependenciesOf(service: Service): Array<{ target: string; condition: string }> {
  const deps = service.depends_on;
  if (Array.isArray(deps)) return deps.map((target) => ({ target: String(target), condition: 'service_started' }));
  if (deps && typeof deps === 'object') {
    return Object.entries(deps as Record<string, { condition?: string } | null>).map(([target, spec]) => ({
      target,
      condition: spec?.condition ?? 'service_started',
    }));
  }
  return [];
}

/** Services other services wait to *complete*: one-shot jobs, exempt from health checks. */
function oneShotJobs(services: Record<string, Service>): Set<string> {
  const jobs = new Set<string>();
  for (const service of Object.values(services)) {
    for (const dep of dependenciesOf(service)) {
      if (dep.condition === 'service_completed_successfully') jobs.add(dep.target);
    }
  }
  return jobs;
}

/** Services built from this repository (portflow's own processes). */
function portflowServices(services: Record<string, Service>): Array<[string, Service]> {
  return Object.entries(services).filter(([, s]) => s.build !== undefined);
}

/**
 * `lib/….js` when the command is `["node", "--flag", ..., "lib/….js"]`: compiled JavaScript, run
 * without npm or tsx. Flags that load other code (`--import`, `--require`, loaders) do not count.
 */
function compiledEntryOf(service: Service): string | undefined {
  const command = service.command;
  if (!Array.isArray(command) || command.length < 2 || command[0] !== 'node') return undefined;
  const entry = String(command.at(-1));
  const flags = command.slice(1, -1).map(String);
  const plainFlag = (f: string) =>
    /^--[a-z][a-z0-9-]*(=\S+)?$/.test(f) && !/^--(import|require|loader|experimental-loader)(=|$)/.test(f);
  return /^lib\/.+\.js$/.test(entry) && flags.every(plainFlag) ? entry : undefined;
}

export function checkImagesPinned(doc: Doc): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    if (service.image === undefined) {
      if (service.build === undefined) problems.push(`service ${name}: has neither an image nor a build`);
      continue;
    }
    const image = interpolate(String(service.image));
    const lastSegment = image.split('/').at(-1) ?? '';
    const tag = image.includes('@sha256:') ? 'digest' : lastSegment.includes(':') ? lastSegment.split(':')[1] : '';
    if (!tag) problems.push(`service ${name}: image ${service.image} has no version tag (resolves to "${image}")`);
    else if (tag === 'latest') problems.push(`service ${name}: image ${service.image} uses the mutable tag :latest`);
    else if (/<[A-Z_]+>/.test(image)) problems.push(`service ${name}: image ${service.image} has no default version`);
  }
  return problems;
}

export function checkPortsUnique(doc: Doc): string[] {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    for (const port of publishedPorts(service)) {
      if (!Number.isInteger(port.published) || port.published <= 0) {
        problems.push(`service ${name}: published port ${port.published} is not a port number`);
        continue;
      }
      const other = seen.get(port.published);
      if (other) problems.push(`service ${name}: host port ${port.published} is already published by ${other}`);
      else seen.set(port.published, name);
    }
  }
  return problems;
}

export function checkDependencies(doc: Doc): string[] {
  const problems: string[] = [];
  const services = doc.services ?? {};
  for (const [name, service] of Object.entries(services)) {
    for (const dep of dependenciesOf(service)) {
      const target = services[dep.target];
      if (!target) {
        problems.push(`service ${name}: depends_on ${dep.target}, which is not a service of this file`);
        continue;
      }
      if (!DEPENDENCY_CONDITIONS.includes(dep.condition)) {
        problems.push(
          `service ${name}: depends_on ${dep.target} with condition "${dep.condition}"; allowed: ${DEPENDENCY_CONDITIONS.join(', ')}`
        );
      }
      if (dep.condition === 'service_healthy' && !target.healthcheck) {
        problems.push(`service ${name}: waits for ${dep.target} to be healthy, but ${dep.target} has no healthcheck`);
      }
    }
  }
  return problems;
}

export function checkBuildContexts(doc: Doc, ctx: ComposeContext): string[] {
  const problems: string[] = [];
  for (const [name, service] of portflowServices(doc.services ?? {})) {
    const build = service.build;
    const context = typeof build === 'string' ? build : String((build as { context?: string }).context ?? '.');
    const dockerfile =
      typeof build === 'string' ? 'Dockerfile' : ((build as { dockerfile?: string }).dockerfile ?? 'Dockerfile');
    const dir = resolve(ctx.rootDir, context);
    const file = join(dir, dockerfile);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push(`service ${name}: build context ${context} is not a directory`);
    } else if (!existsSync(file)) {
      problems.push(`service ${name}: build context ${context} has no ${dockerfile}`);
    }
  }
  return problems;
}

export function checkCommands(doc: Doc, ctx: ComposeContext): string[] {
  const problems: string[] = [];
  for (const [name, service] of portflowServices(doc.services ?? {})) {
    const entry = compiledEntryOf(service);
    if (!entry) {
      problems.push(
        `service ${name}: command must be ["node", "--flag", ..., "lib/<entry>.js"] (compiled JavaScript, Node flags only before it), got ${JSON.stringify(service.command)}`
      );
    } else if (!existsSync(join(ctx.rootDir, entry.replace(/^lib\//, 'src/').replace(/\.js$/, '.ts')))) {
      problems.push(
        `service ${name}: runs ${entry}, but there is no ${entry.replace(/^lib\//, 'src/').replace(/\.js$/, '.ts')} to compile it from`
      );
    }
  }
  return problems;
}

export function checkHealthchecks(doc: Doc): string[] {
  const problems: string[] = [];
  const services = doc.services ?? {};
  const jobs = oneShotJobs(services);
  for (const [name, service] of Object.entries(services)) {
    if (jobs.has(name)) continue;
    const healthcheck = service.healthcheck as { test?: unknown; disable?: boolean } | undefined;
    const test = healthcheck?.test;
    const empty = test === undefined || (Array.isArray(test) && (test.length === 0 || test[0] === 'NONE'));
    if (!healthcheck || healthcheck.disable || empty) {
      problems.push(`service ${name}: long-running service without a healthcheck`);
    }
  }
  return problems;
}

/** The UI's codec endpoint must be the codec server as the browser reaches it, and the UI must be an allowed origin. */
export function checkCodecEndpoint(doc: Doc): string[] {
  const services = doc.services ?? {};
  const ui = Object.entries(services).find(([, s]) => String(s.image ?? '').startsWith('temporalio/ui:'));
  const codec = Object.entries(services).find(([, s]) => compiledEntryOf(s) === 'lib/codec/main.js');
  if (!ui) return ['no Temporal UI service (image temporalio/ui)'];
  if (!codec) return ['no codec server service (command node lib/codec/main.js)'];
  const [uiName, uiService] = ui;
  const [codecName, codecService] = codec;
  const raw = environmentOf(uiService).TEMPORAL_CODEC_ENDPOINT;
  if (!raw) return [`service ${uiName}: TEMPORAL_CODEC_ENDPOINT is not set`];
  let endpoint: URL;
  try {
    endpoint = new URL(interpolate(raw));
  } catch {
    return [`service ${uiName}: TEMPORAL_CODEC_ENDPOINT ${raw} is not a URL`];
  }
  const codecEnv = environmentOf(codecService);
  const containerPort = Number(interpolate(codecEnv.CODEC_SERVER_PORT ?? '8888'));
  const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
  const problems: string[] = [];
  const viaHost = ['localhost', '127.0.0.1'].includes(endpoint.hostname);
  const published = publishedPorts(codecService).find((p) => p.target === containerPort);
  if (viaHost) {
    if (!published || published.published !== port) {
      problems.push(
        `service ${uiName}: TEMPORAL_CODEC_ENDPOINT ${raw} does not reach ${codecName}: it publishes container port ${containerPort} on ${published?.published ?? 'no host port'}`
      );
    }
  } else if (endpoint.hostname !== codecName || port !== containerPort) {
    problems.push(
      `service ${uiName}: TEMPORAL_CODEC_ENDPOINT ${raw} points at neither ${codecName}:${containerPort} nor its published port`
    );
  }
  const uiPort = publishedPorts(uiService)[0];
  const origins = interpolate(codecEnv.CODEC_CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim());
  if (uiPort && !origins.includes(`http://localhost:${uiPort.published}`) && !origins.includes('*')) {
    problems.push(
      `service ${codecName}: CODEC_CORS_ORIGINS does not allow the UI origin http://localhost:${uiPort.published}`
    );
  }
  return problems;
}

/** The search attributes a service registers must be exactly portflow's. */
export function checkSearchAttributes(doc: Doc, ctx: ComposeContext): string[] {
  const registrars = Object.entries(doc.services ?? {}).filter(
    ([, s]) => environmentOf(s).PORTFLOW_SEARCH_ATTRIBUTES !== undefined
  );
  if (registrars.length !== 1) {
    return [`expected exactly one service registering search attributes, found ${registrars.length}`];
  }
  const [name, service] = registrars[0] as [string, Service];
  const problems: string[] = [];
  const registered = String(environmentOf(service).PORTFLOW_SEARCH_ATTRIBUTES).trim().split(/\s+/).filter(Boolean);
  const missing = ctx.searchAttributes.filter((a) => !registered.includes(a));
  const extra = registered.filter((a) => !ctx.searchAttributes.includes(a));
  if (missing.length) problems.push(`service ${name}: does not register ${missing.join(', ')}`);
  if (extra.length)
    problems.push(`service ${name}: registers ${extra.join(', ')}, which src/search-attributes.ts does not define`);
  const script = JSON.stringify(service.command ?? '');
  if (!script.includes('search-attribute create') || !script.includes('PORTFLOW_SEARCH_ATTRIBUTES')) {
    problems.push(
      `service ${name}: its command does not run "temporal operator search-attribute create" over PORTFLOW_SEARCH_ATTRIBUTES`
    );
  }
  return problems;
}

/** Secrets come from the environment: a secret-named variable may only refer to a variable, with no literal default. */
export function checkNoSecretLiterals(doc: Doc, rawText: string, knownSecrets: string[]): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    for (const [key, value] of Object.entries(environmentOf(service))) {
      if (!SECRET_NAME.test(key) || NOT_SECRET.has(key)) continue;
      const reference = REFERENCE_ONLY.exec(value.trim());
      if (!reference) {
        problems.push(
          `service ${name}: ${key} holds a literal value; use \${${key}} (or \${${key}:?message}) and set it in .env`
        );
      } else if (reference[1]) {
        problems.push(`service ${name}: ${key} has a literal default; secrets must not have one`);
      }
    }
  }
  for (const secret of knownSecrets) {
    if (secret && rawText.includes(secret))
      problems.push(`the file contains a known credential (${secret.slice(0, 6)}…)`);
  }
  // A literal AES key (base64 of 32 bytes) or a Twilio auth token (32 hex digits) in the file.
  if (/[A-Za-z0-9+/]{43}=/.test(rawText)) problems.push('the file contains what looks like a base64 32-byte key');
  if (/(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])/.test(rawText)) {
    problems.push('the file contains what looks like a Twilio auth token (32 hex digits)');
  }
  return problems;
}

/** portflow's services are configured only through variables portflow reads. */
export function checkPortflowVariables(doc: Doc, ctx: ComposeContext): string[] {
  const problems: string[] = [];
  for (const [name, service] of portflowServices(doc.services ?? {})) {
    for (const key of Object.keys(environmentOf(service))) {
      if (!ctx.knownVariables.includes(key)) {
        problems.push(`service ${name}: sets ${key}, which portflow does not read (see src/config.ts)`);
      }
    }
  }
  return problems;
}

/** Every rule at once. */
export function checkCompose(doc: Doc, rawText: string, ctx: ComposeContext, knownSecrets: string[] = []): string[] {
  if (!doc || typeof doc.services !== 'object' || doc.services === null) return ['the file has no services'];
  return [
    ...checkImagesPinned(doc),
    ...checkPortsUnique(doc),
    ...checkDependencies(doc),
    ...checkBuildContexts(doc, ctx),
    ...checkCommands(doc, ctx),
    ...checkHealthchecks(doc),
    ...checkCodecEndpoint(doc),
    ...checkSearchAttributes(doc, ctx),
    ...checkNoSecretLiterals(doc, rawText, knownSecrets),
    ...checkPortflowVariables(doc, ctx),
  ];
}
