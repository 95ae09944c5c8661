/**
 * The documented status transitions of a port-in request and of its phone numbers, as a table the
 * reducer checks webhooks against (rules V2). Pure data and two small functions: no I/O, no clock.
 *
 * Source: the porting overview ("Port phone numbers using Twilio APIs", /work/shared/seeds/002_*,
 * section "Statuses"), whose two status tables say where each status leads; its two transition
 * flowcharts are images, so every edge below is read from a table row's text, quoted beside it.
 * The webhook reference (/work/shared/reference/twilio-porting-api.md §1.2) adds one fact: there is
 * no event for "In Review" or "Canceling", so a webhook may report Canceled straight after an open
 * status; hence the direct edges to Canceled next to the ones through Canceling.
 *
 * A webhook moves a status only along these edges, possibly several at once (a lost webhook skips
 * a status, and Twilio sends no event for Canceling): {@link moveKind} says `forward` when the target
 * is reachable. Anything else (a move back, out of a terminal status, or between statuses no path
 * joins) is for the reconciliation poll to confirm, never for a webhook to decide.
 */
import { PhoneNumberStatus, PortInRequestStatus } from '../twilio/porting-event';

/** A number's status in the order: Twilio's statuses plus the two that precede a request. */
export type NumberStatus = PhoneNumberStatus | 'checking' | 'not_portable';

const N = PhoneNumberStatus;
const R = PortInRequestStatus;

/**
 * Port-in request: each status and the statuses it documentedly leads to.
 * Terminal statuses (Completed, Canceled, Expired) lead nowhere.
 */
export const REQUEST_TRANSITIONS: Readonly<Record<PortInRequestStatus, readonly PortInRequestStatus[]>> = {
  // "being reviewed by Twilio. The request will progress to the next status automatically"; a request
  // none of whose numbers is portable is canceled (its numbers: "canceled … if the number is not portable").
  in_review: [R.WAITING_FOR_SIGNATURE, R.CANCELING, R.CANCELED],
  // "has 30 days to sign this document or the port-in request will be canceled automatically" (Expired
  // is listed among the PortIn statuses); signing submits it to the losing carrier (In Progress).
  waiting_for_signature: [R.IN_PROGRESS, R.EXPIRED, R.CANCELING, R.CANCELED],
  // "will progress to the next status automatically"; Action Required when "at least one number …
  // has been rejected"; Completed when "all phone numbers … have been successfully ported … or canceled".
  in_progress: [R.ACTION_REQUIRED, R.COMPLETED, R.CANCELING, R.CANCELED],
  // Resolved by canceling the rejected number ("All phone numbers that were not rejected will continue"),
  // back to In Progress, or the whole request is canceled, or everything left ports.
  action_required: [R.IN_PROGRESS, R.COMPLETED, R.CANCELING, R.CANCELED],
  // "in the cancellation process"; Canceled: "All phone numbers in the port-in request have been canceled".
  canceling: [R.CANCELED],
  completed: [],
  canceled: [],
  expired: [],
  unknown: [],
};

/**
 * Port-in phone number: each status and the statuses it documentedly leads to. `checking` and
 * `not_portable` are portflow's own (before any request) and take no Twilio event.
 */
export const NUMBER_TRANSITIONS: Readonly<Record<NumberStatus, readonly NumberStatus[]>> = {
  checking: [],
  not_portable: [],
  // "will progress to the next status automatically"; Canceled "can happen automatically if the number
  // is not portable or it can be done via the API".
  in_review: [N.WAITING_FOR_SIGNATURE, N.CANCELING, N.CANCELED],
  // "will progress to the next status as soon as the LOA is signed" (submitted to the losing carrier);
  // an unsigned LOA cancels the request and its numbers.
  waiting_for_signature: [N.PORT_SUBMITTED, N.CANCELING, N.CANCELED],
  // "submitted to the losing carrier for port approval … will progress to the next status automatically":
  // Port Pending when "accepted by the losing carrier", Port Rejected when "rejected by the losing carrier".
  port_submitted: [N.PORT_PENDING, N.PORT_REJECTED, N.CANCELING, N.CANCELED],
  // "will progress to the next status automatically on the port in date" (Completed); the carrier may
  // still reject it, and it may be canceled via the API.
  port_pending: [N.COMPLETED, N.PORT_REJECTED, N.CANCELING, N.CANCELED],
  // "To resolve the rejection: … Cancel the rejected phone number … Resubmit" (a resubmission is a new
  // request, so in this one the number can only be canceled).
  port_rejected: [N.CANCELING, N.CANCELED],
  // "pending cancellation … This is not a terminal status": it ends Canceled. Where a cancellation that
  // falls through goes is not documented, so only the poll may take a number from here elsewhere.
  canceling: [N.CANCELED],
  completed: [],
  canceled: [],
  unknown: [],
};

/**
 * How a webhook's status relates to the current one along a transition table:
 * - `same`: the status does not change (a repeat, a port date moved);
 * - `forward`: the target is reachable by one or more documented transitions;
 * - `out-of-terminal`: nothing is documented to follow the current status (the terminal ones);
 * - `backwards`: the current status is reachable from the target, never the other way round;
 * - `undocumented`: no documented path joins the two in either direction.
 */
export type MoveKind = 'same' | 'forward' | 'out-of-terminal' | 'backwards' | 'undocumented';

function reachable<S extends string>(table: Readonly<Record<S, readonly S[]>>, from: S, to: S): boolean {
  const seen = new Set<S>([from]);
  const queue: S[] = [from];
  while (queue.length > 0) {
    const at = queue.shift() as S;
    for (const next of table[at] ?? []) {
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

/** Classifies a move of a request from `from` to `to` against {@link REQUEST_TRANSITIONS}. */
export function requestMoveKind(from: PortInRequestStatus, to: PortInRequestStatus): MoveKind {
  return moveKind(REQUEST_TRANSITIONS, from, to);
}

/** Classifies a move of a number from `from` to `to` against {@link NUMBER_TRANSITIONS}. */
export function numberMoveKind(from: NumberStatus, to: NumberStatus): MoveKind {
  return moveKind(NUMBER_TRANSITIONS, from, to);
}

/** Classifies a move from `from` to `to` against `table` (see {@link MoveKind}). */
export function moveKind<S extends string>(table: Readonly<Record<S, readonly S[]>>, from: S, to: S): MoveKind {
  if (from === to) return 'same';
  if (reachable(table, from, to)) return 'forward';
  if ((table[from] ?? []).length === 0) return 'out-of-terminal';
  return reachable(table, to, from) ? 'backwards' : 'undocumented';
}
