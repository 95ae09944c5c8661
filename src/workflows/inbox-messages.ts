/**
 * The public contract of `portInInboxWorkflow`, the durable holding place of webhook events whose
 * port-in request no running order owns yet (see docs/webhooks.md, "Events nobody owns yet").
 * One inbox per `KW…` sid; the webhook receiver and the order's `claimPortInInbox` activity both
 * reach it with signal-with-start, so neither the first event nor the claim can be lost whichever
 * comes first. Names are part of the contract: do not rename.
 */
import { defineSignal } from '@temporalio/workflow';
import type { PortingEvent } from '../twilio/porting-event';

export const PORT_IN_INBOX_WORKFLOW_TYPE = 'portInInboxWorkflow';

/** `PortInStatus` of an inbox while it waits for its owner. */
export const INBOX_STATUS_UNCLAIMED = 'Unclaimed';
/** `PortInStatus` of an inbox an order has claimed (it forwards events for a while, then completes). */
export const INBOX_STATUS_CLAIMED = 'Claimed';
/** `PortInStatus` of an inbox that ended holding events no running order received: orphans. */
export const INBOX_STATUS_ORPHANED = 'Orphaned';

/** Workflow id of the inbox of one port-in request. */
export function portInInboxWorkflowId(portInRequestSid: string): string {
  return `portin-inbox-${portInRequestSid}`;
}

/** How long an unclaimed inbox waits for its owner before its events become orphans. @default 24 hours */
export const DEFAULT_INBOX_ORPHAN_AFTER_MS = 24 * 3_600_000;
/**
 * How long a claimed inbox keeps forwarding: longer than the receiver's negative-lookup cache
 * (30 s) plus the visibility lag, after which the receiver finds the owner itself. @default 10 minutes
 */
export const DEFAULT_INBOX_FORWARD_FOR_MS = 10 * 60_000;
/** How long an inbox that only holds events of a closed owner waits before it records them as orphans. */
export const DEFAULT_INBOX_CLOSED_OWNER_GRACE_MS = 60_000;

export interface PortInInboxInput {
  portInRequestSid: string;
  /** Set by whoever starts the inbox (signal-with-start ignores it when the inbox already runs). */
  orphanAfterMs?: number;
  forwardForMs?: number;
  closedOwnerGraceMs?: number;
  /** Set by continue-as-new: what the previous run held. */
  resume?: InboxCarryOver;
}

/** Why an event ended as an orphan. */
export type OrphanReason =
  /** No order claimed the request within the inbox's orphan window. */
  | 'unclaimed'
  /** The order that owns the request had already closed when the event arrived. */
  | 'owner-closed';

export interface InboxEventInput {
  event: PortingEvent;
  /** Set by the receiver when it found the request's owner, but closed: the event can never be applied. */
  closedOwnerWorkflowId?: string | null;
}

/** Signal (from the webhook receiver): one verified event for the inbox's request. */
export const inboxEventSignal = defineSignal<[InboxEventInput]>('inboxEvent');

export interface InboxClaimInput {
  /** The `portInWorkflow` that created or found the request; it receives `portingEvent` signals. */
  ownerWorkflowId: string;
  /**
   * How long to forward after the claim. Travels with the claim because the inbox may have been
   * started by the receiver, whose start arguments do not know it. @default the inbox input's forwardForMs
   */
  forwardForMs?: number;
}

/** Signal (from the order's `claimPortInInbox` activity): this order owns the request. */
export const inboxClaimSignal = defineSignal<[InboxClaimInput]>('inboxClaim');

/** An event the inbox holds, with when it arrived (workflow time, ISO). */
export interface HeldEvent {
  event: PortingEvent;
  receivedAt: string;
  closedOwnerWorkflowId: string | null;
}

/** An event that reached no running order. */
export interface OrphanedEvent extends HeldEvent {
  reason: OrphanReason;
}

/** What a run hands to the next one at continue-as-new. */
export interface InboxCarryOver {
  held: HeldEvent[];
  orphaned: OrphanedEvent[];
  ownerWorkflowId: string | null;
  firstSeenAt: string;
  claimedAt: string | null;
  forwarded: number;
}

export interface PortInInboxResult {
  portInRequestSid: string;
  /** `claimed`: every event reached the owner; `orphaned`: some did not (see `orphaned`). */
  outcome: 'claimed' | 'orphaned';
  ownerWorkflowId: string | null;
  forwarded: number;
  orphaned: OrphanedEvent[];
  /** When the first event or the claim arrived (ISO). */
  firstSeenAt: string;
  endedAt: string;
}
