import { ApiError, badRequest } from './api-error';
import type { NumberEventName, OutgoingEvent, RequestEventName } from './events';
import type { LosingCarrierInformation, NumberRecord, NumberStatus, PortInRecord, RequestStatus } from './model';
import { provisionIncomingNumber } from './incoming-numbers';
import { emptyCounts } from './model';
import { REJECTION_REASONS } from './scenarios';
import type { Scenario } from './scenarios';
import type { Scheduler } from './scheduler';
import { isoSeconds, newSid } from './sids';
import type { SandboxStore } from './store';

/**
 * The simulated Twilio back office and losing carrier: every status transition of a port-in
 * request and its numbers, the timers that drive them, and the webhook events they raise.
 * Transitions run at a simulated instant (`at`) and are no-ops when the record has moved on,
 * so a late or duplicate timer can never move anything backwards.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Carrier delays, simulated milliseconds. */
export interface Timeline {
  /** Create → Waiting for Signature. */
  reviewMs: number;
  /** Waiting for Signature → LOA auto-signed (In Progress). */
  autoSignMs: number;
  /** Submitted → carrier answer (FOC or rejection). */
  carrierResponseMs: number;
  /** The same for slow-carrier numbers (03xx). */
  slowCarrierResponseMs: number;
  /** Waiting for Signature → Expired when unsigned. */
  expiryMs: number;
  /** Canceling → Canceled. */
  cancelMs: number;
  /**
   * When set, the carrier confirms a port date this long after it answers, instead of the requested
   * target date: rehearsals (and tests) that should not wait for the calendar.
   */
  portDateMs?: number;
  /** Completed → the number is listed in the account's IncomingPhoneNumbers (Twilio takes a moment). */
  provisionMs?: number;
}

export const DEFAULT_TIMELINE: Readonly<Timeline> = {
  reviewMs: HOUR,
  autoSignMs: DAY,
  carrierResponseMs: DAY,
  slowCarrierResponseMs: 10 * DAY,
  expiryMs: 30 * DAY,
  cancelMs: 0,
};

/** Cancellations are refused closer than this to the port date. */
export const CANCEL_CUTOFF_MS = 72 * HOUR;

/** A validated create call, camelCase. */
export interface NewPortIn {
  accountSid: string;
  targetPortInDate: string | null;
  timeRangeStart: string | null;
  timeRangeEnd: string | null;
  notificationEmails: string[];
  losingCarrier: LosingCarrierInformation;
  documents: string[];
  bundleSid: string | null;
  numbers: Array<{ phoneNumber: string; hasPin: boolean; scenario: Scenario }>;
}

export interface CarrierDeps {
  store: SandboxStore;
  scheduler: Scheduler;
  now: () => number;
  timeline: () => Timeline;
  autoSign: () => boolean;
  baseUrl: () => string;
  emit: (event: OutgoingEvent) => void;
}

const TERMINAL_NUMBER: ReadonlySet<NumberStatus> = new Set(['completed', 'canceled']);
const TERMINAL_REQUEST: ReadonlySet<RequestStatus> = new Set(['completed', 'canceled', 'expired']);

export class Carrier {
  constructor(private readonly d: CarrierDeps) {}

  /** Creates the request (In Review) and queues Twilio's review. */
  create(input: NewPortIn): PortInRecord {
    const at = this.d.now();
    const sid = newSid('KW');
    const req: PortInRecord = {
      sid,
      accountSid: input.accountSid,
      createdAt: at,
      status: 'in_review',
      statusUpdatedAt: at,
      targetPortInDate: input.targetPortInDate,
      timeRangeStart: input.timeRangeStart,
      timeRangeEnd: input.timeRangeEnd,
      notificationEmails: input.notificationEmails,
      losingCarrier: input.losingCarrier,
      documents: input.documents,
      bundleSid: input.bundleSid,
      supportTicketId: this.d.store.nextSupportTicketId(),
      signatureRequestUrl: null,
      orderCancellationReason: null,
      waitingSince: null,
      signedAt: null,
      numbers: [],
      numbersBySid: new Map(),
      counts: emptyCounts(),
    };
    for (const n of input.numbers) {
      const rec: NumberRecord = {
        sid: newSid('PU'),
        requestSid: sid,
        phoneNumber: n.phoneNumber,
        scenario: n.scenario,
        hasPin: n.hasPin,
        status: 'in_review',
        createdAt: at,
        updatedAt: at,
        rejectionReason: null,
        rejectionReasonCode: null,
        portDate: null,
        gen: 0,
      };
      req.numbers.push(rec);
      req.numbersBySid.set(rec.sid, rec);
      req.counts.in_review++;
    }
    this.d.store.addRequest(req);
    this.d.scheduler.schedule(at + this.d.timeline().reviewMs, (due) => this.review(req, due));
    return req;
  }

  /** Twilio's review: not-portable numbers are canceled, the LOA goes out for signature. */
  review(req: PortInRecord, at: number): void {
    if (req.status !== 'in_review') return;
    let portable = 0;
    for (const n of req.numbers) {
      if (n.status !== 'in_review') continue;
      if (n.scenario.portable) {
        portable++;
        continue;
      }
      this.setNumber(req, n, 'canceled', at);
      this.numberEvent(req, n, 'PortInPhoneNumberCanceled', at);
    }
    if (portable === 0) {
      if (req.counts.canceling === 0 && req.counts.in_review === 0) {
        req.orderCancellationReason ??= 'None of the phone numbers in the request is portable';
        this.settle(req, at);
      }
      return;
    }
    this.setRequest(req, 'waiting_for_signature', at);
    req.waitingSince = at;
    req.signatureRequestUrl = `${this.d.baseUrl()}/_sandbox/port-ins/${req.sid}/loa`;
    this.requestEvent(req, 'PortInWaitingForSignature', at);
    for (const n of req.numbers) {
      if (n.status !== 'in_review') continue;
      this.setNumber(req, n, 'waiting_for_signature', at);
      this.numberEvent(req, n, 'PortInPhoneNumberWaitingForSignature', at);
    }
    const t = this.d.timeline();
    this.d.scheduler.schedule(at + t.expiryMs, (due) => this.expire(req, due));
    const neverSigns = req.numbers.some((n) => n.scenario.loaNeverSigned);
    if (this.d.autoSign() && !neverSigns) {
      this.d.scheduler.schedule(at + t.autoSignMs, (due) => {
        if (req.status === 'waiting_for_signature') this.sign(req, due);
      });
    }
  }

  /** The authorized representative signs the LOA: submit every waiting number to the carrier. */
  sign(req: PortInRecord, at: number = this.d.now()): void {
    if (req.status !== 'waiting_for_signature') {
      throw new ApiError(
        409,
        409,
        `Port-in request ${req.sid} is ${req.status}; only a request that is waiting_for_signature can be signed`
      );
    }
    req.signedAt = at;
    this.setRequest(req, 'in_progress', at);
    this.requestEvent(req, 'PortInInProgress', at);
    const t = this.d.timeline();
    for (const n of req.numbers) {
      if (n.status !== 'waiting_for_signature') continue;
      this.setNumber(req, n, 'port_submitted', at);
      this.numberEvent(req, n, 'PortInPhoneNumberSubmitted', at);
      const gen = n.gen;
      const delay = n.scenario.slowCarrier ? t.slowCarrierResponseMs : t.carrierResponseMs;
      this.d.scheduler.schedule(at + delay, (due) => {
        if (n.gen === gen) this.carrierAnswer(req, n, due);
      });
    }
  }

  /** The losing carrier answers a submitted number: FOC, or a rejection for 015x on first try. */
  carrierAnswer(req: PortInRecord, n: NumberRecord, at: number): void {
    if (n.status !== 'port_submitted') return;
    const code = n.scenario.rejectionCode;
    if (code != null && !this.d.store.rejectedOnce.has(`${req.accountSid}|${n.phoneNumber}`)) {
      this.reject(req, n, code, at);
    } else {
      this.confirm(req, n, this.portDateFor(req, at), at);
    }
  }

  /** Carrier rejection: the number is Port Rejected and the request needs action. */
  reject(req: PortInRecord, n: NumberRecord, code: number, at: number = this.d.now()): void {
    if (n.status !== 'port_submitted' && n.status !== 'port_pending') {
      throw new ApiError(
        409,
        409,
        `Phone number ${n.phoneNumber} (${n.sid}) is ${n.status}; the carrier can only reject a port_submitted or port_pending number`
      );
    }
    n.rejectionReasonCode = code;
    n.rejectionReason = REJECTION_REASONS[code] ?? 'Rejected by the losing carrier';
    n.portDate = null;
    this.d.store.rejectedOnce.add(`${req.accountSid}|${n.phoneNumber}`);
    this.setNumber(req, n, 'port_rejected', at);
    this.numberEvent(req, n, 'PortInPhoneNumberRejected', at);
    if (req.status === 'in_progress') {
      this.setRequest(req, 'action_required', at);
      this.requestEvent(req, 'PortInActionRequired', at);
    }
  }

  /** FOC: the carrier accepts the port for `portDate`; the number completes then. */
  confirm(req: PortInRecord, n: NumberRecord, portDate: number, at: number = this.d.now()): void {
    if (n.status !== 'port_submitted') {
      throw new ApiError(
        409,
        409,
        `Phone number ${n.phoneNumber} (${n.sid}) is ${n.status}; only a port_submitted number can be confirmed`
      );
    }
    n.portDate = portDate;
    this.setNumber(req, n, 'port_pending', at);
    this.numberEvent(req, n, 'PortInPhoneNumberPending', at);
    const gen = n.gen;
    this.d.scheduler.schedule(Math.max(portDate, at), (due) => {
      if (n.gen === gen) this.complete(req, n, due);
    });
  }

  /** The port happens: the number is Completed and belongs to the account. */
  complete(req: PortInRecord, n: NumberRecord, at: number = this.d.now()): void {
    if (n.status !== 'port_pending' && n.status !== 'port_submitted') {
      throw new ApiError(
        409,
        409,
        `Phone number ${n.phoneNumber} (${n.sid}) is ${n.status}; only a port_submitted or port_pending number can complete`
      );
    }
    n.portDate ??= at;
    this.setNumber(req, n, 'completed', at);
    this.d.store.ported.set(n.phoneNumber, req.accountSid);
    provisionIncomingNumber(this.d.store, {
      accountSid: req.accountSid,
      phoneNumber: n.phoneNumber,
      numberType: n.scenario.numberType,
      at,
      delayMs: this.d.timeline().provisionMs ?? 0,
    });
    this.numberEvent(req, n, 'PortInPhoneNumberCompleted', at);
    this.settle(req, at);
  }

  /** 30 days unsigned: the request expires and its numbers are canceled. */
  expire(req: PortInRecord, at: number): void {
    if (req.status !== 'waiting_for_signature') return;
    req.orderCancellationReason = 'The letter of authorization was not signed within 30 days';
    this.setRequest(req, 'expired', at);
    this.requestEvent(req, 'PortInExpired', at);
    for (const n of req.numbers) {
      if (TERMINAL_NUMBER.has(n.status)) continue;
      this.setNumber(req, n, 'canceled', at);
      this.numberEvent(req, n, 'PortInPhoneNumberCanceled', at);
    }
  }

  /** DELETE of a request: Canceling now, Canceled after `cancelMs`. Idempotent while canceling. */
  cancelRequest(req: PortInRecord): void {
    const at = this.d.now();
    if (req.status === 'canceled' || req.status === 'canceling') return;
    if (TERMINAL_REQUEST.has(req.status)) {
      throw badRequest(`Port-in request ${req.sid} is ${titleOf(req.status)} and can no longer be canceled`);
    }
    const late = req.numbers.filter((n) => this.withinCutoff(req, n, at));
    if (late.length > 0) throw this.cutoffError(`port-in request ${req.sid}`, req, late, at);
    req.orderCancellationReason = 'Canceled by the customer through the API';
    this.setRequest(req, 'canceling', at);
    const canceling: NumberRecord[] = [];
    for (const n of req.numbers) {
      if (TERMINAL_NUMBER.has(n.status) || n.status === 'canceling') continue;
      this.setNumber(req, n, 'canceling', at);
      canceling.push(n);
    }
    const gens = canceling.map((n) => n.gen);
    this.d.scheduler.schedule(at + this.d.timeline().cancelMs, (due) => {
      canceling.forEach((n, i) => {
        if (n.gen === gens[i]) this.finishCancel(req, n, due, false);
      });
      this.settle(req, due);
    });
  }

  /** DELETE of one number: Canceling now, Canceled after `cancelMs`. Idempotent while canceling. */
  cancelNumber(req: PortInRecord, n: NumberRecord): void {
    const at = this.d.now();
    if (n.status === 'canceled' || n.status === 'canceling') return;
    if (n.status === 'completed') {
      throw badRequest(
        `Phone number ${n.phoneNumber} (${n.sid}) has already been ported and can no longer be canceled`
      );
    }
    if (this.withinCutoff(req, n, at)) throw this.cutoffError(`phone number ${n.phoneNumber}`, req, [n], at);
    this.setNumber(req, n, 'canceling', at);
    const gen = n.gen;
    this.d.scheduler.schedule(at + this.d.timeline().cancelMs, (due) => {
      if (n.gen === gen) this.finishCancel(req, n, due, true);
    });
  }

  private finishCancel(req: PortInRecord, n: NumberRecord, at: number, settle: boolean): void {
    this.setNumber(req, n, 'canceled', at);
    this.numberEvent(req, n, 'PortInPhoneNumberCanceled', at);
    if (settle) this.settle(req, at);
  }

  /**
   * Request-level consequences of number changes: all numbers done → Completed (or Canceled when
   * none was ported); no rejected number left → back to In Progress.
   */
  private settle(req: PortInRecord, at: number): void {
    if (req.status === 'expired' || req.status === 'completed' || req.status === 'canceled') return;
    const c = req.counts;
    if (c.completed + c.canceled === req.numbers.length) {
      if (c.completed === 0) {
        req.orderCancellationReason ??= 'All phone numbers in the request were canceled';
        this.setRequest(req, 'canceled', at);
        this.requestEvent(req, 'PortInCanceled', at);
      } else {
        this.setRequest(req, 'completed', at);
        this.requestEvent(req, 'PortInCompleted', at);
      }
      return;
    }
    if (req.status === 'action_required' && c.port_rejected === 0) {
      this.setRequest(req, 'in_progress', at);
      this.requestEvent(req, 'PortInInProgress', at);
    }
  }

  /** The instant a number is expected to port: its FOC date, else the requested target. */
  portDateFor(req: PortInRecord, focAt: number): number {
    const fixed = this.d.timeline().portDateMs;
    if (fixed != null) return focAt + fixed;
    const target = targetInstant(req) ?? earliestTarget(req.createdAt);
    // A carrier that answers after the requested date moves the port to the next day.
    return target > focAt ? target : focAt + DAY;
  }

  /** Is a cancellation of this number refused by the 72-hour rule right now? */
  withinCutoff(req: PortInRecord, n: NumberRecord, at: number): boolean {
    // Before submission there is nothing to call back at the carrier; a rejected number may always be dropped.
    if (n.status !== 'port_submitted' && n.status !== 'port_pending') return false;
    const date = n.portDate ?? targetInstant(req);
    if (date == null || date <= at) return false;
    return date - at < CANCEL_CUTOFF_MS;
  }

  private cutoffError(what: string, req: PortInRecord, late: NumberRecord[], at: number): ApiError {
    const first = late[0] as NumberRecord;
    const date = (first.portDate ?? targetInstant(req)) as number;
    const more = late.length > 1 ? ` (and ${late.length - 1} more number(s))` : '';
    return badRequest(
      `Cannot cancel ${what}: ${first.phoneNumber}${more} ports at ${isoSeconds(date)}, less than 72 hours from now ` +
        `(${isoSeconds(at)}). Twilio only accepts cancellations more than 72 hours before the port date; ` +
        `the cutoff was ${isoSeconds(date - CANCEL_CUTOFF_MS)}.`
    );
  }

  private setRequest(req: PortInRecord, status: RequestStatus, at: number): void {
    req.status = status;
    req.statusUpdatedAt = at;
  }

  private setNumber(req: PortInRecord, n: NumberRecord, status: NumberStatus, at: number): void {
    req.counts[n.status]--;
    req.counts[status]++;
    n.status = status;
    n.updatedAt = at;
    n.gen++;
    const store = this.d.store;
    if ((status === 'port_rejected' || TERMINAL_NUMBER.has(status)) && store.activeByPhone.get(n.phoneNumber) === n) {
      store.activeByPhone.delete(n.phoneNumber);
    }
  }

  private requestEvent(req: PortInRecord, status: RequestEventName, at: number): void {
    this.d.emit({
      accountSid: req.accountSid,
      payload: {
        port_in_request_sid: req.sid,
        status,
        last_date_updated: isoSeconds(at),
        order_cancellation_reason: req.orderCancellationReason,
      },
    });
  }

  private numberEvent(req: PortInRecord, n: NumberRecord, status: NumberEventName, at: number): void {
    this.d.emit({
      accountSid: req.accountSid,
      payload: {
        port_in_request_sid: req.sid,
        port_in_phone_number_sid: n.sid,
        phone_number: n.phoneNumber,
        status,
        last_date_updated: isoSeconds(at),
        portable: n.scenario.portable,
        not_portable_reason: n.scenario.notPortableReason,
        not_portable_reason_code: n.scenario.notPortableReasonCode,
        rejection_reason: n.rejectionReason,
        rejection_reason_code: n.rejectionReasonCode,
        port_date: n.portDate == null ? null : isoSeconds(n.portDate),
      },
    });
  }
}

/** The requested port instant: target date at the start of the time range (UTC midnight without one). */
export function targetInstant(req: Pick<PortInRecord, 'targetPortInDate' | 'timeRangeStart'>): number | null {
  if (!req.targetPortInDate) return null;
  const time = req.timeRangeStart ? withSeconds(req.timeRangeStart) : '00:00:00Z';
  const ms = Date.parse(`${req.targetPortInDate}T${time}`);
  return Number.isNaN(ms) ? null : ms;
}

/** Without a target date the carrier ports on the earliest date a customer could have asked for. */
function earliestTarget(createdAt: number): number {
  return Date.parse(`${new Date(createdAt + 7 * DAY).toISOString().slice(0, 10)}T00:00:00Z`);
}

/** `10:15-08:00` → `10:15:00-08:00`, so Date.parse reads it. */
function withSeconds(time: string): string {
  return /^\d{2}:\d{2}(?=[Z+-])/.test(time) && !/^\d{2}:\d{2}:\d{2}/.test(time)
    ? `${time.slice(0, 5)}:00${time.slice(5)}`
    : time;
}

const TITLES: Record<string, string> = {
  in_review: 'In Review',
  waiting_for_signature: 'Waiting for Signature',
  in_progress: 'In Progress',
  action_required: 'Action Required',
  completed: 'Completed',
  canceling: 'Canceling',
  canceled: 'Canceled',
  expired: 'Expired',
  port_submitted: 'Port Submitted',
  port_pending: 'Port Pending',
  port_rejected: 'Port Rejected',
};

/** Title Case of a canonical status, the porting overview's spelling. */
export function titleOf(status: RequestStatus | NumberStatus): string {
  return TITLES[status] ?? status;
}
