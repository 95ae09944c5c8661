/**
 * The scale bench's baseline: a workflow that does nothing but the Temporal work a port-in order
 * does — the same number of activities, timers and signals — so the bench can say how much of the
 * order's cost is portflow's own.
 */
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

export interface BaselineInput {
  activities: number;
  timers: number;
  /** Each timer's duration; the timers sum to the sandbox timeline an order waits for. */
  timerMs: number;
  signals: number;
}

export const baselineSignal = defineSignal<[number]>('baselineTick');

const { noop } = proxyActivities<{ noop(i: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

export async function baselineWorkflow(input: BaselineInput): Promise<number> {
  let received = 0;
  setHandler(baselineSignal, () => void received++);
  for (let i = 0; i < input.activities; i++) await noop(i);
  for (let i = 0; i < input.timers; i++) await sleep(input.timerMs);
  await condition(() => received >= input.signals);
  return received;
}
