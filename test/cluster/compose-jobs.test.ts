/**
 * docker-compose.yml's two one-shot jobs, run as compose runs them (`sh -c` with the service's
 * environment) against the tier's PostgreSQL-backed cluster. The suite's global setup ran both on
 * a fresh database, once each (no restart policy here: a failed job fails the start); the first
 * test reads what that namespace job did. Then they run again: the namespace job for a namespace
 * created that moment (the frontend's namespace cache does not know it yet, which is what made
 * the old job exit on a fresh database), and a second time for the same namespace; the schema job
 * against databases that exist and are up to date.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { runComposeNamespaceJob, runComposeSchemaJob } from '../../scripts/cluster/cluster';
import { ensureServerBuild } from '../../scripts/cluster/server-build';
import { listCustomSearchAttributes } from '../../src/temporal-server/dev-server';
import { portflowSearchAttributes } from '../../src/search-attributes';
import { suiteCluster } from './cluster-dir';

describe("compose's jobs against the cluster on PostgreSQL", () => {
  const cluster = suiteCluster();

  it("created the namespace and every search attribute on a fresh database on the job's first attempt", async () => {
    const job = cluster.firstNamespaceJob;
    const lines = job.output.trim().split('\n');
    expect({ code: job.code, last: lines.at(-1) }).toEqual({ code: 0, last: 'namespace default is ready' });
    expect(job.output).not.toMatch(/giving up/);
    const registered = await listCustomSearchAttributes(cluster.address, 'default');
    expect(portflowSearchAttributes.filter((k) => !(k.name in registered))).toEqual([]);
    // How often the namespace cache made it wait, for the record (0 is possible on a fast machine).
    const notFound = lines.filter((l) => /not found/i.test(l)).length;
    process.stderr.write(
      `cluster: compose's namespace job on a fresh database: exit 0, ${notFound} "not found" retries\n`
    );
  });

  it('creates a new namespace and every search attribute on the first attempt, and again without change', async () => {
    const namespace = `compose-job-${randomUUID().slice(0, 8)}`;
    const first = await runComposeNamespaceJob(cluster.address, { TEMPORAL_NAMESPACE: namespace });
    expect({ code: first.code, tail: first.output.split('\n').slice(-2) }).toEqual({
      code: 0,
      tail: [`namespace ${namespace} is ready`, ''],
    });
    const registered = await listCustomSearchAttributes(cluster.address, namespace);
    expect(
      Object.keys(registered)
        .filter((n) => portflowSearchAttributes.some((k) => k.name === n))
        .sort()
    ).toEqual(portflowSearchAttributes.map((k) => k.name).sort());

    const second = await runComposeNamespaceJob(cluster.address, { TEMPORAL_NAMESPACE: namespace });
    expect(second.code).toBe(0);
    for (const key of portflowSearchAttributes)
      expect(second.output).toContain(`search attribute ${key.name} is registered`);
  });

  it('brings existing, up-to-date databases through the same steps without changing their schema version', async () => {
    const versions = () =>
      ['temporal', 'temporal_visibility'].map((db) => {
        const result = spawnSync(
          cluster.psql,
          [
            '-h',
            '127.0.0.1',
            '-p',
            String(cluster.postgres.port),
            '-U',
            cluster.postgres.user,
            '-d',
            db,
            '-tAc',
            'SELECT curr_version FROM schema_version',
          ],
          { encoding: 'utf8', env: { ...process.env, PGPASSWORD: cluster.postgres.password } }
        );
        if (result.status !== 0) throw new Error(`psql ${db}: ${result.stderr}`);
        return `${db} ${result.stdout.trim()}`;
      });
    const before = versions();
    expect(before.every((v) => /^\S+ \d+\.\d+/.test(v))).toBe(true);
    const job = await runComposeSchemaJob(await ensureServerBuild(), cluster.postgres);
    expect({ code: job.code, last: job.output.trim().split('\n').pop() }).toEqual({
      code: 0,
      last: 'PostgreSQL schemas are up to date',
    });
    expect(versions()).toEqual(before);
  });
});
