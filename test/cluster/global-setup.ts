/**
 * Global setup of the cluster tier (jest.cluster.config.js): builds the pinned Temporal server when
 * needed, starts a cluster on a fresh PostgreSQL and hands its address to the integration suite's
 * own global setup, which then starts no dev server (PORTFLOW_TEST_EXTERNAL_TEMPORAL).
 */
import path from 'node:path';
import { startCluster } from '../../scripts/cluster/cluster';
import integrationGlobalSetup from '../helpers/global-setup';
import { clusterLog, testClusterDir } from './cluster-dir';
import type { SuiteCluster } from './cluster-dir';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const cluster = await startCluster({ baseDir: testClusterDir('suite'), removeOnStop: true, log: clusterLog });
  (globalThis as Record<string, unknown>).__portflowCluster = cluster;
  clusterLog(`suite cluster on ${cluster.address} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.env.TEMPORAL_ADDRESS = cluster.address;
  process.env.PORTFLOW_TEST_EXTERNAL_TEMPORAL = '1';
  // For test/cluster/compose-jobs.test.ts, which runs compose's jobs against this cluster again.
  process.env.PORTFLOW_TEST_CLUSTER = JSON.stringify({
    address: cluster.address,
    postgres: { port: cluster.postgres.port, user: cluster.postgres.user, password: cluster.postgres.password },
    psql: path.join(cluster.postgres.binDir, 'psql'),
    firstNamespaceJob: cluster.firstNamespaceJob,
  } satisfies SuiteCluster);
  try {
    await integrationGlobalSetup();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
