/**
 * `npm run cluster`: a Temporal cluster on PostgreSQL for a person — the pinned server built from
 * Go modules (once), PostgreSQL with data under .data/cluster (kept across runs), the four roles as
 * separate processes and the namespace with portflow's search attributes. Ctrl-C stops everything.
 *
 *   PORTFLOW_CLUSTER_PORT   the frontend's gRPC port (default 7233; 0 picks a free one)
 *   PORTFLOW_CLUSTER_DATA   where PostgreSQL keeps its data (default .data/cluster)
 */
import path from 'node:path';
import { handleInterrupts } from '../../src/interrupts';
import { projectRoot } from '../../src/temporal-server/binaries';
import { assertPortFree } from '../../src/temporal-server/ports';
import { startCluster } from './cluster';

async function main(): Promise<void> {
  const port = Number(process.env.PORTFLOW_CLUSTER_PORT ?? 7233);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORTFLOW_CLUSTER_PORT=${process.env.PORTFLOW_CLUSTER_PORT} is not a port (0–65535)`);
  }
  if (port !== 0) await assertPortFree(port, 'Temporal frontend (PORTFLOW_CLUSTER_PORT)');
  const baseDir = path.resolve(projectRoot, process.env.PORTFLOW_CLUSTER_DATA ?? '.data/cluster');
  const started = Date.now();
  const cluster = await startCluster({ baseDir, frontendPort: port, log: (line) => console.log(`cluster: ${line}`) });
  console.log(
    `\ncluster: Temporal ${cluster.build.version} on PostgreSQL is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
      `  frontend    ${cluster.address} (namespace ${cluster.namespace})\n` +
      `  PostgreSQL  127.0.0.1:${cluster.postgres.port}, user ${cluster.postgres.user}, ` +
      `password in ${path.relative(projectRoot, path.join(baseDir, 'postgres-password'))}\n` +
      `  roles       ${Object.entries(cluster.roles)
        .map(([role, p]) => `${role} (pid ${p.child.pid})`)
        .join(', ')}\n\n` +
      `  try: TEMPORAL_ADDRESS=${cluster.address} npm run worker\n` +
      `Ctrl-C stops the roles and PostgreSQL (the data stays in ${path.relative(projectRoot, baseDir)}).`
  );
  await new Promise<void>((resolve) => {
    let stopping: Promise<void> | undefined;
    // A role that dies on its own is reported; the rest keeps running for the person to look at.
    for (const [role, proc] of Object.entries(cluster.roles)) {
      void proc.exited().then((code) => {
        if (!stopping) console.error(`cluster: ${role} exited (${code}):\n${proc.outputTail()}`);
      });
    }
    const dispose = handleInterrupts(['SIGINT', 'SIGTERM'], {
      onFirst: () => {
        console.log('\ncluster: stopping …');
        stopping = cluster.stop().finally(() => {
          dispose();
          resolve();
        });
      },
      onForce: () => process.exit(130),
    });
  });
  console.log('cluster: stopped');
}

main().catch((err) => {
  console.error(err instanceof Error ? `cluster: ${err.message}` : err);
  process.exit(1);
});
