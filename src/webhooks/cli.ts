/**
 * `npm run webhooks -- <command>`: serve the receiver (no command), or point Twilio (or the
 * sandbox) at it through src/twilio: `configure`, `show`, `delete`. Settings come from src/config.ts.
 */
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import type { ConnectionLike } from '@temporalio/client';
import { loadDataConverter } from '../codec/data-converter';
import { ConfigError, loadConfig } from '../config';
import type { PortflowConfig } from '../config';
import { handleInterrupts } from '../interrupts';
import { portingClientFromConfig } from '../porting-client';
import { connectWorkerConnection, lazyTemporalConnection } from '../temporal-connection';
import type { TemporalSettings } from '../temporal-connection';
import type { PortingClient } from '../twilio/client';
import { TwilioApiError } from '../twilio/errors';
import { normalizeEventName } from '../twilio/events';
import { PortingEventName } from '../twilio/porting-event';
import type { WebhookType } from '../twilio/schemas/webhook-configuration';
import { jsonLineLogger } from './logger';
import { startWebhookReceiver, WEBHOOK_PATH } from './server';

export const USAGE = `Usage: npm run webhooks -- [command] [options]

Commands:
  (none) | serve                 run the webhook receiver (WEBHOOK_HOST, WEBHOOK_PORT, WEBHOOK_PUBLIC_BASE_URL)
  configure [--url <url>] [--events <a,b,...>]
                                 point the account's port-in webhook at the receiver; keeps an existing
                                 port-out URL. --url defaults to WEBHOOK_PUBLIC_BASE_URL (or
                                 http://WEBHOOK_HOST:WEBHOOK_PORT) + ${WEBHOOK_PATH}; a URL without a path
                                 gets ${WEBHOOK_PATH}. --events limits the events sent (default: all)
  show                           print the account's porting webhook configuration
  delete [PORT_IN|PORT_OUT]      remove a webhook target (default PORT_IN)
  help                           this text

Twilio is reached with TWILIO_* settings (the local sandbox by default); see docs/webhooks.md.`;

/** A mistake in the command line: exit code 2, with the usage text. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Where the CLI writes, and what it reads; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the serve command should stop. @default SIGINT or SIGTERM */
  stopSignal?: () => Promise<string>;
}

type Command =
  | { name: 'serve' }
  | { name: 'help' }
  | { name: 'show' }
  | { name: 'configure'; url?: string; events?: string[] }
  | { name: 'delete'; webhookType: WebhookType };

const ALL_EVENTS = Object.values(PortingEventName);

/** Parses the arguments after `npm run webhooks --`; throws {@link CliUsageError} with a specific message. */
export function parseCommand(argv: string[]): Command {
  const options = {
    url: { type: 'string' },
    events: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = (() => {
    try {
      return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
  })();
  const [name = 'serve', ...rest] = positionals;
  if (values.help || name === 'help') return { name: 'help' };
  const noFlags = (command: string, allowed: Array<keyof typeof values> = []) => {
    for (const key of ['url', 'events'] as const) {
      if (values[key] !== undefined && !allowed.includes(key)) {
        throw new CliUsageError(`--${key} is an option of configure, not of ${command}`);
      }
    }
  };
  const noExtra = (command: string, max: number) => {
    if (rest.length > max) throw new CliUsageError(`${command}: unexpected argument '${rest[max]}'`);
  };
  switch (name) {
    case 'serve':
      noFlags('serve');
      noExtra('serve', 0);
      return { name: 'serve' };
    case 'show':
      noFlags('show');
      noExtra('show', 0);
      return { name: 'show' };
    case 'delete': {
      noFlags('delete');
      noExtra('delete', 1);
      const type = (rest[0] ?? 'PORT_IN').toUpperCase().replace(/-/g, '_');
      if (type !== 'PORT_IN' && type !== 'PORT_OUT') {
        throw new CliUsageError(`delete: '${rest[0]}' is not a webhook type; use PORT_IN or PORT_OUT`);
      }
      return { name: 'delete', webhookType: type };
    }
    case 'configure': {
      noFlags('configure', ['url', 'events']);
      noExtra('configure', 0);
      return {
        name: 'configure',
        ...(values.url !== undefined ? { url: targetUrl(values.url) } : {}),
        ...(values.events !== undefined ? { events: eventList(values.events) } : {}),
      };
    }
    default:
      throw new CliUsageError(`unknown command '${name}'; expected serve, configure, show, delete or help`);
  }
}

/** `--url`: an http(s) URL; one without a path gets the receiver's path. */
function targetUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError(`--url: '${text}' is not a URL; expected e.g. https://hooks.example.com${WEBHOOK_PATH}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliUsageError(`--url: expected an http(s) URL, got the scheme '${url.protocol.replace(/:$/, '')}'`);
  }
  if (url.username || url.password) {
    throw new CliUsageError('--url: credentials in the URL are not allowed (the receiver checks signatures instead)');
  }
  if (url.hash) {
    throw new CliUsageError(
      "--url: a fragment (#...) is not allowed: whether Twilio's porting notifier signs it is not documented"
    );
  }
  if (url.pathname === '/' && !url.search) url.pathname = WEBHOOK_PATH;
  return url.href;
}

/** `--events a,b`: each one of the 13 porting events, in any casing; canonical names out. */
function eventList(text: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw new CliUsageError(`--events: expected a comma-separated list of event names: ${ALL_EVENTS.join(', ')}`);
  }
  const unknown = names.filter((n) => normalizeEventName(n) === null);
  if (unknown.length > 0) {
    throw new CliUsageError(
      `--events: unknown event name(s) ${unknown.map((n) => `'${n}'`).join(', ')}; expected some of ${ALL_EVENTS.join(', ')}`
    );
  }
  return [...new Set(names.map((n) => normalizeEventName(n) as string))];
}

/** The URL `configure` uses without `--url`. */
export function defaultTargetUrl(config: PortflowConfig): string {
  if (config.webhooks.publicBaseUrl) return `${config.webhooks.publicBaseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
  const host = ['0.0.0.0', '::', ''].includes(config.webhooks.host) ? '127.0.0.1' : config.webhooks.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.webhooks.port}${WEBHOOK_PATH}`;
}

const isLocal = (url: string) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(url);

/** Runs one command; resolves the process exit code (0 ok, 1 failed, 2 bad usage or configuration). */
export async function runWebhooksCli(argv: string[], io: CliIo): Promise<number> {
  let command: Command;
  let config: PortflowConfig;
  try {
    command = parseCommand(argv);
    if (command.name === 'help') {
      io.out(USAGE);
      return 0;
    }
    config = loadConfig(io.env);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`webhooks: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    throw err;
  }
  if (command.name === 'serve') return serve(config, io);

  const porting = portingClientFromConfig(config.twilio);
  try {
    switch (command.name) {
      case 'show': {
        const current = await fetchConfiguration(porting);
        if (!current) io.out('No porting webhook is configured for this account.');
        else io.out(JSON.stringify(current, null, 2));
        return 0;
      }
      case 'delete':
        await porting.deleteWebhookConfiguration(command.webhookType);
        io.out(`Deleted the ${command.webhookType} webhook target.`);
        return 0;
      case 'configure': {
        const url = command.url ?? defaultTargetUrl(config);
        if (!url.startsWith('https://') && !isLocal(url) && !config.twilio.usesSandbox) {
          io.err(`warning: Twilio only calls https URLs with a valid certificate; ${url} will not receive events.`);
        }
        // POST replaces the whole configuration: keep a port-out target someone else set.
        const current = await fetchConfiguration(porting);
        const result = await porting.configureWebhooks({
          portInTargetUrl: url,
          ...(current?.portOutTargetUrl ? { portOutTargetUrl: current.portOutTargetUrl } : {}),
          notificationsOf: command.events ?? [],
        });
        io.out(
          `Port-in webhooks of ${porting.accountSid} now go to ${result.portInTargetUrl ?? url} ` +
            `(${result.notificationsOf.length > 0 ? result.notificationsOf.join(', ') : 'every event'}).`
        );
        return 0;
      }
    }
  } catch (err) {
    io.err(`webhooks ${command.name} failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    porting.close();
  }
}

/** The configuration, or null when none is set (Twilio answers 404). */
async function fetchConfiguration(porting: PortingClient) {
  try {
    return await porting.fetchWebhookConfiguration();
  } catch (err) {
    if (err instanceof TwilioApiError && err.status === 404) return null;
    throw err;
  }
}

/** The first Ctrl-C or SIGTERM; a second press (not npm's relayed copy) exits without finishing requests. */
const untilSignal = () =>
  new Promise<string>((resolve) => {
    handleInterrupts(['SIGINT', 'SIGTERM'], {
      onFirst: resolve,
      onForce: (signal) => {
        console.error(`portflow webhooks: ${signal} again: exiting without waiting for requests in flight`);
        process.exit(130);
      },
    });
  });

/**
 * The SDK's native (Rust) connection carries a signal for about two thirds of the CPU the JS gRPC
 * client needs (bench/webhooks.ts), which is what a 1,000-number burst is bound by. It needs
 * Temporal up to connect, so when Temporal is down at start the receiver falls back to a lazy JS
 * connection: it still starts, and /readyz and 503s say so until Temporal is back.
 */
async function connectForSignals(
  settings: TemporalSettings,
  io: CliIo
): Promise<ConnectionLike & { close(): Promise<void> }> {
  const native = connectWorkerConnection(settings);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      native,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out after 5 s')), 5000);
      }),
    ]);
  } catch (err) {
    // A connect that succeeds after we gave up must not keep the process alive.
    native.then((c) => c.close()).catch(() => undefined);
    io.out(
      `portflow webhooks: Temporal at ${settings.address} is not reachable yet (${err instanceof Error ? err.message : String(err)}); ` +
        'starting with a lazy connection'
    );
    return lazyTemporalConnection(settings);
  } finally {
    clearTimeout(timer);
  }
}

async function serve(config: PortflowConfig, io: CliIo): Promise<number> {
  // Signals must be encrypted exactly as the worker expects them.
  const dataConverter = await loadDataConverter(config);
  const connection = await connectForSignals(config.temporal, io);
  const temporalClient = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
  const receiver = await startWebhookReceiver({
    temporalClient,
    authToken: config.twilio.authToken,
    additionalAuthTokens: config.twilio.webhookAuthTokens,
    publicBaseUrl: config.webhooks.publicBaseUrl,
    host: config.webhooks.host,
    port: config.webhooks.port,
    logger: jsonLineLogger(),
    processMetrics: true,
  });
  io.out(
    `portflow webhooks: listening on ${receiver.url} (POST ${WEBHOOK_PATH}, /healthz, /readyz, /metrics); ` +
      `signatures checked against ${config.webhooks.publicBaseUrl ?? 'the URL as received'}` +
      (config.twilio.webhookAuthTokens.length
        ? ` with TWILIO_AUTH_TOKEN and ${config.twilio.webhookAuthTokens.length} more token(s) from TWILIO_WEBHOOK_AUTH_TOKENS; `
        : '; ') +
      `Temporal ${config.temporal.description}`
  );
  const signal = await (io.stopSignal ?? untilSignal)();
  io.out(`portflow webhooks: ${signal}: finishing requests in flight, then stopping`);
  try {
    await receiver.stop();
  } finally {
    await connection.close();
  }
  io.out('portflow webhooks: stopped');
  return 0;
}
