/**
 * `GET /v1/Porting/PortIn/PortInRequests`: token-paged summaries (`meta.next_token`), which
 * twilio-node's URL-based pager cannot follow.
 */
import { z } from 'zod';
import {
  PortInRequestStatus,
  type PortInRequestStatus as PortInRequestStatusType,
  normalizeRequestStatus,
} from '../porting-event';
import { nullableInteger, nullableString, withAliases } from './common';

/** One port-in request as the list reports it (a summary: no phone numbers). */
export interface PortInRequestSummary {
  portInRequestSid: string;
  status: PortInRequestStatusType;
  rawStatus: string | null;
  /** When the request's status last changed. */
  statusLastUpdated: string | null;
  phoneNumbersRequested: number | null;
  phoneNumbersPorted: number | null;
  suggestedAction: string | null;
}

/** One page of the list, with the tokens to move on. */
export interface PortInRequestPage {
  items: PortInRequestSummary[];
  /** Pass as `token` to get the next page; null on the last page. */
  nextToken: string | null;
  previousToken: string | null;
}

const summaryInbound = withAliases(
  {
    port_in_request_status: ['status'],
    status_last_updated_timestamp: ['status_last_time_updated_timestamp', 'last_updated'],
  },
  z.object({
    port_in_request_sid: z.string(),
    port_in_request_status: nullableString,
    status_last_updated_timestamp: nullableString,
    phone_numbers_requested: nullableInteger,
    phone_numbers_ported: nullableInteger,
    suggested_action: nullableString,
  })
).transform((w): PortInRequestSummary => ({
  portInRequestSid: w.port_in_request_sid,
  status: normalizeRequestStatus(w.port_in_request_status),
  rawStatus: w.port_in_request_status,
  statusLastUpdated: w.status_last_updated_timestamp,
  phoneNumbersRequested: w.phone_numbers_requested,
  phoneNumbersPorted: w.phone_numbers_ported,
  suggestedAction: w.suggested_action,
}));

/** Wire page to {@link PortInRequestPage}. */
export const portInPageInbound = z
  .object({
    meta: z
      .object({ next_token: nullableString, previous_token: nullableString })
      .nullish()
      .transform((m) => m ?? { next_token: null, previous_token: null }),
    port_in_requests: z
      .array(summaryInbound)
      .nullish()
      .transform((v) => v ?? []),
  })
  .transform((w): PortInRequestPage => ({
    items: w.port_in_requests,
    nextToken: w.meta.next_token,
    previousToken: w.meta.previous_token,
  }));

/** Filters of `listPortIns`; all optional. */
export interface ListPortInsFilters {
  /** Created after this day (a Date is taken as its UTC day, or `YYYY-MM-DD`). */
  createdAfter?: Date | string;
  /** Created before this day (a Date is taken as its UTC day, or `YYYY-MM-DD`). */
  createdBefore?: Date | string;
  /** A request status in any casing Twilio uses (`in_progress`, `In Progress`, ...). */
  status?: PortInRequestStatusType | string;
  /** Only these `KW…` sids. */
  portInRequestSids?: string[];
  /** Items per page, 1 to 100 (Twilio's default is 20). */
  pageSize?: number;
}

// The list filter takes the Title Case form Twilio's own list responses use.
const wireStatus: Record<Exclude<PortInRequestStatusType, 'unknown'>, string> = {
  [PortInRequestStatus.IN_REVIEW]: 'In Review',
  [PortInRequestStatus.WAITING_FOR_SIGNATURE]: 'Waiting for Signature',
  [PortInRequestStatus.IN_PROGRESS]: 'In Progress',
  [PortInRequestStatus.ACTION_REQUIRED]: 'Action Required',
  [PortInRequestStatus.COMPLETED]: 'Completed',
  [PortInRequestStatus.CANCELING]: 'Canceling',
  [PortInRequestStatus.CANCELED]: 'Canceled',
  [PortInRequestStatus.EXPIRED]: 'Expired',
};

/** The wire form of a status filter, or null when the status is not one Twilio knows. */
export function statusFilterToWire(status: string): string | null {
  const normalized = normalizeRequestStatus(status);
  return normalized === PortInRequestStatus.UNKNOWN ? null : wireStatus[normalized];
}
