import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

/** AES-256 needs exactly 32 bytes of key material. */
export const KEY_LENGTH_BYTES = 32;

/** Where the demo keeps its generated key file (git-ignored with the rest of `.data/`). */
export const DEFAULT_LOCAL_KEY_FILE = resolve(__dirname, '../../.data/encryption-keys.json');

const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_HINT = `generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

/** A key or keyring that cannot be used. The message says which key and why, never the key material. */
export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

/**
 * The set of AES-256 keys portflow knows, by id. The active key encrypts; every key decrypts, so a
 * key can be rotated by adding a new active key while keeping the old ones for existing histories.
 */
export class Keyring {
  readonly activeKeyId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  /**
   * @param keys key id → 32 raw key bytes
   * @param activeKeyId the key used to encrypt; must be one of `keys`
   * @throws {@link KeyringError} on an empty keyring, a malformed id, a key of the wrong length or an unknown active id
   */
  constructor(keys: ReadonlyMap<string, Uint8Array>, activeKeyId: string) {
    if (keys.size === 0) throw new KeyringError('The encryption keyring is empty: at least one key is required.');
    const copy = new Map<string, Buffer>();
    for (const [id, key] of keys) {
      assertKeyId(id);
      if (key.length !== KEY_LENGTH_BYTES) {
        throw new KeyringError(
          `Encryption key "${id}" is ${key.length} bytes; AES-256 needs exactly ${KEY_LENGTH_BYTES} (${KEY_HINT}).`
        );
      }
      copy.set(id, Buffer.from(key));
    }
    if (!copy.has(activeKeyId)) {
      throw new KeyringError(
        `The active encryption key "${activeKeyId}" is not in the keyring (known keys: ${[...copy.keys()].join(', ')}).`
      );
    }
    this.#keys = copy;
    this.activeKeyId = activeKeyId;
  }

  /** The ids of every key, active or not. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key that encrypts new payloads. */
  get activeKey(): Buffer {
    // The constructor guarantees the active id is present.
    return this.#keys.get(this.activeKeyId) as Buffer;
  }

  /** The key with this id, or `undefined` when the keyring does not hold it. */
  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  /** A keyring with the same keys and another active one: the step that rotates a key. */
  withActiveKey(activeKeyId: string): Keyring {
    return new Keyring(this.#keys, activeKeyId);
  }

  /** Both keyrings' keys, with `other`'s active key; an id may appear in both only with the same key. */
  merge(other: Keyring): Keyring {
    for (const [id, key] of other.#keys) {
      const mine = this.#keys.get(id);
      if (mine && !mine.equals(key)) {
        throw new KeyringError(`Encryption key "${id}" is configured twice with different key material.`);
      }
    }
    return new Keyring(new Map([...this.#keys, ...other.#keys]), other.activeKeyId);
  }
}

function assertKeyId(id: string): void {
  if (!KEY_ID_PATTERN.test(id)) {
    throw new KeyringError(
      `Encryption key id "${id}" is invalid: use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.`
    );
  }
}

/** Decodes standard (padded) base64 strictly: `Buffer.from` alone silently skips bad characters. */
function decodeKey(id: string, base64: string, where: string): Buffer {
  const trimmed = base64.trim();
  if (trimmed === '' || !BASE64_PATTERN.test(trimmed)) {
    throw new KeyringError(`Encryption key "${id}" in ${where} is not valid base64 (${KEY_HINT}).`);
  }
  return Buffer.from(trimmed, 'base64');
}

/**
 * Parses `PORTFLOW_ENCRYPTION_KEYS`: comma-separated `id:base64key` pairs.
 *
 * @param spec the variable's value, e.g. `k2025:3q2+7w…=,k2024:q83v…=`
 * @param activeKeyId the key that encrypts; defaults to the first pair
 */
export function parseKeyList(spec: string, activeKeyId?: string): Keyring {
  const where = 'PORTFLOW_ENCRYPTION_KEYS';
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new KeyringError(`${where} is empty: expected comma-separated id:base64key pairs.`);
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new KeyringError(
        `${where} entry ${index + 1} is not of the form id:base64key (the id and the colon are required).`
      );
    }
    const id = entry.slice(0, colon).trim();
    assertKeyId(id);
    if (keys.has(id)) throw new KeyringError(`${where} names key "${id}" twice; key ids must be unique.`);
    keys.set(id, decodeKey(id, entry.slice(colon + 1), where));
  }
  const firstId = keys.keys().next().value as string;
  return new Keyring(keys, activeKeyId ?? firstId);
}

/** The JSON shape of a key file: `{ "activeKeyId": "k1", "keys": { "k1": "<base64 of 32 bytes>" } }`. */
export const keyFileSchema = z.object({
  activeKeyId: z.string().min(1, { message: 'activeKeyId must name one of the keys' }),
  keys: z
    .record(z.string(), z.string())
    .refine((k) => Object.keys(k).length > 0, { message: 'at least one key is required' }),
});

/** A parsed key file. */
export type KeyFile = z.infer<typeof keyFileSchema>;

/**
 * Reads and validates a key file.
 *
 * @param activeKeyId overrides the file's `activeKeyId` (from `PORTFLOW_ENCRYPTION_KEY_ID`)
 */
export async function readKeyFile(path: string, activeKeyId?: string): Promise<Keyring> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyringError(`Cannot read encryption key file ${path}: ${code === 'ENOENT' ? 'no such file' : code}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyringError(`Encryption key file ${path} is not valid JSON.`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new KeyringError(
      `Encryption key file ${path} is invalid (${problems}); expected {"activeKeyId": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}.`
    );
  }
  const keys = new Map<string, Buffer>();
  for (const [id, base64] of Object.entries(parsed.data.keys)) {
    assertKeyId(id);
    keys.set(id, decodeKey(id, base64, `key file ${path}`));
  }
  return new Keyring(keys, activeKeyId ?? parsed.data.activeKeyId);
}

/** A fresh random key id and key, for a new key file or a rotation. */
export function generateKeyEntry(prefix = 'local'): { id: string; key: string } {
  return { id: `${prefix}-${randomBytes(4).toString('hex')}`, key: randomBytes(KEY_LENGTH_BYTES).toString('base64') };
}

/**
 * Makes sure a key file exists at `path`, generating one random key (file mode 0600) when none does.
 * An existing file is validated, never overwritten.
 *
 * @returns the path and whether the file was created by this call
 */
export async function ensureLocalKeyFile(
  path: string = DEFAULT_LOCAL_KEY_FILE
): Promise<{ path: string; created: boolean }> {
  const exists = await access(path, fsConstants.F_OK).then(
    () => true,
    () => false
  );
  if (!exists) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const { id, key } = generateKeyEntry();
    const file: KeyFile = { activeKeyId: id, keys: { [id]: key } };
    try {
      // 'wx' so that two processes starting at once cannot overwrite each other's key.
      await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return { path, created: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  await readKeyFile(path);
  return { path, created: false };
}

/** Where the keys come from: the `codec` section of the config. */
export interface KeySource {
  keyId?: string;
  keys?: string;
  keyFile?: string;
}

/**
 * Builds the keyring from `PORTFLOW_ENCRYPTION_KEYS` and/or `PORTFLOW_ENCRYPTION_KEY_FILE`. When both
 * are set, both sets of keys decrypt and the variable's active key encrypts unless
 * `PORTFLOW_ENCRYPTION_KEY_ID` says otherwise.
 *
 * @param options.fallbackKeyFile used (and generated if missing) when neither is set; without it,
 *   no configured key is an error — a production process must never invent a key of its own
 */
export async function loadKeyring(source: KeySource, options: { fallbackKeyFile?: string } = {}): Promise<Keyring> {
  const fromFile = source.keyFile ? await readKeyFile(resolve(source.keyFile)) : undefined;
  const fromList = source.keys ? parseKeyList(source.keys) : undefined;
  let keyring: Keyring;
  if (fromFile && fromList) keyring = fromFile.merge(fromList);
  else if (fromFile ?? fromList) keyring = (fromFile ?? fromList) as Keyring;
  else if (options.fallbackKeyFile) {
    const { path } = await ensureLocalKeyFile(options.fallbackKeyFile);
    keyring = await readKeyFile(path);
  } else {
    throw new KeyringError(
      'No encryption keys configured: set PORTFLOW_ENCRYPTION_KEYS (comma-separated id:base64key) or PORTFLOW_ENCRYPTION_KEY_FILE.'
    );
  }
  if (source.keyId && source.keyId !== keyring.activeKeyId) {
    if (!keyring.key(source.keyId)) {
      throw new KeyringError(
        `PORTFLOW_ENCRYPTION_KEY_ID is "${source.keyId}", which is not one of the configured keys (${keyring.keyIds.join(', ')}).`
      );
    }
    keyring = keyring.withActiveKey(source.keyId);
  }
  return keyring;
}
