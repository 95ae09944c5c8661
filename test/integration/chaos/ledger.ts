/**
 * Where each webhook the sandbox delivered ended up: a `portingEvent` signal in its order's history
 * (sent by the receiver, or forwarded by the request's inbox workflow), a recorded orphan, or
 * nowhere. Signal payloads are decoded with the workers' data converter (they are encrypted).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Delivery } from '../../../src/sandbox';
import { listOrphans } from '../../../src/orphans';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portInWorkflowId } from '../../../src/workflows/messages';

const EventType = temporal.api.enums.v1.EventType;

/** One `portingEvent` signal in an order's history. */
export interface SignalSeen {
  token: string | null;
  eventName: string | null;
  /** True when another workflow (the inbox) sent it. */
  viaInbox: boolean;
}

/** Every `portingEvent` signal of every run of the order's workflow. */
export async function portingSignals(client: Client, codecs: PayloadCodec[], orderId: string): Promise<SignalSeen[]> {
  const out: SignalSeen[] = [];
  let runId: string | undefined;
  // Follow the chain backwards from the latest run (continue-as-new).
  for (let hops = 0; hops < 20; hops++) {
    const handle = client.workflow.getHandle(portInWorkflowId(orderId), runId);
    const history = await handle.fetchHistory();
    let previous: string | undefined;
    for (const e of history.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
        previous = e.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      }
      const s = e.workflowExecutionSignaledEventAttributes;
      if (e.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED || !s || s.signalName !== 'portingEvent') {
        continue;
      }
      let payloads = (s.input?.payloads ?? []) as Payload[];
      for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
      const event = defaultPayloadConverter.fromPayload<PortingEvent>(payloads[0]!);
      out.push({
        token: event.idempotencyToken ?? null,
        eventName: event.eventName,
        viaInbox: s.externalWorkflowExecution?.workflowId != null && s.externalWorkflowExecution.workflowId !== '',
      });
    }
    if (!previous) break;
    runId = previous;
  }
  return out;
}

export interface Accounting {
  delivered: number;
  /** Delivered webhooks found in their order's history, sent there by the receiver itself. */
  routed: number;
  /** Found in the history, forwarded by the request's inbox (none but these if the receiver never routed). */
  viaInbox: number;
  /** Recorded as orphans, by reason. */
  orphaned: Record<string, number>;
  /** Delivered webhooks that are neither: what the test fails on. */
  missing: Array<{ id: string; event: string; sid: string; token: string; order: string | null }>;
  /** Signals in histories that carried a token already applied (the reducer's duplicates). */
  duplicateSignals: number;
}

/**
 * Accounts for every delivered webhook. `ownerOf` maps a `KW…` sid to the order that made it;
 * deliveries of one event share its idempotency token (a `duplicate` fault's copy too).
 */
export async function account(
  client: Client,
  codecs: PayloadCodec[],
  delivered: Delivery[],
  ownerOf: Map<string, string>,
  orphanReasons: Map<string, string>
): Promise<Accounting> {
  const bySid = new Map<string, SignalSeen[]>();
  let duplicateSignals = 0;
  for (const orderId of new Set(ownerOf.values())) {
    const signals = await portingSignals(client, codecs, orderId);
    const seen = new Set<string>();
    for (const s of signals) {
      if (s.token && seen.has(s.token)) duplicateSignals++;
      if (s.token) seen.add(s.token);
    }
    bySid.set(orderId, signals);
  }
  const result: Accounting = {
    delivered: delivered.length,
    routed: 0,
    viaInbox: 0,
    orphaned: {},
    missing: [],
    duplicateSignals,
  };
  for (const d of delivered) {
    const order = ownerOf.get(d.portInRequestSid) ?? null;
    const signals = order ? (bySid.get(order) ?? []) : [];
    const matches = signals.filter((s) => s.token === d.idempotencyToken);
    if (matches.length > 0) {
      if (matches.some((s) => !s.viaInbox)) result.routed++;
      else result.viaInbox++;
      continue;
    }
    const reason = orphanReasons.get(d.idempotencyToken);
    if (reason) {
      result.orphaned[reason] = (result.orphaned[reason] ?? 0) + 1;
      continue;
    }
    result.missing.push({ id: d.id, event: d.event, sid: d.portInRequestSid, token: d.idempotencyToken, order });
  }
  return result;
}

/** Idempotency token → orphan reason, for every recorded orphan. */
export async function orphanReasonsByToken(client: Client): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const orphan of await listOrphans(client, 1000)) {
    for (const e of orphan.events) if (e.idempotencyToken) out.set(e.idempotencyToken, orphan.reason);
  }
  return out;
}
