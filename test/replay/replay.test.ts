import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from './record';
import { installTestRuntime, workflowBundle } from '../helpers/temporal';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories against the current workflow code', () => {
  beforeAll(() => installTestRuntime());

  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('replays %s without nondeterminism', async (file) => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as unknown;
    await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, file.replace(/\.json$/, ''));
  });

  it('detects a history the code cannot have produced', async () => {
    const file = files.find((f) => f.startsWith('happy-path'))!;
    const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as {
      events: Array<{ eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }>;
    };
    // Pretend the first activity the workflow scheduled was a different one.
    const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'somethingElse';
    await expect(Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, 'mutated')).rejects.toThrow(
      /[Nn]ondetermin/
    );
  });
});
