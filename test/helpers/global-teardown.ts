import { rmSync } from 'node:fs';
import type { DevServerHandle } from '../../src/temporal-server/dev-server';
import { endHygiene } from './hygiene';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const server = g.__portflowDevServer as DevServerHandle | undefined;
  await server?.stop();
  const bundleDir = g.__portflowBundleDir as string | undefined;
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  // Last: the dev server and the bundle are gone, so anything left is a test's.
  await endHygiene();
}
