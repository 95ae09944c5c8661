/**
 * The pre-built workflow bundle of production. `npm run build` webpacks the workflow code once
 * (with the failure converter, as the worker would) into lib/workflows.bundle.js; the worker loads
 * that file when it is there instead of bundling at every start, which takes seconds of CPU and
 * webpack's memory. Run from TypeScript (tsx, tests) there is no such file and the worker bundles.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The bundle's file name, beside the compiled worker. */
export const WORKFLOW_BUNDLE_FILE = 'workflows.bundle.js';

/** The pre-built bundle in `dir` (the compiled package's lib/ by default), if the build made one. */
export function prebuiltWorkflowBundle(dir: string = __dirname): { codePath: string } | undefined {
  const codePath = path.join(dir, WORKFLOW_BUNDLE_FILE);
  return existsSync(codePath) ? { codePath } : undefined;
}

/** Bundles ./workflows with the failure converter of ./codec/data-converter and writes it to `file`. */
export async function writeWorkflowBundle(file: string = path.join(__dirname, WORKFLOW_BUNDLE_FILE)): Promise<void> {
  // Loaded on demand: webpack is only needed at build time.
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    // A pre-built bundle ignores the worker's failureConverterPath: it must be bundled in, or workflow
    // failure messages would be stored unencrypted.
    failureConverterPath: require.resolve('./codec/failure-converter'),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => console.warn(message),
      error: (message) => console.error(message),
    },
  });
  writeFileSync(file, code);
}

if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, WORKFLOW_BUNDLE_FILE);
  writeWorkflowBundle(file).then(
    () => console.log(`portflow: workflow bundle written to ${path.relative(process.cwd(), file) || file}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
