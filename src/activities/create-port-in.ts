import type { PortingClient } from '../twilio/client';
import { TwilioClientError } from '../twilio/errors';
import { PortInRequestStatus } from '../twilio/porting-event';
import type { CreatePortInRequest, PortIn } from '../twilio/schemas/port-in';
import type { PortInValidationContext } from '../twilio/validation';

/** Twilio's answers when a number is already in a port-in request of ours (22131/22136) or in progress (22137). */
const ALREADY_IN_A_REQUEST = new Set([22131, 22136, 22137]);

/** Candidates inspected when looking for a request an earlier attempt made; bounds the search. */
const MAX_CANDIDATES = 200;

export interface CreateOnceInput {
  request: CreatePortInRequest;
  /** Workflow time just before the first attempt; requests created before it cannot be ours. */
  intentAt: string;
  /** Whether an earlier attempt of this activity may have reached Twilio. */
  retried: boolean;
  validation?: Partial<PortInValidationContext>;
}

export interface CreateOnceResult {
  portIn: PortIn;
  /** True when the request was made by an earlier, ambiguous attempt and found instead of made again. */
  found: boolean;
}

/**
 * Creates a port-in request exactly once. Twilio has no idempotency key for this call, so after an
 * ambiguous failure (timeout, 5xx after commit) a retry first looks for the request an earlier
 * attempt made: open requests created since the intent whose numbers are exactly ours. Twilio's
 * refusal of a number already in one of our requests triggers the same search.
 */
export async function createPortInOnce(client: PortingClient, input: CreateOnceInput): Promise<CreateOnceResult> {
  if (input.retried) {
    const existing = await findExistingRequest(client, input.request, input.intentAt);
    if (existing) return { portIn: existing, found: true };
  }
  try {
    const portIn = await client.createPortIn(input.request, {
      now: input.validation?.now,
      portability: input.validation?.portability,
    });
    return { portIn, found: false };
  } catch (err) {
    if (err instanceof TwilioClientError && err.code != null && ALREADY_IN_A_REQUEST.has(err.code)) {
      const existing = await findExistingRequest(client, input.request, input.intentAt);
      if (existing) return { portIn: existing, found: true };
    }
    throw err;
  }
}

const closed = new Set<string>([PortInRequestStatus.CANCELED, PortInRequestStatus.EXPIRED]);

export async function findExistingRequest(
  client: PortingClient,
  request: CreatePortInRequest,
  intentAt: string
): Promise<PortIn | null> {
  const wanted = new Set(request.phoneNumbers.map((n) => n.phoneNumber));
  // CreatedAfter is a date filter: start a day early so time zones cannot hide the request.
  const since = new Date(Date.parse(intentAt) - 24 * 3600 * 1000);
  let inspected = 0;
  for await (const summary of client.listPortIns({ createdAfter: since, pageSize: 100 })) {
    if (closed.has(summary.status)) continue;
    if (summary.phoneNumbersRequested != null && summary.phoneNumbersRequested !== wanted.size) continue;
    if (++inspected > MAX_CANDIDATES) break;
    const candidate = await client.fetchPortIn(summary.portInRequestSid);
    if (candidate.dateCreated && Date.parse(candidate.dateCreated) < since.getTime()) continue;
    const numbers = candidate.phoneNumbers.map((n) => n.phoneNumber);
    if (numbers.length === wanted.size && numbers.every((n) => n != null && wanted.has(n))) return candidate;
  }
  return null;
}
