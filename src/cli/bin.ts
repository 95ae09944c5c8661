#!/usr/bin/env node
/**
 * The `portflow` executable (package.json `bin`): `npx portflow <command>`, or `npm run portflow --`
 * from the sources. Everything it does is in ./main.
 */
import { runCli } from './main';

runCli(process.argv.slice(2)).then(exit, (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  exit(1);
});

/** Lets stdout drain into a pipe; if a stray handle would keep the process up, ends it anyway. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}
