/**
 * The vocabulary of post-port activation shared by the activity (which talks to Twilio) and the
 * workflow (which only reads results and failure types): pure, no imports at run time.
 */
import type { OnPortedConfiguration } from './order';

/** `type` of the activation activity's failures that are ours rather than Twilio's `Twilio.<code>`. */
export const ActivationFailureType = {
  /** The ported number is not (yet) in the account's IncomingPhoneNumbers: retried with backoff, bounded. */
  NotInAccount: 'PortedNumberNotInAccount',
  /** Twilio accepted the update but answered with other values than the order asked for. */
  NotApplied: 'ConfigurationNotApplied',
} as const;

/** The IncomingPhoneNumber fields of an `onPorted` configuration (everything but the Messaging Service). */
export const NUMBER_FIELDS = [
  'friendlyName',
  'voiceUrl',
  'voiceMethod',
  'voiceFallbackUrl',
  'voiceFallbackMethod',
  'voiceApplicationSid',
  'smsUrl',
  'smsMethod',
  'smsFallbackUrl',
  'smsFallbackMethod',
  'statusCallback',
  'statusCallbackMethod',
] as const satisfies ReadonlyArray<keyof OnPortedConfiguration>;

export type NumberField = (typeof NUMBER_FIELDS)[number];

/** What the activity asks Twilio to set on the number: the configuration's number fields that are given. */
export function numberUpdateOf(onPorted: OnPortedConfiguration | undefined): Pick<OnPortedConfiguration, NumberField> {
  const update: Record<string, string> = {};
  for (const key of NUMBER_FIELDS) {
    const value = onPorted?.[key];
    if (value !== undefined) update[key] = value;
  }
  return update as Pick<OnPortedConfiguration, NumberField>;
}

/** What one ported number became. */
export interface ActivatedNumber {
  phoneNumber: string;
  /** `PN…`: the number in the account. */
  phoneNumberSid: string;
  accountSid: string | null;
  /** The fields set on it (read back from Twilio's answer), camelCase. */
  configured: NumberField[];
  /** `MG…` when it joined a Messaging Service (or was in it already). */
  messagingServiceSid: string | null;
  /** How many times the account was checked for it (the activity's attempt). */
  checks: number;
}

/** Input of the `activatePortedNumber` activity. */
export interface ActivatePortedNumberInput {
  phoneNumber: string;
  /** The target account; the worker's account when absent. */
  accountSid?: string;
  onPorted?: OnPortedConfiguration;
}
