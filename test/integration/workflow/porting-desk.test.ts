/**
 * The porting desk on the dev server: the workflow's current details (what the Temporal UI shows on
 * the order's page, read here through the SDK's `__temporal_workflow_metadata` query, as the UI does)
 * follow the order, and the start, the activities and the timers carry summaries in history.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { portInHandle, resubmitRejected, startPortIn, waitForPortIn, getPortInStatus } from '../../../src/starter';
import { PORT_IN_PATCHES } from '../../../src/workflows/port-in-order';
import { recordHistory } from '../../replay/record';
import { buildOrder, eventually, startPortflowEnv } from '../../helpers/portflow-env';
import type { PortflowTestEnv } from '../../helpers/portflow-env';

const METADATA_QUERY = '__temporal_workflow_metadata';

interface WorkflowMetadata {
  currentDetails?: string;
}

function text(payload: temporal.api.common.v1.IPayload | null | undefined): string | undefined {
  return payload ? defaultPayloadConverter.fromPayload<string>(payload as Payload) : undefined;
}

describe('the porting desk: current details and summaries', () => {
  let env: PortflowTestEnv;
  beforeAll(async () => {
    env = await startPortflowEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('shows a rejected number with its reason and action while the order is in Action Required, then the ending', async () => {
    const rejected = '+14155550154'; // the carrier rejects it once: 22154 invalid address
    const order = buildOrder(env.sandbox, ['+14155551041', rejected]);
    const handle = portInHandle(env.client, order.orderId);
    const desk = async () => (await handle.query<WorkflowMetadata>(METADATA_QUERY)).currentDetails ?? '';
    const worker = await env.newWorker();
    const { actionRequired, completed } = await worker.runUntil(async () => {
      await startPortIn(env.client, order, { taskQueue: env.taskQueue, now: env.sandbox.clock.now() });
      // The desk changes with the state: wait for the text itself, not only for the status.
      const actionRequired = await eventually(
        async () => {
          const md = await desk();
          return md.startsWith('## Action Required') && md.includes(`| \`${rejected}\` |`) ? md : undefined;
        },
        { what: 'the desk in Action Required' }
      );
      await resubmitRejected(env.client, order.orderId, {
        losingCarrierInformation: {
          ...order.losingCarrierInformation,
          address: { street: '1 Corrected Way', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
        },
        targetPortInDate: new Date(env.sandbox.clock.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10),
      });
      await waitForPortIn(env.client, order.orderId);
      // A query needs a worker, even on a closed workflow: ask while this one runs.
      return { actionRequired, completed: await desk(), view: await getPortInStatus(env.client, order.orderId) };
    });
    await recordHistory(handle, 'porting-desk');

    expect(actionRequired).toContain(`## Action Required · order ${order.orderId}`);
    expect(actionRequired).toMatch(/\*\*2 numbers\*\* — .*Port Rejected: \*\*1\*\*/);
    const row = actionRequired.split('\n').find((l) => l.startsWith(`| \`${rejected}\` |`))!;
    expect(row).toMatch(
      /^\| `\+14155550154` \| 22154: Invalid address[^|]*\| `resubmitRejected` with the `address` as the losing carrier has it; or `cancelPhoneNumbers` by \d{4}-\d\d-\d\d \d\d:\d\d UTC \|$/
    );
    expect(actionRequired).toMatch(/### Requests\n\n- `KW[0-9a-f]{32}` — Action Required, 2 numbers\n/);
    expect(actionRequired).toMatch(/- Cancel cutoff: \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in ~\d+ days\)/);

    expect(completed).toMatch(/^## Completed · order /);
    // Since post-port activation, a completed number that is live in the account says so.
    expect(completed).toMatch(/\*\*2 numbers\*\* — (Completed|Ported, live): \*\*2\*\*\n/);
    expect(completed).not.toContain('### Needs an operator');
    expect(completed).toMatch(/- `KW[0-9a-f]{32}` — Completed, 1 number, resubmits from `KW[0-9a-f]{32}`\n/);

    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    // The patch marker (core writes it, as JSON: {"patch_id": ..., "deprecated": ...}).
    const patchIds = events.flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((d) =>
        (d.payloads ?? []).map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p as Payload)))
      )
    );
    // Since coalescedPublish, its one marker stands for every earlier patch, portingDesk included.
    expect(patchIds.join(' ')).toMatch(
      new RegExp(`${PORT_IN_PATCHES.portingDesk}|${PORT_IN_PATCHES.coalescedPublish}`)
    );

    expect(text(events[0]?.userMetadata?.summary)).toBe(
      `Port-in ${order.orderId}: 2 numbers for cust-0042, target ${order.targetPortInDate}`
    );
    expect(text(events[0]?.userMetadata?.details)).toContain('`resubmitRejected`');
    const activitySummaries = events
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => text(e.userMetadata?.summary));
    expect(activitySummaries).toEqual(
      expect.arrayContaining([
        'Check portability: 2 numbers, batch 1 of 1',
        'Upload the utility bill',
        'Create the port-in request: 2 number(s)',
        expect.stringMatching(/^Resubmit 1 rejected number\(s\) in a new request \(replacing KW[0-9a-f]{32}\)$/),
        expect.stringMatching(/^Cancel the resubmitted number\(s\) in the old request KW/),
      ])
    );
    // Every activity says what it does.
    expect(activitySummaries.filter((s) => !s)).toEqual([]);
    const timerSummaries = events
      .filter((e) => e.timerStartedEventAttributes)
      .map((e) => text(e.userMetadata?.summary));
    expect(timerSummaries.length).toBeGreaterThan(0);
    expect(
      timerSummaries.every((s) =>
        /^(Reconcile with Twilio at|LOA expiry for|LOA reminder for|Cancel window notice at|Ask Twilio again at)/.test(
          s ?? ''
        )
      )
    ).toBe(true);
  });
});
