/**
 * The webhook-configuration commands (operator commands; the receiver itself lives in
 * src/webhooks): point the account's porting webhooks at the receiver through src/twilio —
 * `configure`, `show`, `delete`. Settings come from src/config.ts. `runWebhookConfigCli` is what the
 * `portflow` CLI runs for `portflow webhooks <command>`; `npx tsx src/cli/webhook-config.ts <command>`
 * runs it directly.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import type { PortflowConfig } from '../config';
import { portingClientFromConfig } from '../porting-client';
import { normalizeEventName } from '../twilio/events';
import { PortingEventName } from '../twilio/porting-event';
import type { WebhookType } from '../twilio/schemas/webhook-configuration';
import { WEBHOOK_PATH } from '../webhooks/server';
import { fetchWebhookConfiguration } from '../webhooks/target';

export const USAGE = `Usage: portflow webhooks <command> [options]

Commands:
  configure [--url <url>] [--events <a,b,...>]
                                 point the account's port-in webhook at the receiver; keeps an existing
                                 port-out URL. --url defaults to WEBHOOK_PUBLIC_BASE_URL (or
                                 http://WEBHOOK_HOST:WEBHOOK_PORT) + ${WEBHOOK_PATH}; a URL without a path
                                 gets ${WEBHOOK_PATH}. --events limits the events sent (default: all)
  show                           print the account's porting webhook configuration
  delete [PORT_IN|PORT_OUT]      remove a webhook target (default PORT_IN)
  help                           this text

Twilio is reached with TWILIO_* settings (the local sandbox by default); see docs/webhooks.md.
The receiver itself runs with \`npm run webhooks\` (PORTFLOW_CONFIGURE_WEBHOOKS=1 configures at start-up).`;

/** A mistake in the command line: exit code 2, with the usage text. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Where the commands write, and what they read; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

type Command =
  | { name: 'help' }
  | { name: 'show' }
  | { name: 'configure'; url?: string; events?: string[] }
  | { name: 'delete'; webhookType: WebhookType };

const ALL_EVENTS = Object.values(PortingEventName);

/** Parses the arguments after `portflow webhooks`; throws {@link CliUsageError} with a specific message. */
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
  const [name = 'help', ...rest] = positionals;
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
      throw new CliUsageError("serve: the receiver runs with 'npm run webhooks' (src/webhooks/main.ts), not here");
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
      throw new CliUsageError(`unknown command '${name}'; expected configure, show, delete or help`);
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
export async function runWebhookConfigCli(argv: string[], io: CliIo): Promise<number> {
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

  const porting = portingClientFromConfig(config.twilio);
  try {
    switch (command.name) {
      case 'show': {
        const current = await fetchWebhookConfiguration(porting);
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
        const current = await fetchWebhookConfiguration(porting);
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

if (require.main === module) {
  runWebhookConfigCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exitCode = 1;
    }
  );
}
