import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.join(__dirname, 'histories');

/**
 * With PORTFLOW_RECORD_HISTORIES=1, saves the history of a finished run under test/replay/histories
 * so the replay suite checks that today's workflow code still replays it (determinism).
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.PORTFLOW_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
