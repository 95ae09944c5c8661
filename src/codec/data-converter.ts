import type { DataConverter } from '@temporalio/common';
import type { PortflowConfig } from '../config';
import { EncryptionCodec } from './encryption-codec';
import { DEFAULT_LOCAL_KEY_FILE, loadKeyring } from './keys';
import type { Keyring } from './keys';

const byKeyring = new WeakMap<Keyring, Promise<DataConverter>>();
const byConfig = new WeakMap<PortflowConfig, Promise<DataConverter>>();

/**
 * The data converter every portflow Worker, Client and test environment must share: payloads
 * encrypted with the keyring, failure messages encoded so they are encrypted too. Memoised per
 * keyring, so callers may ask for it freely.
 *
 * @example
 * const dataConverter = await createDataConverter(keyring);
 * await Worker.create({ ..., dataConverter });
 * new Client({ connection, dataConverter });
 */
export function createDataConverter(keyring: Keyring): Promise<DataConverter> {
  let converter = byKeyring.get(keyring);
  if (!converter) {
    converter = Promise.resolve({
      payloadCodecs: [new EncryptionCodec(keyring)],
      failureConverterPath: require.resolve('./failure-converter'),
    });
    byKeyring.set(keyring, converter);
  }
  return converter;
}

/**
 * The keyring the configuration names (`PORTFLOW_ENCRYPTION_KEYS` / `PORTFLOW_ENCRYPTION_KEY_FILE`).
 * With neither set, a sandbox configuration falls back to the local key file (generated on first
 * use, see `ensureLocalKeyFile` in ./keys); a configuration that talks to real Twilio must name its keys.
 */
export function keyringFromConfig(config: PortflowConfig): Promise<Keyring> {
  return loadKeyring(config.codec, {
    fallbackKeyFile: config.twilio.usesSandbox ? DEFAULT_LOCAL_KEY_FILE : undefined,
  });
}

/** {@link createDataConverter} for the keyring {@link keyringFromConfig} finds; memoised per config object. */
export function loadDataConverter(config: PortflowConfig): Promise<DataConverter> {
  let converter = byConfig.get(config);
  if (!converter) {
    converter = keyringFromConfig(config).then(createDataConverter);
    byConfig.set(config, converter);
    // A failed load (bad key, unreadable file) must not be cached: the next call retries.
    converter.catch(() => byConfig.delete(config));
  }
  return converter;
}
