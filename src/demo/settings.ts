/**
 * The demo's own settings, from `PORTFLOW_DEMO_*` variables and the command line. They are separate
 * from src/config.ts on purpose: the demo runs every piece itself, on fixed local ports, against
 * the sandbox, so the production settings (Twilio URLs, Temporal address, ...) do not apply.
 */
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../temporal-server/binaries';

/** One TCP port the demo listens on: what it is for and the variable that moves it. */
export interface DemoPortSpec {
  env: string;
  purpose: string;
  defaultPort: number;
}

/** Every port the demo opens, in start order. All listen on 127.0.0.1. */
export const DEMO_PORTS = {
  temporal: { env: 'PORTFLOW_DEMO_TEMPORAL_PORT', purpose: 'Temporal dev server (gRPC frontend)', defaultPort: 7233 },
  ui: { env: 'PORTFLOW_DEMO_UI_PORT', purpose: 'Temporal UI', defaultPort: 8233 },
  codec: { env: 'PORTFLOW_DEMO_CODEC_PORT', purpose: 'codec server (decrypts payloads for the UI)', defaultPort: 8888 },
  sandbox: { env: 'PORTFLOW_DEMO_SANDBOX_PORT', purpose: 'Twilio sandbox (Porting API emulator)', defaultPort: 4010 },
  webhooks: { env: 'PORTFLOW_DEMO_WEBHOOK_PORT', purpose: 'webhook receiver', defaultPort: 3000 },
  metrics: { env: 'PORTFLOW_DEMO_METRICS_PORT', purpose: 'worker metrics (Prometheus)', defaultPort: 9464 },
} as const satisfies Record<string, DemoPortSpec>;

export type DemoPortName = keyof typeof DEMO_PORTS;

/** Everything the demo needs to know before it starts. */
export interface DemoSettings {
  /** Ports as given; `0` is any free port, reserved when the demo claims its ports (see ./ports). */
  ports: Record<DemoPortName, number>;
  /** Holds the dev server's SQLite file, the local encryption key file, the log and the bill. */
  dataDir: string;
  /** Simulated ms per real ms once the port-in request exists. */
  clockScale: number;
  /** Exit once the scenario ends instead of waiting for Ctrl-C (tests, CI). */
  exitAfterScenario: boolean;
  /** The scenario gives up (and says what is still pending) after this long. */
  scenarioTimeoutMs: number;
  namespace: string;
  taskQueue: string;
}

/** Invalid settings; the message names each variable or flag, the value's problem and what is allowed. */
export class DemoSettingsError extends Error {
  override readonly name = 'DemoSettingsError';
}

/** 4 real seconds per simulated day: the whole scenario (about ten simulated days) in under a minute. */
export const DEFAULT_CLOCK_SCALE = 21_600;

const portSchema = z.coerce
  .number({ message: 'expected a TCP port number' })
  .int({ message: 'expected a whole number' })
  .min(0, { message: 'expected 1–65535 (or 0 for any free port)' })
  .max(65535, { message: 'expected 1–65535 (or 0 for any free port)' });

const flagSchema = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], { message: "expected '1' or '0' (or true/false)" })
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  ...Object.fromEntries(
    Object.values(DEMO_PORTS).map((spec) => [spec.env, portSchema.default(spec.defaultPort)] as const)
  ),
  PORTFLOW_DEMO_DATA_DIR: z.string().min(1, { message: 'must not be empty (a directory path)' }).optional(),
  PORTFLOW_DEMO_CLOCK_SCALE: z.coerce
    .number({ message: 'expected a number of simulated ms per real ms, e.g. 21600 (a simulated day every 4 s)' })
    .min(1, { message: 'expected at least 1 (1 = real time; 86400 = a simulated day per second)' })
    .max(10_000_000, { message: 'expected at most 10000000' })
    .default(DEFAULT_CLOCK_SCALE),
  PORTFLOW_DEMO_EXIT: flagSchema.default(false),
  PORTFLOW_DEMO_TIMEOUT_SECONDS: z.coerce
    .number({ message: 'expected a number of seconds, e.g. 300' })
    .int({ message: 'expected a whole number of seconds' })
    .min(10, { message: 'expected at least 10 seconds' })
    .max(86_400, { message: 'expected at most 86400 seconds' })
    .default(300),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  // The CLI's and the worker's default too (src/config.ts): orders started by hand reach the demo's worker.
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('portflow'),
});

export const DEMO_USAGE = `Usage: npm run demo [-- --exit]

  --exit   stop everything and exit once the scenario has ended (same as PORTFLOW_DEMO_EXIT=1)

Environment (defaults in brackets):
${Object.values(DEMO_PORTS)
  .map((s) => `  ${s.env.padEnd(30)} ${s.purpose} [${s.defaultPort}]; 0 picks a free port`)
  .join('\n')}
  ${'PORTFLOW_DEMO_DATA_DIR'.padEnd(30)} dev server state, key file, log [.data]
  ${'PORTFLOW_DEMO_CLOCK_SCALE'.padEnd(30)} simulated ms per real ms [${DEFAULT_CLOCK_SCALE}]
  ${'PORTFLOW_DEMO_TIMEOUT_SECONDS'.padEnd(30)} give up on the scenario after [300]
  ${'PORTFLOW_DEMO_EXIT'.padEnd(30)} 1 = exit after the scenario [0]`;

/** Reads the demo's settings. Every problem is reported at once, by variable or flag name. */
export function loadDemoSettings(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): DemoSettings {
  const problems: string[] = [];
  let exitFlag = false;
  for (const arg of argv) {
    if (arg === '--exit') exitFlag = true;
    else problems.push(`  ${arg}: unknown argument; the only flag is --exit`);
  }
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      problems.push(`  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`);
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new DemoSettingsError(`Invalid demo settings:\n${problems.join('\n')}\n\n${DEMO_USAGE}`);
  }
  const e = parsed.data as Record<string, unknown> & z.infer<typeof envSchema>;

  const ports = {} as Record<DemoPortName, number>;
  for (const [name, spec] of Object.entries(DEMO_PORTS) as Array<[DemoPortName, DemoPortSpec]>) {
    ports[name] = e[spec.env] as number;
  }
  const byPort = new Map<number, DemoPortName[]>();
  for (const [name, port] of Object.entries(ports) as Array<[DemoPortName, number]>) {
    if (port !== 0) byPort.set(port, [...(byPort.get(port) ?? []), name]);
  }
  const clashes = [...byPort].filter(([, names]) => names.length > 1);
  if (clashes.length > 0) {
    throw new DemoSettingsError(
      `Invalid demo settings:\n${clashes
        .map(
          ([port, names]) =>
            `  port ${port} is given to ${names.map((n) => `${DEMO_PORTS[n].purpose} (${DEMO_PORTS[n].env})`).join(' and ')}; each needs its own port`
        )
        .join('\n')}`
    );
  }

  return {
    ports,
    dataDir: path.resolve(e.PORTFLOW_DEMO_DATA_DIR ?? path.join(projectRoot, '.data')),
    clockScale: e.PORTFLOW_DEMO_CLOCK_SCALE,
    exitAfterScenario: exitFlag || e.PORTFLOW_DEMO_EXIT,
    scenarioTimeoutMs: e.PORTFLOW_DEMO_TIMEOUT_SECONDS * 1000,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
  };
}
