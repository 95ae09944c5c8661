import { MAX_NUMBERS_PER_REQUEST, validatePortInRequest } from './twilio/validation';
import type { CreatePortInRequest } from './twilio/schemas/port-in';
import { portInOrderSchema, zodProblems } from './order';
import type { OrderProblem, PortInOrder } from './order';

export class OrderValidationError extends Error {
  override readonly name = 'OrderValidationError';
  constructor(readonly problems: OrderProblem[]) {
    super(
      `The order has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')
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
  if (!parsed.success) throw new OrderValidationError(zodProblems(parsed.error));
  const order = parsed.data;
  // Duplicate numbers are among the client validator's rules below (one problem per duplicate).
  const problems: OrderProblem[] = [];

  const documentSid = 'documentSid' in order.utilityBill ? order.utilityBill.documentSid : PLACEHOLDER_DOCUMENT;
  const split = order.phoneNumbers.length > MAX_NUMBERS_PER_REQUEST;
  for (const p of validatePortInRequest(requestFromOrder(order, documentSid), { now })) {
    // Orders above 1,000 numbers are split into several requests, so the per-request cap does not apply.
    if (split && p.path === 'phoneNumbers' && p.rule === 'count') continue;
    problems.push({ path: p.path, message: p.message });
  }
  if (problems.length > 0) throw new OrderValidationError(problems);
  return order;
}
