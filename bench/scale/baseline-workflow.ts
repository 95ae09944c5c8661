/**
 * The scale bench's baseline: a workflow that does nothing but the Temporal work a port-in order
 * does — the same number of activities, timers and signals — and spends the same Twilio request
 * budget (its activities take as many tokens from a rate limiter as the orders made Twilio calls), so
 * the bench can say how much of the order's cost is portflow's own.
 */
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

export interface BaselineInput {
  activities: number;
  timers: number;
  /** Each timer's duration; the timers sum to the sandbox timeline an order waits for. */
  timerMs: number;
  signals: number;
  /**
   * Twilio calls per order, spread over the activities: each takes that many tokens from the
   * baseline worker's rate limiter (the same PORTFLOW_TWILIO_MAX_RPS as the orders' worker).
   */
  twilioCalls: number;
}

export const baselineSignal = defineSignal<[number]>('baselineTick');

const { noop } = proxyActivities<{ noop(i: number, twilioCalls: number): Promise<number> }>({
  startToCloseTimeout: '1 minute',
});

export async function baselineWorkflow(input: BaselineInput): Promise<number> {
  let received = 0;
  setHandler(baselineSignal, () => void received++);
  const { activities, twilioCalls } = input;
  // Activity i takes its share of the calls, so the shares sum to twilioCalls.
  const share = (i: number) =>
    Math.floor(((i + 1) * twilioCalls) / activities) - Math.floor((i * twilioCalls) / activities);
  for (let i = 0; i < activities; i++) await noop(i, share(i));
  for (let i = 0; i < input.timers; i++) await sleep(input.timerMs);
  await condition(() => received >= input.signals);
  return received;
}
