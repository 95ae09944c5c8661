/**
 * The Twilio client of portflow's own processes (worker, CLI), from the TWILIO_* settings of
 * ./config. It lives outside src/twilio so that the client, used as a library, knows nothing of
 * portflow's environment variables or of the sandbox the configuration defaults to.
 */
import type { PortflowConfig } from './config';
import { PortingClient } from './twilio/client';
import type { PortingClientOptions } from './twilio/client';

/** A client for `loadConfig().twilio`, with optional overrides. */
export function portingClientFromConfig(
  config: PortflowConfig['twilio'],
  overrides: Partial<PortingClientOptions> = {}
): PortingClient {
  return new PortingClient({
    apiBaseUrl: config.apiBaseUrl,
    documentsBaseUrl: config.documentsBaseUrl,
    accountSid: config.accountSid,
    authToken: config.authToken,
    ...(config.apiKey && config.apiSecret ? { apiKey: config.apiKey, apiSecret: config.apiSecret } : {}),
    timeoutMs: config.timeoutMs,
    maxConcurrency: config.maxConcurrency,
    ...(config.maxRequestsPerSecond != null ? { maxRequestsPerSecond: config.maxRequestsPerSecond } : {}),
    ...overrides,
  });
}
