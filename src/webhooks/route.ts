/**
 * Delivers a verified event to the workflow that owns its port-in request. The owner is found with
 * a visibility query on the `PortInRequestSids` keyword list (equality means "contains"), restricted
 * to `portInWorkflow` (inboxes list the sid too), and cached; right after a request is created the
 * index may lag, so a miss is retried for a short, bounded time. An event no running order owns is
 * held durably in the request's inbox workflow (signal-with-start), never dropped.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { PortingEvent } from '../twilio/porting-event';
import { inboxEventSignal, PORT_IN_INBOX_WORKFLOW_TYPE, portInInboxWorkflowId } from '../workflows/inbox-messages';
import type { InboxEventInput, PortInInboxInput } from '../workflows/inbox-messages';
import { PORT_IN_WORKFLOW_TYPE, portingEventSignal } from '../workflows/messages';
import { LruCache } from './lru';
import type { UnroutedReason, WebhookMetrics } from './metrics';

/** How long a visibility miss is retried: `attempts` queries, `delayMs` apart. */
export interface LookupRetry {
  attempts: number;
  delayMs: number;
}

/** About 1.25 s: longer than the dev server's and Elasticsearch's usual index lag, far below Twilio's 15 s. */
export const DEFAULT_LOOKUP_RETRY: Readonly<LookupRetry> = { attempts: 6, delayMs: 250 };

/** A Temporal call failed or timed out: the receiver answers 503 so Twilio retries. */
export class TemporalUnavailableError extends Error {
  override readonly name = 'TemporalUnavailableError';
  constructor(
    readonly operation: 'lookup' | 'signal' | 'hold',
    override readonly cause: unknown
  ) {
    super(`Temporal ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * `routed`: signalled to the owner. `held`: signal-with-start of the request's inbox, which forwards
 * the event once the owner claims it or records it as an orphan (`workflowId` is the closed owner
 * for `workflow-closed`, null otherwise).
 */
export type DeliveryOutcome =
  | { kind: 'routed'; workflowId: string }
  | { kind: 'held'; reason: UnroutedReason; workflowId: string | null; inboxWorkflowId: string };

/** Where and how the receiver starts inboxes. */
export interface InboxSettings {
  /** The task queue portflow's workers poll: inboxes run there. */
  taskQueue: string;
  /** An inbox nobody claims records its events as orphans after this long. @default 24 hours */
  orphanAfterMs?: number;
  /** An inbox holding only a closed owner's events records them after this long. @default 60 s */
  closedOwnerGraceMs?: number;
}

export interface RouterOptions {
  client: Client;
  metrics: WebhookMetrics;
  inbox: InboxSettings;
  /** The workflow type that owns requests (inboxes list the sid too). @default portInWorkflow */
  ownerWorkflowType?: string;
  lookupRetry: LookupRetry;
  /** Deadline of one Temporal call, so Twilio hears 503 long before its own 15 s timeout. */
  rpcTimeoutMs: number;
  /** sid → workflow id entries kept. */
  ownerCacheSize: number;
  /** A sid nobody owned is looked up once, not retried, for this long (bounds the cost of foreign sids). */
  unknownTtlMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One owner lookup: the workflow id, or null when no workflow lists the sid. */
type Owner = string | null;

export class WorkflowRouter {
  private readonly owners: LruCache<string, string>;
  private readonly unknown: LruCache<string, true>;
  /** Lookups in flight by sid: a 1,000-number burst for a new request costs one query, not 1,000. */
  private readonly lookups = new Map<string, Promise<Owner>>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly ownerWorkflowType: string;

  constructor(private readonly options: RouterOptions) {
    this.owners = new LruCache(options.ownerCacheSize);
    this.unknown = new LruCache(options.ownerCacheSize, options.unknownTtlMs);
    this.sleep = options.sleep ?? defaultSleep;
    // Interpolated into the visibility query: a plain identifier only.
    const type = options.ownerWorkflowType ?? PORT_IN_WORKFLOW_TYPE;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(type))
      throw new TypeError(`ownerWorkflowType: '${type}' is not a workflow type name`);
    this.ownerWorkflowType = type;
  }

  /**
   * Signals the event to its owner. Holds it in the request's inbox when no running order owns the
   * sid or the owner has finished; throws {@link TemporalUnavailableError} when Temporal could not
   * be asked (nothing was accepted: the caller answers 503 so Twilio retries).
   */
  async deliver(event: PortingEvent): Promise<DeliveryOutcome> {
    const sid = event.portInRequestSid;
    const cached = this.owners.get(sid);
    if (cached) this.options.metrics.lookup('cache');
    const workflowId = cached ?? (await this.findOwner(sid));
    if (!workflowId) return this.hold(event, 'unknown-request', null);

    if (await this.signal(workflowId, event)) return { kind: 'routed', workflowId };
    this.owners.delete(sid);
    if (cached) {
      // The cached owner has ended; after a restart or a hand-over another workflow may list the sid now.
      const fresh = await this.lookupOnce(sid);
      if (fresh && fresh !== workflowId && (await this.signal(fresh, event))) {
        this.owners.set(sid, fresh);
        return { kind: 'routed', workflowId: fresh };
      }
    }
    return this.hold(event, 'workflow-closed', workflowId);
  }

  /** Signal-with-start of the request's inbox: the event is durable once this resolves. */
  private async hold(
    event: PortingEvent,
    reason: UnroutedReason,
    closedOwnerWorkflowId: string | null
  ): Promise<DeliveryOutcome> {
    const { client, rpcTimeoutMs, inbox } = this.options;
    const inboxWorkflowId = portInInboxWorkflowId(event.portInRequestSid);
    const args: PortInInboxInput = {
      portInRequestSid: event.portInRequestSid,
      ...(inbox.orphanAfterMs !== undefined ? { orphanAfterMs: inbox.orphanAfterMs } : {}),
      ...(inbox.closedOwnerGraceMs !== undefined ? { closedOwnerGraceMs: inbox.closedOwnerGraceMs } : {}),
    };
    const signalArgs: [InboxEventInput] = [{ event, closedOwnerWorkflowId }];
    try {
      await client.withDeadline(Date.now() + rpcTimeoutMs, () =>
        client.workflow.signalWithStart(PORT_IN_INBOX_WORKFLOW_TYPE, {
          workflowId: inboxWorkflowId,
          taskQueue: inbox.taskQueue,
          args: [args],
          signal: inboxEventSignal,
          signalArgs,
        })
      );
    } catch (err) {
      throw new TemporalUnavailableError('hold', err);
    }
    return { kind: 'held', reason, workflowId: closedOwnerWorkflowId, inboxWorkflowId };
  }

  /** True when Temporal accepted the signal; false when the workflow is not running. */
  private async signal(workflowId: string, event: PortingEvent): Promise<boolean> {
    const { client, rpcTimeoutMs } = this.options;
    try {
      await client.withDeadline(Date.now() + rpcTimeoutMs, () =>
        client.workflow.getHandle(workflowId).signal(portingEventSignal, event)
      );
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw new TemporalUnavailableError('signal', err);
    }
  }

  /** The owner of `sid`, retrying a miss while the visibility index may still be catching up. */
  private findOwner(sid: string): Promise<Owner> {
    let pending = this.lookups.get(sid);
    if (pending) {
      this.options.metrics.lookup('shared');
      return pending;
    }
    pending = this.lookupWithRetry(sid).finally(() => this.lookups.delete(sid));
    this.lookups.set(sid, pending);
    return pending;
  }

  private async lookupWithRetry(sid: string): Promise<Owner> {
    const { attempts, delayMs } = this.options.lookupRetry;
    // A sid that was nobody's a moment ago gets one look, not the whole retry window.
    const tries = this.unknown.has(sid) ? 1 : attempts;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const owner = await this.lookupOnce(sid);
      if (owner) {
        this.unknown.delete(sid);
        this.owners.set(sid, owner);
        this.options.metrics.lookup('visibility');
        return owner;
      }
      if (attempt < tries) await this.sleep(delayMs);
    }
    this.unknown.set(sid, true);
    this.options.metrics.lookup('not-found');
    return null;
  }

  /** One visibility query. A running owner wins over a closed one (continue-as-new leaves both). */
  private async lookupOnce(sid: string): Promise<Owner> {
    const { client, rpcTimeoutMs } = this.options;
    // `sid` passed the parser's KW + 32 hex check, so it cannot break out of the quotes.
    const query = `WorkflowType = '${this.ownerWorkflowType}' AND PortInRequestSids = '${sid}'`;
    try {
      return await client.withDeadline(Date.now() + rpcTimeoutMs, async () => {
        let closed: string | null = null;
        let seen = 0;
        for await (const execution of client.workflow.list({ query, pageSize: 10 })) {
          if (execution.status.name === 'RUNNING') return execution.workflowId;
          closed ??= execution.workflowId;
          if (++seen >= 10) break;
        }
        return closed;
      });
    } catch (err) {
      throw new TemporalUnavailableError('lookup', err);
    }
  }
}
