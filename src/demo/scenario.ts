/**
 * The demo's scenario: one order of a handful of the sandbox's magic numbers that together show
 * every step — a number that is not portable and is dropped, one that needs a PIN and the account
 * number, one the carrier rejects (the demo resubmits it with corrected data, as an operator would
 * with the `resubmitRejected` update) and numbers that simply port.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { renderProgress } from '../cli/progress';
import type { LosingCarrierInput, PortInOrder } from '../order';
import type { SandboxHandle } from '../sandbox';
import { PortInCustomer } from '../search-attributes';
import { getPortInStatus, resubmitRejected, startPortIn, waitForPortIn } from '../starter';
import { PORT_IN_WORKFLOW_TYPE, portInWorkflowId } from '../workflows/messages';
import type { PortInResult, PortInStatusView } from '../workflows/messages';
import type { DemoDisplay } from './display';

const DAY = 86_400_000;

/** The customer reference of every demo order: the UI's `PortInCustomer = "demo-customer"` lists them. */
export const DEMO_CUSTOMER_REF = 'demo-customer';
/**
 * The PIN and account number of the demo order. They must never appear in the demo's output or
 * logs, nor in plaintext in Temporal's history (tests search for them).
 */
export const DEMO_PIN = '582047';
export const DEMO_ACCOUNT_NUMBER = '4417-2291-0855';

/** The scenario's numbers (docs/sandbox.md has the magic-number table) and what each shows. */
export const DEMO_NUMBERS = {
  portable: '+14155551001',
  pinRequired: '+14155550201',
  mobile: '+14155550501',
  rejectedOnce: '+14155550154',
  notPortable: '+14155550132',
} as const;

const STORIES: Record<string, string> = {
  [DEMO_NUMBERS.portable]: 'a local number that ports without trouble',
  [DEMO_NUMBERS.pinRequired]: 'a mobile number whose carrier wants its PIN and the account number',
  [DEMO_NUMBERS.mobile]: 'a mobile number without a PIN',
  [DEMO_NUMBERS.rejectedOnce]: 'the carrier rejects it once (22154, invalid address); the demo resubmits it',
  [DEMO_NUMBERS.notPortable]: 'not portable (22132, already in Twilio with another owner): dropped',
};

/** The losing-carrier data as first filed: the street is the one the carrier does not recognise. */
export function demoLosingCarrier(): LosingCarrierInput {
  return {
    customerType: 'Business',
    customerName: 'Demo Bakery LLC',
    accountNumber: DEMO_ACCOUNT_NUMBER,
    accountTelephoneNumber: '+14155551000',
    authorizedRepresentative: 'Alex Demo',
    authorizedRepresentativeEmail: 'alex@example.com',
    address: { street: '500 Market Street', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
  };
}

/** The correction an operator would make after a 22154 rejection: the address as the carrier has it. */
export function correctedLosingCarrier(): LosingCarrierInput {
  const original = demoLosingCarrier();
  return { ...original, address: { ...original.address!, street: '500 Market St', street2: 'Suite 200' } };
}

/** A fresh, readable order id per run, e.g. `demo-20250612-143005-123`. */
export function demoOrderId(at: Date = new Date()): string {
  const iso = at.toISOString();
  return `demo-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
}

/** `YYYY-MM-DD`, `days` after `now` (UTC). */
function dateAfter(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY).toISOString().slice(0, 10);
}

/** The demo order, valid against the sandbox's clock `now`. */
export function buildDemoOrder(input: {
  orderId: string;
  now: Date;
  utilityBillPath: string;
  /** How far the accelerated sandbox clock can run ahead of real time during the scenario. */
  maxClockLeadMs: number;
}): PortInOrder {
  return {
    orderId: input.orderId,
    customerRef: DEMO_CUSTOMER_REF,
    losingCarrierInformation: demoLosingCarrier(),
    phoneNumbers: [
      { phoneNumber: DEMO_NUMBERS.portable },
      { phoneNumber: DEMO_NUMBERS.pinRequired, pin: DEMO_PIN },
      { phoneNumber: DEMO_NUMBERS.mobile },
      { phoneNumber: DEMO_NUMBERS.rejectedOnce },
      { phoneNumber: DEMO_NUMBERS.notPortable },
    ],
    targetPortInDate: dateAfter(input.now, 8),
    notificationEmails: ['porting-ops@example.com'],
    utilityBill: { path: input.utilityBillPath, friendlyName: 'Demo Bakery utility bill', mimeType: 'application/pdf' },
    // Webhooks drive the order; the poll only covers a lost one. Seconds here, hours in production.
    // The sandbox's clock runs ahead of the workflow's on purpose, so its webhooks are dated in the
    // future: without a skew as large as that lead, the workflow (rules V2) would find every one suspect.
    options: {
      reconcileInterval: '5s',
      maxWebhookClockSkew: `${Math.ceil(input.maxClockLeadMs / 86_400_000) + 1} days`,
    },
  };
}

/** What the scenario needs from the running stack. */
export interface ScenarioContext {
  client: Client;
  sandbox: SandboxHandle;
  taskQueue: string;
  utilityBillPath: string;
  clockScale: number;
  timeoutMs: number;
  display: DemoDisplay;
  /** Links printed as soon as the workflow exists. */
  workflowLink: (workflowId: string) => string;
  /** Aborts the scenario (Ctrl-C). */
  signal?: AbortSignal;
}

export interface Resubmission {
  phoneNumber: string;
  rejectedCode: number | null;
  rejectedReason: string | null;
  oldRequestSid: string | null;
  newRequestSid: string;
}

export interface ScenarioOutcome {
  orderId: string;
  workflowId: string;
  /** The workflow's result, or null when it failed (see `failure`). */
  result: PortInResult | null;
  failure: string | null;
  view: PortInStatusView;
  resubmissions: Resubmission[];
  elapsedMs: number;
}

/** The scenario did not end in time; the message says what was still pending. */
export class ScenarioTimeoutError extends Error {
  override readonly name = 'ScenarioTimeoutError';
}

const TERMINAL_PHASES = new Set(['completed', 'canceled', 'expired', 'failed']);

/**
 * Terminates port-ins an earlier demo run left running on the demo's task queue: the sandbox that
 * knew their requests is gone, so they could only retry forever.
 */
export async function terminateLeftovers(client: Client, taskQueue: string): Promise<string[]> {
  const query = `WorkflowType = "${PORT_IN_WORKFLOW_TYPE}" AND ExecutionStatus = "Running" AND TaskQueue = "${taskQueue}" AND ${PortInCustomer.name} = "${DEMO_CUSTOMER_REF}"`;
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query })) {
    if (ids.length >= 100) break;
    ids.push(w.workflowId);
  }
  for (const id of ids) {
    await client.workflow
      .getHandle(id)
      .terminate('An earlier demo run ended before this order did; its sandbox (and requests) are gone.')
      .catch(() => undefined);
  }
  return ids;
}

/** Runs the scenario to its end, showing live progress; resubmits each rejected number once. */
export async function runDemoScenario(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { client, sandbox, display } = ctx;
  const startedAt = Date.now();
  const order = buildDemoOrder({
    orderId: demoOrderId(),
    now: sandbox.clock.now(),
    utilityBillPath: ctx.utilityBillPath,
    maxClockLeadMs: ctx.clockScale * ctx.timeoutMs,
  });
  const workflowId = portInWorkflowId(order.orderId);

  display.note('');
  display.note(
    display.strong(`Order ${order.orderId} (${order.phoneNumbers.length} numbers, customer ${DEMO_CUSTOMER_REF}):`)
  );
  for (const n of order.phoneNumbers) display.note(`  ${n.phoneNumber}  ${STORIES[n.phoneNumber] ?? ''}`);
  await startPortIn(client, order, { taskQueue: ctx.taskQueue, now: sandbox.clock.now() });
  display.note(`Started workflow ${workflowId}; watch it live: ${ctx.workflowLink(workflowId)}`);
  display.note('');

  const resubmissions: Resubmission[] = [];
  const resubmitted = new Set<string>();
  let accelerated = false;
  let view: PortInStatusView | undefined;
  let lastError: unknown;
  const deadline = startedAt + ctx.timeoutMs;

  for (;;) {
    if (ctx.signal?.aborted) throw new Error('The scenario was interrupted.');
    if (Date.now() > deadline) {
      const pending = view?.numbers.filter((n) => !['completed', 'canceled', 'not_portable'].includes(n.status));
      throw new ScenarioTimeoutError(
        `The scenario did not finish within ${Math.round(ctx.timeoutMs / 1000)} s (PORTFLOW_DEMO_TIMEOUT_SECONDS). ` +
          (view
            ? `Order status: ${view.status}; still pending: ${pending?.map((n) => `${n.phoneNumber} (${n.statusLabel})`).join(', ') || 'none'}.`
            : `The workflow never answered its status query${lastError instanceof Error ? `: ${lastError.message}` : ''}.`)
      );
    }
    try {
      view = await getPortInStatus(client, order.orderId);
    } catch (err) {
      // The first workflow task may not have run yet; a query then fails briefly.
      lastError = err;
      await sleep(300, ctx.signal);
      continue;
    }
    display.progress(renderProgress(view, { color: display.color }));

    if (!accelerated && view.requestSids.length > 0) {
      accelerated = true;
      sandbox.clock.setScale(ctx.clockScale);
      display.note(
        `Request ${view.requestSids[0]} filed with the (simulated) losing carrier; its clock now runs ` +
          `${formatSpeed(ctx.clockScale)}.`
      );
    }

    for (const n of view.numbers) {
      if (n.status !== 'port_rejected' || resubmitted.has(n.phoneNumber)) continue;
      resubmitted.add(n.phoneNumber);
      display.note(
        `${n.phoneNumber} was rejected by the carrier (${n.rejection?.code ?? '?'} ${n.rejection?.reason ?? ''}); ` +
          'resubmitting it with the corrected address (update resubmitRejected)…'
      );
      // Freeze the carrier's clock so the new target date is valid when the request is filed.
      sandbox.clock.setScale(0);
      try {
        const answer = await resubmitRejected(client, order.orderId, {
          losingCarrierInformation: correctedLosingCarrier(),
          phoneNumbers: [n.phoneNumber],
          targetPortInDate: dateAfter(sandbox.clock.now(), 8),
        });
        resubmissions.push({
          phoneNumber: n.phoneNumber,
          rejectedCode: n.rejection?.code ?? null,
          rejectedReason: n.rejection?.reason ?? null,
          oldRequestSid: n.requestSid,
          newRequestSid: answer.newRequestSid,
        });
        display.note(`${n.phoneNumber} resubmitted in a new request ${answer.newRequestSid}.`);
      } finally {
        sandbox.clock.setScale(ctx.clockScale);
      }
    }

    if (TERMINAL_PHASES.has(view.phase)) break;
    await sleep(250, ctx.signal);
  }
  display.endProgress();
  // The carrier's days ran ahead of the calendar; orders started by hand after the scenario must be
  // judged on the real date (a target date 7 days from today would otherwise be "too soon").
  sandbox.clock.resetToWallClock();

  let result: PortInResult | null = null;
  let failure: string | null = null;
  try {
    result = await waitForPortIn(client, order.orderId);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    failure = err.cause?.message ?? err.message;
  }
  return {
    orderId: order.orderId,
    workflowId,
    result,
    failure,
    view,
    resubmissions,
    elapsedMs: Date.now() - startedAt,
  };
}

/** The end of the scenario, one line per number, in words a porting team uses. */
export function summarizeOutcome(outcome: ScenarioOutcome): string[] {
  const { view, result } = outcome;
  const seconds = Math.round(outcome.elapsedMs / 1000);
  const head = result
    ? `Scenario finished in ${seconds} s: order ${outcome.orderId} ${view.status} (${view.counts.completed} of ${view.counts.total} numbers ported).`
    : `Scenario ended in ${seconds} s: order ${outcome.orderId} FAILED: ${outcome.failure ?? view.status}`;
  const lines = [head];
  for (const n of view.numbers) {
    const resubmission = outcome.resubmissions.find((r) => r.phoneNumber === n.phoneNumber);
    let detail: string;
    if (n.status === 'not_portable') {
      detail = `dropped: not portable (${n.notPortable?.code ?? '?'} ${n.notPortable?.reason ?? ''})`.trimEnd();
    } else if (resubmission) {
      detail =
        `${n.statusLabel} after resubmission: rejected ${resubmission.rejectedCode ?? '?'} (${resubmission.rejectedReason ?? 'no reason'}) ` +
        `in ${resubmission.oldRequestSid ?? '?'}, resubmitted in ${resubmission.newRequestSid}`;
    } else {
      detail = n.statusLabel;
    }
    // The label may say "Ported, live" since the post-port activation: the date goes in parentheses.
    const portDate = n.status === 'completed' && n.portDate ? ` (port date ${n.portDate.slice(0, 10)})` : '';
    lines.push(`  ${n.phoneNumber.padEnd(14)} ${detail}${portDate}`);
  }
  return lines;
}

function formatSpeed(scale: number): string {
  const secondsPerDay = 86_400 / scale;
  return secondsPerDay >= 1
    ? `one simulated day every ${Number(secondsPerDay.toFixed(1))} s`
    : `${Number((scale / 86_400).toFixed(1))} simulated days per second`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
