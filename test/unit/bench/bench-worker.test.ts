/**
 * A bench's worker that dies mid-run fails the bench at once, saying how it died and what it said
 * last (bench/bench-worker.ts), instead of the bench waiting for orders that will never end.
 */
import path from 'node:path';
import { startWorkerProcess } from '../../../bench/bench-worker';

const fixture = path.join(__dirname, '../../fixtures/bench-worker-fixture.ts');
const start = () => startWorkerProcess('fixture worker', fixture, {}, { nodeFlags: ['--import', 'tsx'] });

test('a worker that exits reports its exit code and the tail of its output', async () => {
  const worker = await start();
  try {
    process.kill(worker.pid, 'SIGUSR2');
    await expect(worker.died).rejects.toThrow(/died \(exit code 7\)[\s\S]*fixture: the last words before exit 7/);
  } finally {
    await worker.stop();
  }
});

test('a worker killed by a signal reports the signal', async () => {
  const worker = await start();
  try {
    process.kill(worker.pid, 'SIGKILL');
    await expect(worker.died).rejects.toThrow(/died \(signal SIGKILL\)[\s\S]*portflow worker: fixture ready/);
  } finally {
    await worker.stop();
  }
});

test('a worker stopped by the bench is not reported as dead', async () => {
  const worker = await start();
  await worker.stop();
  const outcome = await Promise.race([
    worker.died.then(
      () => 'resolved',
      () => 'rejected'
    ),
    Promise.resolve('pending'),
  ]);
  expect(outcome).toBe('pending');
});
