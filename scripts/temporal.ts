/**
 * `npm run temporal`: a persistent local Temporal dev server with the UI on http://127.0.0.1:8233,
 * portflow's search attributes registered, state kept in .data/temporal.sqlite across restarts.
 * Runs until Ctrl-C.
 */
import { startDevServer } from '../src/temporal-server/dev-server';

async function main(): Promise<void> {
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const server = await startDevServer({
    port,
    uiPort,
    dbFile: process.env.TEMPORAL_DB_FILE,
    uiCodecEndpoint: process.env.TEMPORAL_UI_CODEC_ENDPOINT,
    log: (line) => console.log(line),
  });
  console.log(`Temporal dev server: ${server.address} (namespace ${server.namespace})`);
  console.log(`Temporal UI:         ${server.uiUrl}`);
  console.log(`State:               ${server.dbFile}`);
  console.log('Press Ctrl-C to stop.');
  const code = await server.process.exited();
  if (code !== 0 && code !== null) {
    console.error(`The dev server exited with code ${code}:\n${server.process.outputTail()}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
