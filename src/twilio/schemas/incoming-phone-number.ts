/**
 * The REST API 2010-04-01 IncomingPhoneNumber resource (api.twilio.com) and the Messaging Services
 * PhoneNumber resource (messaging.twilio.com), as twilio-oai `spec/json/twilio_api_v2010.json` and
 * `twilio_messaging_v1.json` describe them. The 2010 API answers JSON but takes form-encoded,
 * PascalCase parameters. Inbound schemas tolerate missing and null fields, and unknown ones.
 */
import { z } from 'zod';
import { nullableBoolean, nullableString } from './common';

export type HttpCallbackMethod = 'GET' | 'POST';

/** A number of the account (`PN…`): what a completed port-in leaves behind. */
export interface IncomingPhoneNumber {
  /** `PN…` */
  sid: string;
  accountSid: string | null;
  phoneNumber: string | null;
  friendlyName: string | null;
  voiceUrl: string | null;
  voiceMethod: string | null;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string | null;
  voiceApplicationSid: string | null;
  smsUrl: string | null;
  smsMethod: string | null;
  smsFallbackUrl: string | null;
  smsFallbackMethod: string | null;
  smsApplicationSid: string | null;
  statusCallback: string | null;
  statusCallbackMethod: string | null;
  /** `twilio` or `hosted`. */
  origin: string | null;
  /** e.g. `in-use`. */
  status: string | null;
  capabilities: { voice: boolean | null; sms: boolean | null; mms: boolean | null; fax: boolean | null } | null;
  dateCreated: string | null;
  dateUpdated: string | null;
  uri: string | null;
}

// Twilio prints an unset URL as "" on some fields and null on others (the spec's own examples mix
// them): both mean "not set".
const blankAsNull = nullableString.transform((v) => (v === '' ? null : v));

/** Wire to {@link IncomingPhoneNumber}. */
export const incomingPhoneNumberInbound = z
  .object({
    sid: z.string(),
    account_sid: nullableString,
    phone_number: nullableString,
    friendly_name: nullableString,
    voice_url: blankAsNull,
    voice_method: blankAsNull,
    voice_fallback_url: blankAsNull,
    voice_fallback_method: blankAsNull,
    voice_application_sid: blankAsNull,
    sms_url: blankAsNull,
    sms_method: blankAsNull,
    sms_fallback_url: blankAsNull,
    sms_fallback_method: blankAsNull,
    sms_application_sid: blankAsNull,
    status_callback: blankAsNull,
    status_callback_method: blankAsNull,
    origin: nullableString,
    status: nullableString,
    capabilities: z
      .object({ voice: nullableBoolean, sms: nullableBoolean, mms: nullableBoolean, fax: nullableBoolean })
      .nullish()
      .transform((c) => c ?? null),
    date_created: nullableString,
    date_updated: nullableString,
    uri: nullableString,
  })
  .transform((w): IncomingPhoneNumber => ({
    sid: w.sid,
    accountSid: w.account_sid,
    phoneNumber: w.phone_number,
    friendlyName: w.friendly_name,
    voiceUrl: w.voice_url,
    voiceMethod: w.voice_method,
    voiceFallbackUrl: w.voice_fallback_url,
    voiceFallbackMethod: w.voice_fallback_method,
    voiceApplicationSid: w.voice_application_sid,
    smsUrl: w.sms_url,
    smsMethod: w.sms_method,
    smsFallbackUrl: w.sms_fallback_url,
    smsFallbackMethod: w.sms_fallback_method,
    smsApplicationSid: w.sms_application_sid,
    statusCallback: w.status_callback,
    statusCallbackMethod: w.status_callback_method,
    origin: w.origin,
    status: w.status,
    capabilities: w.capabilities,
    dateCreated: w.date_created,
    dateUpdated: w.date_updated,
    uri: w.uri,
  }));

/** One page of `GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json`. */
export interface IncomingPhoneNumberPage {
  items: IncomingPhoneNumber[];
  /** Path and query of the next page (`next_page_uri`), or null on the last. */
  nextPageUri: string | null;
  page: number | null;
  pageSize: number | null;
}

export const incomingPhoneNumberPageInbound = z
  .object({
    incoming_phone_numbers: z
      .array(incomingPhoneNumberInbound)
      .nullish()
      .transform((v) => v ?? []),
    next_page_uri: blankAsNull,
    page: z.number().int().nullish(),
    page_size: z.number().int().nullish(),
  })
  .transform((w): IncomingPhoneNumberPage => ({
    items: w.incoming_phone_numbers,
    nextPageUri: w.next_page_uri,
    page: w.page ?? null,
    pageSize: w.page_size ?? null,
  }));

/**
 * What `updateIncomingPhoneNumber` may set (camelCase; sent as Twilio's PascalCase form fields).
 * Every field is an absolute value, so sending the same update twice leaves the same number.
 */
export interface IncomingPhoneNumberUpdate {
  friendlyName?: string;
  voiceUrl?: string;
  voiceMethod?: HttpCallbackMethod;
  voiceFallbackUrl?: string;
  voiceFallbackMethod?: HttpCallbackMethod;
  /** `AP…`: the number's calls go to this TwiML application (Twilio then ignores voiceUrl). */
  voiceApplicationSid?: string;
  smsUrl?: string;
  smsMethod?: HttpCallbackMethod;
  smsFallbackUrl?: string;
  smsFallbackMethod?: HttpCallbackMethod;
  statusCallback?: string;
  statusCallbackMethod?: HttpCallbackMethod;
}

/** The form field of each {@link IncomingPhoneNumberUpdate} key (UpdateIncomingPhoneNumberRequest). */
export const UPDATE_FIELDS: Readonly<Record<keyof IncomingPhoneNumberUpdate, string>> = {
  friendlyName: 'FriendlyName',
  voiceUrl: 'VoiceUrl',
  voiceMethod: 'VoiceMethod',
  voiceFallbackUrl: 'VoiceFallbackUrl',
  voiceFallbackMethod: 'VoiceFallbackMethod',
  voiceApplicationSid: 'VoiceApplicationSid',
  smsUrl: 'SmsUrl',
  smsMethod: 'SmsMethod',
  smsFallbackUrl: 'SmsFallbackUrl',
  smsFallbackMethod: 'SmsFallbackMethod',
  statusCallback: 'StatusCallback',
  statusCallbackMethod: 'StatusCallbackMethod',
};

/** The form body of an update; keys left undefined are not sent (Twilio leaves them as they are). */
export function updateForm(update: IncomingPhoneNumberUpdate): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [key, field] of Object.entries(UPDATE_FIELDS) as Array<[keyof IncomingPhoneNumberUpdate, string]>) {
    const value = update[key];
    if (value !== undefined) form[field] = value;
  }
  return form;
}

/** A number's membership of a Messaging Service (`messaging.v1.service.phone_number`). */
export interface MessagingServicePhoneNumber {
  /** `PN…`: the IncomingPhoneNumber's sid. */
  sid: string;
  accountSid: string | null;
  /** `MG…` */
  serviceSid: string | null;
  phoneNumber: string | null;
  countryCode: string | null;
  capabilities: string[];
  dateCreated: string | null;
  url: string | null;
}

export const messagingServicePhoneNumberInbound = z
  .object({
    sid: z.string(),
    account_sid: nullableString,
    service_sid: nullableString,
    phone_number: nullableString,
    country_code: nullableString,
    capabilities: z
      .array(z.string())
      .nullish()
      .transform((v) => v ?? []),
    date_created: nullableString,
    url: nullableString,
  })
  .transform((w): MessagingServicePhoneNumber => ({
    sid: w.sid,
    accountSid: w.account_sid,
    serviceSid: w.service_sid,
    phoneNumber: w.phone_number,
    countryCode: w.country_code,
    capabilities: w.capabilities,
    dateCreated: w.date_created,
    url: w.url,
  }));
