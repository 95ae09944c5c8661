/**
 * portInWorkflow: one execution per port-in order, from the portability check to the last number
 * completed or canceled. Webhooks (signals) are hints and the API (the reconciliation poll) is the
 * truth; both go through the one reducer in ./state.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PortabilityVerdict } from '../activities';
import type { LosingCarrierInput, PortInOrder } from '../order';
import {
  PortInCustomer,
  PortInNumbersPending,
  PortInRequestSids,
  PortInStatus,
  PortInTargetDate,
} from '../search-attributes';
import { PhoneNumberStatus, PortInRequestStatus } from '../twilio/porting-event';
import type { PortingEvent } from '../twilio/porting-event';
import type { CreatePortInRequest } from '../twilio/schemas/port-in';
import { creation, portability, quick } from './activity-options';
import { parseDuration } from './duration';
import { recordNumberChanges, recordOrderOutcome } from './metrics';
import {
  cancelPhoneNumbersUpdate,
  cancelPortInUpdate,
  portInStatusQuery,
  portingEventSignal,
  resubmitRejectedUpdate,
} from './messages';
import type {
  CancelPhoneNumbersInput,
  CancelPhoneNumbersResult,
  CancelPortInResult,
  PortInResult,
  PortInStatusView,
  PortInWorkflowInput,
  ResubmitRejectedInput,
  ResubmitRejectedResult,
} from './messages';
import {
  activeNumbers,
  allNumbersSettled,
  applyEvent,
  cancelCutoffOf,
  expireRequest,
  finalPhase,
  initialState,
  resumedState,
  isNumberTerminal,
  labelOfNumberStatus,
  loaExpiryOf,
  note,
  orderCancelCutoff,
  orderStatus,
  pendingCount,
  recordPortability,
  recordRequest,
  rejectedNumbers,
  setPhase,
  terminalRequestStatuses,
} from './state';
import type { NumberState, PortInState } from './state';

export const MAX_NUMBERS_PER_REQUEST = 1000;
const DEFAULTS = {
  reconcileInterval: '6 hours',
  loaExpiry: '30 days',
  portabilityBatchSize: 250,
  portabilityConcurrency: 20,
  continueAsNewAfterEvents: 8000,
  continueAsNewAfterSignals: 5000,
} as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** A small FIFO lock: update handlers that call activities run one at a time. */
class Lock {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined
    );
    return result;
  }
}

export async function portInWorkflow(input: PortInWorkflowInput): Promise<PortInResult> {
  let order: PortInOrder = input.order;
  const opts = { ...DEFAULTS, ...order.options };
  const reconcileMs = parseDuration(opts.reconcileInterval);
  const loaExpiryMs = parseDuration(opts.loaExpiry);
  const autoCancelMs = order.options?.autoCancelRejectedAfter
    ? parseDuration(order.options.autoCancelRejectedAfter)
    : null;

  const now = () => Date.now();
  let state: PortInState = input.resume
    ? resumedState(input.resume)
    : initialState({
        orderId: order.orderId,
        customerRef: order.customerRef,
        phoneNumbers: order.phoneNumbers.map((n) => n.phoneNumber),
        targetPortInDate: order.targetPortInDate,
        targetPortInTimeRangeStart: order.targetPortInTimeRangeStart ?? null,
      });
  let signalsThisRun = 0;
  let dirty = false;
  let nextReconcileAt = now() + reconcileMs;
  const lock = new Lock();

  const apply = (event: PortingEvent) => {
    const result = applyEvent(state, event, iso(now()));
    recordNumberChanges(state, result.state);
    state = result.state;
    if (result.outcome === 'applied' || result.outcome === 'unknown-status') dirty = true;
    return result.outcome;
  };

  // ----- messages (registered before the first await) ----------------------------------------

  setHandler(portingEventSignal, (event) => {
    signalsThisRun++;
    apply(event);
  });

  setHandler(portInStatusQuery, () => statusView(state, { loaExpiryMs, autoCancelMs, nextReconcileAt }));

  setHandler(
    cancelPortInUpdate,
    (request) =>
      lock.run(async (): Promise<CancelPortInResult> => {
        // Re-checked inside the lock: an earlier update may have changed things since validation.
        assertCancelable(state, activeNumbers(state), now());
        const open = openRequests();
        for (const r of open) {
          await quick.cancelPortInRequest({ portInRequestSid: r.sid });
          apply(cancelingRequestEvent(r.sid));
          for (const phoneNumber of r.phoneNumbers) {
            const n = state.numbers[phoneNumber];
            if (n && n.requestSid === r.sid && !isNumberTerminal(n)) apply(cancelingNumberEvent(n));
          }
        }
        state = note(state, {
          at: iso(now()),
          kind: 'operator',
          message: `Cancel requested for the whole order${request.reason ? `: ${request.reason}` : ''}`,
        });
        dirty = true;
        return {
          canceledRequestSids: open.map((r) => r.sid),
          canceledNumbers: open.flatMap((r) => r.phoneNumbers),
        };
      }),
    {
      validator: (_request) => {
        if (state.phase !== 'porting') {
          throw ApplicationFailure.nonRetryable(
            `The order cannot be canceled while it is ${orderStatus(state)}; only an order with open requests can.`,
            'InvalidState'
          );
        }
        assertCancelable(state, activeNumbers(state), now());
      },
    }
  );

  setHandler(
    cancelPhoneNumbersUpdate,
    (request) =>
      lock.run(async (): Promise<CancelPhoneNumbersResult> => {
        const numbers = resolveNumbers(state, request);
        assertCancelable(state, numbers, now());
        await cancelNumbers(numbers);
        state = note(state, {
          at: iso(now()),
          kind: 'operator',
          message: `Cancel requested for ${numbers.length} number(s)${request.reason ? `: ${request.reason}` : ''}`,
        });
        return { canceledNumbers: numbers.map((n) => n.phoneNumber) };
      }),
    {
      validator: (request) => {
        const numbers = resolveNumbers(state, request);
        assertCancelable(state, numbers, now());
      },
    }
  );

  setHandler(resubmitRejectedUpdate, (request) => lock.run(() => resubmit(request)), {
    validator: (request) => void resolveRejected(state, request),
  });

  async function cancelNumbers(numbers: NumberState[]): Promise<void> {
    const byRequest = new Map<string, NumberState[]>();
    for (const n of numbers) {
      if (!n.requestSid) continue;
      byRequest.set(n.requestSid, [...(byRequest.get(n.requestSid) ?? []), n]);
    }
    for (const [portInRequestSid, group] of byRequest) {
      await quick.cancelPortInPhoneNumbers({
        portInRequestSid,
        phoneNumberSids: group.flatMap((n) => (n.phoneNumberSid ? [n.phoneNumberSid] : [])),
      });
      for (const n of group) apply(cancelingNumberEvent(state.numbers[n.phoneNumber]!));
    }
  }

  async function resubmit(request: ResubmitRejectedInput): Promise<ResubmitRejectedResult> {
    const rejected = resolveRejected(state, request);
    const oldRequests = [...new Set(rejected.map((n) => n.requestSid!))];
    // Cancel the rejected numbers where they were, then file them again with the corrected data.
    for (const portInRequestSid of oldRequests) {
      await quick.cancelPortInPhoneNumbers({
        portInRequestSid,
        phoneNumberSids: rejected
          .filter((n) => n.requestSid === portInRequestSid)
          .flatMap((n) => n.phoneNumberSid ?? []),
      });
    }
    order = { ...order, losingCarrierInformation: request.losingCarrierInformation };
    const pins = new Map(order.phoneNumbers.map((n) => [n.phoneNumber, n.pin]));
    for (const [phoneNumber, pin] of Object.entries(request.pins ?? {})) pins.set(phoneNumber, pin);
    const created = await createRequest(
      rejected.map((n) => ({ phoneNumber: n.phoneNumber, pin: pins.get(n.phoneNumber) })),
      { losingCarrierInformation: request.losingCarrierInformation, targetPortInDate: resubmitTargetDate(request) },
      oldRequests
    );
    return {
      newRequestSid: created,
      resubmittedNumbers: rejected.map((n) => n.phoneNumber),
      canceledInRequests: oldRequests,
    };
  }

  function resubmitTargetDate(request: ResubmitRejectedInput): string {
    if (request.targetPortInDate) return request.targetPortInDate;
    const earliest = now() + 8 * 24 * 3600 * 1000;
    return Date.parse(`${order.targetPortInDate}T00:00:00Z`) >= earliest
      ? order.targetPortInDate
      : iso(earliest).slice(0, 10);
  }

  async function createRequest(
    numbers: Array<{ phoneNumber: string; pin?: string }>,
    overrides: { losingCarrierInformation?: LosingCarrierInput; targetPortInDate?: string },
    resubmissionOf: string[],
    knownVerdicts: PortabilityVerdict[] = []
  ): Promise<string> {
    const request: CreatePortInRequest = {
      ...(order.accountSid ? { accountSid: order.accountSid } : {}),
      targetPortInDate: overrides.targetPortInDate ?? order.targetPortInDate,
      ...(order.targetPortInTimeRangeStart ? { targetPortInTimeRangeStart: order.targetPortInTimeRangeStart } : {}),
      ...(order.targetPortInTimeRangeEnd ? { targetPortInTimeRangeEnd: order.targetPortInTimeRangeEnd } : {}),
      ...(order.notificationEmails?.length ? { notificationEmails: order.notificationEmails } : {}),
      losingCarrierInformation: overrides.losingCarrierInformation ?? order.losingCarrierInformation,
      phoneNumbers: numbers.map((n) =>
        n.pin ? { phoneNumber: n.phoneNumber, pin: n.pin } : { phoneNumber: n.phoneNumber }
      ),
      documents: state.documentSids,
    };
    const wanted = new Set(numbers.map((n) => n.phoneNumber));
    const created = await creation.createPortInRequest({
      request,
      intentAt: iso(now()),
      portability: knownVerdicts.filter((v) => wanted.has(v.phoneNumber)),
    });
    const beforeRequest = state;
    state = recordRequest(
      state,
      { sid: created.portInRequestSid, numbers: created.numbers, resubmissionOf, found: created.found },
      iso(now())
    );
    recordNumberChanges(beforeRequest, state);
    for (const event of created.events) apply(event);
    publish();
    return created.portInRequestSid;
  }

  // ----- search attributes --------------------------------------------------------------------

  let published = { status: '', pending: -1, sids: '' };
  function publish(): void {
    const status = orderStatus(state);
    const pending = pendingCount(state);
    const sids = Object.keys(state.requests);
    if (status === published.status && pending === published.pending && sids.join(',') === published.sids) return;
    upsertSearchAttributes([
      { key: PortInStatus, value: status },
      { key: PortInNumbersPending, value: pending },
      ...(sids.join(',') !== published.sids ? [{ key: PortInRequestSids, value: sids }] : []),
    ]);
    published = { status, pending, sids: sids.join(',') };
  }

  if (!input.resume) {
    upsertSearchAttributes([
      { key: PortInCustomer, value: order.customerRef },
      { key: PortInTargetDate, value: new Date(`${order.targetPortInDate}T00:00:00Z`) },
    ]);
  } else {
    published = {
      status: orderStatus(state),
      pending: pendingCount(state),
      sids: Object.keys(state.requests).join(','),
    };
  }
  publish();

  try {
    return await runSteps();
  } catch (err) {
    if (isCancellation(err)) await cancelAtTwilio();
    throw err;
  }

  /** Steps 1 to 9, in order; a resumed run (continue-as-new) skips what its state says is done. */
  async function runSteps(): Promise<PortInResult> {
    // ----- step 1: portability ------------------------------------------------------------------

    let verdicts: PortabilityVerdict[] = [];
    if (state.phase === 'checking_portability') {
      verdicts = await checkAllPortability(order, opts.portabilityBatchSize, opts.portabilityConcurrency);
      const beforePortability = state;
      state = recordPortability(
        state,
        verdicts.map((v) => ({ phoneNumber: v.phoneNumber, portable: v.portable, code: v.code, reason: v.reason })),
        iso(now())
      );
      recordNumberChanges(beforePortability, state);
      const pins = new Map(order.phoneNumbers.map((n) => [n.phoneNumber, n.pin]));
      const missingPin = verdicts.filter(
        (v) =>
          v.portable &&
          v.pinAndAccountNumberRequired &&
          (!pins.get(v.phoneNumber) || !order.losingCarrierInformation.accountNumber)
      );
      if (missingPin.length > 0) {
        const numbers = missingPin.map((v) => v.phoneNumber).join(', ');
        const message =
          `The losing carrier requires a PIN and an account number for ${numbers}, and the order lacks ` +
          `${order.losingCarrierInformation.accountNumber ? 'their PINs' : 'the account number or PINs'}. ` +
          'Nothing was created; start the order again with them.';
        state = {
          ...setPhase(state, 'failed', iso(now()), message),
          failure: { type: 'PinAndAccountNumberRequired', message },
        };
        publish();
        recordOrderOutcome('failed');
        throw ApplicationFailure.nonRetryable(message, 'PinAndAccountNumberRequired', {
          phoneNumbers: missingPin.map((v) => v.phoneNumber),
        });
      }
      if (!verdicts.some((v) => v.portable)) {
        state = setPhase(state, 'canceled', iso(now()), 'No number of the order is portable; nothing was created');
        publish();
        return result(state);
      }
      state = setPhase(state, 'uploading_bill', iso(now()), 'Portability checked');
      publish();
    }

    // ----- step 2: the utility bill ---------------------------------------------------------------

    if (state.phase === 'uploading_bill') {
      const bill = order.utilityBill;
      const documentSid =
        'documentSid' in bill
          ? bill.documentSid
          : await quick.uploadUtilityBill({
              path: bill.path,
              friendlyName: bill.friendlyName ?? `Utility bill for ${order.orderId}`,
              mimeType: bill.mimeType,
            });
      state = setPhase(
        { ...state, documentSids: [documentSid] },
        'creating_requests',
        iso(now()),
        'Utility bill ready'
      );
      publish();
    }

    // ----- step 3: the request(s), exactly once -------------------------------------------------

    if (state.phase === 'creating_requests') {
      const portable = order.phoneNumbers.filter((n) => state.numbers[n.phoneNumber]?.status === 'checking');
      for (let i = 0; i < portable.length; i += MAX_NUMBERS_PER_REQUEST) {
        await createRequest(portable.slice(i, i + MAX_NUMBERS_PER_REQUEST), {}, [], verdicts);
      }
      state = setPhase(
        state,
        'porting',
        iso(now()),
        `Waiting for the losing carrier (${Object.keys(state.requests).length} request(s))`
      );
      publish();
    }

    // ----- steps 4–9: follow the carrier until every number has ended ----------------------------

    while (state.phase === 'porting' && !allNumbersSettled(state)) {
      if (shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        state = { ...state, counters: { ...state.counters, runs: state.counters.runs + 1 } };
        log.info('Continuing as new', { orderId: order.orderId, historyLength: workflowInfo().historyLength });
        await continueAsNew<typeof portInWorkflow>({ order, resume: state });
      }
      const wakeAt = nextWakeAt();
      dirty = false;
      await condition(() => dirty || allNumbersSettled(state) || shouldContinueAsNew(), Math.max(1, wakeAt - now()));
      await lock.run(async () => {
        if (now() >= nextReconcileAt) await reconcile();
        await expireUnsignedRequests();
        await applyAutoCancelPolicy();
      });
      publish();
    }

    if (state.phase === 'porting') {
      state = setPhase(state, finalPhase(state), iso(now()), `Order ${finalPhase(state)}`);
    }
    publish();
    await condition(allHandlersFinished);
    return result(state);
  }

  // ----- helpers that need the workflow's scope -----------------------------------------------

  /**
   * The workflow itself was canceled (the UI's "Request Cancellation", `handle.cancel()`): the
   * operator means the port-in, so cancel its open requests at Twilio too before ending as canceled.
   * Runs outside the canceled scope; a request Twilio refuses to cancel (72-hour rule) is noted.
   */
  async function cancelAtTwilio(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const open = openRequests();
      for (const r of open) {
        try {
          await quick.cancelPortInRequest({ portInRequestSid: r.sid });
          apply(cancelingRequestEvent(r.sid));
        } catch (err) {
          state = note(state, {
            at: iso(now()),
            kind: 'operator',
            message: `Could not cancel the request at Twilio: ${err instanceof Error ? err.message : String(err)}`,
            requestSid: r.sid,
          });
        }
      }
      state = setPhase(
        state,
        'canceled',
        iso(now()),
        `Workflow canceled by an operator; ${open.length} open request(s) canceled at Twilio`
      );
      publish();
    });
  }

  function openRequests() {
    return Object.values(state.requests).filter((r) => !terminalRequestStatuses.has(r.status));
  }

  function shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength >= opts.continueAsNewAfterEvents ||
      signalsThisRun >= opts.continueAsNewAfterSignals
    );
  }

  function nextWakeAt(): number {
    const candidates = [nextReconcileAt];
    for (const r of Object.values(state.requests)) {
      const expiry = loaExpiryOf(r, loaExpiryMs);
      if (expiry != null) candidates.push(expiry);
    }
    const autoCancelAt = nextAutoCancelAt();
    if (autoCancelAt != null) candidates.push(autoCancelAt);
    return Math.min(...candidates);
  }

  function nextAutoCancelAt(): number | null {
    if (autoCancelMs == null) return null;
    const times = rejectedNumbers(state).flatMap((n) =>
      n.rejection ? [Date.parse(n.rejection.at) + autoCancelMs] : []
    );
    return times.length ? Math.min(...times) : null;
  }

  async function reconcile(): Promise<void> {
    nextReconcileAt = now() + reconcileMs;
    for (const r of Object.values(state.requests)) {
      if (
        terminalRequestStatuses.has(r.status) &&
        r.phoneNumbers.every((p) => state.numbers[p]?.requestSid !== r.sid || isNumberTerminal(state.numbers[p]!))
      )
        continue;
      for (const event of await quick.fetchPortInRequest({ portInRequestSid: r.sid })) apply(event);
    }
  }

  async function expireUnsignedRequests(): Promise<void> {
    for (const r of Object.values(state.requests)) {
      const expiry = loaExpiryOf(r, loaExpiryMs);
      if (expiry == null || now() < expiry) continue;
      // The signature may have arrived without a webhook: ask Twilio before giving up on it.
      for (const event of await quick.fetchPortInRequest({ portInRequestSid: r.sid })) apply(event);
      if (state.requests[r.sid]?.status === PortInRequestStatus.WAITING_FOR_SIGNATURE) {
        const beforeExpiry = state;
        state = expireRequest(state, r.sid, iso(now()));
        recordNumberChanges(beforeExpiry, state);
        state = note(state, {
          at: iso(now()),
          kind: 'loa-expired',
          message: `LOA not signed within ${opts.loaExpiry}: the request expired (Twilio cancels it)`,
          requestSid: r.sid,
        });
        dirty = true;
      }
    }
  }

  async function applyAutoCancelPolicy(): Promise<void> {
    if (autoCancelMs == null) return;
    const due = rejectedNumbers(state).filter((n) => n.rejection && Date.parse(n.rejection.at) + autoCancelMs <= now());
    if (due.length === 0) return;
    const cancelable = due.filter((n) => now() < cancelCutoffOf(state, n));
    if (cancelable.length > 0) await cancelNumbers(cancelable);
    state = note(state, {
      at: iso(now()),
      kind: 'policy',
      message: `Auto-cancel policy: canceled ${cancelable.length} number(s) rejected for over ${order.options?.autoCancelRejectedAfter}`,
    });
  }

  async function checkAllPortability(
    o: PortInOrder,
    batchSize: number,
    concurrency: number
  ): Promise<PortabilityVerdict[]> {
    const numbers = o.phoneNumbers.map((n) => n.phoneNumber);
    const batches: string[][] = [];
    for (let i = 0; i < numbers.length; i += batchSize) batches.push(numbers.slice(i, i + batchSize));
    // At most `concurrency` calls in flight across the order: split it between parallel batches.
    const parallel = Math.max(1, Math.min(batches.length, Math.ceil(concurrency / 10)));
    const perBatch = Math.max(1, Math.floor(concurrency / parallel));
    const out: PortabilityVerdict[] = [];
    for (let i = 0; i < batches.length; i += parallel) {
      const results = await Promise.all(
        batches.slice(i, i + parallel).map((phoneNumbers) =>
          portability.checkPortability({
            phoneNumbers,
            concurrency: perBatch,
            ...(o.accountSid ? { targetAccountSid: o.accountSid } : {}),
          })
        )
      );
      out.push(...results.flat());
    }
    return out;
  }
}

// ----- pure helpers ---------------------------------------------------------------------------

/** What the workflow records once Twilio accepted a cancellation of a request (Twilio then confirms it). */
function cancelingRequestEvent(sid: string): PortingEvent {
  return {
    source: 'operator',
    eventName: null,
    level: 'request',
    portInRequestSid: sid,
    status: PortInRequestStatus.CANCELING,
    rawStatus: 'Canceling',
  };
}

/** The same for one number. */
function cancelingNumberEvent(n: NumberState): PortingEvent {
  return {
    source: 'operator',
    eventName: null,
    level: 'number',
    portInRequestSid: n.requestSid!,
    phoneNumber: n.phoneNumber,
    phoneNumberSid: n.phoneNumberSid,
    status: PhoneNumberStatus.CANCELING,
    rawStatus: 'Canceling',
  };
}

function resolveNumbers(state: PortInState, request: CancelPhoneNumbersInput): NumberState[] {
  if (!Array.isArray(request?.phoneNumbers) || request.phoneNumbers.length === 0) {
    throw ApplicationFailure.nonRetryable(
      'phoneNumbers: give at least one E.164 number of this order to cancel.',
      'InvalidArgument'
    );
  }
  const unknown = request.phoneNumbers.filter((p) => !state.numbers[p]);
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in order ${state.orderId}.`,
      'UnknownPhoneNumber'
    );
  }
  const numbers = request.phoneNumbers.map((p) => state.numbers[p]!);
  const ended = numbers.filter((n) => isNumberTerminal(n) || n.status === PhoneNumberStatus.CANCELING);
  if (ended.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${ended.map((n) => `${n.phoneNumber} (${labelOfNumberStatus(n.status)})`).join(', ')} cannot be canceled any more.`,
      'InvalidState'
    );
  }
  const unfiled = numbers.filter((n) => !n.requestSid);
  if (unfiled.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${unfiled.map((n) => n.phoneNumber).join(', ')} ${unfiled.length === 1 ? 'has' : 'have'} no request yet; cancel the whole order instead.`,
      'InvalidState'
    );
  }
  return numbers;
}

/** Refuses once any of `numbers` is within 72 hours of its port date (or of the target date). */
function assertCancelable(state: PortInState, numbers: NumberState[], nowMs: number): void {
  const late = numbers.filter((n) => nowMs >= cancelCutoffOf(state, n));
  if (late.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `Too late to cancel ${late.map((n) => n.phoneNumber).join(', ')}: Twilio accepts cancellations only more than ` +
        `72 hours before the port date (cutoff ${late.map((n) => iso(cancelCutoffOf(state, n))).join(', ')}).`,
      'CancelCutoffPassed'
    );
  }
}

function resolveRejected(state: PortInState, request: ResubmitRejectedInput): NumberState[] {
  const lci = request?.losingCarrierInformation;
  if (!lci || typeof lci !== 'object') {
    throw ApplicationFailure.nonRetryable(
      'losingCarrierInformation: the corrected losing-carrier data is required.',
      'InvalidArgument'
    );
  }
  const missing = (
    ['customerType', 'customerName', 'authorizedRepresentative', 'authorizedRepresentativeEmail'] as const
  ).filter((k) => !lci[k]);
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `losingCarrierInformation: missing ${missing.join(', ')}.`,
      'InvalidArgument'
    );
  }
  if (!lci.address === !lci.addressSid) {
    throw ApplicationFailure.nonRetryable(
      'losingCarrierInformation: give exactly one of address and addressSid.',
      'InvalidArgument'
    );
  }
  const rejected = rejectedNumbers(state);
  if (rejected.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `Nothing to resubmit: order ${state.orderId} has no rejected number (it is ${orderStatus(state)}).`,
      'InvalidState'
    );
  }
  if (!request.phoneNumbers) return rejected;
  const byNumber = new Map(rejected.map((n) => [n.phoneNumber, n]));
  const notRejected = request.phoneNumbers.filter((p) => !byNumber.has(p));
  if (notRejected.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${notRejected.map((p) => (state.numbers[p] ? `${p} (${labelOfNumberStatus(state.numbers[p]!.status)})` : `${p} (not in the order)`)).join(', ')} ${notRejected.length === 1 ? 'is' : 'are'} not rejected; only rejected numbers can be resubmitted.`,
      'InvalidState'
    );
  }
  return request.phoneNumbers.map((p) => byNumber.get(p)!);
}

function statusView(
  state: PortInState,
  ctx: { loaExpiryMs: number; autoCancelMs: number | null; nextReconcileAt: number }
): PortInStatusView {
  const numbers = Object.values(state.numbers);
  const requests = Object.values(state.requests).map((r) => {
    const expiry = loaExpiryOf(r, ctx.loaExpiryMs);
    return { ...r, loaExpiresAt: expiry == null ? null : iso(expiry) };
  });
  const expiries = requests.flatMap((r) => (r.loaExpiresAt ? [r.loaExpiresAt] : [])).sort();
  const cutoff = orderCancelCutoff(state);
  const rejections = rejectedNumbers(state).flatMap((n) => (n.rejection ? [Date.parse(n.rejection.at)] : []));
  return {
    orderId: state.orderId,
    customerRef: state.customerRef,
    status: orderStatus(state),
    phase: state.phase,
    targetPortInDate: state.targetPortInDate,
    requestSids: Object.keys(state.requests),
    requests,
    numbers: numbers.map((n) => ({
      phoneNumber: n.phoneNumber,
      status: n.status,
      statusLabel: labelOfNumberStatus(n.status),
      rawStatus: n.rawStatus,
      requestSid: n.requestSid,
      phoneNumberSid: n.phoneNumberSid,
      portDate: n.portDate,
      cancelCutoff: isNumberTerminal(n) || !n.requestSid ? null : iso(cancelCutoffOf(state, n)),
      rejection: n.rejection,
      notPortable: n.notPortable,
      previousAttempts: n.previousAttempts,
    })),
    counts: {
      total: numbers.length,
      pending: pendingCount(state),
      completed: numbers.filter((n) => n.status === PhoneNumberStatus.COMPLETED).length,
      canceled: numbers.filter((n) => n.status === PhoneNumberStatus.CANCELED).length,
      notPortable: numbers.filter((n) => n.status === 'not_portable').length,
      rejected: numbers.filter((n) => n.status === PhoneNumberStatus.PORT_REJECTED).length,
    },
    deadlines: {
      loaExpiresAt: expiries[0] ?? null,
      cancelCutoffAt: cutoff == null ? null : iso(cutoff),
      autoCancelRejectedAt:
        ctx.autoCancelMs != null && rejections.length ? iso(Math.min(...rejections) + ctx.autoCancelMs) : null,
      nextReconcileAt: state.phase === 'porting' ? iso(ctx.nextReconcileAt) : null,
    },
    timeline: state.timeline,
    timelineDropped: state.timelineDropped,
    unknownStatuses: state.unknownStatuses,
    failure: state.failure,
    counters: state.counters,
  };
}

function result(state: PortInState): PortInResult {
  const outcome =
    state.phase === 'completed' || state.phase === 'canceled' || state.phase === 'expired'
      ? state.phase
      : finalPhase(state);
  recordOrderOutcome(outcome);
  return {
    orderId: state.orderId,
    outcome,
    requestSids: Object.keys(state.requests),
    numbers: Object.values(state.numbers).map((n) => ({
      phoneNumber: n.phoneNumber,
      status: n.status,
      requestSid: n.requestSid,
      portDate: n.portDate,
      rejection: n.rejection ? { code: n.rejection.code, reason: n.rejection.reason } : null,
      notPortable: n.notPortable,
    })),
  };
}
