/**
 * `npm run webhooks`: the webhook receiver's entry point (see ./serve.ts for its settings and
 * docs/webhooks.md for the setup).
 */
import { runWebhooksServe } from './serve';

runWebhooksServe(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).then(
  (code) => exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    exit(1);
  }
);

/** Lets stdout drain; if a stray handle (a keep-alive socket) would keep the process up, ends it anyway. */
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}
