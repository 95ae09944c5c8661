/**
 * `npx tsx scripts/cluster/build-server.ts`: builds the pinned Temporal server, its SQL tool and
 * copies its schema and config template into `.tools/temporal-server/<version>/` (reused when
 * complete). `npm run cluster` and `npm run test:cluster` do this themselves; this is for doing it
 * ahead of time, e.g. in a CI cache step.
 */
import path from 'node:path';
import { projectRoot } from '../../src/temporal-server/binaries';
import { ensureServerBuild, ServerBuildError } from './server-build';

ensureServerBuild({ log: (line) => console.log(`cluster: ${line}`) }).then(
  (build) => console.log(`cluster: Temporal server ${build.version} in ${path.relative(projectRoot, build.dir)}`),
  (err: unknown) => {
    console.error(err instanceof ServerBuildError ? `\ncluster: ${err.message}\n` : err);
    process.exit(1);
  }
);
