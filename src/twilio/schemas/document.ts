/**
 * The Documents API (`POST /v1/Documents` on the upload host): the utility bill a port-in request
 * must name. Not in twilio-oai, so no official helper library has it.
 */
import { z } from 'zod';
import { nullableInteger, nullableString } from './common';

/** An uploaded document. */
export interface PortingDocument {
  /** `RD…`: what `createPortIn` takes in `documents`. */
  sid: string;
  accountSid: string | null;
  documentType: string | null;
  friendlyName: string | null;
  /** Empty or null means Twilio did not accept the file's content. */
  mimeType: string | null;
  status: string | null;
  version: number | null;
  dateCreated: string | null;
  url: string | null;
}

/** Wire to {@link PortingDocument}. */
export const documentInbound = z
  .object({
    sid: z.string(),
    account_sid: nullableString,
    document_type: nullableString,
    friendly_name: nullableString,
    mime_type: nullableString,
    status: nullableString,
    version: nullableInteger,
    date_created: nullableString,
    url: nullableString,
  })
  .transform((w): PortingDocument => ({
    sid: w.sid,
    accountSid: w.account_sid,
    documentType: w.document_type,
    friendlyName: w.friendly_name,
    mimeType: w.mime_type,
    status: w.status,
    version: w.version,
    dateCreated: w.date_created,
    url: w.url,
  }));

/** The multipart field names the Documents API reads (capital F in `File` is not a typo). */
export const documentFields = {
  documentType: 'document_type',
  friendlyName: 'friendly_name',
  file: 'File',
} as const;

/** The document type of a utility bill. */
export const UTILITY_BILL = 'utility_bill';
