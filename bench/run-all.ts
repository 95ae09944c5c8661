/**
 * `npm run bench`: every benchmark in turn, each in a process of its own (the SDK runtime and the
 * servers they start are per process). They print figures; none of them asserts a timing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches = [
  'idle-worker.ts',
  'portability.ts',
  'webhooks.ts',
  'port-in-1000.ts',
  'orders-at-scale.ts',
  'recovery.ts',
  'update-cost.ts',
];
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== bench/${bench} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, bench)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
