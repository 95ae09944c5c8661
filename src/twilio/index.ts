/**
 * The typed Twilio Porting API client and the porting vocabulary. Everything portflow needs from
 * Twilio goes through here; nothing in this folder knows about Temporal.
 */
export {
  PortingClient,
  TWILIO_API_BASE_URL,
  TWILIO_DOCUMENTS_BASE_URL,
  TWILIO_MESSAGING_BASE_URL,
  TWILIO_REST_API_BASE_URL,
  incomingPhoneNumberUpdateProblems,
} from './client';
export type {
  AccountScope,
  CreatePortInOptions,
  ListIncomingPhoneNumbersFilters,
  PortingClientOptions,
} from './client';
export * from './errors';
export { eventsFromPortIn, isParseFailure, normalizeEventName, parsePortingWebhook } from './events';
export type { ParseFailure, ParseWebhookOptions } from './events';
export type { RequestLogEvent, ResponseLogEvent } from './http';
export { ConcurrencyLimiter } from './limiter';
export * from './porting-event';
export { REDACTED, redact } from './redact';
export { NumberType, normalizeNumberType } from './schemas/common';
export type { PortingDocument } from './schemas/document';
export type {
  HttpCallbackMethod,
  IncomingPhoneNumber,
  IncomingPhoneNumberPage,
  IncomingPhoneNumberUpdate,
  MessagingServicePhoneNumber,
} from './schemas/incoming-phone-number';
export type {
  CreatePortInRequest,
  LosingCarrierInformation,
  LosingCarrierInformationView,
  PortIn,
  PortInAddress,
  PortInPhoneNumberInput,
} from './schemas/port-in';
export type { ListPortInsFilters, PortInRequestPage, PortInRequestSummary } from './schemas/port-in-list';
export type { PortInPhoneNumber } from './schemas/port-in-phone-number';
export type { PortabilityOptions, PortabilityResult } from './schemas/portability';
export type { WebhookConfiguration, WebhookConfigurationInput, WebhookType } from './schemas/webhook-configuration';
export { DOCUMENT_MIME_TYPES, MAX_DOCUMENT_BYTES } from './upload';
export type { UploadUtilityBillInput } from './upload';
export { MAX_NUMBERS_PER_REQUEST, MIN_LEAD_DAYS, validatePortInRequest } from './validation';
export type { PortInValidationContext } from './validation';
