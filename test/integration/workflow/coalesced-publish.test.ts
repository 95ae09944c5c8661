/**
 * Patch `portflow-coalesced-publish` on the dev server: a new order records one patch marker for
 * every patch before it (not one per patch, each with its own `TemporalChangeVersion` upsert), and a burst of webhooks that
 * lands in one workflow task costs one search-attribute upsert, not one per webhook; the order's
 * search attributes still end agreeing with its state.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { PortInNumbersPending, PortInRequestSids, PortInStatus } from '../../../src/search-attributes';
import { getPortInStatus, portInHandle, waitForPortIn } from '../../../src/starter';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portingEventSignal } from '../../../src/workflows/messages';
import { PORT_IN_PATCHES } from '../../../src/workflows/port-in-order';
import { recordHistory } from '../../replay/record';
import { fileAndWaitForCarrier, patchIds } from '../../helpers/burst';
import { buildOrder, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const HOUR = 3_600_000;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The commands of the workflow task completed after event `index`: the events up to the next task. */
function commandsOfTaskAfter(events: HistoryEvent[], index: number): HistoryEvent[] {
  const completed = events.findIndex((e, i) => i > index && e.workflowTaskCompletedEventAttributes);
  const next = events.findIndex((e, i) => i > completed && e.workflowTaskScheduledEventAttributes);
  return events.slice(completed + 1, next < 0 ? undefined : next);
}

describe('coalesced publishing of search attributes', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    // The carrier moves only when the test says so.
    env = await startPortflowEnv({ sandbox: { timeline: { carrierResponseMs: 10 * HOUR, portDateMs: 10 * HOUR } } });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('records one patch marker for every patch before it, publishes a burst of three webhooks with one upsert, and ends agreeing with its state', async () => {
    const numbers = ['+14155552421', '+14155552422', '+14155552423'];
    const order = buildOrder(env.sandbox, numbers, { options: { reconcileInterval: '6 hours' } });
    const handle = portInHandle(env.client, order.orderId);

    // 1. With a worker: the order files its request; then the sandbox signs the LOA and the carrier may confirm.
    const sid = await fileAndWaitForCarrier(env, order, await env.newWorker());

    // 2. No worker: the carrier ports the three numbers and their webhooks reach the order, so all
    // three wait in history for the same workflow task.
    for (const phoneNumber of numbers) {
      env.sandbox.confirmNumber(sid, phoneNumber);
      env.sandbox.completeNumber(sid, phoneNumber);
    }
    const occurredAt = new Date().toISOString();
    for (const phoneNumber of numbers) {
      const event = {
        source: 'webhook',
        level: 'number',
        portInRequestSid: sid,
        phoneNumber,
        eventName: 'PortInPhoneNumberCompleted',
        status: 'completed',
        rawStatus: 'Completed',
        occurredAt,
      } as PortingEvent;
      await handle.signal(portingEventSignal, event);
    }

    // 3. A worker again: the burst, the confirmation poll, the activation, the end.
    const second = await env.newWorker();
    const { result, view } = await second.runUntil(async () => {
      const done = await waitForPortIn(env.client, order.orderId);
      return { result: done, view: await getPortInStatus(env.client, order.orderId) };
    });
    await recordHistory(handle, 'coalesced-publish');
    expect(result.outcome).toBe('completed');

    const events = (await handle.fetchHistory()).events ?? [];
    // The one marker that stands for every earlier patch, and the one patch asked since (batched events).
    expect(patchIds(events)).toEqual([PORT_IN_PATCHES.coalescedPublish, PORT_IN_PATCHES.batchedEvents]);

    const signalled = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes ? [i] : []));
    expect(signalled).toHaveLength(3);
    // No workflow task started between the three signals: they reached the worker in one task.
    expect(events.slice(signalled[0], signalled[2]).filter((e) => e.workflowTaskStartedEventAttributes)).toEqual([]);
    const upserts = commandsOfTaskAfter(events, signalled[2]!).filter(
      (e) => e.upsertWorkflowSearchAttributesEventAttributes
    );
    // Each webhook changed the pending count (3 → 2 → 1 → 0): one upsert says where it ended.
    expect(upserts).toHaveLength(1);
    const fields = upserts[0]!.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!;
    expect(defaultPayloadConverter.fromPayload(fields[PortInNumbersPending.name] as Payload)).toBe(0);

    // The search attributes agree with the order's final state.
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(view.status).toBe('Completed');
    expect(attributes.get(PortInStatus)).toBe(view.status);
    expect(attributes.get(PortInNumbersPending)).toBe(0);
    expect(attributes.get(PortInRequestSids)).toEqual([sid]);
  });
});
