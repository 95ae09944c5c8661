/**
 * One port-in order as a workflow: the class owns the state, and every change of it goes through
 * `update(next)`, which records the metrics and publishes the search attributes. Messages are
 * registered in the constructor (before the first await); `run()` walks the nine steps.
 *
 * Behaviour added after histories were recorded is chosen once per run by `patched()` (see
 * PORT_IN_PATCHES), so runs recorded before replay exactly as they ran.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { ActivationFailureType } from '../activation';
import type { PortabilityVerdict } from '../activities';
import type { LosingCarrierInput, PortInOrder } from '../order';
import {
  PortInCancelCutoff,
  PortInCustomer,
  PortInNumbersPending,
  PortInRequestSids,
  PortInStatus,
  PortInTargetDate,
} from '../search-attributes';
import { PhoneNumberStatus, PortInRequestStatus } from '../twilio/porting-event';
import type { PortingEvent } from '../twilio/porting-event';
import type { CreatePortInRequest } from '../twilio/schemas/port-in';
import {
  ACTIVATION_ATTEMPTS,
  activation,
  creation,
  creationWithAttempts,
  eventDelivery,
  operatorActions,
  portability,
  quick,
  reconciliation,
  withSummary,
  workerSettings,
} from './activity-options';
import {
  DEFAULT_CANCEL_WINDOW_WARNING,
  DEFAULT_LOA_REMINDERS,
  autoCancelDueAt,
  cancelCutoffSearchValue,
  cancelWindowMessage,
  dueCancelWindowNotes,
  dueLoaReminder,
  listed,
  loaReminderMessage,
  markCancelWindowNoted,
  markLoaRemindersSent,
  nextCancelWindowAt,
  nextLoaReminderAt,
} from './deadlines';
import { renderDesk } from './desk';
import { parseDuration } from './duration';
import { pollDelayMs } from './poll-schedule';
import {
  AttentionReason,
  PortInFailureType,
  attentionReasonOf,
  orderFailureOf,
  twilioFailureFacts,
  twilioMessageOf,
  twilioRefusal,
} from './failures';
import type { OrderFailure } from './failures';
import {
  cancelPhoneNumbersUpdate,
  cancelPortInUpdate,
  portInStatusQuery,
  portingEventSignal,
  resubmitRejectedUpdate,
} from './messages';
import type {
  CancelPhoneNumbersResult,
  CancelPortInResult,
  PortInResult,
  PortInWorkflowInput,
  ResubmitRejectedInput,
  ResubmitRejectedResult,
} from './messages';
import {
  appendEvents,
  emptyOutbox,
  giveUpPending,
  lifecycleEvents,
  markDelivered,
  markFailed,
  redactDraft,
} from './lifecycle-events';
import { recordEventDeliveries, recordNumberChanges, recordOrderOutcome } from './metrics';
import { orderResult, outcomeOf, searchAttributeValues, statusView } from './status-view';
import {
  activeNumbers,
  allNumbersSettled,
  REDUCER_RULES_V1,
  REDUCER_RULES_V2,
  applyEvent,
  applyEventRound,
  cancelCutoffOf,
  expireRequest,
  finalPhase,
  initialState,
  isNumberTerminal,
  loaExpiryOf,
  markLoaExpired,
  note,
  numbersToActivate,
  recordPortability,
  recordRequest,
  rejectedNumbers,
  resumedState,
  setActivation,
  setPhase,
  terminalRequestStatuses,
  unconfirmedTerminalRequests,
} from './state';
import type { ApplyOutcome, NumberState, PortInState, ReducerRules } from './state';
import { assertCancelable, resolveNumbers, resolveRejected, validateCancelPortIn } from './validators';

export const MAX_NUMBERS_PER_REQUEST = 1000;
/** Ported numbers activated at once (each is a few calls to Twilio). */
export const ACTIVATION_CONCURRENCY = 10;

/** The `patched()` ids of behaviour added since the first recorded histories; never rename one. */
export const PORT_IN_PATCHES = {
  /** `update(next)` publishes the search attributes on every change (before: at fixed points). */
  oneUpdatePath: 'portflow-one-update-path',
  /** Every failure ends as phase `failed` with `failure {type, code, message}`, status "Failed" and a metric. */
  everyEndingVisible: 'portflow-every-ending-visible',
  /** Refused credentials, 404s and outages during reconcile, cancel or resubmit park the order. */
  needsAttention: 'portflow-needs-attention',
  /** resubmitRejected files the new request before canceling at the old one. */
  resubmitCreateFirst: 'portflow-resubmit-create-first',
  /** Updates that Twilio refuses fail with Twilio's code and message. */
  twilioRefusals: 'portflow-twilio-refusals',
  /** The worker's PORTFLOW_RECONCILE_INTERVAL applies when the order sets none. */
  workerSettings: 'portflow-worker-settings',
  /** Right after a request is recorded, the order claims the webhooks its inbox kept for the sid. */
  claimInbox: 'portflow-claim-inbox',
  /**
   * Reducer rules V2 (the API is the truth): signalled events are webhooks, a suspect one is answered
   * by an immediate reconcile, webhooks received during a poll are re-applied after it, terminal
   * statuses only a webhook reported are confirmed before the order ends, and an LOA expiry fires once.
   */
  apiIsTruth: 'portflow-api-is-truth',
  /**
   * Deadlines as durable timers: LOA reminders before the expiry, the cancel window's warning and
   * close as timeline entries, the auto-cancel policy acting before the cutoff, and the
   * `PortInCancelCutoff` search attribute.
   */
  deadlineTimers: 'portflow-deadline-timers',
  /** `options.createAttempts` bounds the attempts at creating a request (before: always 20). */
  createAttempts: 'portflow-create-attempts',
  /**
   * After the port, each completed number is looked for in the account's IncomingPhoneNumbers and
   * given the order's `onPorted` configuration; it ends live or configuration failed, never failing the order.
   */
  postPortActivation: 'portflow-post-port-activation',
  /** Polls are jittered below the reconcile interval (./poll-schedule), so orders started together do not poll together. */
  spreadPolls: 'portflow-spread-polls',
  /**
   * Lifecycle events for the order's backend (options.eventsUrl or the worker's PORTFLOW_EVENTS_URL):
   * derived in update(), kept in the state's outbox, delivered in order beside the port.
   */
  lifecycleEvents: 'portflow-lifecycle-events',
  /**
   * The porting desk: update(next) keeps the workflow's current details (src/workflows/desk.ts) up to
   * date, and activities and timers carry a one-line summary for the Temporal UI.
   */
  portingDesk: 'portflow-porting-desk',
  /**
   * One marker for everything above: a new run asks this patch first, and it implies every patch
   * listed before it, which are then not asked (each asked patch costs a marker and an upsert of
   * `TemporalChangeVersion`: 28 of a 5-number order's 140 history events). And update(next)
   * publishes the search attributes (and re-renders the desk) once per stretch of synchronous
   * workflow code, not once per change: a burst of webhooks in one workflow task, or a step's
   * several updates, costs one upsert. Patches added after this one are asked themselves.
   */
  coalescedPublish: 'portflow-coalesced-publish',
  /**
   * Events are applied in rounds (`applyEventRound`): the webhooks signalled in one workflow task
   * together at its end, a request's created or polled numbers together, with one copy of the
   * numbers and one update() per round instead of per event. Before, a burst of webhooks for a
   * 1,000-number order cost ~1 ms each and one task could pass the SDK's 5 s limit and abort the
   * worker. Lifecycle events still see every status of every number (a round changes a number once).
   */
  batchedEvents: 'portflow-batched-events',
  /**
   * The changes a run made before it knew its events URL make their lifecycle events when it learns
   * it. The URL comes after a local activity (the worker's settings), and webhooks that reach a
   * continued-as-new run in its first task are applied before that: they used to make no events.
   * Asked only by a run that has such changes, so other runs record no marker for it.
   */
  eventsBeforeUrl: 'portflow-events-before-url',
} as const;

/** The patches decided at the start of a run; `eventsBeforeUrl` is asked where it applies. */
type Features = { [K in Exclude<keyof typeof PORT_IN_PATCHES, 'eventsBeforeUrl'>]: boolean };

const DEFAULTS = {
  reconcileInterval: '6 hours',
  loaExpiry: '30 days',
  loaReminders: DEFAULT_LOA_REMINDERS as readonly string[],
  cancelWindowWarning: DEFAULT_CANCEL_WINDOW_WARNING,
  portabilityBatchSize: 250,
  portabilityConcurrency: 20,
  continueAsNewAfterEvents: 8000,
  continueAsNewAfterSignals: 5000,
  eventsGiveUpAfter: '6 hours',
} as const;

/** Retries of a parked order start here and double up to the cap (both bounded by the reconcile interval). */
const ATTENTION_FIRST_RETRY_MS = 30_000;
const ATTENTION_MAX_RETRY_MS = 15 * 60_000;

/** Events per delivery activity, and the workflow's own backoff once an activity's attempts are spent. */
const EVENTS_BATCH = 50;
const EVENTS_FIRST_RETRY_MS = 2_000;
const EVENTS_MAX_RETRY_MS = 5 * 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const now = () => Date.now();

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

/** What each phase is doing, to say which step failed. */
const STEP_OF_PHASE: Record<string, string> = {
  checking_portability: 'The portability check',
  uploading_bill: 'The utility bill upload',
  creating_requests: 'Creating the port-in request',
  porting: 'Following the port',
};

export class PortInOrderWorkflow {
  private order: PortInOrder;
  private readonly opts: {
    reconcileInterval: string;
    loaExpiry: string;
    loaReminders: readonly string[];
    cancelWindowWarning: string;
    portabilityBatchSize: number;
    portabilityConcurrency: number;
    continueAsNewAfterEvents: number;
    continueAsNewAfterSignals: number;
    eventsGiveUpAfter: string;
  };
  private reconcileMs: number;
  private readonly loaExpiryMs: number;
  private readonly autoCancelMs: number | null;
  /** Since deadlineTimers: the LOA reminder offsets before the expiry, and the cancel window's warning. */
  private readonly loaReminderOffsetsMs: number[];
  private readonly cancelWindowWarningMs: number | null;
  private readonly v: Features;
  private readonly rules: ReducerRules;
  /** V2: a suspect webhook arrived; the next wake reconciles (once, however many arrived). */
  private reconcileSoon = false;
  /** V2: while a poll's fetch is in flight, the webhooks applied meanwhile (re-applied after the poll). */
  private duringFetch: PortingEvent[] | null = null;
  private state: PortInState;
  private signalsThisRun = 0;
  /** Since batchedEvents: webhooks signalled in this workflow task, applied together at its end (applyInbound). */
  private readonly inbound: PortingEvent[] = [];
  private dirty = false;
  private nextReconcileAt: number;
  private readonly lock = new Lock();
  private published: { status: string; pending: number; sids: string; cutoff: number | null } = {
    status: '',
    pending: -1,
    sids: '',
    cutoff: null,
  };
  /** Where this run delivers lifecycle events; null: it derives none (before the patch, or no URL). */
  private eventsUrl: string | null = null;
  /** The state this run started from: what changed since is what it owes events for once it has a URL. */
  private readonly runStartState: PortInState;
  /** What no event may carry: the order's account number(s) and PINs, scrubbed from free texts. */
  private readonly secrets = new Set<string>();
  private deskShown = '';
  /** Since coalescedPublish: a flush of the search attributes and the desk is queued. */
  private flushQueued = false;
  /** Since coalescedPublish: the start's own attributes, sent with the first flush's upsert. */
  private startAttributes: SearchAttributeUpdatePair[] = [];

  constructor(private readonly input: PortInWorkflowInput) {
    this.order = input.order;
    this.opts = { ...DEFAULTS, ...this.order.options };
    this.reconcileMs = parseDuration(this.opts.reconcileInterval);
    this.loaExpiryMs = parseDuration(this.opts.loaExpiry);
    this.autoCancelMs = this.order.options?.autoCancelRejectedAfter
      ? parseDuration(this.order.options.autoCancelRejectedAfter)
      : null;
    // Decided once, at the start of the run: a run recorded before a patch replays without it throughout.
    // A run that has coalescedPublish has every earlier patch without asking (and recording) each.
    const coalescedPublish = patched(PORT_IN_PATCHES.coalescedPublish);
    const since = (patchId: string) => coalescedPublish || patched(patchId);
    this.v = {
      oneUpdatePath: since(PORT_IN_PATCHES.oneUpdatePath),
      everyEndingVisible: since(PORT_IN_PATCHES.everyEndingVisible),
      needsAttention: since(PORT_IN_PATCHES.needsAttention),
      resubmitCreateFirst: since(PORT_IN_PATCHES.resubmitCreateFirst),
      twilioRefusals: since(PORT_IN_PATCHES.twilioRefusals),
      workerSettings: since(PORT_IN_PATCHES.workerSettings),
      claimInbox: since(PORT_IN_PATCHES.claimInbox),
      apiIsTruth: since(PORT_IN_PATCHES.apiIsTruth),
      deadlineTimers: since(PORT_IN_PATCHES.deadlineTimers),
      createAttempts: since(PORT_IN_PATCHES.createAttempts),
      postPortActivation: since(PORT_IN_PATCHES.postPortActivation),
      spreadPolls: since(PORT_IN_PATCHES.spreadPolls),
      lifecycleEvents: since(PORT_IN_PATCHES.lifecycleEvents),
      portingDesk: since(PORT_IN_PATCHES.portingDesk),
      coalescedPublish,
      // Asked itself: patches after coalescedPublish are not implied by it.
      batchedEvents: patched(PORT_IN_PATCHES.batchedEvents),
    };
    this.loaReminderOffsetsMs = this.v.deadlineTimers ? this.opts.loaReminders.map(parseDuration) : [];
    this.cancelWindowWarningMs = this.v.deadlineTimers ? parseDuration(this.opts.cancelWindowWarning) : null;
    this.rememberSecrets(
      this.order.losingCarrierInformation.accountNumber,
      ...this.order.phoneNumbers.map((n) => n.pin)
    );
    const skew = this.order.options?.maxWebhookClockSkew;
    this.rules = !this.v.apiIsTruth
      ? REDUCER_RULES_V1
      : skew
        ? { ...REDUCER_RULES_V2, maxClockSkewMs: parseDuration(skew) }
        : REDUCER_RULES_V2;
    this.state = input.resume
      ? resumedState(input.resume)
      : initialState({
          orderId: this.order.orderId,
          customerRef: this.order.customerRef,
          phoneNumbers: this.order.phoneNumbers.map((n) => n.phoneNumber),
          targetPortInDate: this.order.targetPortInDate,
          targetPortInTimeRangeStart: this.order.targetPortInTimeRangeStart ?? null,
        });
    this.runStartState = this.state;
    this.nextReconcileAt = now() + this.pollDelay(!input.resume);
    this.registerHandlers();
    // A new run (a start, or continue-as-new) shows its desk before its first await.
    if (this.v.portingDesk) this.showDesk();
  }

  // ----- the one state-update path ----------------------------------------------------------------

  /** Every state change: the new state, its metrics, and (since the patch) its search attributes. */
  private update(next: PortInState): void {
    if (next === this.state) return;
    recordNumberChanges(this.state, next);
    this.state = this.eventsUrl == null ? next : this.withEvents(this.state, next);
    if (this.v.coalescedPublish) return this.queueFlush();
    if (this.v.oneUpdatePath) this.publish();
    if (this.v.portingDesk) this.showDesk();
  }

  /**
   * Publishes what the updates of this stretch of synchronous code changed, once, in a microtask:
   * it runs before the workflow task ends (the SDK drains microtasks before it concludes an
   * activation) and before any `await` that follows the update resumes, so the workflow never
   * completes, fails or continues as new ahead of its last state's search attributes.
   */
  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    void Promise.resolve().then(() => {
      this.flushQueued = false;
      this.publish(this.startAttributes.splice(0));
      this.showDesk();
    });
  }

  /** The current details, re-set only when their text changed (relative times are as of this change). */
  private showDesk(): void {
    const details = renderDesk(this.view(), now());
    if (details === this.deskShown) return;
    setCurrentDetails(details);
    this.deskShown = details;
  }

  private view() {
    return statusView(this.state, {
      loaExpiryMs: this.loaExpiryMs,
      autoCancelMs: this.autoCancelMs,
      nextReconcileAt: this.nextReconcileAt,
      loaReminderOffsetsMs: this.loaReminderOffsetsMs,
      cancelWindowWarningMs: this.cancelWindowWarningMs,
      autoCancelBeforeCutoff: this.v.deadlineTimers,
      now: now(),
    });
  }

  /** `stub`, with a summary on its calls since the porting desk (older runs replay their commands as they were). */
  private summarized(stub: typeof quick, summary: () => string): typeof quick {
    return this.v.portingDesk ? withSummary(stub, summary()) : stub;
  }

  /** `next` with the lifecycle events the change from `prev` means in its outbox (`prev` null: the start). */
  private withEvents(prev: PortInState | null, next: PortInState): PortInState {
    const drafts = lifecycleEvents(prev, next, iso(now()), { loaExpiryMs: this.loaExpiryMs });
    if (drafts.length === 0) return next;
    const before = next.events ?? emptyOutbox();
    const events = appendEvents(
      before,
      drafts.map((d) => redactDraft(d, [...this.secrets])),
      {
        workflowId: workflowInfo().workflowId,
        firstRunId: workflowInfo().firstExecutionRunId,
        orderId: next.orderId,
        customerRef: next.customerRef,
      }
    );
    const dropped = events.dropped - before.dropped;
    if (dropped > 0) recordEventDeliveries('dropped', dropped);
    // One timeline entry when the outbox first overflows; the status view counts every drop.
    return dropped > 0 && before.dropped === 0
      ? note(
          { ...next, events },
          {
            at: iso(now()),
            kind: 'events-dropped',
            message: `The events outbox is full (${events.pending.length} undelivered): the oldest are dropped`,
          }
        )
      : { ...next, events };
  }

  private rememberSecrets(...values: Array<string | undefined>): void {
    for (const v of values) if (v) this.secrets.add(v);
  }

  /**
   * Where runs recorded before `oneUpdatePath` published their search attributes; they replay only
   * if they still do so exactly there. Since the patch, update() has already published: a no-op.
   */
  private legacyPublishPoint(): void {
    if (this.v.coalescedPublish) return;
    this.publish();
  }

  /** Upserts the order's attributes when one of them changed (`extra`: more to send in the same upsert). */
  private publish(extra: SearchAttributeUpdatePair[] = []): void {
    const { status, pending, requestSids } = searchAttributeValues(this.state, {
      attentionVisible: this.v.everyEndingVisible,
    });
    const sids = requestSids.join(',');
    const cutoff = this.v.deadlineTimers ? cancelCutoffSearchValue(this.state, now()) : null;
    if (
      status === this.published.status &&
      pending === this.published.pending &&
      sids === this.published.sids &&
      cutoff === this.published.cutoff &&
      extra.length === 0
    ) {
      return;
    }
    upsertSearchAttributes([
      ...extra,
      { key: PortInStatus, value: status },
      { key: PortInNumbersPending, value: pending },
      ...(sids !== this.published.sids ? [{ key: PortInRequestSids, value: requestSids }] : []),
      ...(cutoff !== this.published.cutoff
        ? [{ key: PortInCancelCutoff, value: cutoff == null ? null : new Date(cutoff) }]
        : []),
    ]);
    this.published = { status, pending, sids, cutoff };
  }

  private apply(event: PortingEvent) {
    const result = applyEvent(this.state, event, iso(now()), this.rules);
    this.update(result.state);
    this.noteOutcome(result.outcome);
    return result.outcome;
  }

  /** What an applied event's outcome asks of the run: a wake, and for a suspect one a reconcile. */
  private noteOutcome(outcome: ApplyOutcome): void {
    if (outcome === 'applied' || outcome === 'unknown-status') this.dirty = true;
    if (outcome === 'suspect') {
      this.reconcileSoon = true;
      this.dirty = true;
    }
  }

  /**
   * Applies events in order with their side effects (dirty, reconcileSoon) and returns each one's
   * outcome: since batchedEvents in rounds, one update() each; before, one event at a time.
   */
  private applyAll(events: readonly PortingEvent[]): ApplyOutcome[] {
    if (!this.v.batchedEvents) return events.map((event) => this.apply(event));
    const outcomes: ApplyOutcome[] = [];
    let rest = events;
    while (rest.length > 0) {
      const round = applyEventRound(this.state, rest, iso(now()), this.rules);
      this.update(round.state);
      for (const outcome of round.outcomes) this.noteOutcome(outcome);
      outcomes.push(...round.outcomes);
      rest = round.rest;
    }
    return outcomes;
  }

  /**
   * Since batchedEvents: the webhooks signalled so far in this workflow task. Runs in a microtask
   * queued by the first of them, so after every signal of the task (Core orders signals and updates
   * before everything else in an activation) and before any workflow code they resume; and at the
   * start of an update's handler, so an operator action sees every webhook that came before it.
   */
  private applyInbound(): void {
    if (this.inbound.length === 0) return;
    const webhooks = this.inboundWebhooks();
    this.inbound.length = 0;
    const outcomes = this.applyAll(webhooks);
    const meanwhile = this.duringFetch;
    if (meanwhile) webhooks.forEach((webhook, i) => outcomes[i] === 'applied' && meanwhile.push(webhook));
  }

  /** The webhooks waiting in `inbound`: under V2 a signalled event is a webhook whatever it says (see applySignalled). */
  private inboundWebhooks(): PortingEvent[] {
    return this.inbound.map((event): PortingEvent => ({ ...event, source: 'webhook' }));
  }

  /**
   * The state with the waiting webhooks applied, leaving them waiting: what an update's validator
   * checks. A validator changes nothing (a rejected update is not in the history a replay runs), so
   * the handler of an accepted one applies them itself.
   */
  private stateWithInbound(): PortInState {
    let state = this.state;
    let rest = this.inboundWebhooks();
    while (rest.length > 0) {
      const round = applyEventRound(state, rest, iso(now()), this.rules);
      state = round.state;
      rest = round.rest;
    }
    return state;
  }

  /** A signalled event. Under V2 it is a webhook whatever it says: its sender controls `source`, and V2 trusts 'poll'. */
  private applySignalled(event: PortingEvent): void {
    if (!this.v.apiIsTruth) {
      this.apply(event);
      return;
    }
    const webhook: PortingEvent = { ...event, source: 'webhook' };
    // A poll in flight would overwrite what this applies with its older snapshot: kept, applied again after it.
    if (this.apply(webhook) === 'applied' && this.duringFetch) this.duringFetch.push(webhook);
  }

  private noteTimeline(kind: string, message: string, extra: { requestSid?: string; phoneNumber?: string } = {}) {
    this.update(note(this.state, { at: iso(now()), kind, message, ...extra }));
  }

  // ----- messages --------------------------------------------------------------------------------

  private registerHandlers(): void {
    setHandler(portingEventSignal, (event) => {
      this.signalsThisRun++;
      if (!this.v.batchedEvents) return this.applySignalled(event);
      this.inbound.push(event);
      if (this.inbound.length === 1) void Promise.resolve().then(() => this.applyInbound());
    });

    setHandler(portInStatusQuery, () => this.view());

    // Each update sees the webhooks of its task that came before it (none wait before batchedEvents):
    // its validator checks the state with them, its handler applies them first.
    setHandler(
      cancelPortInUpdate,
      (request) => {
        this.applyInbound();
        return this.lock.run(() => this.cancelOrder(request.reason));
      },
      {
        validator: (_request) => validateCancelPortIn(this.stateWithInbound(), now()),
      }
    );

    setHandler(
      cancelPhoneNumbersUpdate,
      (request) => {
        this.applyInbound();
        return this.lock.run(async (): Promise<CancelPhoneNumbersResult> => {
          const numbers = resolveNumbers(this.state, request);
          assertCancelable(this.state, numbers, now());
          await this.operatorCall('cancel', () => this.cancelNumbers(numbers));
          this.noteTimeline(
            'operator',
            `Cancel requested for ${numbers.length} number(s)${request.reason ? `: ${request.reason}` : ''}`
          );
          return { canceledNumbers: numbers.map((n) => n.phoneNumber) };
        });
      },
      {
        validator: (request) => {
          const state = this.stateWithInbound();
          assertCancelable(state, resolveNumbers(state, request), now());
        },
      }
    );

    setHandler(
      resubmitRejectedUpdate,
      (request) => {
        this.applyInbound();
        return this.lock.run(() => this.resubmit(request));
      },
      {
        validator: (request) => void resolveRejected(this.stateWithInbound(), request),
      }
    );
  }

  /**
   * Runs an operator action's Twilio calls. Since the patches, a failure is reported with Twilio's
   * code and message, and one that is about Twilio rather than the action (credentials, 404,
   * outage) parks the order until Twilio answers again.
   */
  private async operatorCall<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
      const facts = twilioFailureFacts(err);
      if (this.v.needsAttention && attentionReasonOf(facts) != null) this.park(err, operation);
      if (!this.v.twilioRefusals) throw err;
      const refusal = twilioRefusal(err, `the ${operation}`);
      this.noteTimeline('operator', `${refusal.message}; nothing changed`);
      throw refusal;
    }
  }

  private async cancelOrder(reason: string | undefined): Promise<CancelPortInResult> {
    // Re-checked inside the lock: an earlier update may have changed things since validation.
    assertCancelable(this.state, activeNumbers(this.state), now());
    const open = this.openRequests();
    for (const r of open) {
      await this.operatorCall('cancel', () =>
        this.summarized(this.stub('operator'), () => `Cancel request ${r.sid} (operator)`).cancelPortInRequest({
          portInRequestSid: r.sid,
        })
      );
      this.apply(cancelingRequestEvent(r.sid));
      this.applyAll(
        r.phoneNumbers.flatMap((phoneNumber) => {
          const n = this.state.numbers[phoneNumber];
          return n && n.requestSid === r.sid && !isNumberTerminal(n) ? [cancelingNumberEvent(n)] : [];
        })
      );
    }
    this.noteTimeline('operator', `Cancel requested for the whole order${reason ? `: ${reason}` : ''}`);
    this.dirty = true;
    return {
      canceledRequestSids: open.map((r) => r.sid),
      canceledNumbers: open.flatMap((r) => r.phoneNumbers),
    };
  }

  /** The stub for a kind of call: since needsAttention, operator actions and polls have bounded attempts. */
  private stub(kind: 'operator' | 'reconcile') {
    if (!this.v.needsAttention) return quick;
    return kind === 'operator' ? operatorActions : reconciliation;
  }

  private async cancelNumbers(numbers: NumberState[], kind: 'operator' | 'reconcile' = 'operator'): Promise<void> {
    const byRequest = new Map<string, NumberState[]>();
    for (const n of numbers) {
      if (!n.requestSid) continue;
      byRequest.set(n.requestSid, [...(byRequest.get(n.requestSid) ?? []), n]);
    }
    for (const [portInRequestSid, group] of byRequest) {
      await this.summarized(
        this.stub(kind),
        () => `Cancel ${group.length} number(s) in ${portInRequestSid} (${kind === 'operator' ? 'operator' : 'policy'})`
      ).cancelPortInPhoneNumbers({
        portInRequestSid,
        phoneNumberSids: group.flatMap((n) => (n.phoneNumberSid ? [n.phoneNumberSid] : [])),
      });
      this.applyAll(group.map((n) => cancelingNumberEvent(this.state.numbers[n.phoneNumber]!)));
    }
  }

  private async resubmit(request: ResubmitRejectedInput): Promise<ResubmitRejectedResult> {
    const rejected = resolveRejected(this.state, request);
    const oldRequests = [...new Set(rejected.map((n) => n.requestSid!))];
    const cancelAtOld = async (portInRequestSid: string) =>
      this.summarized(
        this.stub('operator'),
        () => `Cancel the resubmitted number(s) in the old request ${portInRequestSid}`
      ).cancelPortInPhoneNumbers({
        portInRequestSid,
        phoneNumberSids: rejected
          .filter((n) => n.requestSid === portInRequestSid)
          .flatMap((n) => n.phoneNumberSid ?? []),
      });
    const pins = new Map(this.order.phoneNumbers.map((n) => [n.phoneNumber, n.pin]));
    for (const [phoneNumber, pin] of Object.entries(request.pins ?? {})) pins.set(phoneNumber, pin);
    this.rememberSecrets(request.losingCarrierInformation.accountNumber, ...Object.values(request.pins ?? {}));
    const numbers = rejected.map((n) => ({ phoneNumber: n.phoneNumber, pin: pins.get(n.phoneNumber) }));
    const overrides = {
      losingCarrierInformation: request.losingCarrierInformation,
      targetPortInDate: this.resubmitTargetDate(request),
    };

    if (!this.v.resubmitCreateFirst) {
      // Runs recorded before the patch canceled first, then filed the numbers again.
      for (const sid of oldRequests) await this.operatorCall('resubmission', () => cancelAtOld(sid));
      this.order = { ...this.order, losingCarrierInformation: request.losingCarrierInformation };
      const created = await this.operatorCall('resubmission', () =>
        this.createRequest(numbers, overrides, oldRequests, [], creation)
      );
      return {
        newRequestSid: created,
        resubmittedNumbers: rejected.map((n) => n.phoneNumber),
        canceledInRequests: oldRequests,
      };
    }

    // The new request first (Twilio frees a rejected number for a new request): if it is refused,
    // every number is still where it was, rejected in its old request.
    const created = await this.operatorCall('resubmission', () =>
      this.createRequest(numbers, overrides, oldRequests, [], operatorActions, oldRequests)
    );
    this.order = { ...this.order, losingCarrierInformation: request.losingCarrierInformation };
    const canceledInRequests: string[] = [];
    for (const sid of oldRequests) {
      try {
        await cancelAtOld(sid);
        canceledInRequests.push(sid);
      } catch (err) {
        if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
        // The numbers are filed again already; the old request's rejected entries only linger at Twilio.
        this.noteTimeline(
          'operator',
          `Resubmitted, but the rejected numbers could not be canceled in the old request: ${twilioRefusal(err, 'the cancellation').message}`,
          { requestSid: sid }
        );
      }
    }
    return {
      newRequestSid: created,
      resubmittedNumbers: rejected.map((n) => n.phoneNumber),
      canceledInRequests,
    };
  }

  private resubmitTargetDate(request: ResubmitRejectedInput): string {
    if (request.targetPortInDate) return request.targetPortInDate;
    const earliest = now() + 8 * 24 * 3600 * 1000;
    return Date.parse(`${this.order.targetPortInDate}T00:00:00Z`) >= earliest
      ? this.order.targetPortInDate
      : iso(earliest).slice(0, 10);
  }

  private async createRequest(
    numbers: Array<{ phoneNumber: string; pin?: string }>,
    overrides: { losingCarrierInformation?: LosingCarrierInput; targetPortInDate?: string },
    resubmissionOf: string[],
    knownVerdicts: PortabilityVerdict[],
    stub: typeof creation,
    notOneOf: string[] = []
  ): Promise<string> {
    const order = this.order;
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
      documents: this.state.documentSids,
    };
    const wanted = new Set(numbers.map((n) => n.phoneNumber));
    const created = await this.summarized(stub, () =>
      resubmissionOf.length
        ? `Resubmit ${numbers.length} rejected number(s) in a new request (replacing ${resubmissionOf.join(', ')})`
        : `Create the port-in request: ${numbers.length} number(s)`
    ).createPortInRequest({
      request,
      intentAt: iso(now()),
      portability: knownVerdicts.filter((v) => wanted.has(v.phoneNumber)),
    });
    if (notOneOf.includes(created.portInRequestSid)) {
      // A retry's search for "the request an earlier attempt made" matched the request being replaced.
      throw ApplicationFailure.create({
        type: PortInFailureType.Unexpected,
        nonRetryable: true,
        message: `the new request could not be told apart from ${created.portInRequestSid}, the one it replaces; try again`,
      });
    }
    this.update(
      recordRequest(
        this.state,
        { sid: created.portInRequestSid, numbers: created.numbers, resubmissionOf, found: created.found },
        iso(now())
      )
    );
    this.applyAll(created.events);
    this.legacyPublishPoint();
    if (this.v.claimInbox) {
      // Webhooks for this sid that arrived before the order knew it (a lost create response) wait in
      // its inbox; claiming it has them forwarded here as signals. Retried until it succeeds.
      await this.summarized(quick, () => `Claim webhooks kept for ${created.portInRequestSid}`).claimPortInInbox({
        portInRequestSid: created.portInRequestSid,
        ownerWorkflowId: workflowInfo().workflowId,
      });
    }
    return created.portInRequestSid;
  }

  // ----- the run ---------------------------------------------------------------------------------

  async run(): Promise<PortInResult> {
    if (!this.input.resume) {
      const start: SearchAttributeUpdatePair[] = [
        { key: PortInCustomer, value: this.order.customerRef },
        { key: PortInTargetDate, value: new Date(`${this.order.targetPortInDate}T00:00:00Z`) },
      ];
      if (this.v.coalescedPublish) {
        // One upsert for the start: these with the first status.
        this.startAttributes = start;
        this.queueFlush();
      } else upsertSearchAttributes(start);
    } else {
      const { status, pending, requestSids } = searchAttributeValues(this.state, {
        attentionVisible: this.v.everyEndingVisible,
      });
      this.published = {
        status,
        pending,
        sids: requestSids.join(','),
        cutoff: this.v.deadlineTimers ? cancelCutoffSearchValue(this.state, now()) : null,
      };
    }
    this.legacyPublishPoint();

    try {
      const result = await this.runOrder();
      await this.drainEvents();
      return result;
    } catch (err) {
      // The order ended as failed (a plain Error is a bug that fails the task: nothing to drain for it).
      if (err instanceof TemporalFailure && !isCancellation(err)) await this.drainEvents();
      throw err;
    }
  }

  /** The order from start to end: its steps, and how a cancellation or a failure ends it. */
  private async runOrder(): Promise<PortInResult> {
    try {
      if (this.v.workerSettings && !this.order.options?.reconcileInterval) await this.adoptWorkerSettings();
      if (this.v.lifecycleEvents) await this.startEvents();
      return await this.runSteps();
    } catch (err) {
      if (isCancellation(err)) {
        await this.cancelAtTwilio();
        throw err;
      }
      // A plain Error is a bug: it fails the workflow task (and a fixed deploy resumes it), not the order.
      if (!this.v.everyEndingVisible || err instanceof ContinueAsNew || !(err instanceof TemporalFailure)) throw err;
      if (this.state.phase === 'failed') throw err;
      return this.fail(orderFailureOf(err, STEP_OF_PHASE[this.state.phase] ?? 'The order'));
    }
  }

  // ----- lifecycle events ----------------------------------------------------------------------

  /**
   * Picks the run's events URL (the order's, else the worker's default, asked once per run), records
   * `order.started` on a fresh start and (since eventsBeforeUrl) the events of what the run changed
   * before it knew the URL, and starts the delivery loop beside the port.
   */
  private async startEvents(): Promise<void> {
    const url = this.order.options?.eventsUrl ?? (await workerSettings.getEventSettings()).defaultUrl;
    if (!url) return;
    this.eventsUrl = url;
    // Deterministic: whether anything changed before this point is in the history.
    const caughtUp = this.state !== this.runStartState && patched(PORT_IN_PATCHES.eventsBeforeUrl);
    let next = this.input.resume ? this.state : this.withEvents(null, this.state);
    if (caughtUp) next = this.withEvents(this.runStartState, next);
    this.update(next);
    // Not cancellable: a canceled order still delivers its `order.canceled` (within the grace).
    void CancellationScope.nonCancellable(() => this.deliverEvents(url));
  }

  /**
   * One loop per order, one batch at a time, so events arrive in sequence. An activity retries a
   * few times itself; after that the delivery is marked failing and retried on a doubling backoff.
   * Nothing here is awaited by the port: a failing endpoint only grows the (bounded) outbox.
   */
  private async deliverEvents(url: string): Promise<void> {
    let backoffMs = EVENTS_FIRST_RETRY_MS;
    for (;;) {
      await condition(() => (this.state.events?.pending.length ?? 0) > 0);
      const batch = this.state.events!.pending.slice(0, EVENTS_BATCH);
      let delivered = 0;
      let error: string | null;
      try {
        ({ delivered, error } = await eventDelivery.deliverPortflowEvents({ url, events: batch }));
      } catch (err) {
        if (!(err instanceof TemporalFailure)) throw err;
        error = err.cause?.message ?? err.message;
      }
      this.recordDelivery(batch[0]!.data.sequence, delivered, error);
      if (error == null || delivered > 0) {
        backoffMs = EVENTS_FIRST_RETRY_MS;
        continue;
      }
      await sleep(backoffMs);
      backoffMs = Math.min(EVENTS_MAX_RETRY_MS, backoffMs * 2);
    }
  }

  /** A delivery's outcome into the outbox, with a timeline entry when delivery starts or stops failing. */
  private recordDelivery(firstSequence: number, delivered: number, error: string | null): void {
    const before = this.state.events ?? emptyOutbox();
    // The outbox may have dropped the batch's head while it was in flight: count only what is still there.
    const offset = Math.max(0, (before.pending[0]?.data.sequence ?? firstSequence) - firstSequence);
    const at = iso(now());
    let events = markDelivered(before, Math.max(0, delivered - offset), at);
    if (error != null) events = markFailed(events, error, at);
    let next: PortInState = { ...this.state, events };
    if (before.failing && delivered > 0) {
      next = note(next, {
        at,
        kind: 'events-recovered',
        message: `Event delivery recovered after ${before.failing.attempts} failed attempt(s) since ${before.failing.since}`,
      });
    }
    if (error != null && (!before.failing || delivered > 0)) {
      next = note(next, {
        at,
        kind: 'events-failing',
        message: `Event delivery failing: ${error}; retrying with backoff (the port goes on)`,
      });
    }
    if (delivered > 0) recordEventDeliveries('delivered', delivered);
    if (error != null) recordEventDeliveries('failed', 1);
    this.update(next);
  }

  /**
   * After the order ended: waits for the outbox to empty, at most `eventsGiveUpAfter`; what is still
   * pending then is given up, on the timeline and in the status view.
   */
  private async drainEvents(): Promise<void> {
    if (this.eventsUrl == null) return;
    const pending = () => this.state.events?.pending.length ?? 0;
    if (pending() === 0) return;
    let drained = false;
    try {
      drained = await condition(() => pending() === 0, parseDuration(this.opts.eventsGiveUpAfter));
    } catch (err) {
      // Canceled while draining an ended order: stop waiting, give up what is left.
      if (!isCancellation(err)) throw err;
    }
    if (drained) return;
    const left = pending();
    const lastError = this.state.events?.lastError?.message;
    recordEventDeliveries('given_up', left);
    this.update(
      note(
        { ...this.state, events: giveUpPending(this.state.events!) },
        {
          at: iso(now()),
          kind: 'events-given-up',
          message: `${left} event(s) still undelivered ${this.opts.eventsGiveUpAfter} after the order ended: given up${lastError ? ` (last error: ${lastError})` : ''}`,
        }
      )
    );
  }

  /** The worker's settings (PORTFLOW_RECONCILE_INTERVAL), read once per run and kept in history. */
  private async adoptWorkerSettings(): Promise<void> {
    const settings = await this.summarized(workerSettings, () => "Read the worker's settings").getWorkerSettings();
    if (!settings.reconcileInterval) return;
    this.reconcileMs = parseDuration(settings.reconcileInterval);
    this.nextReconcileAt = now() + this.pollDelay(true);
  }

  /** Ends the order as failed: state, search attributes, timeline, metric, then the workflow's failure. */
  private fail(failure: OrderFailure, details: unknown = { code: failure.code }): never {
    this.update({
      ...setPhase(this.state, 'failed', iso(now()), failure.message),
      failure: this.v.everyEndingVisible ? failure : { type: failure.type, message: failure.message },
    });
    this.legacyPublishPoint();
    recordOrderOutcome('failed');
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      details: [details],
    });
  }

  /** Steps 1 to 9, in order; a resumed run (continue-as-new) skips what its state says is done. */
  private async runSteps(): Promise<PortInResult> {
    const order = this.order;
    // ----- step 1: portability ------------------------------------------------------------------
    let verdicts: PortabilityVerdict[] = [];
    if (this.state.phase === 'checking_portability') {
      verdicts = await this.checkAllPortability(
        order,
        this.opts.portabilityBatchSize,
        this.opts.portabilityConcurrency
      );
      this.update(
        recordPortability(
          this.state,
          verdicts.map((v) => ({ phoneNumber: v.phoneNumber, portable: v.portable, code: v.code, reason: v.reason })),
          iso(now())
        )
      );
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
        this.fail(
          { type: PortInFailureType.PinAndAccountNumberRequired, code: null, message },
          { phoneNumbers: missingPin.map((v) => v.phoneNumber) }
        );
      }
      if (!verdicts.some((v) => v.portable)) {
        this.update(
          setPhase(this.state, 'canceled', iso(now()), 'No number of the order is portable; nothing was created')
        );
        this.legacyPublishPoint();
        return this.result();
      }
      this.update(setPhase(this.state, 'uploading_bill', iso(now()), 'Portability checked'));
      this.legacyPublishPoint();
    }

    // ----- step 2: the utility bill ---------------------------------------------------------------
    if (this.state.phase === 'uploading_bill') {
      const bill = order.utilityBill;
      const documentSid =
        'documentSid' in bill
          ? bill.documentSid
          : await this.summarized(quick, () => 'Upload the utility bill').uploadUtilityBill({
              path: bill.path,
              friendlyName: bill.friendlyName ?? `Utility bill for ${order.orderId}`,
              mimeType: bill.mimeType,
            });
      this.update(
        setPhase({ ...this.state, documentSids: [documentSid] }, 'creating_requests', iso(now()), 'Utility bill ready')
      );
      this.legacyPublishPoint();
    }

    // ----- step 3: the request(s), exactly once -------------------------------------------------
    if (this.state.phase === 'creating_requests') {
      const portable = order.phoneNumbers.filter((n) => this.state.numbers[n.phoneNumber]?.status === 'checking');
      const attempts = this.v.createAttempts ? order.options?.createAttempts : undefined;
      const stub = attempts ? creationWithAttempts(attempts) : creation;
      for (let i = 0; i < portable.length; i += MAX_NUMBERS_PER_REQUEST) {
        await this.createRequest(portable.slice(i, i + MAX_NUMBERS_PER_REQUEST), {}, [], verdicts, stub);
      }
      this.update(
        setPhase(
          this.state,
          'porting',
          iso(now()),
          `Waiting for the losing carrier (${Object.keys(this.state.requests).length} request(s))`
        )
      );
      this.legacyPublishPoint();
    }

    // ----- steps 4–9: follow the carrier until every number has ended ----------------------------
    await this.followPort();

    // ----- after the port: every completed number in the account, configured -------------------
    if (this.v.postPortActivation && this.state.phase === 'porting') await this.activatePortedNumbers();

    if (this.state.phase === 'porting') {
      this.update(setPhase(this.state, finalPhase(this.state), iso(now()), `Order ${finalPhase(this.state)}`));
    }
    this.legacyPublishPoint();
    await condition(allHandlersFinished);
    return this.result();
  }

  /**
   * Steps 4–9: wakes on events, reconcile and expiry times until every number has ended. Under V2 an
   * ending is confirmed with Twilio first: a poll that reopens a number sends the order back to waiting.
   */
  private async followPort(): Promise<void> {
    for (;;) {
      await this.waitUntilSettled();
      if (!this.v.apiIsTruth || this.state.phase !== 'porting') return;
      await this.confirmTerminalStatuses();
      if (this.state.phase !== 'porting' || allNumbersSettled(this.state)) return;
    }
  }

  /**
   * Polls once each request whose terminal status (or a number's) only a webhook reported. A request
   * the poll leaves unconfirmed (a number its snapshot omits) does not hold the order: one poll each.
   */
  private async confirmTerminalStatuses(): Promise<void> {
    let sids = unconfirmedTerminalRequests(this.state);
    while (sids.length > 0) {
      const pending = sids;
      const answered = await this.lock.run(async () => {
        for (const sid of pending) {
          if (!(await this.pollRequest(sid, 'confirmation before the order ends'))) return false;
        }
        return true;
      });
      if (answered) return;
      // Parked (Twilio did not answer): try again on the attention backoff.
      this.dirty = false;
      const timeout = Math.max(1, this.nextReconcileAt - now());
      if (this.v.portingDesk) {
        await condition(() => this.dirty, timeout, {
          summary: `Ask Twilio again at ${iso(this.nextReconcileAt)} (confirmation before the order ends)`,
        });
      } else await condition(() => this.dirty, timeout);
      sids = unconfirmedTerminalRequests(this.state);
    }
  }

  private async waitUntilSettled(): Promise<void> {
    const order = this.order;
    while (this.state.phase === 'porting' && !allNumbersSettled(this.state)) {
      if (this.shouldContinueAsNew()) {
        await condition(allHandlersFinished);
        this.update({ ...this.state, counters: { ...this.state.counters, runs: this.state.counters.runs + 1 } });
        log.info('Continuing as new', { orderId: order.orderId, historyLength: workflowInfo().historyLength });
        await continueAsNew<(input: PortInWorkflowInput) => Promise<PortInResult>>({
          order: this.order,
          resume: this.state,
        });
      }
      const wakeAt = this.nextWakeAt();
      this.dirty = false;
      const woken = () => this.dirty || allNumbersSettled(this.state) || this.shouldContinueAsNew();
      const timeout = Math.max(1, wakeAt - now());
      if (this.v.portingDesk) await condition(woken, timeout, { summary: this.wakeSummary(wakeAt) });
      else await condition(woken, timeout);
      await this.lock.run(async () => {
        if (now() >= this.nextReconcileAt || this.reconcileSoon) await this.reconcile();
        await this.expireUnsignedRequests();
        if (this.v.deadlineTimers) this.remindUnsignedRequests();
        await this.applyAutoCancelPolicy();
        if (this.v.deadlineTimers) this.noteCancelWindows();
      });
      this.legacyPublishPoint();
    }
  }

  /**
   * Checks each completed number in the target account and applies `onPorted`, a few at a time.
   * Its own path: whatever happens to one number ends as that number's `configuration_failed`,
   * never as the order's failure (cancellation of the workflow excepted).
   */
  private async activatePortedNumbers(): Promise<void> {
    const due = numbersToActivate(this.state).map((n) => n.phoneNumber);
    if (due.length === 0) return;
    for (const phoneNumber of due) {
      this.update(
        setActivation(this.state, phoneNumber, {
          status: 'activating',
          phoneNumberSid: null,
          configured: [],
          messagingServiceSid: null,
          reason: null,
          code: null,
          checks: null,
          at: iso(now()),
        })
      );
    }
    this.noteTimeline('activation', `Activating ${due.length} ported number(s) in the account`);
    let next = 0;
    const worker = async () => {
      while (next < due.length) await this.activateNumber(due[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(ACTIVATION_CONCURRENCY, due.length) }, worker));
  }

  private async activateNumber(phoneNumber: string): Promise<void> {
    const order = this.order;
    try {
      const done = await this.summarized(
        activation,
        () => `Activate ${phoneNumber} after the port`
      ).activatePortedNumber({
        phoneNumber,
        ...(order.accountSid ? { accountSid: order.accountSid } : {}),
        ...(order.onPorted ? { onPorted: order.onPorted } : {}),
      });
      this.update(
        setActivation(this.state, phoneNumber, {
          status: 'live',
          phoneNumberSid: done.phoneNumberSid,
          configured: [...done.configured],
          messagingServiceSid: done.messagingServiceSid,
          reason: null,
          code: null,
          checks: done.checks,
          at: iso(now()),
        })
      );
      const set = [
        ...(done.configured.length ? [`set ${done.configured.join(', ')}`] : []),
        ...(done.messagingServiceSid ? [`joined Messaging Service ${done.messagingServiceSid}`] : []),
      ];
      this.noteTimeline(
        'number-live',
        `Ported, live: ${done.phoneNumberSid} in the account${set.length ? `; ${set.join('; ')}` : ''}`,
        { phoneNumber }
      );
    } catch (err) {
      if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
      const facts = twilioFailureFacts(err);
      const account = order.accountSid ?? 'the worker’s account';
      const reason =
        facts.type === ActivationFailureType.NotInAccount
          ? `not in the IncomingPhoneNumbers of ${account} after ${ACTIVATION_ATTEMPTS} checks`
          : facts.exhausted
            ? `Twilio kept failing (${ACTIVATION_ATTEMPTS} attempts), the last with: ${facts.message}`
            : twilioMessageOf(err);
      const code = facts.code ?? (facts.status && facts.status > 0 ? facts.status : null);
      const previous = this.state.numbers[phoneNumber]?.activation;
      this.update(
        setActivation(this.state, phoneNumber, {
          status: 'configuration_failed',
          phoneNumberSid: previous?.phoneNumberSid ?? null,
          configured: [],
          messagingServiceSid: null,
          reason,
          code,
          checks: null,
          at: iso(now()),
        })
      );
      this.noteTimeline(
        'number-configuration-failed',
        `Ported, configuration failed: ${code != null && facts.type?.startsWith('Twilio.') ? `${code} ` : ''}${reason}`,
        { phoneNumber }
      );
    }
  }

  private result(): PortInResult {
    recordOrderOutcome(outcomeOf(this.state));
    return orderResult(this.state);
  }

  /**
   * The workflow itself was canceled (the UI's "Request Cancellation", `handle.cancel()`): the
   * operator means the port-in, so cancel its open requests at Twilio too before ending as canceled.
   * Runs outside the canceled scope; a request Twilio refuses to cancel (72-hour rule) is noted.
   */
  private async cancelAtTwilio(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      const open = this.openRequests();
      for (const r of open) {
        try {
          await this.summarized(quick, () => `Cancel request ${r.sid} (workflow canceled)`).cancelPortInRequest({
            portInRequestSid: r.sid,
          });
          this.apply(cancelingRequestEvent(r.sid));
        } catch (err) {
          this.noteTimeline(
            'operator',
            `Could not cancel the request at Twilio: ${err instanceof Error ? err.message : String(err)}`,
            { requestSid: r.sid }
          );
        }
      }
      this.update(
        setPhase(
          this.state,
          'canceled',
          iso(now()),
          `Workflow canceled by an operator; ${open.length} open request(s) canceled at Twilio`
        )
      );
      this.legacyPublishPoint();
      recordOrderOutcome('canceled');
      await this.drainEvents();
    });
  }

  private openRequests() {
    return Object.values(this.state.requests).filter((r) => !terminalRequestStatuses.has(r.status));
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength >= this.opts.continueAsNewAfterEvents ||
      this.signalsThisRun >= this.opts.continueAsNewAfterSignals
    );
  }

  private nextWakeAt(): number {
    const candidates = [this.nextReconcileAt];
    for (const r of Object.values(this.state.requests)) {
      const expiry = loaExpiryOf(r, this.loaExpiryMs);
      if (expiry != null) candidates.push(expiry);
    }
    const autoCancelAt = this.nextAutoCancelAt();
    if (autoCancelAt != null) candidates.push(autoCancelAt);
    if (this.v.deadlineTimers) {
      for (const r of Object.values(this.state.requests)) {
        const reminder = nextLoaReminderAt(r, this.loaExpiryMs, this.loaReminderOffsetsMs);
        if (reminder != null) candidates.push(reminder);
      }
      const window = nextCancelWindowAt(this.state, this.cancelWindowWarningMs!);
      if (window != null) candidates.push(window);
    }
    return Math.min(...candidates);
  }

  /** What the wait's timer is for (webhooks and updates end it earlier), for its summary. */
  private wakeSummary(wakeAt: number): string {
    const at = iso(wakeAt);
    for (const r of Object.values(this.state.requests)) {
      if (loaExpiryOf(r, this.loaExpiryMs) === wakeAt) return `LOA expiry for ${r.sid} at ${at}`;
    }
    if (this.nextAutoCancelAt() === wakeAt && wakeAt !== this.nextReconcileAt) {
      return `Auto-cancel of rejected numbers at ${at}`;
    }
    if (this.v.deadlineTimers) {
      for (const r of Object.values(this.state.requests)) {
        if (nextLoaReminderAt(r, this.loaExpiryMs, this.loaReminderOffsetsMs) === wakeAt) {
          return `LOA reminder for ${r.sid} at ${at}`;
        }
      }
      if (nextCancelWindowAt(this.state, this.cancelWindowWarningMs!) === wakeAt)
        return `Cancel window notice at ${at}`;
    }
    return this.state.attention
      ? `Ask Twilio again at ${at} (Needs Attention: ${this.state.attention.reason})`
      : `Reconcile with Twilio at ${at}, unless a webhook comes first`;
  }

  private nextAutoCancelAt(): number | null {
    if (this.autoCancelMs == null) return null;
    const ms = this.autoCancelMs;
    if (this.v.deadlineTimers) {
      // A parked order retries on the attention backoff (the reconcile time), not in a tight loop;
      // a number past its cutoff can no longer be canceled, so it sets no timer.
      if (this.state.attention) return null;
      const times = this.autoCancelable().map((n) => autoCancelDueAt(this.state, n, ms, true));
      return times.length ? Math.min(...times) : null;
    }
    const times = rejectedNumbers(this.state).flatMap((n) => (n.rejection ? [Date.parse(n.rejection.at) + ms] : []));
    return times.length ? Math.min(...times) : null;
  }

  /** Rejected numbers the policy can still cancel: before their cutoff. */
  private autoCancelable(): NumberState[] {
    return rejectedNumbers(this.state).filter((n) => n.rejection && now() < cancelCutoffOf(this.state, n));
  }

  // ----- reconciliation and "Needs Attention" -------------------------------------------------------

  /**
   * Asks Twilio for one request. Since needsAttention, a failure parks the order (and the next
   * attempt comes on a backoff) instead of failing it; null then means "no answer this time".
   */
  private async fetchRequest(sid: string, operation: string): Promise<PortingEvent[] | null> {
    const summary = () => `Fetch ${sid} from Twilio (${operation})`;
    if (!this.v.needsAttention) return this.summarized(quick, summary).fetchPortInRequest({ portInRequestSid: sid });
    try {
      const events = await this.summarized(reconciliation, summary).fetchPortInRequest({ portInRequestSid: sid });
      this.resumeFromAttention();
      return events;
    } catch (err) {
      if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
      this.park(err, operation, sid);
      return null;
    }
  }

  /** Parks the order as "Needs Attention" with the reason; the next reconcile comes on a backoff. */
  private park(err: unknown, operation: string, requestSid?: string): void {
    const facts = twilioFailureFacts(err);
    const reason = attentionReasonOf(facts) ?? AttentionReason.TwilioRefused;
    const code = facts.code ?? (facts.status && facts.status > 0 ? facts.status : null);
    const previous = this.state.attention ?? null;
    const failures = (previous?.failures ?? 0) + 1;
    const first = Math.min(ATTENTION_FIRST_RETRY_MS, this.reconcileMs);
    const cap = Math.min(ATTENTION_MAX_RETRY_MS, this.reconcileMs);
    const backoff = Math.min(cap, first * 2 ** Math.min(failures - 1, 20));
    this.nextReconcileAt = Math.min(this.nextReconcileAt, now() + backoff);
    let next: PortInState = {
      ...this.state,
      attention: {
        reason,
        code,
        message: facts.message,
        operation,
        since: previous?.since ?? iso(now()),
        failures,
      },
    };
    // One timeline entry per streak and reason, not one per retry.
    if (previous?.reason !== reason) {
      next = note(next, {
        at: iso(now()),
        kind: 'needs-attention',
        message: `Needs attention (${reason}${code != null ? ` ${code}` : ''}) during ${operation}: ${facts.message}; retrying by itself`,
        ...(requestSid ? { requestSid } : {}),
      });
    }
    this.update(next);
  }

  private resumeFromAttention(): void {
    const previous = this.state.attention;
    if (!previous) return;
    this.update(
      note(
        { ...this.state, attention: null },
        {
          at: iso(now()),
          kind: 'attention-resolved',
          message: `Twilio answers again after ${previous.failures} failed call(s) since ${previous.since}; resumed`,
        }
      )
    );
    this.dirty = true;
  }

  /**
   * Fetches one request and applies Twilio's answer; false when Twilio did not answer (parked). Under
   * V2 the snapshot replaces what webhooks said, so the webhooks applied while it was in flight are
   * applied again after it: a newer one advances the state again, an older one is stale.
   */
  private async pollRequest(sid: string, operation: string): Promise<boolean> {
    if (!this.v.apiIsTruth) {
      const events = await this.fetchRequest(sid, operation);
      if (events == null) return false;
      for (const event of events) this.apply(event);
      return true;
    }
    const meanwhile: PortingEvent[] = [];
    this.duringFetch = meanwhile;
    let events: PortingEvent[] | null;
    try {
      events = await this.fetchRequest(sid, operation);
    } finally {
      this.duringFetch = null;
    }
    if (events == null) return false;
    this.applyAll(events);
    this.applyAll(meanwhile.filter((event) => event.portInRequestSid === sid));
    return true;
  }

  /**
   * From now to the next poll: the interval, or since the patch a jittered share of it (workflow
   * Math.random() is seeded per run by Temporal, so a replay draws the same).
   */
  private pollDelay(first: boolean): number {
    return this.v.spreadPolls ? pollDelayMs(this.reconcileMs, Math.random(), first) : this.reconcileMs;
  }

  private async reconcile(): Promise<void> {
    this.nextReconcileAt = now() + this.pollDelay(false);
    this.reconcileSoon = false;
    for (const r of Object.values(this.state.requests)) {
      if (
        terminalRequestStatuses.has(r.status) &&
        r.phoneNumbers.every(
          (p) => this.state.numbers[p]?.requestSid !== r.sid || isNumberTerminal(this.state.numbers[p]!)
        )
      )
        continue;
      if (!(await this.pollRequest(r.sid, 'reconcile'))) return;
    }
  }

  private async expireUnsignedRequests(): Promise<void> {
    for (const r of Object.values(this.state.requests)) {
      const expiry = loaExpiryOf(r, this.loaExpiryMs);
      if (expiry == null || now() < expiry) continue;
      // The signature may have arrived without a webhook: ask Twilio before giving up on it.
      if (!(await this.pollRequest(r.sid, 'LOA expiry check'))) return;
      if (this.state.requests[r.sid]?.status === PortInRequestStatus.WAITING_FOR_SIGNATURE) {
        this.update(expireRequest(this.state, r.sid, iso(now()), this.rules));
        if (this.v.apiIsTruth) this.update(markLoaExpired(this.state, r.sid, iso(now())));
        this.noteTimeline(
          'loa-expired',
          `LOA not signed within ${this.opts.loaExpiry}: the request expired (Twilio cancels it)`,
          { requestSid: r.sid }
        );
        this.dirty = true;
      }
    }
  }

  /**
   * Since deadlineTimers: the reminder due for each request still waiting for a signature, as a
   * `loa-reminder` timeline entry (the `loa.reminder` event), marked sent in the request's state.
   */
  private remindUnsignedRequests(): void {
    for (const r of Object.values(this.state.requests)) {
      const { remind, sent } = dueLoaReminder(r, this.loaExpiryMs, this.loaReminderOffsetsMs, now());
      if (sent.length === 0) continue;
      const marked = markLoaRemindersSent(this.state, r.sid, sent);
      const message = remind && loaReminderMessage(r, remind.at + remind.offsetMs, now());
      this.update(
        message ? note(marked, { at: iso(now()), kind: 'loa-reminder', message, requestSid: r.sid }) : marked
      );
    }
  }

  /** Since deadlineTimers: the cancel window's warning and close, one entry per request and cutoff. */
  private noteCancelWindows(): void {
    for (const w of dueCancelWindowNotes(this.state, this.cancelWindowWarningMs!, now())) {
      this.update(
        note(markCancelWindowNoted(this.state, w, w.stage), {
          at: iso(now()),
          kind: `cancel-window-${w.stage}`,
          message: cancelWindowMessage(w, w.stage, now()),
          requestSid: w.requestSid,
          ...(w.phoneNumbers.length === 1 ? { phoneNumber: w.phoneNumbers[0]! } : {}),
        })
      );
    }
  }

  private async applyAutoCancelPolicy(): Promise<void> {
    if (this.autoCancelMs == null) return;
    const ms = this.autoCancelMs;
    if (this.v.deadlineTimers) {
      // Before the window closes, whatever the delay says: after it Twilio would refuse the cancellation.
      const due = this.autoCancelable().filter((n) => autoCancelDueAt(this.state, n, ms, true) <= now());
      if (due.length > 0) await this.autoCancel(due);
      return;
    }
    const due = rejectedNumbers(this.state).filter((n) => n.rejection && Date.parse(n.rejection.at) + ms <= now());
    if (due.length === 0) return;
    const cancelable = due.filter((n) => now() < cancelCutoffOf(this.state, n));
    if (cancelable.length > 0) {
      if (!this.v.needsAttention) await this.cancelNumbers(cancelable);
      else {
        try {
          await this.cancelNumbers(cancelable, 'reconcile');
          this.resumeFromAttention();
        } catch (err) {
          if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
          this.park(err, 'auto-cancel policy');
          return;
        }
      }
    }
    this.noteTimeline(
      'policy',
      `Auto-cancel policy: canceled ${cancelable.length} number(s) rejected for over ${this.order.options?.autoCancelRejectedAfter}`
    );
  }

  /** Since deadlineTimers: cancels the due rejected numbers, saying whether the delay or the cutoff set the time. */
  private async autoCancel(due: NumberState[]): Promise<void> {
    const ms = this.autoCancelMs!;
    try {
      await this.cancelNumbers(due, 'reconcile');
      this.resumeFromAttention();
    } catch (err) {
      if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
      this.park(err, 'auto-cancel policy');
      return;
    }
    const early = due.filter((n) => Date.parse(n.rejection!.at) + ms > now()).map((n) => n.phoneNumber);
    const delay = this.order.options?.autoCancelRejectedAfter;
    this.noteTimeline(
      'policy',
      `Auto-cancel policy: canceled ${due.length} rejected number(s) (${listed(due.map((n) => n.phoneNumber))})` +
        (early.length
          ? `; ${listed(early)} before ${delay} had passed, since the cancel window closes first`
          : `, rejected for over ${delay}`),
      due.length === 1 ? { phoneNumber: due[0]!.phoneNumber } : {}
    );
  }

  private async checkAllPortability(
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
        batches.slice(i, i + parallel).map((phoneNumbers, j) =>
          this.summarized(
            portability,
            () => `Check portability: ${phoneNumbers.length} numbers, batch ${i + j + 1} of ${batches.length}`
          ).checkPortability({
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
