/**
 * What `status` and `list` print: plain text for a person. A large order is summarised (counts per
 * status and the numbers that need an operator) unless `--all` asks for every number.
 */
import type { PortInListEntry } from '../starter';
import type { NumberView, PortInStatusView } from '../workflows/messages';
import { renderProgress } from './progress';

/** Up to this many numbers, `status` lists every number; above it, a summary. */
export const STATUS_LIST_LIMIT = 25;
/** The numbers that need action are listed up to this many in a summary. */
const ACTION_LIST_LIMIT = 50;

/** Why an order failed, as the status view and the workflow's failure carry it. */
export interface FailureInfo {
  type?: string | null;
  code?: number | string | null;
  message?: string | null;
}

/** The fields of the status view this module reads beyond the typed ones (added as the workflow grows). */
interface ViewExtras {
  failure?: FailureInfo | null;
  attention?: unknown;
}

export function failureLine(failure: FailureInfo | null | undefined): string | null {
  if (!failure) return null;
  const code =
    failure.code != null && !String(failure.type ?? '').endsWith(String(failure.code)) ? ` code ${failure.code}` : '';
  return `Failed: ${failure.type ?? 'error'}${code}: ${failure.message ?? '(no message)'}`;
}

/** The reason an order needs attention, whatever shape the workflow gives it (a string or { reason, … }). */
export function attentionText(attention: unknown): string | null {
  if (attention == null || attention === false) return null;
  if (typeof attention === 'string') return attention;
  if (typeof attention === 'object') {
    const a = attention as Record<string, unknown>;
    const reason = [a.reason, a.message].find((v) => typeof v === 'string') as string | undefined;
    const code = a.code != null ? ` (code ${String(a.code)})` : '';
    const since = typeof a.since === 'string' ? ` since ${a.since}` : '';
    return `${reason ?? 'no reason given'}${code}${since}`;
  }
  return String(attention);
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
  const extras = view as PortInStatusView & ViewExtras;
  const lines: string[] = [];
  const large = view.numbers.length > STATUS_LIST_LIMIT && !all;
  const [head, ...numberLines] = renderProgress(view, { maxNumbers: large ? 0 : view.numbers.length });
  lines.push(head!);
  const failure = failureLine(extras.failure);
  if (failure) lines.push(failure);
  const attention = attentionText(extras.attention);
  if (attention) lines.push(`Needs attention: ${attention}`);

  const byLabel = new Map<string, number>();
  for (const n of view.numbers) byLabel.set(n.statusLabel, (byLabel.get(n.statusLabel) ?? 0) + 1);
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
    if (r.reason) out.push(`  └ ${r.reason}`);
  });
  if (rows.length === 0) out.push('(no port-ins match)');
  return out;
}
