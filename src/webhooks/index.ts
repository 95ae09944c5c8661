/**
 * The Twilio porting webhook receiver: verifies signatures on the raw body, parses events, and
 * signals the workflow that owns each port-in request. See docs/webhooks.md.
 */
export {
  createWebhookReceiver,
  startWebhookReceiver,
  WEBHOOK_PATH,
  DEFAULT_BODY_LIMIT_BYTES,
  WebhookReceiverConfigError,
} from './server';
export type { WebhookReceiver, WebhookReceiverHandle, WebhookReceiverOptions } from './server';
export { DEFAULT_LOOKUP_RETRY, TemporalUnavailableError, WorkflowRouter } from './route';
export type { DeliveryOutcome, LookupRetry } from './route';
export { verifyTwilioSignature, publicRequestUrl } from './verify';
export type { SignatureCheck, SignatureFailure, SignedRequest } from './verify';
export { WebhookMetrics } from './metrics';
export type { WebhookStats, RejectionReason, UnroutedReason, DuplicateKey } from './metrics';
export { DeliveryDeduper } from './dedupe';
export { LruCache } from './lru';
export { describeShape } from './shape';
export type { Shape } from './shape';
export { jsonLineLogger, silentLogger } from './logger';
export type { WebhookLogger, LogFields } from './logger';
