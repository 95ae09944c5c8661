import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * portflow's custom search attributes. They make the Temporal UI a porting console and let the
 * webhook receiver find the workflow that owns a `KW…` sid. Values are stored unencrypted, so
 * they hold only opaque ids, statuses, dates and counts — never a name, a phone number or a PIN.
 */
export const PortInRequestSids = defineSearchAttributeKey('PortInRequestSids', SearchAttributeType.KEYWORD_LIST);
export const PortInStatus = defineSearchAttributeKey('PortInStatus', SearchAttributeType.KEYWORD);
export const PortInTargetDate = defineSearchAttributeKey('PortInTargetDate', SearchAttributeType.DATETIME);
export const PortInCustomer = defineSearchAttributeKey('PortInCustomer', SearchAttributeType.KEYWORD);
export const PortInNumbersPending = defineSearchAttributeKey('PortInNumbersPending', SearchAttributeType.INT);
/** The next 72-hour cancel cutoff of an open number (see `cancelCutoffSearchValue` in src/workflows/deadlines.ts). */
export const PortInCancelCutoff = defineSearchAttributeKey('PortInCancelCutoff', SearchAttributeType.DATETIME);

export const portflowSearchAttributes = [
  PortInRequestSids,
  PortInStatus,
  PortInTargetDate,
  PortInCustomer,
  PortInNumbersPending,
  PortInCancelCutoff,
] as const;

/** The CLI's spelling of each type, for `temporal server start-dev --search-attribute Name=Type`. */
const cliTypeNames: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

export function searchAttributeCliArgs(): string[] {
  return portflowSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeNames[key.type]}`]);
}
