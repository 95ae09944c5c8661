import { z } from 'zod';
import { eventsSecretProblem } from './events/secret';
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_DEFAULT_PORT } from './sandbox/defaults';
import { loadTemporalSettings, TemporalConfigError } from './temporal-connection';
import type { TemporalSettings } from './temporal-connection';

/**
 * Every setting of portflow, read from the environment and validated once. The defaults point at
 * the local sandbox and a local Temporal dev server, so nothing needs configuring to try it out;
 * going live means setting the Twilio credentials and base URLs.
 */

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url();
// Empty counts as unset for every variable: loadConfig drops empty ones before parsing.
const optionalString = z.string().optional();
/** Comma-separated values; spaces around them and empty entries are ignored. */
const commaList = z.string().transform((v) =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
);
const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|days?|hours?|minutes?|seconds?)$/, {
  message: 'expected a duration such as "30s", "5m", "6h" or "2 days"',
});

/** Defaults of the PORTFLOW_WORKER_* tuning; docs/scale.md has the figures behind them. */
export const WORKER_DEFAULTS = {
  maxCachedWorkflows: 200,
  maxConcurrentActivityTaskExecutions: 100,
  maxConcurrentWorkflowTaskExecutions: 40,
} as const;

const RPS_MESSAGE = 'expected a number of requests per second above 0 (at most 10000), or "off"';

/** Default of PORTFLOW_TWILIO_MAX_RPS; docs/scale.md has the figures behind it. */
export const DEFAULT_TWILIO_MAX_RPS = 25;

const sandboxUrl = `http://127.0.0.1:${SANDBOX_DEFAULT_PORT}`;

/** The levels of the SDK's DefaultLogger. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

const envSchema = z.object({
  // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key and profiles: the SDK's envconfig (./temporal-connection).
  TEMPORAL_TASK_QUEUE: z.string().default('portflow'),
  TEMPORAL_UI_URL: url.default('http://127.0.0.1:8233'),

  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, { message: 'expected AC followed by 32 hex digits' })
    .default(SANDBOX_ACCOUNT_SID),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_WEBHOOK_AUTH_TOKENS: commaList.default([]),
  TWILIO_API_KEY: optionalString,
  TWILIO_API_SECRET: optionalString,
  TWILIO_API_BASE_URL: url.default(sandboxUrl),
  TWILIO_DOCUMENTS_BASE_URL: url.default(sandboxUrl),
  TWILIO_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  TWILIO_MAX_CONCURRENCY: z.coerce.number().int().positive().default(20),
  // Requests per second across every order of the worker (a token bucket); "off" lifts the limit.
  PORTFLOW_TWILIO_MAX_RPS: z
    .union(
      [z.literal('off'), z.coerce.number({ message: RPS_MESSAGE }).positive(RPS_MESSAGE).max(10_000, RPS_MESSAGE)],
      {
        message: RPS_MESSAGE,
      }
    )
    .default(DEFAULT_TWILIO_MAX_RPS),

  SANDBOX_PORT: port.default(SANDBOX_DEFAULT_PORT),

  WEBHOOK_HOST: z.string().default('127.0.0.1'),
  WEBHOOK_PORT: port.default(3000),
  WEBHOOK_PUBLIC_BASE_URL: url.optional(),

  PORTFLOW_RECONCILE_INTERVAL: duration.default('6 hours'),
  // Worker tuning; docs/scale.md has the measurements behind each default.
  PORTFLOW_WORKER_MAX_CACHED_WORKFLOWS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(WORKER_DEFAULTS.maxCachedWorkflows),
  PORTFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce
    .number()
    .int()
    .positive()
    .max(10_000)
    .default(WORKER_DEFAULTS.maxConcurrentActivityTaskExecutions),
  PORTFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(WORKER_DEFAULTS.maxConcurrentWorkflowTaskExecutions),
  PORTFLOW_METRICS_HOST: z.string().default('127.0.0.1'),
  PORTFLOW_METRICS_PORT: port.default(9464),
  PORTFLOW_ATTENTION_GAUGE_INTERVAL: duration.default('60s'),
  // Any casing (`debug` is as clear as `DEBUG`).
  PORTFLOW_LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? v.toUpperCase() : v),
    z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')} (any casing)` }).default('INFO')
  ),

  PORTFLOW_EVENTS_URL: optionalString.pipe(
    z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).optional()
  ),
  PORTFLOW_EVENTS_SECRET: optionalString.refine((v) => v === undefined || eventsSecretProblem(v) === null, {
    error: (issue) => eventsSecretProblem(String(issue.input)) ?? 'invalid secret',
  }),
  PORTFLOW_EVENTS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),

  PORTFLOW_ENCRYPTION_KEY_ID: optionalString,
  PORTFLOW_ENCRYPTION_KEYS: optionalString,
  PORTFLOW_ENCRYPTION_KEY_FILE: optionalString,
  CODEC_SERVER_PORT: port.default(8888),
  CODEC_SERVER_TOKEN: optionalString,
  CODEC_CORS_ORIGINS: commaList.default(['http://127.0.0.1:8233', 'http://localhost:8233', 'http://localhost:8080']),
});

export interface PortflowConfig {
  /** How to reach Temporal (see ./temporal-connection), and portflow's task queue and UI link. */
  temporal: TemporalSettings & { taskQueue: string; uiUrl: string };
  twilio: {
    accountSid: string;
    /** Auth token: signs webhooks and, without an API key, authenticates API calls. */
    authToken: string;
    /** Tokens besides `authToken` whose webhook signatures are accepted (rotation, subaccounts). */
    webhookAuthTokens: string[];
    apiKey?: string;
    apiSecret?: string;
    apiBaseUrl: string;
    documentsBaseUrl: string;
    timeoutMs: number;
    maxConcurrency: number;
    /** Requests per second across the process (PORTFLOW_TWILIO_MAX_RPS); null: no limit. */
    maxRequestsPerSecond: number | null;
    /** True when every Twilio URL points at the local sandbox. */
    usesSandbox: boolean;
  };
  sandbox: { port: number };
  webhooks: { host: string; port: number; publicBaseUrl?: string };
  workflow: { reconcileInterval: string };
  /** Worker tuning (PORTFLOW_WORKER_*): the SDK options of the same names. */
  worker: {
    maxCachedWorkflows: number;
    maxConcurrentActivityTaskExecutions: number;
    maxConcurrentWorkflowTaskExecutions: number;
  };
  /** The worker's Prometheus endpoint. */
  metrics: {
    host: string;
    port: number;
    /** How often the worker counts parked orders for `portflow_orders_needing_attention` (a duration). */
    attentionGaugeInterval: string;
  };
  /** Lifecycle events for backends: the default URL, the signing secret, the per-request timeout. */
  events: { defaultUrl?: string; secret?: string; timeoutMs: number };
  /** Level of the worker's SDK logger. */
  logLevel: (typeof LOG_LEVELS)[number];
  codec: {
    keyId?: string;
    /** `id:base64key` pairs, comma-separated; the first is used to encrypt. */
    keys?: string;
    keyFile?: string;
    serverPort: number;
    serverToken?: string;
    corsOrigins: string[];
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; every invalid variable is reported at once, by name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PortflowConfig {
  // An empty variable counts as unset: compose's `${VAR:-}` passes an empty string for one the
  // operator did not set, and a number parsed from it would be 0 (no cached workflows at all).
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  let temporal: TemporalSettings | undefined;
  const problems: string[] = [];
  try {
    temporal = loadTemporalSettings(env);
  } catch (err) {
    if (!(err instanceof TemporalConfigError)) throw err;
    problems.push(`  Temporal: ${err.message.replace(/^Invalid Temporal settings: /, '')}`);
  }
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`));
  if (!parsed.success || !temporal) {
    throw new ConfigError(`Invalid portflow configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  const usesSandbox = [e.TWILIO_API_BASE_URL, e.TWILIO_DOCUMENTS_BASE_URL].every((u) =>
    /^https?:\/\/(127\.0\.0\.1|localhost|sandbox)(:\d+)?(\/|$)/.test(u)
  );
  const authToken = e.TWILIO_AUTH_TOKEN ?? (usesSandbox ? SANDBOX_AUTH_TOKEN : undefined);
  if (!authToken) {
    throw new ConfigError(
      'Invalid portflow configuration:\n  TWILIO_AUTH_TOKEN: required when TWILIO_API_BASE_URL points at Twilio (it verifies webhook signatures)'
    );
  }
  if (e.PORTFLOW_EVENTS_URL && !e.PORTFLOW_EVENTS_SECRET) {
    throw new ConfigError(
      'Invalid portflow configuration:\n  PORTFLOW_EVENTS_SECRET: required when PORTFLOW_EVENTS_URL is set (events are signed; ' +
        'generate one with generateEventsSecret() from portflow/events and give the backend the same value)'
    );
  }
  return {
    temporal: {
      ...temporal,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken,
      webhookAuthTokens: e.TWILIO_WEBHOOK_AUTH_TOKENS,
      apiKey: e.TWILIO_API_KEY,
      apiSecret: e.TWILIO_API_SECRET,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
      documentsBaseUrl: e.TWILIO_DOCUMENTS_BASE_URL,
      timeoutMs: e.TWILIO_TIMEOUT_MS,
      maxConcurrency: e.TWILIO_MAX_CONCURRENCY,
      maxRequestsPerSecond: e.PORTFLOW_TWILIO_MAX_RPS === 'off' ? null : e.PORTFLOW_TWILIO_MAX_RPS,
      usesSandbox,
    },
    sandbox: { port: e.SANDBOX_PORT },
    webhooks: { host: e.WEBHOOK_HOST, port: e.WEBHOOK_PORT, publicBaseUrl: e.WEBHOOK_PUBLIC_BASE_URL },
    workflow: { reconcileInterval: e.PORTFLOW_RECONCILE_INTERVAL },
    worker: {
      maxCachedWorkflows: e.PORTFLOW_WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentActivityTaskExecutions: e.PORTFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: e.PORTFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    },
    metrics: {
      host: e.PORTFLOW_METRICS_HOST,
      port: e.PORTFLOW_METRICS_PORT,
      attentionGaugeInterval: e.PORTFLOW_ATTENTION_GAUGE_INTERVAL,
    },
    events: {
      defaultUrl: e.PORTFLOW_EVENTS_URL,
      secret: e.PORTFLOW_EVENTS_SECRET,
      timeoutMs: e.PORTFLOW_EVENTS_TIMEOUT_MS,
    },
    logLevel: e.PORTFLOW_LOG_LEVEL,
    codec: {
      keyId: e.PORTFLOW_ENCRYPTION_KEY_ID,
      keys: e.PORTFLOW_ENCRYPTION_KEYS,
      keyFile: e.PORTFLOW_ENCRYPTION_KEY_FILE,
      serverPort: e.CODEC_SERVER_PORT,
      serverToken: e.CODEC_SERVER_TOKEN,
      corsOrigins: e.CODEC_CORS_ORIGINS,
    },
  };
}
