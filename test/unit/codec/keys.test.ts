import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureLocalKeyFile,
  Keyring,
  KeyringError,
  keyFileSchema,
  loadKeyring,
  parseKeyList,
  readKeyFile,
} from '../../../src/codec/keys';
import { newKeyBase64 } from './fixtures';

describe('keys', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portflow-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('parseKeyList (PORTFLOW_ENCRYPTION_KEYS)', () => {
    it('reads id:base64 pairs and makes the first one active', () => {
      const a = newKeyBase64();
      const b = newKeyBase64();
      const keyring = parseKeyList(` k2025:${a} , k2024:${b} `);
      expect(keyring.keyIds).toEqual(['k2025', 'k2024']);
      expect(keyring.activeKeyId).toBe('k2025');
      expect(keyring.activeKey.toString('base64')).toBe(a);
      expect(keyring.key('k2024')?.toString('base64')).toBe(b);
    });

    it('makes the named key active when an id is given', () => {
      const keyring = parseKeyList(`a:${newKeyBase64()},b:${newKeyBase64()}`, 'b');
      expect(keyring.activeKeyId).toBe('b');
    });

    it.each([
      [
        'a key of the wrong length',
        `k1:${randomBytes(16).toString('base64')}`,
        /"k1" is 16 bytes; AES-256 needs exactly 32/,
      ],
      ['a key that is not base64', 'k1:not*base64!', /"k1" in PORTFLOW_ENCRYPTION_KEYS is not valid base64/],
      ['an empty key', 'k1:', /"k1" in PORTFLOW_ENCRYPTION_KEYS is not valid base64/],
      ['an entry without an id', `${newKeyBase64()}`, /entry 1 is not of the form id:base64key/],
      ['an entry with an empty id', `:${newKeyBase64()}`, /entry 1 is not of the form id:base64key/],
      ['an id with spaces', `my key:${newKeyBase64()}`, /key id "my key" is invalid/],
      ['a duplicate id', `k1:${newKeyBase64()},k1:${newKeyBase64()}`, /names key "k1" twice/],
      ['an empty list', ' , ', /PORTFLOW_ENCRYPTION_KEYS is empty/],
    ])('rejects %s with a clear error', (_what, spec, message) => {
      expect(() => parseKeyList(spec)).toThrow(KeyringError);
      expect(() => parseKeyList(spec)).toThrow(message);
    });

    it('rejects an active id that is not in the list, listing the known ids', () => {
      expect(() => parseKeyList(`a:${newKeyBase64()}`, 'zzz')).toThrow(
        /active encryption key "zzz" is not in the keyring \(known keys: a\)/
      );
    });

    it('never puts key material in an error message', () => {
      const short = randomBytes(31).toString('base64');
      const error = (() => {
        try {
          parseKeyList(`k1:${short}`);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error?.message).toBeDefined();
      expect(error?.message).not.toContain(short);
    });
  });

  describe('Keyring', () => {
    it('merges two keyrings, taking the active key of the second', () => {
      const merged = new Keyring(new Map([['old', randomBytes(32)]]), 'old').merge(
        new Keyring(new Map([['new', randomBytes(32)]]), 'new')
      );
      expect(merged.keyIds.sort()).toEqual(['new', 'old']);
      expect(merged.activeKeyId).toBe('new');
    });

    it('refuses to merge one id bound to two different keys', () => {
      const a = new Keyring(new Map([['k', randomBytes(32)]]), 'k');
      const b = new Keyring(new Map([['k', randomBytes(32)]]), 'k');
      expect(() => a.merge(b)).toThrow(/"k" is configured twice with different key material/);
    });

    it('rejects an empty keyring', () => {
      expect(() => new Keyring(new Map(), 'k')).toThrow(/keyring is empty/);
    });
  });

  describe('key files', () => {
    it('generates a local key file with mode 0600 when none exists', async () => {
      const path = join(dir, 'nested', 'encryption-keys.json');
      const result = await ensureLocalKeyFile(path);
      expect(result).toEqual({ path, created: true });
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      const file = keyFileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
      expect(Buffer.from(file.keys[file.activeKeyId] as string, 'base64')).toHaveLength(32);
    });

    it('keeps an existing key file as it is', async () => {
      const path = join(dir, 'keep.json');
      await ensureLocalKeyFile(path);
      const before = await readFile(path, 'utf8');
      expect(await ensureLocalKeyFile(path)).toEqual({ path, created: false });
      expect(await readFile(path, 'utf8')).toBe(before);
    });

    it('reads a key file into a keyring, the active id from the file unless overridden', async () => {
      const path = join(dir, 'two.json');
      await writeFile(path, JSON.stringify({ activeKeyId: 'b', keys: { a: newKeyBase64(), b: newKeyBase64() } }));
      expect((await readKeyFile(path)).activeKeyId).toBe('b');
      expect((await readKeyFile(path, 'a')).activeKeyId).toBe('a');
    });

    it.each([
      ['is not JSON', '{oops', /is not valid JSON/],
      ['lacks activeKeyId', JSON.stringify({ keys: { a: newKeyBase64() } }), /invalid \(activeKeyId: /],
      ['has no keys', JSON.stringify({ activeKeyId: 'a', keys: {} }), /keys: at least one key is required/],
      [
        'holds a key of the wrong length',
        JSON.stringify({ activeKeyId: 'a', keys: { a: randomBytes(24).toString('base64') } }),
        /"a" is 24 bytes; AES-256 needs exactly 32/,
      ],
      [
        'names an active key it does not hold',
        JSON.stringify({ activeKeyId: 'b', keys: { a: newKeyBase64() } }),
        /active encryption key "b" is not in the keyring/,
      ],
    ])('rejects a key file that %s', async (_what, content, message) => {
      const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(path, content);
      await expect(readKeyFile(path)).rejects.toThrow(KeyringError);
      await expect(readKeyFile(path)).rejects.toThrow(message);
    });

    it('says so when the key file does not exist', async () => {
      await expect(readKeyFile(join(dir, 'missing.json'))).rejects.toThrow(
        /Cannot read encryption key file .*: no such file/
      );
    });

    it('refuses to vouch for an existing but invalid local key file', async () => {
      const path = join(dir, 'corrupt.json');
      await writeFile(path, '{"activeKeyId": 3}');
      await expect(ensureLocalKeyFile(path)).rejects.toThrow(/is invalid/);
    });
  });

  describe('loadKeyring', () => {
    it('uses PORTFLOW_ENCRYPTION_KEYS', async () => {
      const keyring = await loadKeyring({ keys: `env1:${newKeyBase64()}` });
      expect(keyring.activeKeyId).toBe('env1');
    });

    it('uses the key file, with PORTFLOW_ENCRYPTION_KEY_ID choosing the active key', async () => {
      const path = join(dir, 'load.json');
      await writeFile(path, JSON.stringify({ activeKeyId: 'f1', keys: { f1: newKeyBase64(), f2: newKeyBase64() } }));
      expect((await loadKeyring({ keyFile: path })).activeKeyId).toBe('f1');
      expect((await loadKeyring({ keyFile: path, keyId: 'f2' })).activeKeyId).toBe('f2');
    });

    it('accepts the keys of both sources when both are set', async () => {
      const path = join(dir, 'both.json');
      await writeFile(path, JSON.stringify({ activeKeyId: 'f1', keys: { f1: newKeyBase64() } }));
      const keyring = await loadKeyring({ keyFile: path, keys: `e1:${newKeyBase64()}` });
      expect(keyring.keyIds.sort()).toEqual(['e1', 'f1']);
      expect(keyring.activeKeyId).toBe('e1');
    });

    it('rejects PORTFLOW_ENCRYPTION_KEY_ID naming no configured key', async () => {
      await expect(loadKeyring({ keys: `e1:${newKeyBase64()}`, keyId: 'nope' })).rejects.toThrow(
        /PORTFLOW_ENCRYPTION_KEY_ID is "nope", which is not one of the configured keys \(e1\)/
      );
    });

    it('refuses to invent a key when nothing is configured and no fallback is allowed', async () => {
      await expect(loadKeyring({})).rejects.toThrow(/No encryption keys configured: set PORTFLOW_ENCRYPTION_KEYS/);
    });

    it('generates and then reuses the fallback key file when allowed', async () => {
      const path = join(dir, 'fallback.json');
      const first = await loadKeyring({}, { fallbackKeyFile: path });
      const second = await loadKeyring({}, { fallbackKeyFile: path });
      expect(second.activeKeyId).toBe(first.activeKeyId);
      expect(second.activeKey.equals(first.activeKey)).toBe(true);
    });
  });
});
