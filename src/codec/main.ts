/**
 * `npm run codec-server`: serves /encode and /decode for the Temporal UI and CLI with the same keys
 * as the worker. Listens on 127.0.0.1 unless CODEC_SERVER_HOST says otherwise (0.0.0.0 in a container).
 */
import { z } from 'zod';
import { loadConfig } from '../config';
import { startCodecServer } from './codec-server';
import { keyringFromConfig } from './data-converter';
import { EncryptionCodec } from './encryption-codec';

const hostSchema = z
  .string()
  .trim()
  .min(1, { message: 'CODEC_SERVER_HOST must not be empty (use 127.0.0.1, 0.0.0.0 or a local address)' })
  .default('127.0.0.1');

async function main(): Promise<void> {
  const config = loadConfig();
  const host = hostSchema.parse(process.env.CODEC_SERVER_HOST);
  const keyring = await keyringFromConfig(config);
  const server = await startCodecServer({
    port: config.codec.serverPort,
    host,
    codec: new EncryptionCodec(keyring),
    corsOrigins: config.codec.corsOrigins,
    token: config.codec.serverToken,
    log: (line) => console.log(`codec-server: ${line}`),
  });
  console.log(
    `codec-server: listening on ${server.url} (active key ${keyring.activeKeyId}, ${keyring.keyIds.length} key(s); ` +
      `bearer token ${config.codec.serverToken ? 'required' : 'not required'}; CORS origins: ${config.codec.corsOrigins.join(', ') || 'none'})`
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
