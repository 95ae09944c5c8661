/**
 * The Needs Attention gauge's own logic: its visibility query, and what it does when visibility does
 * not answer (keeps the last value, warns once per outage). The Temporal client here is a stand-in
 * for visibility; the gauge against the real dev server is test/integration/workflow/attention-metric.test.ts.
 */
import type { Client } from '@temporalio/client';
import type { MetricGauge, MetricMeter, MetricTags } from '@temporalio/common';
import { ATTENTION_GAUGE_NAME, needsAttentionQuery, startAttentionGauge } from '../../../src/attention-gauge';

function recordingMeter() {
  const sets: Array<{ name: string; value: number; tags: MetricTags | undefined }> = [];
  const meter = {
    createGauge: (name: string) =>
      ({ set: (value: number, tags?: MetricTags) => sets.push({ name, value, tags }) }) as unknown as MetricGauge,
  } as unknown as MetricMeter;
  return { meter, sets };
}

function visibility(answers: Array<number | Error>) {
  const queries: string[] = [];
  const client = {
    workflow: {
      count: async (query: string) => {
        queries.push(query);
        const next = answers.shift();
        if (next === undefined) throw new Error('no more answers');
        if (next instanceof Error) throw next;
        return { count: next, groups: [] };
      },
    },
  } as unknown as Client;
  return { client, queries };
}

describe('the Needs Attention gauge', () => {
  it('asks for the running portInWorkflow orders of its task queue whose PortInStatus is Needs Attention', () => {
    expect(needsAttentionQuery('portflow')).toBe(
      "WorkflowType = 'portInWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = 'portflow' AND " +
        "PortInStatus = 'Needs Attention'"
    );
    // A quote in a task queue name cannot end the string early.
    expect(needsAttentionQuery("o'brien")).toContain("TaskQueue = 'o\\'brien'");
  });

  it('sets the count by task queue, keeps the last value while visibility fails, and warns once per outage', async () => {
    const { meter, sets } = recordingMeter();
    const { client, queries } = visibility([2, new Error('unavailable'), new Error('unavailable'), 0]);
    const warnings: string[] = [];
    const gauge = startAttentionGauge({
      client,
      meter,
      taskQueue: 'q1',
      intervalMs: 3_600_000,
      warn: (m) => warnings.push(m),
    });
    try {
      // The first count starts at once; refresh() shares it while it is in flight.
      expect(await gauge.refresh()).toBe(2);
      expect(await gauge.refresh()).toBeNull();
      expect(await gauge.refresh()).toBeNull();
      expect(await gauge.refresh()).toBe(0);
    } finally {
      gauge.stop();
    }
    expect(queries).toHaveLength(4);
    expect(sets).toEqual([
      { name: ATTENTION_GAUGE_NAME, value: 2, tags: { task_queue: 'q1' } },
      { name: ATTENTION_GAUGE_NAME, value: 0, tags: { task_queue: 'q1' } },
    ]);
    expect(warnings).toEqual([
      `${ATTENTION_GAUGE_NAME}: counting parked orders failed (the gauge keeps its last value): unavailable`,
      `${ATTENTION_GAUGE_NAME}: visibility answers again`,
    ]);
  });
});
