import { z } from 'zod';

import { loadConfig } from '../config';
import type { SandboxLogger } from './core';
import { SANDBOX_API_KEY_SECRET, SANDBOX_API_KEY_SID } from './defaults';
import { startSandbox } from './server';

/**
 * `npm run sandbox`: the sandbox as a standalone server. Port from SANDBOX_PORT (via loadConfig),
 * host from SANDBOX_HOST, clock speed from SANDBOX_CLOCK_SCALE (86400 = one simulated day per
 * real second), casing quirks from SANDBOX_QUIRKS, the base of `url` fields from SANDBOX_PUBLIC_URL
 * (when clients reach it under another name, e.g. in docker-compose).
 */

const envSchema = z.object({
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_CLOCK_SCALE: z.coerce
    .number({ message: 'expected a number (simulated ms per real ms, e.g. 86400)' })
    .finite()
    .min(0, { message: 'must be >= 0' })
    .default(1),
  SANDBOX_PUBLIC_URL: z
    .url({ message: 'expected the URL clients reach the sandbox at, e.g. http://sandbox:4010' })
    .optional(),
  SANDBOX_QUIRKS: z
    .enum(['true', 'false', '1', '0'], { message: "expected 'true' or 'false'" })
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
});

const logger: SandboxLogger = {
  info: (m) => console.log(`[sandbox] ${m}`),
  warn: (m) => console.warn(`[sandbox] ${m}`),
  error: (m) => console.error(`[sandbox] ${m}`),
};

async function main(): Promise<void> {
  const config = loadConfig();
  const env = envSchema.safeParse(process.env);
  if (!env.success) {
    throw new Error(
      `Invalid sandbox configuration:\n${env.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`
    );
  }
  const sandbox = await startSandbox({
    port: config.sandbox.port,
    host: env.data.SANDBOX_HOST,
    accountSid: config.twilio.accountSid,
    authToken: config.twilio.authToken,
    apiKeySid: config.twilio.apiKey ?? SANDBOX_API_KEY_SID,
    apiKeySecret: config.twilio.apiSecret ?? SANDBOX_API_KEY_SECRET,
    clockScale: env.data.SANDBOX_CLOCK_SCALE,
    quirks: env.data.SANDBOX_QUIRKS,
    publicUrl: env.data.SANDBOX_PUBLIC_URL,
    logger,
  });
  console.log(
    `portflow sandbox listening on ${sandbox.url} (account ${sandbox.accountSid}, clock x${env.data.SANDBOX_CLOCK_SCALE}, ` +
      `quirks ${env.data.SANDBOX_QUIRKS ? 'on' : 'off'}); control API at ${sandbox.url}/_sandbox`
  );
  const shutdown = (signal: string) => {
    console.log(`[sandbox] ${signal}: stopping`);
    sandbox.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      }
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
