/**
 * The order's side of the webhook inbox (see src/workflows/inbox-workflow.ts): right after an order
 * records a request it created or found, it claims the request's inbox, so events that arrived
 * before it knew its sid (a lost create response) and events the receiver cannot route to it yet
 * (visibility lag) reach it as `portingEvent` signals.
 */
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import {
  DEFAULT_INBOX_FORWARD_FOR_MS,
  PORT_IN_INBOX_WORKFLOW_TYPE,
  inboxClaimSignal,
  portInInboxWorkflowId,
} from '../workflows/inbox-messages';
import type { InboxClaimInput, PortInInboxInput } from '../workflows/inbox-messages';

export interface ClaimPortInInboxInput {
  portInRequestSid: string;
  /** The claiming order's workflow id: the inbox signals `portingEvent` to it. */
  ownerWorkflowId: string;
}

export interface InboxActivityDependencies {
  /** A client on the worker's connection, with the worker's data converter (events are encrypted). */
  temporal: Client;
  /** The task queue inboxes run on. @default the claiming activity's own task queue */
  taskQueue?: string;
  /** How long a claimed inbox forwards events. @default 10 minutes */
  forwardForMs?: number;
}

/** Failure type when the worker was built without a Temporal client. */
export const INBOX_NOT_CONFIGURED = 'PortflowInboxNotConfigured';

const KW_SID = /^KW[0-9a-f]{32}$/;

export function createInboxActivities(deps: InboxActivityDependencies) {
  return {
    /**
     * Signal-with-start of the request's inbox with a claim: starts it when no event has arrived
     * yet (it then forwards whatever comes during its window), or claims the one holding events.
     * Idempotent: a retried claim by the same order is a no-op in the inbox.
     */
    async claimPortInInbox(input: ClaimPortInInboxInput): Promise<void> {
      if (!KW_SID.test(input.portInRequestSid ?? '')) {
        throw ApplicationFailure.create({
          type: 'InvalidInboxClaim',
          nonRetryable: true,
          message: `claimPortInInbox: portInRequestSid must be KW followed by 32 hex digits; got ${JSON.stringify(input.portInRequestSid)}`,
        });
      }
      if (!input.ownerWorkflowId) {
        throw ApplicationFailure.create({
          type: 'InvalidInboxClaim',
          nonRetryable: true,
          message: 'claimPortInInbox: ownerWorkflowId is required (the claiming order’s workflow id)',
        });
      }
      const forwardForMs = deps.forwardForMs ?? DEFAULT_INBOX_FORWARD_FOR_MS;
      const args: PortInInboxInput = { portInRequestSid: input.portInRequestSid, forwardForMs };
      const claim: InboxClaimInput = { ownerWorkflowId: input.ownerWorkflowId, forwardForMs };
      await deps.temporal.workflow.signalWithStart(PORT_IN_INBOX_WORKFLOW_TYPE, {
        workflowId: portInInboxWorkflowId(input.portInRequestSid),
        taskQueue: deps.taskQueue ?? activityInfo().taskQueue,
        args: [args],
        signal: inboxClaimSignal,
        signalArgs: [claim],
      });
    },
  };
}

/**
 * The same activity for a worker that has no Temporal client: it fails every attempt loudly
 * (retryable, so a fixed deploy resumes the order) instead of pretending the claim happened.
 */
export function unconfiguredInboxActivities(): ReturnType<typeof createInboxActivities> {
  return {
    async claimPortInInbox(): Promise<void> {
      throw ApplicationFailure.create({
        type: INBOX_NOT_CONFIGURED,
        message:
          'claimPortInInbox needs a Temporal client: pass `temporal` to createActivities (createPortflowWorker does)',
      });
    },
  };
}

export type InboxActivities = ReturnType<typeof createInboxActivities>;
