/**
 * The porting desk: the order's *current details* (markdown the Temporal UI shows on the workflow's
 * page, set with `setCurrentDetails`), rendered from the `portInStatus` view. Pure: the same view and
 * time give the same text, so a unit test can read exactly what an operator sees.
 *
 * The view never holds a PIN or an account number (they stay in the order's input), so neither can
 * reach the desk. Kept small for large orders: counts, then at most {@link DESK_LIMITS} rows of each table.
 */
import type { NumberView, PortInStatusView, RequestView } from './messages';
import { labelOfRequestStatus } from './state';

export const DESK_LIMITS = {
  /** Numbers listed under "Needs an operator"; the rest are counted ("…and N more"). */
  actionRows: 20,
  requestRows: 10,
  loaExpiryRows: 3,
  timelineEntries: 5,
  /** Longest Twilio reason or timeline message shown, in characters. */
  textLength: 160,
} as const;

/**
 * What fixes a rejection, by Twilio's rejection code (reference §4, from the codes' docs). Canceling
 * the number is the other way out of every rejection; the desk adds it with the number's cutoff.
 */
const FIX_BY_CODE: Record<number, string> = {
  22150: 'ask Twilio porting support what to change, then `resubmitRejected`',
  22151: 'the customer lifts the losing carrier’s freeze or billing hold, then `resubmitRejected`',
  22152: '`cancelPhoneNumbers`: an inactive or disconnected number cannot port',
  22153: '`resubmitRejected` with the corrected `authorizedRepresentative` / `customerName`',
  22154: '`resubmitRejected` with the `address` as the losing carrier has it',
  22155: '`resubmitRejected` with the correct PIN in `pins`',
  22156: '`resubmitRejected` with the correct `accountNumber`',
  22157: '`resubmitRejected` with the subscription holder’s details',
  22158: '`resubmitRejected` with another `targetPortInDate`',
  22159: '`cancelPhoneNumbers`: not portable, says the losing carrier',
};
const DEFAULT_FIX = '`resubmitRejected` with the corrected `losingCarrierInformation`';

/** What fixes a rejection with this code (exported for tests). */
export function rejectionAction(code: number | null): string {
  return (code != null && FIX_BY_CODE[code]) || DEFAULT_FIX;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-12-09 14:00 UTC`: minutes are as precise as a desk needs. */
export function formatInstant(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** `in ~5 days`, `~3 hours ago`: rounded, because the desk is re-rendered only when the order changes. */
export function formatRelative(targetMs: number, asOfMs: number): string {
  const delta = targetMs - asOfMs;
  const abs = Math.abs(delta);
  if (abs < 60_000) return delta >= 0 ? 'in less than a minute' : 'less than a minute ago';
  const [size, name] =
    abs >= 86_400_000 ? [86_400_000, 'day'] : abs >= 3_600_000 ? [3_600_000, 'hour'] : [60_000, 'minute'];
  const n = Math.round(abs / size);
  const phrase = `~${n} ${name}${n === 1 ? '' : 's'}`;
  return delta >= 0 ? `in ${phrase}` : `${phrase} ago`;
}

/** Text from Twilio or the timeline, made safe for one markdown table cell or list item. */
function text(value: string | null | undefined): string {
  const s = (value ?? '').replace(/\s+/g, ' ').trim();
  const cut = s.length > DESK_LIMITS.textLength ? `${s.slice(0, DESK_LIMITS.textLength - 1)}…` : s;
  // Markdown and HTML the UI would interpret: the text is someone else's, shown as text.
  return cut.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

function more(shown: number, total: number, what: string): string[] {
  return total > shown ? [`…and ${total - shown} more ${what} (the \`portInStatus\` query lists them all).`] : [];
}

function countsLine(view: PortInStatusView): string {
  const byLabel = new Map<string, number>();
  for (const n of view.numbers) byLabel.set(n.statusLabel, (byLabel.get(n.statusLabel) ?? 0) + 1);
  const parts = [...byLabel].map(([label, count]) => `${label}: **${count}**`);
  return `**${view.counts.total} number${view.counts.total === 1 ? '' : 's'}** — ${parts.join(' · ') || 'none'}`;
}

function needsOperator(n: NumberView): boolean {
  return n.status === 'port_rejected' || n.status === 'unknown';
}

function actionOf(n: NumberView, asOfMs: number): string {
  if (n.status === 'unknown') {
    return `Twilio reported a status portflow does not know (${text(n.rawStatus)}): check the request in Twilio’s console`;
  }
  const fix = rejectionAction(n.rejection?.code ?? null);
  const cancelIsTheFix = fix.startsWith('`cancelPhoneNumbers`');
  if (!n.cancelCutoff) return fix;
  const cutoff = Date.parse(n.cancelCutoff);
  if (cutoff <= asOfMs) {
    return `${fix} (its cancel cutoff, ${formatInstant(cutoff)}, has passed: Twilio refuses a cancel now)`;
  }
  return cancelIsTheFix
    ? `${fix} (by ${formatInstant(cutoff)})`
    : `${fix}; or \`cancelPhoneNumbers\` by ${formatInstant(cutoff)}`;
}

function actionTable(view: PortInStatusView, asOfMs: number): string[] {
  const numbers = view.numbers.filter(needsOperator);
  if (numbers.length === 0) return [];
  const shown = numbers.slice(0, DESK_LIMITS.actionRows);
  const rejection = (n: NumberView) =>
    n.status === 'unknown'
      ? 'unknown status'
      : `${n.rejection?.code ?? '—'}: ${text(n.rejection?.reason) || 'no reason given'}`;
  return [
    `### Needs an operator (${numbers.length})`,
    '',
    '| Number | Rejected | What resolves it |',
    '| --- | --- | --- |',
    ...shown.map((n) => `| \`${n.phoneNumber}\` | ${rejection(n)} | ${actionOf(n, asOfMs)} |`),
    ...more(shown.length, numbers.length, 'number(s) need an operator'),
    '',
    '`resubmitRejected` takes the complete, corrected `losingCarrierInformation` (the fields named are in it), and ' +
      'optionally `phoneNumbers`, `pins` and `targetPortInDate`; the numbers move to a new request.',
    '',
  ];
}

function deadlines(view: PortInStatusView, asOfMs: number): string[] {
  const at = (iso: string) => {
    const ms = Date.parse(iso);
    return `${formatInstant(ms)} (${formatRelative(ms, asOfMs)})`;
  };
  const lines: string[] = [];
  const expiring = view.requests
    .filter((r): r is RequestView & { loaExpiresAt: string } => r.loaExpiresAt != null)
    .sort((a, b) => a.loaExpiresAt.localeCompare(b.loaExpiresAt));
  for (const r of expiring.slice(0, DESK_LIMITS.loaExpiryRows)) {
    lines.push(`- LOA expiry for ${r.sid}: ${at(r.loaExpiresAt)}; the customer has not signed yet`);
  }
  lines.push(...more(Math.min(expiring.length, DESK_LIMITS.loaExpiryRows), expiring.length, 'LOA expiries'));
  if (view.deadlines.cancelCutoffAt) {
    lines.push(`- Cancel cutoff: ${at(view.deadlines.cancelCutoffAt)}; after it Twilio refuses to cancel`);
  }
  if (view.deadlines.autoCancelRejectedAt) {
    lines.push(`- Auto-cancel of rejected numbers: ${at(view.deadlines.autoCancelRejectedAt)}`);
  }
  if (lines.length === 0) return [];
  // Relative times are as of the last change of the order: the desk is not re-rendered by the clock.
  return [`### Next deadlines (as of ${formatInstant(asOfMs)}, the order's last change)`, '', ...lines, ''];
}

function requestsList(view: PortInStatusView): string[] {
  if (view.requests.length === 0) return [];
  const shown = view.requests.slice(-DESK_LIMITS.requestRows);
  return [
    '### Requests',
    '',
    ...(view.requests.length > shown.length
      ? [`- …${view.requests.length - shown.length} earlier request(s) (the \`portInStatus\` query lists them all)`]
      : []),
    ...shown.map((r) => {
      const resubmits = r.resubmissionOf.length
        ? `, resubmits from ${r.resubmissionOf.map((s) => `\`${s}\``).join(', ')}`
        : '';
      return `- \`${r.sid}\` — ${labelOfRequestStatus(r.status)}, ${r.phoneNumbers.length} number${r.phoneNumbers.length === 1 ? '' : 's'}${resubmits}`;
    }),
    '',
  ];
}

function attentionAndFailure(view: PortInStatusView): string[] {
  const lines: string[] = [];
  const a = view.attention;
  if (a) {
    lines.push(
      `### Needs attention: ${text(a.reason)}${a.code != null ? ` (${a.code})` : ''}`,
      '',
      `During ${text(a.operation)}: ${text(a.message)}. ${a.failures} failed call(s) since ${formatInstant(Date.parse(a.since))}; ` +
        `portflow retries by itself${a.nextAttemptAt ? `, next at ${formatInstant(Date.parse(a.nextAttemptAt))}` : ''}.`,
      ''
    );
  }
  const f = view.failure;
  if (f) {
    lines.push(`### Failed: ${text(f.type)}${f.code != null ? ` (${f.code})` : ''}`, '', text(f.message), '');
  }
  return lines;
}

function timeline(view: PortInStatusView): string[] {
  const last = view.timeline.slice(-DESK_LIMITS.timelineEntries);
  if (last.length === 0) return [];
  return [
    '### Latest events',
    '',
    ...last.map((t) => {
      // The number says enough where there is one; a request's sid is long in a narrow panel.
      const about = t.phoneNumber ?? t.requestSid;
      return `- ${formatInstant(Date.parse(t.at))} · ${text(t.kind)}${about ? ` (${about})` : ''}: ${text(t.message)}`;
    }),
    '',
  ];
}

/**
 * The desk for `view`, with relative times as of `asOfMs` (the workflow time of the render). Order:
 * what the operator must act on first, then what comes next, then the history.
 */
export function renderDesk(view: PortInStatusView, asOfMs: number): string {
  const lines = [
    `## ${view.status} · order ${text(view.orderId)}`,
    '',
    `Phase \`${view.phase}\` · customer ${text(view.customerRef)} · target port-in date ${view.targetPortInDate}`,
    '',
    countsLine(view),
    '',
    ...attentionAndFailure(view),
    ...actionTable(view, asOfMs),
    ...deadlines(view, asOfMs),
    ...requestsList(view),
    ...timeline(view),
  ];
  return lines.join('\n').trimEnd() + '\n';
}
