import path from 'node:path';
import { projectRoot } from '../../src/temporal-server/binaries';

/** A fresh data directory for one test cluster, under .data/cluster-test (removed when it stops). */
export function testClusterDir(label: string): string {
  return path.join(projectRoot, '.data', 'cluster-test', `${label}-${process.pid}-${Date.now().toString(36)}`);
}

/** Cluster progress on stderr, so a slow cold start (the Go build) shows what it is doing. */
export const clusterLog = (line: string): void => {
  process.stderr.write(`cluster: ${line}\n`);
};

/** What the suite's global setup tells test files about its cluster (PORTFLOW_TEST_CLUSTER). */
export interface SuiteCluster {
  address: string;
  postgres: { port: number; user: string; password: string };
  psql: string;
  /** Compose's namespace job as the suite cluster's start ran it, on its fresh database. */
  firstNamespaceJob: { code: number | null; output: string };
}

export function suiteCluster(): SuiteCluster {
  const raw = process.env.PORTFLOW_TEST_CLUSTER;
  if (!raw) throw new Error('PORTFLOW_TEST_CLUSTER is not set: run this through `npm run test:cluster`');
  return JSON.parse(raw) as SuiteCluster;
}
