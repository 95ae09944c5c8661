/**
 * `portInInboxWorkflow`: holds the verified webhook events of one port-in request until the order
 * that owns the request claims them, then forwards them (and whatever else arrives meanwhile) to
 * that order as `portingEvent` signals for a bounded window. Events no order claims within the
 * orphan window, and events for an order that has closed, end as recorded orphans: the run's
 * result lists them, `PortInStatus` says `Orphaned`, a counter and a log line say how many.
 * See docs/webhooks.md, "Events nobody owns yet".
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  metricMeter,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { MetricCounter } from '@temporalio/common';
import { PortInRequestSids, PortInStatus } from '../search-attributes';
import {
  DEFAULT_INBOX_CLOSED_OWNER_GRACE_MS,
  DEFAULT_INBOX_FORWARD_FOR_MS,
  DEFAULT_INBOX_ORPHAN_AFTER_MS,
  INBOX_STATUS_CLAIMED,
  INBOX_STATUS_ORPHANED,
  INBOX_STATUS_UNCLAIMED,
  inboxClaimSignal,
  inboxEventSignal,
} from './inbox-messages';
import type { HeldEvent, OrphanedEvent, PortInInboxInput, PortInInboxResult } from './inbox-messages';
import { portingEventSignal } from './messages';

/** Names as they appear on the worker's /metrics. */
export const INBOX_METRIC_NAMES = {
  orphanedEvents: 'portflow_webhook_orphaned_events_total',
  inboxes: 'portflow_webhook_inboxes_total',
} as const;

/** Far below Temporal's 10,240-event warning: an inbox with a burst of events moves to a fresh run. */
const CONTINUE_AS_NEW_AFTER_EVENTS = 6000;

let meters: { orphanedEvents: MetricCounter; inboxes: MetricCounter } | undefined;
function counters() {
  meters ??= {
    orphanedEvents: metricMeter.createCounter(
      INBOX_METRIC_NAMES.orphanedEvents,
      '1',
      'Verified webhook events that reached no running order, by reason (unclaimed, owner-closed).'
    ),
    inboxes: metricMeter.createCounter(
      INBOX_METRIC_NAMES.inboxes,
      '1',
      'Inbox workflows that ended, by outcome (claimed, orphaned).'
    ),
  };
  return meters;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function portInInboxWorkflow(input: PortInInboxInput): Promise<PortInInboxResult> {
  const sid = input.portInRequestSid;
  const orphanAfterMs = input.orphanAfterMs ?? DEFAULT_INBOX_ORPHAN_AFTER_MS;
  let forwardForMs = input.forwardForMs ?? DEFAULT_INBOX_FORWARD_FOR_MS;
  const closedOwnerGraceMs = Math.min(input.closedOwnerGraceMs ?? DEFAULT_INBOX_CLOSED_OWNER_GRACE_MS, orphanAfterMs);
  const carried = input.resume;

  let held: HeldEvent[] = carried?.held ?? [];
  const orphaned: OrphanedEvent[] = carried?.orphaned ?? [];
  let owner: string | null = carried?.ownerWorkflowId ?? null;
  let claimedAt: string | null = carried?.claimedAt ?? null;
  let forwarded = carried?.forwarded ?? 0;
  const firstSeenAt = carried?.firstSeenAt ?? iso(Date.now());
  let orphanAt = Date.parse(firstSeenAt) + orphanAfterMs;
  for (const h of held) {
    if (h.closedOwnerWorkflowId) orphanAt = Math.min(orphanAt, Date.parse(h.receivedAt) + closedOwnerGraceMs);
  }
  // Bumped when a deadline moves closer, so a wait started earlier re-reads it.
  let deadlineVersion = 0;

  setHandler(inboxEventSignal, ({ event, closedOwnerWorkflowId }) => {
    const receivedAt = Date.now();
    held.push({ event, receivedAt: iso(receivedAt), closedOwnerWorkflowId: closedOwnerWorkflowId ?? null });
    // An owner that has closed will never claim: no reason to hold its events for the whole window.
    if (closedOwnerWorkflowId && !owner && receivedAt + closedOwnerGraceMs < orphanAt) {
      orphanAt = receivedAt + closedOwnerGraceMs;
      deadlineVersion++;
    }
  });
  setHandler(inboxClaimSignal, ({ ownerWorkflowId, forwardForMs: window }) => {
    if (owner === null) {
      owner = ownerWorkflowId;
      claimedAt = iso(Date.now());
      if (window !== undefined) forwardForMs = window;
      upsertSearchAttributes([{ key: PortInStatus, value: INBOX_STATUS_CLAIMED }]);
    } else if (owner !== ownerWorkflowId) {
      // Two orders naming one request is a bug elsewhere; the first claim keeps the events.
      log.warn('inbox claimed twice; keeping the first owner', {
        portInRequestSid: sid,
        owner,
        ignored: ownerWorkflowId,
      });
    }
  });

  if (!carried) {
    upsertSearchAttributes([
      { key: PortInRequestSids, value: [sid] },
      { key: PortInStatus, value: owner ? INBOX_STATUS_CLAIMED : INBOX_STATUS_UNCLAIMED },
    ]);
  }

  const carryOn = async (): Promise<never> =>
    continueAsNew<typeof portInInboxWorkflow>({
      portInRequestSid: sid,
      orphanAfterMs,
      forwardForMs,
      closedOwnerGraceMs,
      resume: { held, orphaned, ownerWorkflowId: owner, firstSeenAt, claimedAt, forwarded },
    });
  const historyIsLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > CONTINUE_AS_NEW_AFTER_EVENTS;

  // Every held event, sent to the owner at once (one workflow task for a burst); one that cannot
  // be delivered (the owner has closed) becomes an orphan.
  const drain = async (to: string): Promise<void> => {
    while (held.length > 0) {
      const batch = held;
      held = [];
      const results = await Promise.allSettled(
        batch.map((h) => getExternalWorkflowHandle(to).signal(portingEventSignal, h.event))
      );
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') forwarded++;
        else orphaned.push({ ...batch[i]!, reason: 'owner-closed' });
      });
    }
  };

  // 1. Wait for the claim, or for the orphan deadline.
  while (owner === null) {
    const remaining = orphanAt - Date.now();
    if (remaining <= 0) break;
    if (historyIsLong()) await carryOn();
    const version = deadlineVersion;
    await condition(() => owner !== null || deadlineVersion !== version || historyIsLong(), remaining);
  }

  if (owner !== null) {
    // 2. Forward until the window closes; by then the receiver finds the owner by itself.
    const until = Date.parse(claimedAt!) + forwardForMs;
    for (;;) {
      await drain(owner);
      const remaining = until - Date.now();
      if (remaining <= 0) break;
      if (historyIsLong()) await carryOn();
      await condition(() => held.length > 0 || historyIsLong(), remaining);
    }
    // Signals that arrived with the window's timer are handled before this runs: nothing is left behind.
    await drain(owner);
  } else {
    for (const h of held) orphaned.push({ ...h, reason: h.closedOwnerWorkflowId ? 'owner-closed' : 'unclaimed' });
    held = [];
  }

  const outcome = orphaned.length > 0 ? 'orphaned' : 'claimed';
  if (outcome === 'orphaned') {
    upsertSearchAttributes([{ key: PortInStatus, value: INBOX_STATUS_ORPHANED }]);
    const byReason = new Map<string, number>();
    for (const o of orphaned) byReason.set(o.reason, (byReason.get(o.reason) ?? 0) + 1);
    for (const [reason, count] of byReason) counters().orphanedEvents.add(count, { reason });
    log.warn('webhook events orphaned', {
      portInRequestSid: sid,
      events: orphaned.length,
      reasons: Object.fromEntries(byReason),
      ownerWorkflowId: owner,
      firstSeenAt,
    });
  }
  counters().inboxes.add(1, { outcome });
  return {
    portInRequestSid: sid,
    outcome,
    ownerWorkflowId: owner,
    forwarded,
    orphaned,
    firstSeenAt,
    endedAt: iso(Date.now()),
  };
}
