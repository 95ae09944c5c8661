/**
 * `portflow start --order <file> --dry-run`: everything a start would check, and the portability of
 * every number as the configured Twilio (or sandbox) answers it, without creating anything — no
 * workflow, no document, no port-in request. The first step of a live order.
 */
import { access, constants } from 'node:fs/promises';
import type { PortInOrder } from '../order';
import { requestFromOrder } from '../order-validation';
import type { PortingClient } from '../twilio/client';
import type { PortabilityResult } from '../twilio/schemas/portability';
import { validatePortInRequest } from '../twilio/validation';

export interface DryRunReport {
  orderId: string;
  /** Where the answers came from. */
  twilio: string;
  portable: string[];
  notPortable: Array<{ phoneNumber: string; code: number | null; reason: string | null }>;
  /** Numbers whose check failed (the error's message); the order cannot be judged for them. */
  unchecked: Array<{ phoneNumber: string; error: string }>;
  /** What Twilio would refuse once portability is known (a PIN or account number missing, …). */
  problems: Array<{ path: string; message: string }>;
  /** Things to look at that do not block the start. */
  warnings: string[];
  /** True when starting the order would file a request for at least one number. */
  ok: boolean;
}

/** Concurrent portability checks; the client's own limiter caps calls in flight too. */
const CONCURRENCY = 5;

/** Checks an order that already passed `validateOrder`. Reads from Twilio only (GET). */
export async function dryRunOrder(
  order: PortInOrder,
  porting: PortingClient,
  options: { now?: Date; twilio: string }
): Promise<DryRunReport> {
  const results = new Map<string, PortabilityResult>();
  const unchecked: DryRunReport['unchecked'] = [];
  const queue = order.phoneNumbers.map((n) => n.phoneNumber);
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const phoneNumber = queue[next++]!;
      try {
        results.set(
          phoneNumber,
          await porting.checkPortability(phoneNumber, order.accountSid ? { targetAccountSid: order.accountSid } : {})
        );
      } catch (err) {
        unchecked.push({ phoneNumber, error: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));

  const portable = queue.filter((n) => results.get(n)?.portable === true);
  const notPortable = queue
    .filter((n) => results.has(n) && results.get(n)!.portable !== true)
    .map((n) => ({
      phoneNumber: n,
      code: results.get(n)!.notPortableReasonCode,
      reason: results.get(n)!.notPortableReason ?? (results.get(n)!.portable === null ? 'not evaluated yet' : null),
    }));

  // The rules Twilio applies once it knows the portability answers, on the numbers that would be filed.
  const filed = order.phoneNumbers.filter((n) => portable.includes(n.phoneNumber));
  const problems =
    filed.length === 0
      ? []
      : validatePortInRequest(requestFromOrder({ ...order, phoneNumbers: filed }, `RD${'0'.repeat(32)}`), {
          now: options.now ?? new Date(),
          portability: [...results.values()],
        }).map((p) => ({ path: p.path, message: p.message }));

  const warnings: string[] = [];
  if ('path' in order.utilityBill) {
    const readable = await access(order.utilityBill.path, constants.R_OK).then(
      () => true,
      () => false
    );
    if (!readable) {
      warnings.push(
        `utilityBill.path ${order.utilityBill.path} is not readable here; the worker must be able to read it`
      );
    }
  }
  return {
    orderId: order.orderId,
    twilio: options.twilio,
    portable,
    notPortable,
    unchecked,
    problems,
    warnings,
    ok: portable.length > 0 && problems.length === 0 && unchecked.length === 0,
  };
}

export function renderDryRun(report: DryRunReport): string[] {
  const lines = [
    `Dry run of order ${report.orderId} against ${report.twilio}: nothing was created.`,
    `  portable: ${report.portable.length}${report.portable.length ? ` (${report.portable.join(', ')})` : ''}`,
  ];
  if (report.notPortable.length > 0) {
    lines.push(`  not portable, would be dropped: ${report.notPortable.length}`);
    for (const n of report.notPortable) {
      lines.push(`    ${n.phoneNumber} ${[n.code, n.reason].filter((v) => v != null).join(' ')}`.trimEnd());
    }
  }
  for (const u of report.unchecked) lines.push(`  could not check ${u.phoneNumber}: ${u.error}`);
  for (const p of report.problems) lines.push(`  problem: ${p.path}: ${p.message}`);
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  lines.push(
    report.ok
      ? `OK: starting this order would file a port-in request for ${report.portable.length} number(s). Start it without --dry-run.`
      : report.portable.length === 0 && report.unchecked.length === 0
        ? 'NOT OK: no number of this order is portable; starting it would file nothing.'
        : 'NOT OK: fix the problems above before starting this order.'
  );
  return lines;
}
