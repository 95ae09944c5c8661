import type { TemporalCluster } from '../../scripts/cluster/cluster';
import integrationGlobalTeardown from '../helpers/global-teardown';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as Record<string, unknown>).__portflowCluster as TemporalCluster | undefined;
  try {
    await cluster?.stop();
  } finally {
    // The integration setup's own teardown: the workflow bundle's folder, then the hygiene check
    // (no temp folder, process or port of the run left), once the cluster is gone.
    await integrationGlobalTeardown();
  }
}
