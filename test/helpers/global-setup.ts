/**
 * Integration-test global setup: one in-memory Temporal dev server and one workflow bundle for the
 * whole run. Test files find both through environment variables (workers inherit our env).
 * With PORTFLOW_TEST_EXTERNAL_TEMPORAL=1 no dev server is started: the tests use the Temporal at
 * TEMPORAL_ADDRESS (the cluster tier, test/cluster/global-setup.ts, starts one on PostgreSQL).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../src/temporal-server/dev-server';
import { beginHygiene } from './hygiene';

export default async function globalSetup(): Promise<void> {
  // First: every temp folder and process of the run is then accounted for (see ./hygiene).
  beginHygiene();
  const external = process.env.PORTFLOW_TEST_EXTERNAL_TEMPORAL === '1';
  if (external && !process.env.TEMPORAL_ADDRESS) {
    throw new Error('PORTFLOW_TEST_EXTERNAL_TEMPORAL=1 needs TEMPORAL_ADDRESS (host:port of the Temporal frontend)');
  }
  const [server, bundle] = await Promise.all([
    external ? undefined : startDevServer({ port: 0, uiPort: false, dbFile: ':memory:' }),
    // The failure converter is bundled as production bundles it (a prebuilt bundle ignores the
    // worker's failureConverterPath): failure messages are encoded payloads, encrypted with a codec.
    bundleWorkflowCode({
      workflowsPath: require.resolve('./all-workflows'),
      failureConverterPath: require.resolve('../../src/codec/failure-converter'),
      logger: quietLogger,
    }),
  ]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-test-'));
  const codePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(codePath, bundle.code);
  if (server) process.env.TEMPORAL_ADDRESS = server.address;
  process.env.PORTFLOW_TEST_WORKFLOW_BUNDLE = codePath;
  (globalThis as Record<string, unknown>).__portflowDevServer = server;
  (globalThis as Record<string, unknown>).__portflowBundleDir = dir;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
