import type { TemporalCluster } from '../../scripts/cluster/cluster';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as Record<string, unknown>).__portflowCluster as TemporalCluster | undefined;
  await cluster?.stop();
}
