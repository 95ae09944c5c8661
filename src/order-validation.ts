import { MAX_NUMBERS_PER_REQUEST, validatePortInRequest } from './twilio/validation';
import type { CreatePortInRequest } from './twilio/schemas/port-in';
import { portInOrderSchema, zodProblems } from './order';
import { parseDuration } from './workflows/duration';
import type { OrderProblem, PortInOrder } from './order';

export class OrderValidationError extends Error {
  override readonly name = 'OrderValidationError';
  constructor(readonly problems: OrderProblem[]) {
    super(
      `The order has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.path || '(order)'}: ${p.message}`).join('\n')
    );
  }
}

// Stands in for the bill when the order uploads one: the upload happens inside the workflow.
const PLACEHOLDER_DOCUMENT = `RD${'0'.repeat(32)}`;

/** The request(s) an order turns into, as the client will send them (the split happens per 1,000). */
export function requestFromOrder(order: PortInOrder, documentSid: string): CreatePortInRequest {
  return {
    ...(order.accountSid ? { accountSid: order.accountSid } : {}),
    targetPortInDate: order.targetPortInDate,
    ...(order.targetPortInTimeRangeStart ? { targetPortInTimeRangeStart: order.targetPortInTimeRangeStart } : {}),
    ...(order.targetPortInTimeRangeEnd ? { targetPortInTimeRangeEnd: order.targetPortInTimeRangeEnd } : {}),
    ...(order.notificationEmails?.length ? { notificationEmails: order.notificationEmails } : {}),
    losingCarrierInformation: order.losingCarrierInformation,
    phoneNumbers: order.phoneNumbers,
    documents: [documentSid],
  };
}

/**
 * Every problem of an order at once: its shape (zod), then every rule the Twilio client would
 * enforce (E.164, US only, no toll-free, 7 days ahead, time range, address, emails, …), so the
 * workflow never receives an order the client would reject. `now` is the clock of the 7-day rule.
 */
export function validateOrder(input: unknown, now: Date = new Date()): PortInOrder {
  const parsed = portInOrderSchema.safeParse(input);
  const problems: OrderProblem[] = parsed.success ? [] : zodProblems(parsed.error);
  // The Twilio rules run on a malformed order too, so the caller learns every problem in one go.
  const order = parsed.success ? parsed.data : isPlainObject(input) ? (input as PortInOrder) : null;
  if (order) {
    // Where the shape check already refused a field, it has said what is wrong with it.
    const refused = problems.map((p) => p.path);
    const alreadyRefused = (path: string) =>
      refused.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
    const documentSid =
      parsed.success && 'documentSid' in order.utilityBill ? order.utilityBill.documentSid : PLACEHOLDER_DOCUMENT;
    // Duplicate numbers are among the client validator's rules (one problem per duplicate).
    const split = Array.isArray(order.phoneNumbers) && order.phoneNumbers.length > MAX_NUMBERS_PER_REQUEST;
    for (const p of validatePortInRequest(requestFromOrder(order, documentSid), { now })) {
      // Orders above 1,000 numbers are split into several requests, so the per-request cap does not apply.
      if (split && p.path === 'phoneNumbers' && p.rule === 'count') continue;
      if (alreadyRefused(p.path)) continue;
      problems.push({ path: p.path, message: p.message });
    }
  }
  if (parsed.success) problems.push(...optionProblems(parsed.data));
  if (!parsed.success || problems.length > 0) throw new OrderValidationError(problems);
  return parsed.data;
}

/** Rules between options: each LOA reminder falls inside the signature window, once. */
function optionProblems(order: PortInOrder): OrderProblem[] {
  const options = order.options;
  if (!options?.loaReminders) return [];
  const expiryText = options.loaExpiry ?? '30 days';
  const expiry = parseDuration(expiryText);
  const problems: OrderProblem[] = [];
  const seen = new Set<number>();
  options.loaReminders.forEach((text, i) => {
    const ms = parseDuration(text);
    const path = `options.loaReminders[${i}]`;
    if (ms <= 0) problems.push({ path, message: `a reminder must come before the expiry, not at it (got "${text}")` });
    else if (ms >= expiry) {
      problems.push({
        path,
        message: `"${text}" before the expiry is not after the LOA goes out: it must be shorter than loaExpiry (${expiryText})`,
      });
    } else if (seen.has(ms)) problems.push({ path, message: `"${text}" repeats an earlier reminder` });
    seen.add(ms);
  });
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
