/**
 * portflow's front door: what a backend service imports (`import { startPortIn } from 'portflow'`).
 * The sandbox (`portflow/sandbox`) and the webhook receiver's building blocks (`portflow/webhooks`)
 * are sub-exports. Nothing here imports the command line (src/cli).
 */

// Start, inspect and steer port-ins.
export {
  cancelPhoneNumbers,
  cancelPortIn,
  DEFAULT_UPDATE_WAIT_MS,
  getPortInStatus,
  listPortIns,
  portInHandle,
  resubmitRejected,
  startPortIn,
  updateRefusal,
  UpdateStillRunningError,
  waitForPortIn,
  workflowListUiUrl,
  workflowUiUrl,
} from './starter';
export type { PortInListEntry, StartedPortIn, StartPortInOptions, UpdateRefusal, UpdateWaitOptions } from './starter';
export { DEFAULT_ORPHANS_LIMIT, listOrphans } from './orphans';
export type { Orphan } from './orphans';

// The order: its schema (zod) and type, and the validation startPortIn runs.
export { addressSchema, losingCarrierSchema, orderIdSchema, portInOrderSchema, utilityBillSchema } from './order';
export type { LosingCarrierInput, OrderProblem, PortInOrder, PortInOrderOptions, UtilityBill } from './order';
export { OrderValidationError, validateOrder } from './order-validation';

// The workflow's public contract: its type, id, messages and their types.
export {
  cancelPhoneNumbersUpdate,
  cancelPortInUpdate,
  orderIdFromWorkflowId,
  PORT_IN_WORKFLOW_TYPE,
  portingEventSignal,
  portInStatusQuery,
  portInWorkflowId,
  resubmitRejectedUpdate,
} from './workflows/messages';
export type * from './workflows/messages';
// Why an order failed, why an update was refused, why an order needs attention: the `type` strings.
export { AttentionReason, PortInFailureType, UpdateRefusalType } from './workflows/failures';
export type { OrderFailure } from './workflows/failures';
export type { portInWorkflow } from './workflows/port-in-workflow';
export {
  PortInCancelCutoff,
  PortInCustomer,
  PortInNumbersPending,
  PortInRequestSids,
  PortInStatus,
  PortInTargetDate,
  portflowSearchAttributes,
} from './search-attributes';

// Temporal connections, from the SDK's environment and profile configuration.
export {
  clientConnectionOptions,
  connectTemporalClient,
  connectWorkerConnection,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_NAMESPACE,
  lazyTemporalConnection,
  loadTemporalSettings,
  localTemporalSettings,
  TemporalConfigError,
  TemporalConnectionError,
} from './temporal-connection';
export type { LoadTemporalSettingsOptions, TemporalSettings } from './temporal-connection';

// The worker.
export { createPortflowWorker, installRuntime } from './worker';
export type { PortflowWorkerOptions } from './worker';
export { prebuiltWorkflowBundle, WORKFLOW_BUNDLE_FILE } from './workflow-bundle';
export { createActivities } from './activities';

// Payload encryption: every Worker, Client and receiver of a deployment shares one data converter.
export { createDataConverter, keyringFromConfig, loadDataConverter } from './codec/data-converter';
export { EncryptionCodec, ENCODING_ENCRYPTED, METADATA_KEY_ID, PayloadDecryptionError } from './codec/encryption-codec';
export { generateKeyEntry, Keyring, KeyringError, loadKeyring, parseKeyList, readKeyFile } from './codec/keys';
export type { KeySource } from './codec/keys';
export { startCodecServer } from './codec/codec-server';
export type { CodecServerOptions, RunningCodecServer } from './codec/codec-server';

// The webhook receiver (its building blocks are in `portflow/webhooks`).
export { createWebhookReceiver, startWebhookReceiver, WEBHOOK_PATH } from './webhooks/server';
export type { WebhookReceiver, WebhookReceiverHandle, WebhookReceiverOptions } from './webhooks/server';

// The Twilio Porting API client, its errors and the porting vocabulary.
export * from './twilio';

// portflow's own environment settings (what its processes read).
export { ConfigError, loadConfig } from './config';
export type { PortflowConfig } from './config';
export { portingClientFromConfig } from './porting-client';
