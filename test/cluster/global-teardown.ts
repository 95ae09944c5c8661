import { rmdirSync } from 'node:fs';
import path from 'node:path';
import type { TemporalCluster } from '../../scripts/cluster/cluster';
import integrationGlobalTeardown from '../helpers/global-teardown';
import { testClusterDir } from './cluster-dir';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as Record<string, unknown>).__portflowCluster as TemporalCluster | undefined;
  try {
    await cluster?.stop();
  } finally {
    // Each cluster removes its own directory; their common parent goes too once empty.
    try {
      rmdirSync(path.dirname(testClusterDir('any')));
    } catch {
      // Not empty (a cluster kept for a post-mortem) or never made.
    }
    // The integration setup's own teardown: the workflow bundle's folder, then the hygiene check
    // (no temp folder, process or port of the run left), once the cluster is gone.
    await integrationGlobalTeardown();
  }
}
