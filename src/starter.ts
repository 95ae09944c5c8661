/**
 * Library functions to start, inspect and steer port-ins: what backend services call. The command
 * line is built on them (src/cli); nothing here imports it.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
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

export function cancelPortIn(client: Client, orderId: string, reason?: string): Promise<CancelPortInResult> {
  return portInHandle(client, orderId).executeUpdate(cancelPortInUpdate, { args: [{ reason }] });
}

export function cancelPhoneNumbers(
  client: Client,
  orderId: string,
  phoneNumbers: string[],
  reason?: string
): Promise<CancelPhoneNumbersResult> {
  return portInHandle(client, orderId).executeUpdate(cancelPhoneNumbersUpdate, { args: [{ phoneNumbers, reason }] });
}

export function resubmitRejected(
  client: Client,
  orderId: string,
  input: ResubmitRejectedInput
): Promise<ResubmitRejectedResult> {
  return portInHandle(client, orderId).executeUpdate(resubmitRejectedUpdate, { args: [input] });
}

export function waitForPortIn(client: Client, orderId: string): Promise<PortInResult> {
  return portInHandle(client, orderId).result();
}

export interface PortInListEntry {
  workflowId: string;
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
