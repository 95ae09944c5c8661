/**
 * The portflow sandbox: an emulator of Twilio's Porting API with a simulated losing carrier on an
 * accelerated clock, signed webhooks and fault injection. See docs/sandbox.md.
 */
export { startSandbox, buildServer, MAX_JSON_BYTES } from './server';
export type { SandboxHandle } from './server';
export { SandboxCore } from './core';
export type { SandboxOptions, SandboxSettings, SandboxLogger, SandboxExchange } from './core';
export { DEFAULT_TIMELINE, CANCEL_CUTOFF_MS } from './carrier';
export type { Timeline } from './carrier';
export { DEFAULT_WEBHOOK_RETRY } from './notifier';
export type { WebhookRetry, Delivery, DeliveryAttempt, DeliveryStatus } from './notifier';
export type { FaultInput } from './faults';
export { WEBHOOK_EVENT_NAMES } from './events';
export type { WebhookEventName, WebhookPayload, RequestWebhookPayload, NumberWebhookPayload } from './events';
export {
  SCENARIO_TABLE,
  NOT_PORTABLE_REASONS,
  REJECTION_REASONS,
  TOLL_FREE_NPAS,
  scenarioFor,
  sandboxNumber,
} from './scenarios';
export type { Scenario, ScenarioKind, ScenarioRow, NumberType } from './scenarios';
export { computeSignature, signJsonWebhook, bodySha256 } from './signature';
export type { PortInWire } from './wire';
export * from './defaults';
export type { ConfigurationRefusal } from './incoming-numbers';
