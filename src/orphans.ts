/**
 * Orphaned webhook events: verified events no running order received (nobody claimed the request
 * within the inbox's orphan window, or its order had closed). Each ended inbox that holds some is
 * visible as `WorkflowType = 'portInInboxWorkflow' AND PortInStatus = 'Orphaned'`; its result
 * carries the events (encrypted like every payload: give the client the worker's data converter).
 */
import type { Client } from '@temporalio/client';
import type { PortingEvent } from './twilio/porting-event';
import { INBOX_STATUS_ORPHANED, PORT_IN_INBOX_WORKFLOW_TYPE } from './workflows/inbox-messages';
import type { OrphanReason, PortInInboxResult } from './workflows/inbox-messages';

export type { OrphanReason } from './workflows/inbox-messages';

/** The orphans of one inbox run with one reason. */
export interface Orphan {
  portInRequestSid: string;
  /** The inbox's workflow id, `portin-inbox-<sid>`. */
  workflowId: string;
  runId: string;
  events: PortingEvent[];
  reason: OrphanReason;
  /** When the inbox saw its first event or claim (ISO). */
  firstSeenAt: string;
  /** When the inbox ended and recorded the orphans (ISO). */
  endedAt: string;
}

/** The visibility query of ended inboxes holding orphans. */
export const ORPHANED_INBOXES_QUERY =
  `WorkflowType = '${PORT_IN_INBOX_WORKFLOW_TYPE}' AND PortInStatus = '${INBOX_STATUS_ORPHANED}' ` +
  `AND ExecutionStatus = 'Completed'`;

export const DEFAULT_ORPHANS_LIMIT = 100;

/**
 * The most recent orphans, newest inbox first: up to `limit` inbox runs (one entry per run and
 * reason). Throws a RangeError for a limit that is not an integer from 1 to 1000.
 */
export async function listOrphans(client: Client, limit: number = DEFAULT_ORPHANS_LIMIT): Promise<Orphan[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RangeError(`listOrphans: limit must be an integer from 1 to 1000; got ${String(limit)}`);
  }
  const orphans: Orphan[] = [];
  let runs = 0;
  for await (const execution of client.workflow.list({
    query: ORPHANED_INBOXES_QUERY,
    pageSize: Math.min(limit, 100),
  })) {
    if (runs++ >= limit) break;
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    const result = (await handle.result()) as PortInInboxResult;
    const byReason = new Map<OrphanReason, PortingEvent[]>();
    for (const o of result.orphaned) byReason.set(o.reason, [...(byReason.get(o.reason) ?? []), o.event]);
    for (const [reason, events] of byReason) {
      orphans.push({
        portInRequestSid: result.portInRequestSid,
        workflowId: execution.workflowId,
        runId: execution.runId,
        events,
        reason,
        firstSeenAt: result.firstSeenAt,
        endedAt: result.endedAt,
      });
    }
  }
  return orphans;
}
