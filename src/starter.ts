/**
 * Library functions to start, inspect and steer port-ins: what backend services call. The command
 * line is built on them (src/cli); nothing here imports it.
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import type { Client, WorkflowHandle, WorkflowUpdateHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { PortInOrder } from './order';
import { validateOrder } from './order-validation';
import {
  PortInCustomer,
  PortInNumbersPending,
  PortInRequestSids,
  PortInStatus,
  PortInTargetDate,
} from './search-attributes';
import {
  cancelPhoneNumbersUpdate,
  cancelPortInUpdate,
  PORT_IN_WORKFLOW_TYPE,
  portInStatusQuery,
  orderIdFromWorkflowId,
  portInWorkflowId,
  resubmitRejectedUpdate,
} from './workflows/messages';
import type {
  CancelPhoneNumbersResult,
  CancelPortInResult,
  PortInResult,
  PortInStatusView,
  ResubmitRejectedInput,
  ResubmitRejectedResult,
} from './workflows/messages';
import type { portInWorkflow } from './workflows/port-in-workflow';

export interface StartPortInOptions {
  taskQueue: string;
  /** The clock of the 7-day rule (the sandbox's, when it runs an accelerated clock). @default now */
  now?: Date;
}

/**
 * The one line the Temporal UI shows for the order (the start's static summary) and its static
 * details: what the order is, never its carrier data (encrypted like every payload all the same).
 */
export function orderStaticMetadata(order: PortInOrder): { staticSummary: string; staticDetails: string } {
  const n = order.phoneNumbers.length;
  return {
    staticSummary: `Port-in ${order.orderId}: ${n} number${n === 1 ? '' : 's'} for ${order.customerRef}, target ${order.targetPortInDate}`,
    staticDetails: [
      `Order **${order.orderId}** for customer ${order.customerRef}: ${n} number${n === 1 ? '' : 's'}, target port-in date ${order.targetPortInDate}.`,
      '',
      '*Current Details* is the porting desk: the status, the numbers that need an operator and what resolves each, and the next deadlines.',
      'Act with the updates `resubmitRejected`, `cancelPhoneNumbers` and `cancelPortIn` (More Actions → Send an Update); read everything with the `portInStatus` query.',
    ].join('\n'),
  };
}

export interface StartedPortIn {
  workflowId: string;
  runId: string;
  /** False when the order was already running or done: the existing workflow is returned. */
  started: boolean;
  handle: WorkflowHandle<typeof portInWorkflow>;
}

/**
 * Validates the order (every problem at once, see validateOrder) and starts its workflow. The
 * order id is the workflow id: starting the same order again returns the existing workflow.
 */
export async function startPortIn(
  client: Client,
  orderInput: unknown,
  options: StartPortInOptions
): Promise<StartedPortIn> {
  const order = validateOrder(orderInput, options.now);
  const workflowId = portInWorkflowId(order.orderId);
  try {
    const handle = await client.workflow.start<typeof portInWorkflow>(PORT_IN_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue,
      args: [{ order }],
      // The order id is the business key: a second start, running or finished, never makes a second port-in.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      ...orderStaticMetadata(order),
      typedSearchAttributes: [
        { key: PortInCustomer, value: order.customerRef },
        { key: PortInTargetDate, value: new Date(`${order.targetPortInDate}T00:00:00Z`) },
        { key: PortInStatus, value: 'Checking Portability' },
        { key: PortInNumbersPending, value: order.phoneNumbers.length },
        { key: PortInRequestSids, value: [] },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const handle = client.workflow.getHandle<typeof portInWorkflow>(workflowId);
      const description = await handle.describe();
      return { workflowId, runId: description.runId, started: false, handle };
    }
    throw err;
  }
}

export function portInHandle(client: Client, orderId: string): WorkflowHandle<typeof portInWorkflow> {
  return client.workflow.getHandle<typeof portInWorkflow>(portInWorkflowId(orderId));
}

export function getPortInStatus(client: Client, orderId: string): Promise<PortInStatusView> {
  return portInHandle(client, orderId).query(portInStatusQuery);
}

/** How long an operator update may take before the caller is told it is still running. */
export interface UpdateWaitOptions {
  /** @default 30000 */
  waitMs?: number;
}

export const DEFAULT_UPDATE_WAIT_MS = 30_000;

/**
 * An update that did not finish within the caller's wait. Nothing is lost: an `accepted` update
 * passed its validator and its handler keeps running in the workflow (a Twilio call, a retry after
 * a worker restart); a `sent` one reached Temporal but no worker has taken it up yet (the worker
 * may be down) and runs when one does. Either way the order's status and timeline show the outcome.
 */
export class UpdateStillRunningError extends Error {
  override readonly name = 'UpdateStillRunningError';
  constructor(
    readonly update: string,
    readonly workflowId: string,
    readonly updateId: string,
    readonly stage: 'sent' | 'accepted',
    readonly waitedMs: number
  ) {
    const orderId = orderIdFromWorkflowId(workflowId) ?? workflowId;
    super(
      stage === 'accepted'
        ? `${update} was accepted by order ${orderId} and is still running after ${Math.round(waitedMs / 1000)} s; ` +
            `it finishes on its own. Follow it with: portflow status ${orderId}`
        : `${update} was sent to order ${orderId} but no worker took it up within ${Math.round(waitedMs / 1000)} s ` +
            `(is the worker running?); it runs when a worker does. Follow it with: portflow status ${orderId}`
    );
  }
}

/**
 * Runs an update with a bounded wait: sent with `waitForStage: ACCEPTED` (the validator's refusal
 * comes back at once as `WorkflowUpdateFailedError`), then its result awaited until the deadline.
 * Past it, {@link UpdateStillRunningError} rather than a bare DEADLINE_EXCEEDED for an update that
 * then happens anyway.
 */
async function runUpdate<Ret, Args extends [unknown, ...unknown[]]>(
  client: Client,
  orderId: string,
  def: UpdateDefinition<Ret, Args>,
  args: Args,
  options: UpdateWaitOptions
): Promise<Ret> {
  const waitMs = options.waitMs ?? DEFAULT_UPDATE_WAIT_MS;
  const handle = portInHandle(client, orderId);
  const updateId = randomUUID();
  const startedAt = Date.now();
  const deadline = startedAt + waitMs;
  const stillRunning = (stage: 'sent' | 'accepted') =>
    new UpdateStillRunningError(def.name, handle.workflowId, updateId, stage, Date.now() - startedAt);
  let update: WorkflowUpdateHandle<Ret>;
  try {
    update = await client.connection.withDeadline(deadline, () =>
      handle.startUpdate(def, { args, updateId, waitForStage: WorkflowUpdateStage.ACCEPTED })
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw stillRunning('sent');
    throw err;
  }
  try {
    return await client.connection.withDeadline(deadline, () => update.result());
  } catch (err) {
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw stillRunning('accepted');
    throw err;
  }
}

export function cancelPortIn(
  client: Client,
  orderId: string,
  reason?: string,
  options: UpdateWaitOptions = {}
): Promise<CancelPortInResult> {
  return runUpdate(client, orderId, cancelPortInUpdate, [{ reason }], options);
}

export function cancelPhoneNumbers(
  client: Client,
  orderId: string,
  phoneNumbers: string[],
  reason?: string,
  options: UpdateWaitOptions = {}
): Promise<CancelPhoneNumbersResult> {
  return runUpdate(client, orderId, cancelPhoneNumbersUpdate, [{ phoneNumbers, reason }], options);
}

export function resubmitRejected(
  client: Client,
  orderId: string,
  input: ResubmitRejectedInput,
  options: UpdateWaitOptions = {}
): Promise<ResubmitRejectedResult> {
  return runUpdate(client, orderId, resubmitRejectedUpdate, [input], options);
}

/** Why an update was refused, for a person: the validator's message, or Twilio's code and message. */
export interface UpdateRefusal {
  /** The failure type: a validator's (e.g. `CancelCutoffPassed`) or `Twilio.<code>`. */
  type: string | undefined;
  message: string;
  /** Set when Twilio refused the call the update made. */
  twilio?: { code: number | undefined; status: number | undefined; moreInfo: string | undefined };
}

/** The innermost application failure of an error's cause chain (update or workflow failure → activity failure → …). */
export function innermostApplicationFailure(err: unknown): ApplicationFailure | undefined {
  let app: ApplicationFailure | undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof ApplicationFailure) app = e;
  }
  return app;
}

/**
 * Reads a refused update (`WorkflowUpdateFailedError`): the innermost application failure of its
 * cause chain carries the validator's message or, with type `Twilio.<code>` and details
 * `{ status, code, moreInfo }`, Twilio's code and message. Null for other errors.
 */
export function updateRefusal(err: unknown): UpdateRefusal | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const app = innermostApplicationFailure(err.cause);
  if (!app) return { type: undefined, message: err.cause?.message ?? err.message };
  const twilioType = /^Twilio\.(\d+)$/.exec(app.type ?? '');
  const detail = (app.details?.[0] ?? {}) as { status?: unknown; code?: unknown; moreInfo?: unknown };
  const num = (v: unknown) =>
    typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
  const isTwilio = Boolean(twilioType) || detail.code !== undefined || detail.status !== undefined;
  return {
    type: app.type ?? undefined,
    message: app.message,
    ...(isTwilio
      ? {
          twilio: {
            code: num(detail.code) ?? (twilioType ? Number(twilioType[1]) : undefined),
            status: num(detail.status),
            moreInfo: typeof detail.moreInfo === 'string' ? detail.moreInfo : undefined,
          },
        }
      : {}),
  };
}

export function waitForPortIn(client: Client, orderId: string): Promise<PortInResult> {
  return portInHandle(client, orderId).result();
}

export interface PortInListEntry {
  workflowId: string;
  /** The order id the workflow id carries; null for a workflow id of another shape. */
  orderId: string | null;
  status: string | undefined;
  customerRef: string | undefined;
  pending: number | undefined;
  requestSids: string[];
  executionStatus: string;
  startTime: Date;
}

/** Port-ins by visibility query, e.g. `PortInStatus = "Action Required"`. Bounded by `limit`. */
export async function listPortIns(client: Client, query?: string, limit = 100): Promise<PortInListEntry[]> {
  const base = `WorkflowType = "${PORT_IN_WORKFLOW_TYPE}"`;
  const out: PortInListEntry[] = [];
  for await (const w of client.workflow.list({ query: query ? `${base} AND (${query})` : base })) {
    out.push({
      workflowId: w.workflowId,
      orderId: orderIdFromWorkflowId(w.workflowId),
      status: w.typedSearchAttributes.get(PortInStatus),
      customerRef: w.typedSearchAttributes.get(PortInCustomer),
      pending: w.typedSearchAttributes.get(PortInNumbersPending),
      requestSids: w.typedSearchAttributes.get(PortInRequestSids) ?? [],
      executionStatus: w.status.name,
      startTime: w.startTime,
    });
    if (out.length >= limit) break;
  }
  return out;
}

/** The Temporal UI page of an order's workflow. */
export function workflowUiUrl(uiBaseUrl: string, namespace: string, workflowId: string): string {
  return `${uiBaseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The Temporal UI list of port-ins filtered by a visibility query. */
export function workflowListUiUrl(uiBaseUrl: string, namespace: string, query: string): string {
  return `${uiBaseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
