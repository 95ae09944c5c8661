import { activityInfo } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ActivatePortedNumberInput, ActivatedNumber } from '../activation';
import type { PortingClient } from '../twilio/client';
import { eventsFromPortIn } from '../twilio/events';
import type { PortingEvent } from '../twilio/porting-event';
import type { CreatePortInRequest } from '../twilio/schemas/port-in';
import { activatePortedNumber } from './activate';
import { createPortInOnce } from './create-port-in';
import { withHeartbeat } from './heartbeat';
import { createInboxActivities, unconfiguredInboxActivities } from './inbox';
import type { InboxActivityDependencies } from './inbox';
import { classified } from './to-failure';

/** What step 1 learns about one number. */
export interface PortabilityVerdict {
  phoneNumber: string;
  portable: boolean;
  pinAndAccountNumberRequired: boolean;
  code: number | null;
  reason: string | null;
  numberType: string | null;
}

export interface CheckPortabilityInput {
  phoneNumbers: string[];
  targetAccountSid?: string;
  /** Calls in flight at once within this activity. */
  concurrency: number;
}

export interface CreatePortInRequestInput {
  request: CreatePortInRequest;
  /** Workflow time before the first attempt (see createPortInOnce). */
  intentAt: string;
  /** Portability verdicts of these numbers, so PIN/account-number rules are checked before sending. */
  portability: PortabilityVerdict[];
}

export interface CreatedPortInRequest {
  portInRequestSid: string;
  found: boolean;
  numbers: Array<{ phoneNumber: string; phoneNumberSid: string | null }>;
  /** The request as Twilio first reported it, for the reducer. */
  events: PortingEvent[];
}

/** Settings of the worker that orders adopt when they set none themselves. */
export interface WorkerSettings {
  /** PORTFLOW_RECONCILE_INTERVAL ("6 hours"); absent: the workflow's own default. */
  reconcileInterval?: string;
}

export interface ActivityDependencies {
  client: PortingClient;
  /**
   * A Temporal client (the worker's connection and data converter) for `claimPortInInbox`.
   * Without it that activity fails every attempt with `PortflowInboxNotConfigured`.
   */
  temporal?: Client;
  /** Inbox settings (see createInboxActivities). */
  inbox?: Omit<InboxActivityDependencies, 'temporal'>;
  settings?: WorkerSettings;
}

/**
 * The activities of `portInWorkflow`: thin wrappers over src/twilio that classify errors.
 * The workflow imports only their type: `proxyActivities<PortInActivities>`.
 */
export function createActivities({ client, temporal, inbox, settings = {} }: ActivityDependencies) {
  return {
    /** Right after a request is recorded: claim its webhook inbox (see ./inbox.ts). */
    ...(temporal ? createInboxActivities({ temporal, ...inbox }) : unconfiguredInboxActivities()),

    /** The worker's settings, for orders that set none (a local activity: recorded in history once per run). */
    async getWorkerSettings(): Promise<WorkerSettings> {
      return { ...settings };
    },

    /** Step 1 for a batch of numbers, bounded in concurrency; heartbeats progress and resumes from it. */
    async checkPortability(input: CheckPortabilityInput): Promise<PortabilityVerdict[]> {
      const done = new Map<string, PortabilityVerdict>();
      const previous = activityInfo().heartbeatDetails as PortabilityVerdict[] | undefined;
      for (const v of previous ?? []) done.set(v.phoneNumber, v);
      const todo = input.phoneNumbers.filter((n) => !done.has(n));
      let next = 0;
      const worker = async () => {
        while (next < todo.length) {
          const phoneNumber = todo[next++]!;
          const result = await classified(() =>
            client.checkPortability(
              phoneNumber,
              input.targetAccountSid ? { targetAccountSid: input.targetAccountSid } : {}
            )
          );
          done.set(phoneNumber, {
            phoneNumber,
            portable: result.portable === true,
            pinAndAccountNumberRequired: result.pinAndAccountNumberRequired === true,
            code: result.notPortableReasonCode,
            reason: result.notPortableReason,
            numberType: result.rawNumberType,
          });
        }
      };
      // Every beat carries the verdicts so far: a retry resumes from them.
      await withHeartbeat(
        () => Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, todo.length)) }, worker)),
        () => [...done.values()]
      );
      return input.phoneNumbers.map((n) => done.get(n)!);
    },

    /** Step 2: upload the utility bill from a file the worker can read. Not retried blindly: see the client. */
    async uploadUtilityBill(input: { path: string; friendlyName: string; mimeType?: string }): Promise<string> {
      const document = await withHeartbeat(() => classified(() => client.uploadUtilityBill(input)));
      return document.sid;
    },

    /** Step 3: create one request exactly once (see createPortInOnce). */
    async createPortInRequest(input: CreatePortInRequestInput): Promise<CreatedPortInRequest> {
      const { portIn, found } = await withHeartbeat(() =>
        classified(() =>
          createPortInOnce(client, {
            request: input.request,
            intentAt: input.intentAt,
            retried: activityInfo().attempt > 1,
            validation: {
              portability: input.portability.map((v) => ({
                phoneNumber: v.phoneNumber,
                portable: v.portable,
                pinAndAccountNumberRequired: v.pinAndAccountNumberRequired,
              })),
            },
          })
        )
      );
      return {
        portInRequestSid: portIn.portInRequestSid,
        found,
        numbers: portIn.phoneNumbers.flatMap((n) =>
          n.phoneNumber ? [{ phoneNumber: n.phoneNumber, phoneNumberSid: n.phoneNumberSid }] : []
        ),
        events: eventsFromPortIn(portIn),
      };
    },

    /** Reconciliation: the request as Twilio has it now, as events for the reducer. */
    async fetchPortInRequest(input: { portInRequestSid: string }): Promise<PortingEvent[]> {
      const portIn = await withHeartbeat(() => classified(() => client.fetchPortIn(input.portInRequestSid)));
      return eventsFromPortIn(portIn);
    },

    async cancelPortInRequest(input: { portInRequestSid: string }): Promise<void> {
      await withHeartbeat(() => classified(() => client.cancelPortIn(input.portInRequestSid)));
    },

    /** After the port: the number in the account, given the order's `onPorted` configuration (see ./activate.ts). */
    async activatePortedNumber(input: ActivatePortedNumberInput): Promise<ActivatedNumber> {
      return activatePortedNumber(client, input);
    },

    async cancelPortInPhoneNumbers(input: { portInRequestSid: string; phoneNumberSids: string[] }): Promise<void> {
      await withHeartbeat(async () => {
        for (const sid of input.phoneNumberSids) {
          await classified(() => client.cancelPortInPhoneNumber(input.portInRequestSid, sid));
        }
      });
    },
  };
}

export type PortInActivities = ReturnType<typeof createActivities>;
export { createInboxActivities, INBOX_NOT_CONFIGURED } from './inbox';
export type { ClaimPortInInboxInput, InboxActivities, InboxActivityDependencies } from './inbox';
