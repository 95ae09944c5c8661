/**
 * What `status` and `list` print: plain text for a person. A large order is summarised (counts per
 * status and the numbers that need an operator) unless `--all` asks for every number.
 */
import type { Orphan } from '../orphans';
import type { PortInListEntry } from '../starter';
import type { AttentionView, FailureView, NumberView, PortInStatusView } from '../workflows/messages';
import { renderProgress } from './progress';

/** Up to this many numbers, `status` lists every number; above it, a summary. */
export const STATUS_LIST_LIMIT = 25;
/** The numbers that need action are listed up to this many in a summary. */
const ACTION_LIST_LIMIT = 50;

export function failureLine(failure: FailureView | null | undefined): string | null {
  if (!failure) return null;
  const code = failure.code != null && !failure.type.endsWith(String(failure.code)) ? ` code ${failure.code}` : '';
  return `Failed: ${failure.type}${code}: ${failure.message}`;
}

/** Why an order is parked, what it was doing, since when, and when it asks Twilio again. */
export function attentionText(attention: AttentionView | null | undefined): string | null {
  if (!attention) return null;
  const code = attention.code != null ? ` (code ${attention.code})` : '';
  const next = attention.nextAttemptAt ? `; next attempt ${attention.nextAttemptAt}` : '';
  return (
    `${attention.reason}${code} during ${attention.operation}: ${attention.message} ` +
    `(since ${attention.since}, ${attention.failures} failed attempt${attention.failures === 1 ? '' : 's'}${next})`
  );
}

/** The action that resolves a number, or null when it needs none. */
function actionFor(n: NumberView, orderId: string): string | null {
  if (n.status !== 'port_rejected') return null;
  const why = n.rejection ? ` (${[n.rejection.code, n.rejection.reason].filter((v) => v != null).join(' ')})` : '';
  return (
    `rejected${why}: portflow resubmit ${orderId} --carrier <corrected.json> --numbers ${n.phoneNumber}` +
    ` | portflow cancel-numbers ${orderId} ${n.phoneNumber}`
  );
}

/** `portflow status <id>`: the order, its failure or attention reason, its numbers, deadlines and timeline. */
export function renderStatus(view: PortInStatusView, { all = false } = {}): string[] {
  const lines: string[] = [];
  const large = view.numbers.length > STATUS_LIST_LIMIT && !all;
  const [head, ...numberLines] = renderProgress(view, { maxNumbers: large ? 0 : view.numbers.length });
  lines.push(head!);
  const failure = failureLine(view.failure);
  if (failure) lines.push(failure);
  const attention = attentionText(view.attention);
  if (attention) lines.push(`Needs attention: ${attention}`);

  const byLabel = new Map<string, number>();
  for (const n of view.numbers) {
    // A failed configuration's label carries its reason: counted under one heading, listed below.
    const label = n.activation?.status === 'configuration_failed' ? 'Ported, configuration failed' : n.statusLabel;
    byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
  }
  lines.push(
    `Numbers by status: ${[...byLabel]
      .sort((a, b) => b[1] - a[1])
      .map(([label, count]) => `${label} ${count}`)
      .join(', ')}`
  );

  const needAction = view.numbers.filter((n) => actionFor(n, view.orderId) !== null);
  if (needAction.length > 0) {
    lines.push(`Needs action (${needAction.length}):`);
    const shown = large ? needAction.slice(0, ACTION_LIST_LIMIT) : needAction;
    for (const n of shown) lines.push(`  ${n.phoneNumber.padEnd(14)} ${actionFor(n, view.orderId)}`);
    if (shown.length < needAction.length)
      lines.push(`  … and ${needAction.length - shown.length} more (--all lists every number)`);
  }

  if (view.activation) {
    const a = view.activation;
    lines.push(
      `After the port: ${a.live} live, ${a.configurationFailed} configuration failed${a.activating ? `, ${a.activating} activating` : ''}`
    );
    const failed = view.numbers.filter((n) => n.activation?.status === 'configuration_failed');
    const shown = large ? failed.slice(0, ACTION_LIST_LIMIT) : failed;
    for (const n of shown) {
      const code = n.activation?.code != null ? `${n.activation.code} ` : '';
      lines.push(`  ${n.phoneNumber.padEnd(14)} configuration failed: ${code}${n.activation?.reason ?? ''}`);
    }
    if (shown.length < failed.length)
      lines.push(`  … and ${failed.length - shown.length} more (--all lists every number)`);
  }

  if (large) lines.push(`${view.numbers.length} numbers: portflow status ${view.orderId} --all lists each one`);
  else lines.push('Numbers:', ...numberLines);

  if (view.requests.length > 0) {
    lines.push(`Requests: ${view.requests.map((r) => `${r.sid} (${r.status ?? '?'})`).join(', ')}`);
  }
  lines.push(
    `Deadlines: LOA expires ${view.deadlines.loaExpiresAt ?? '—'}, cancel cutoff ${view.deadlines.cancelCutoffAt ?? '—'}`
  );
  lines.push('Timeline (latest 15):');
  for (const t of view.timeline.slice(-15))
    lines.push(`  ${t.at} ${t.phoneNumber ? `${t.phoneNumber} ` : ''}${t.message}`);
  return lines;
}

/** A row of `portflow list`, with the reason of a Failed or Needs Attention order when known. */
export interface ListRow extends PortInListEntry {
  reason?: string | null;
}

const COLUMNS = ['ORDER ID', 'WORKFLOW ID', 'STATUS', 'PENDING', 'CUSTOMER', 'STARTED', 'REQUESTS'] as const;

/** `portflow list`: a header, one row per order, and under a failed or parked order its reason. */
export function renderList(rows: ListRow[]): string[] {
  const cells = rows.map((r) => [
    r.orderId ?? '—',
    r.workflowId,
    r.status ?? `(${r.executionStatus.toLowerCase()})`,
    r.pending == null ? '?' : String(r.pending),
    r.customerRef ?? '—',
    r.startTime.toISOString().slice(0, 19).replace('T', ' '),
    r.requestSids.join(',') || '—',
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(COLUMNS)];
  rows.forEach((r, i) => {
    out.push(line(cells[i]!));
    if (r.reason) out.push(`  └ ${r.reason.replace(/\n/g, '\n    ')}`);
  });
  if (rows.length === 0) out.push('(no port-ins match)');
  return out;
}

/** `portflow orphans`: one block per inbox run and reason, each event on a line. */
export function renderOrphans(orphans: Orphan[]): string[] {
  if (orphans.length === 0) return ['No orphaned webhook events.'];
  const why: Record<Orphan['reason'], string> = {
    unclaimed: 'no order claimed the request',
    'owner-closed': 'its order had already ended',
  };
  const lines: string[] = [];
  for (const o of orphans) {
    lines.push(
      `${o.portInRequestSid}  ${o.events.length} event(s), ${why[o.reason] ?? o.reason}; first seen ${o.firstSeenAt}, ended ${o.endedAt} (${o.workflowId})`
    );
    for (const e of o.events) {
      const number = e.level === 'number' && e.phoneNumber ? ` ${e.phoneNumber}` : '';
      lines.push(`  ${e.occurredAt ?? '—'} ${e.eventName ?? e.rawStatus}${number} (${e.rawStatus})`);
    }
  }
  return lines;
}
