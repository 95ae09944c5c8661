/**
 * The webhook inbox against the real dev server: events held for a sid nobody owns reach the order
 * after its claim, whichever came first; unclaimed events end as orphans that listOrphans lists.
 */
import { randomBytes } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../../src/activities';
import { createInboxActivities } from '../../../src/activities/inbox';
import type { PortingClient } from '../../../src/twilio/client';
import { listOrphans } from '../../../src/orphans';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import {
  INBOX_STATUS_ORPHANED,
  inboxEventSignal,
  PORT_IN_INBOX_WORKFLOW_TYPE,
  portInInboxWorkflowId,
} from '../../../src/workflows/inbox-messages';
import type { PortInInboxInput, PortInInboxResult } from '../../../src/workflows/inbox-messages';
import { webhookSinkEventsQuery, webhookSinkStopSignal } from '../../fixtures/webhook-workflows';
import { recordHistory } from '../../replay/record';
import { connectTemporal, createTestWorker, uniqueTaskQueue } from '../../helpers/temporal';
import type { TemporalTestContext } from '../../helpers/temporal';

const newSid = () => `KW${randomBytes(16).toString('hex')}`;

function event(sid: string, eventName = 'PortInWaitingForSignature'): PortingEvent {
  return {
    source: 'webhook',
    level: 'request',
    eventName,
    portInRequestSid: sid,
    rawStatus: 'waiting_for_signature',
    status: 'waiting_for_signature',
    occurredAt: new Date().toISOString(),
  };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('portInInboxWorkflow and claimPortInInbox', () => {
  let t: TemporalTestContext;
  let worker: Worker;
  let taskQueue: string;
  let running: Promise<void>;

  beforeAll(async () => {
    t = await connectTemporal();
    taskQueue = uniqueTaskQueue('inbox');
    worker = await createTestWorker(t.nativeConnection, { taskQueue });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await t?.close();
  });

  /** What the receiver does for an event it cannot route: signal-with-start of the sid's inbox. */
  const holdEvent = (sid: string, input: Partial<PortInInboxInput> = {}, closedOwnerWorkflowId?: string) =>
    t.client.workflow.signalWithStart(PORT_IN_INBOX_WORKFLOW_TYPE, {
      workflowId: portInInboxWorkflowId(sid),
      taskQueue,
      args: [{ portInRequestSid: sid, ...input }],
      signal: inboxEventSignal,
      signalArgs: [{ event: event(sid), closedOwnerWorkflowId: closedOwnerWorkflowId ?? null }],
    });

  const startOwner = (sid: string) =>
    t.client.workflow.start('webhookSinkWorkflow', {
      workflowId: `sink-${sid}`,
      taskQueue,
      args: [{ requestSids: [sid] }],
    });

  it('forwards an event held before the claim to the claiming order', async () => {
    const sid = newSid();
    // The event arrives while the order does not know its sid (its create response was lost).
    await holdEvent(sid);
    const owner = await startOwner(sid);
    const activities = createInboxActivities({ temporal: t.client, taskQueue, forwardForMs: 2000 });
    await activities.claimPortInInbox({ portInRequestSid: sid, ownerWorkflowId: owner.workflowId });

    const received = await waitFor(async () => {
      const events = await owner.query(webhookSinkEventsQuery);
      return events.length > 0 ? events : undefined;
    });
    expect(received).toEqual([event(sid)].map((e) => ({ ...e, occurredAt: expect.any(String) })));
    const inbox = t.client.workflow.getHandle(portInInboxWorkflowId(sid));
    const result = (await inbox.result()) as PortInInboxResult;
    expect(result).toMatchObject({ outcome: 'claimed', forwarded: 1, orphaned: [], ownerWorkflowId: owner.workflowId });
    await recordHistory(inbox, 'inbox-event-then-claim');
    await owner.signal(webhookSinkStopSignal);
  });

  it('forwards events that arrive after the claim, during the forward window', async () => {
    const sid = newSid();
    const owner = await startOwner(sid);
    const activities = createInboxActivities({ temporal: t.client, taskQueue, forwardForMs: 3000 });
    await activities.claimPortInInbox({ portInRequestSid: sid, ownerWorkflowId: owner.workflowId });
    // A retried claim is a no-op.
    await activities.claimPortInInbox({ portInRequestSid: sid, ownerWorkflowId: owner.workflowId });
    await holdEvent(sid);
    await waitFor(async () => ((await owner.query(webhookSinkEventsQuery)).length > 0 ? true : undefined));
    const result = (await t.client.workflow.getHandle(portInInboxWorkflowId(sid)).result()) as PortInInboxResult;
    expect(result).toMatchObject({ outcome: 'claimed', forwarded: 1, orphaned: [] });
    await owner.signal(webhookSinkStopSignal);
  });

  it('ends unclaimed events as orphans after the orphan window, listed by listOrphans', async () => {
    const sid = newSid();
    await holdEvent(sid, { orphanAfterMs: 1500 });
    const inbox = t.client.workflow.getHandle(portInInboxWorkflowId(sid));
    const result = (await inbox.result()) as PortInInboxResult;
    expect(result.outcome).toBe('orphaned');
    expect(result.orphaned).toHaveLength(1);
    expect(result.orphaned[0]).toMatchObject({ reason: 'unclaimed', event: { portInRequestSid: sid } });
    const description = await inbox.describe();
    expect(description.searchAttributes.PortInStatus).toEqual([INBOX_STATUS_ORPHANED]);
    await recordHistory(inbox, 'inbox-orphaned');

    const listed = await waitFor(async () => {
      const orphans = await listOrphans(t.client, 50);
      return orphans.find((o) => o.portInRequestSid === sid);
    });
    expect(listed).toMatchObject({
      portInRequestSid: sid,
      workflowId: portInInboxWorkflowId(sid),
      reason: 'unclaimed',
      events: [expect.objectContaining({ portInRequestSid: sid, eventName: 'PortInWaitingForSignature' })],
    });
    expect(Date.parse(listed.endedAt)).toBeGreaterThanOrEqual(Date.parse(listed.firstSeenAt));
  });

  it('records events for an owner that has closed as owner-closed orphans after the short grace', async () => {
    const sid = newSid();
    // An hour-long orphan window: only the closed-owner grace can end this inbox in time.
    await holdEvent(sid, { orphanAfterMs: 3_600_000, closedOwnerGraceMs: 1000 }, 'portin-closed-order');
    const result = (await t.client.workflow.getHandle(portInInboxWorkflowId(sid)).result()) as PortInInboxResult;
    expect(result.outcome).toBe('orphaned');
    expect(result.orphaned.map((o) => o.reason)).toEqual(['owner-closed']);
  });

  it('records forwarded events whose owner has meanwhile closed as owner-closed orphans', async () => {
    const sid = newSid();
    await holdEvent(sid);
    // A claim naming a workflow that does not run: the forward fails, the event is kept as an orphan.
    const activities = createInboxActivities({ temporal: t.client, taskQueue, forwardForMs: 1000 });
    await activities.claimPortInInbox({ portInRequestSid: sid, ownerWorkflowId: `gone-${sid}` });
    const result = (await t.client.workflow.getHandle(portInInboxWorkflowId(sid)).result()) as PortInInboxResult;
    expect(result).toMatchObject({ outcome: 'orphaned', forwarded: 0 });
    expect(result.orphaned.map((o) => o.reason)).toEqual(['owner-closed']);
  });

  it('refuses a claim without a valid sid or owner, naming the field', async () => {
    const activities = createInboxActivities({ temporal: t.client, taskQueue });
    await expect(activities.claimPortInInbox({ portInRequestSid: 'nope', ownerWorkflowId: 'x' })).rejects.toThrow(
      /portInRequestSid must be KW/
    );
    await expect(activities.claimPortInInbox({ portInRequestSid: newSid(), ownerWorkflowId: '' })).rejects.toThrow(
      /ownerWorkflowId is required/
    );
  });

  it('fails the claim loudly when the worker was built without a Temporal client', async () => {
    // The Twilio client is not used by this activity.
    const activities = createActivities({ client: {} as PortingClient });
    await expect(
      activities.claimPortInInbox({ portInRequestSid: newSid(), ownerWorkflowId: 'portin-x' })
    ).rejects.toMatchObject({
      type: 'PortflowInboxNotConfigured',
      message: expect.stringMatching(/needs a Temporal client/),
    });
  });
});
