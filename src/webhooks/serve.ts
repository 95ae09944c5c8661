/**
 * `npm run webhooks`: runs the webhook receiver with the settings of src/config.ts, plus the
 * receiver's own variables read here:
 * - `PORTFLOW_CONFIGURE_WEBHOOKS` — `1`: at start-up, point the account's PORT_IN webhook at
 *   `WEBHOOK_PUBLIC_BASE_URL` + the receiver's path (idempotent; refuses to replace another target);
 *   `force`: replace another target too. Unset or `0`: leave webhook settings alone.
 * - `PORTFLOW_INBOX_ORPHAN_AFTER` — how long an event no order claims is held before it is
 *   recorded as an orphan (a duration: `24h`, `90 minutes`). @default 24 hours
 * - `PORTFLOW_INBOX_CLOSED_OWNER_GRACE` — how long an event for an order that has already closed is
 *   held before it is recorded as an orphan (`owner-closed`; `0s` to `24h`). @default 1 minute
 *
 * Outside the sandbox it refuses to start without `WEBHOOK_PUBLIC_BASE_URL`: the signed URL is
 * never rebuilt from request headers. The webhook-configuration commands are operator commands in
 * src/cli/webhook-config.ts.
 */
import { Client } from '@temporalio/client';
import type { ConnectionLike } from '@temporalio/client';
import { z } from 'zod';
import { loadDataConverter } from '../codec/data-converter';
import { ConfigError, loadConfig } from '../config';
import type { PortflowConfig } from '../config';
import { handleInterrupts } from '../interrupts';
import { portingClientFromConfig } from '../porting-client';
import { connectWorkerConnection, lazyTemporalConnection } from '../temporal-connection';
import type { TemporalSettings } from '../temporal-connection';
import { parseDuration } from '../workflows/duration';
import { jsonLineLogger } from './logger';
import { startWebhookReceiver, WEBHOOK_PATH } from './server';
import { describeTargetResult, ensureWebhookTarget, WebhookTargetConflictError } from './target';

export const SERVE_USAGE = `Usage: npm run webhooks [-- serve]

Runs the webhook receiver (WEBHOOK_HOST, WEBHOOK_PORT, WEBHOOK_PUBLIC_BASE_URL; TWILIO_* for the
signing token; PORTFLOW_CONFIGURE_WEBHOOKS=1|force to point the account's PORT_IN webhook at it at
start-up; PORTFLOW_INBOX_ORPHAN_AFTER, PORTFLOW_INBOX_CLOSED_OWNER_GRACE). See docs/webhooks.md.

The webhook-configuration commands (configure, show, delete) are operator commands:
  npx portflow webhooks <configure|show|delete>   (or: npx tsx src/cli/webhook-config.ts <command>)`;

/** Where serve writes, and what it reads; tests pass their own. */
export interface ServeIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the receiver should stop. @default SIGINT or SIGTERM */
  stopSignal?: () => Promise<string>;
}

/** The receiver's own start-up settings (the rest comes from src/config.ts). */
export interface ServeSettings {
  configureWebhooks: 'off' | 'on' | 'force';
  orphanAfterMs: number | undefined;
  closedOwnerGraceMs: number | undefined;
}

/** A duration variable read with parseDuration, within [minMs, maxMs]; unset or blank is undefined. */
function durationVariable(minMs: number, maxMs: number, range: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return undefined;
      try {
        const ms = parseDuration(text);
        if (ms < minMs || ms > maxMs) throw new TypeError(`"${text}" is outside ${range}`);
        return ms;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
}

const serveEnvSchema = z.object({
  PORTFLOW_CONFIGURE_WEBHOOKS: z
    .enum(['', '0', '1', 'force'], { message: 'expected 1 (configure, never replace another target), force, or 0' })
    .default(''),
  PORTFLOW_INBOX_ORPHAN_AFTER: durationVariable(1000, 365 * 86_400_000, '1 s to 365 days'),
  // The receiver's own bound (its option checks 0 to 24 hours); the inbox also caps it at the orphan window.
  PORTFLOW_INBOX_CLOSED_OWNER_GRACE: durationVariable(0, 86_400_000, '0 s to 24 hours'),
});

/**
 * Reads and checks the receiver's start-up settings; throws a {@link ConfigError} naming each
 * variable that is wrong, and refuses, outside the sandbox, to run without `WEBHOOK_PUBLIC_BASE_URL`.
 */
export function loadServeSettings(env: NodeJS.ProcessEnv, config: PortflowConfig): ServeSettings {
  const parsed = serveEnvSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (!config.twilio.usesSandbox && !config.webhooks.publicBaseUrl) {
    problems.push(
      `  WEBHOOK_PUBLIC_BASE_URL: required when TWILIO_API_BASE_URL is not the sandbox (${config.twilio.apiBaseUrl}): ` +
        'the https URL Twilio calls (e.g. https://hooks.example.com). Signatures are checked against it; ' +
        'the Host and X-Forwarded-* headers are never trusted'
    );
  }
  const configure = parsed.success ? parsed.data.PORTFLOW_CONFIGURE_WEBHOOKS : '';
  if ((configure === '1' || configure === 'force') && !config.webhooks.publicBaseUrl) {
    problems.push(
      `  PORTFLOW_CONFIGURE_WEBHOOKS=${configure}: needs WEBHOOK_PUBLIC_BASE_URL, the URL Twilio is to call`
    );
  }
  if (problems.length > 0) throw new ConfigError(`Invalid webhook receiver configuration:\n${problems.join('\n')}`);
  const data = parsed.success
    ? parsed.data
    : {
        PORTFLOW_CONFIGURE_WEBHOOKS: '',
        PORTFLOW_INBOX_ORPHAN_AFTER: undefined,
        PORTFLOW_INBOX_CLOSED_OWNER_GRACE: undefined,
      };
  return {
    configureWebhooks:
      data.PORTFLOW_CONFIGURE_WEBHOOKS === 'force' ? 'force' : data.PORTFLOW_CONFIGURE_WEBHOOKS === '1' ? 'on' : 'off',
    orphanAfterMs: data.PORTFLOW_INBOX_ORPHAN_AFTER,
    closedOwnerGraceMs: data.PORTFLOW_INBOX_CLOSED_OWNER_GRACE,
  };
}

/** `npm run webhooks [-- serve|help]`; resolves the exit code (0 ok, 1 failed, 2 bad usage or configuration). */
export async function runWebhooksServe(argv: string[], io: ServeIo): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(SERVE_USAGE);
    return 0;
  }
  if (command !== 'serve' || rest.length > 0) {
    const moved = ['configure', 'show', 'delete'].includes(command);
    io.err(
      moved
        ? `webhooks: '${command}' is an operator command now: run \`npx portflow webhooks ${command}\` ` +
            `(or \`npx tsx src/cli/webhook-config.ts ${command}\`)`
        : `webhooks: unexpected argument '${command === 'serve' ? rest[0] : command}'\n\n${SERVE_USAGE}`
    );
    return 2;
  }
  let config: PortflowConfig;
  let settings: ServeSettings;
  try {
    config = loadConfig(io.env);
    settings = loadServeSettings(io.env, config);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    throw err;
  }
  return serve(config, settings, io);
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
  io: ServeIo
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

/** Points the account's PORT_IN webhook at this receiver when asked; exit code 1 or 2 when that fails. */
async function configureTarget(config: PortflowConfig, settings: ServeSettings, io: ServeIo): Promise<number | null> {
  if (settings.configureWebhooks === 'off') return null;
  const targetUrl = `${config.webhooks.publicBaseUrl!.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
  const porting = portingClientFromConfig(config.twilio);
  try {
    const result = await ensureWebhookTarget(porting, { targetUrl, force: settings.configureWebhooks === 'force' });
    io.out(`portflow webhooks: ${describeTargetResult(porting.accountSid, result)}`);
    return null;
  } catch (err) {
    if (err instanceof WebhookTargetConflictError) {
      io.err(`portflow webhooks: not starting: ${err.message}`);
      return 2;
    }
    io.err(
      `portflow webhooks: not starting: could not configure the PORT_IN webhook (PORTFLOW_CONFIGURE_WEBHOOKS): ` +
        (err instanceof Error ? err.message : String(err))
    );
    return 1;
  } finally {
    porting.close();
  }
}

async function serve(config: PortflowConfig, settings: ServeSettings, io: ServeIo): Promise<number> {
  // Signals must be encrypted exactly as the worker expects them.
  const dataConverter = await loadDataConverter(config);
  // Listening for SIGTERM from the start: a stop asked for while starting is not lost.
  const stopSignal = (io.stopSignal ?? untilSignal)();
  const connection = await connectForSignals(config.temporal, io);
  let stopping = false;
  try {
    const temporalClient = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
    const receiver = await startWebhookReceiver({
      temporalClient,
      authToken: config.twilio.authToken,
      additionalAuthTokens: config.twilio.webhookAuthTokens,
      publicBaseUrl: config.webhooks.publicBaseUrl,
      sandbox: config.twilio.usesSandbox,
      inbox: {
        taskQueue: config.temporal.taskQueue,
        ...(settings.orphanAfterMs !== undefined ? { orphanAfterMs: settings.orphanAfterMs } : {}),
        ...(settings.closedOwnerGraceMs !== undefined ? { closedOwnerGraceMs: settings.closedOwnerGraceMs } : {}),
      },
      host: config.webhooks.host,
      port: config.webhooks.port,
      logger: jsonLineLogger(),
      processMetrics: true,
    });
    try {
      io.out(
        `portflow webhooks: listening on ${receiver.url} (POST ${WEBHOOK_PATH}, /healthz, /readyz, /metrics); ` +
          `signatures checked against ${config.webhooks.publicBaseUrl ?? 'the listen address (sandbox)'}` +
          (config.twilio.webhookAuthTokens.length
            ? ` with TWILIO_AUTH_TOKEN and ${config.twilio.webhookAuthTokens.length} more token(s) from TWILIO_WEBHOOK_AUTH_TOKENS; `
            : '; ') +
          `Temporal ${config.temporal.description}, inboxes on task queue ${config.temporal.taskQueue}`
      );
      // Listening first: Twilio (or the sandbox) may deliver as soon as the target points here.
      const failed = await configureTarget(config, settings, io);
      if (failed !== null) return failed;
      const signal = await stopSignal;
      stopping = true;
      io.out(`portflow webhooks: ${signal}: finishing requests in flight, then stopping`);
    } finally {
      await receiver.stop();
    }
  } finally {
    await connection.close();
  }
  if (stopping) io.out('portflow webhooks: stopped');
  return 0;
}
