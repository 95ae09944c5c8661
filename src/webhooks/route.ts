/**
 * Delivers a verified event to the workflow that owns its port-in request. The owner is found with
 * a visibility query on the `PortInRequestSids` keyword list (equality means "contains") and cached;
 * right after a request is created the index may lag, so a miss is retried for a short, bounded time.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { PortingEvent } from '../twilio/porting-event';
import { portingEventSignal } from '../workflows/messages';
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
    readonly operation: 'lookup' | 'signal',
    override readonly cause: unknown
  ) {
    super(`Temporal ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export type DeliveryOutcome =
  { kind: 'routed'; workflowId: string } | { kind: 'unrouted'; reason: UnroutedReason; workflowId: string | null };

export interface RouterOptions {
  client: Client;
  metrics: WebhookMetrics;
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

  constructor(private readonly options: RouterOptions) {
    this.owners = new LruCache(options.ownerCacheSize);
    this.unknown = new LruCache(options.ownerCacheSize, options.unknownTtlMs);
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Signals the event to its owner. Resolves `unrouted` when no workflow owns the sid or the owner
   * has finished; throws {@link TemporalUnavailableError} when Temporal could not be asked.
   */
  async deliver(event: PortingEvent): Promise<DeliveryOutcome> {
    const sid = event.portInRequestSid;
    const cached = this.owners.get(sid);
    if (cached) this.options.metrics.lookup('cache');
    const workflowId = cached ?? (await this.findOwner(sid));
    if (!workflowId) return { kind: 'unrouted', reason: 'unknown-request', workflowId: null };

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
    return { kind: 'unrouted', reason: 'workflow-closed', workflowId };
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
    if (!pending) {
      pending = this.lookupWithRetry(sid).finally(() => this.lookups.delete(sid));
      this.lookups.set(sid, pending);
    }
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
    const query = `PortInRequestSids = '${sid}'`;
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
