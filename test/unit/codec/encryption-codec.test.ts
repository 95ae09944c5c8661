import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  ENCODING_ENCRYPTED,
  EncryptionCodec,
  METADATA_KEY_ID,
  PayloadDecryptionError,
} from '../../../src/codec/encryption-codec';
import { Keyring } from '../../../src/codec/keys';
import { containsText, losingCarrierInfo, newKeyring, SECRET_ACCOUNT_NUMBER, SECRET_PIN } from './fixtures';

const text = (bytes: Uint8Array | undefined | null) => Buffer.from(bytes ?? new Uint8Array(0)).toString('utf8');
const order = { orderId: 'order-42', losingCarrierInformation: losingCarrierInfo, phoneNumbers: ['+15017122661'] };

describe('EncryptionCodec', () => {
  const keyring = newKeyring('k1');
  const codec = new EncryptionCodec(keyring);

  describe('encode', () => {
    it('round-trips a payload through encode and decode', async () => {
      const payload = defaultPayloadConverter.toPayload(order);
      const [encoded] = await codec.encode([payload]);
      const [decoded] = await codec.decode([encoded as Payload]);
      expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(order);
      expect(text(decoded?.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
    });

    it('marks the payload as encrypted and names the key', async () => {
      const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
      expect(Object.keys(encoded?.metadata ?? {}).sort()).toEqual([METADATA_ENCODING_KEY, METADATA_KEY_ID].sort());
      expect(text(encoded?.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCODING_ENCRYPTED);
      expect(text(encoded?.metadata?.[METADATA_KEY_ID])).toBe('k1');
    });

    it('leaves neither the PIN, the account number nor the inner encoding readable in the encoded bytes', async () => {
      const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
      const wire = temporal.api.common.v1.Payload.encode(encoded as Payload).finish();
      for (const secret of [SECRET_PIN, SECRET_ACCOUNT_NUMBER, 'Acme Plumbing', 'json/plain', 'losingCarrier']) {
        expect(containsText(wire, secret)).toBe(false);
      }
    });

    it('uses a fresh IV each time, so equal payloads encrypt differently', async () => {
      const payload = defaultPayloadConverter.toPayload(SECRET_PIN);
      const [a, b] = await codec.encode([payload, payload]);
      expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
      expect(
        Buffer.from(a?.data ?? [])
          .subarray(0, 12)
          .equals(Buffer.from(b?.data ?? []).subarray(0, 12))
      ).toBe(false);
    });

    it('adds exactly the 12-byte IV and the 16-byte tag to the serialized payload', async () => {
      const payload = defaultPayloadConverter.toPayload(order);
      const [encoded] = await codec.encode([payload]);
      const plainLength = temporal.api.common.v1.Payload.encode(payload).finish().length;
      expect(encoded?.data?.length).toBe(plainLength + 12 + 16);
    });

    it('handles an empty list and a payload without data', async () => {
      expect(await codec.encode([])).toEqual([]);
      const [encoded] = await codec.encode([{ metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/null') } }]);
      const [decoded] = await codec.decode([encoded as Payload]);
      expect(text(decoded?.metadata?.[METADATA_ENCODING_KEY])).toBe('binary/null');
      expect(decoded?.data?.length ?? 0).toBe(0);
    });
  });

  describe('decode', () => {
    it('passes payloads that are not encrypted through unchanged', async () => {
      const plain = defaultPayloadConverter.toPayload({ hello: 'world' });
      const unmarked: Payload = { data: Buffer.from('raw') };
      const [a, b] = await codec.decode([plain, unmarked]);
      expect(a).toBe(plain);
      expect(b).toBe(unmarked);
    });

    it('decodes a mixed batch of encrypted and plain payloads in order', async () => {
      const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
      const plain = defaultPayloadConverter.toPayload('public');
      const decoded = await codec.decode([plain, encrypted as Payload, plain]);
      expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['public', 'secret', 'public']);
    });

    describe('when the ciphertext was tampered with', () => {
      const flip = (data: Uint8Array, index: number) => {
        const copy = Buffer.from(data);
        copy[index] = (copy[index] as number) ^ 0x01;
        return copy;
      };

      it.each([
        ['a ciphertext byte', (n: number) => 12 + Math.floor((n - 28) / 2)],
        ['an IV byte', () => 0],
        ['a tag byte', (n: number) => n - 1],
      ])('rejects a payload with %s flipped, naming the key', async (_what, at) => {
        const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
        const data = encoded?.data as Uint8Array;
        const tampered = { ...encoded, data: flip(data, at(data.length)) };
        await expect(codec.decode([tampered])).rejects.toThrow(PayloadDecryptionError);
        await expect(codec.decode([tampered])).rejects.toThrow(/key "k1": authentication failed/);
      });

      it('rejects a payload too short to hold the IV and tag', async () => {
        const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
        const truncated = { ...encoded, data: (encoded?.data as Uint8Array).subarray(0, 20) };
        await expect(codec.decode([truncated])).rejects.toThrow(/20 bytes is shorter than the 28-byte IV and tag/);
      });

      it('rejects an encrypted payload whose key id metadata was removed', async () => {
        const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
        const stripped = { ...encoded, metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING_ENCRYPTED) } };
        await expect(codec.decode([stripped])).rejects.toThrow(/no encryption-key-id metadata/);
      });

      it('does not quote the plaintext in any error', async () => {
        const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
        const tampered = { ...encoded, data: flip(encoded?.data as Uint8Array, 20) };
        const error = await codec.decode([tampered]).catch((e: Error) => e);
        expect(String((error as Error).message)).not.toContain(SECRET_PIN);
      });
    });
  });

  describe('key rotation', () => {
    const oldKeyring = newKeyring('k2024');
    const oldCodec = new EncryptionCodec(oldKeyring);
    // Rotation: a new key becomes active, the old one stays for histories written with it.
    const rotated = oldKeyring.merge(newKeyring('k2025'));
    const rotatedCodec = new EncryptionCodec(rotated);

    it('encrypts with the new active key after rotation', async () => {
      expect(rotated.activeKeyId).toBe('k2025');
      const [encoded] = await rotatedCodec.encode([defaultPayloadConverter.toPayload(order)]);
      expect(text(encoded?.metadata?.[METADATA_KEY_ID])).toBe('k2025');
    });

    it('decodes payloads written with the old key and with the new one', async () => {
      const [before] = await oldCodec.encode([defaultPayloadConverter.toPayload('written before rotation')]);
      const [after] = await rotatedCodec.encode([defaultPayloadConverter.toPayload('written after rotation')]);
      const decoded = await rotatedCodec.decode([before as Payload, after as Payload]);
      expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
        'written before rotation',
        'written after rotation',
      ]);
    });

    it('fails with a clear error naming the key when the key id is unknown', async () => {
      const [encoded] = await oldCodec.encode([defaultPayloadConverter.toPayload(order)]);
      const newOnly = new EncryptionCodec(newKeyring('k2025'));
      await expect(newOnly.decode([encoded as Payload])).rejects.toThrow(
        /encryption key "k2024" is not in the keyring \(known keys: k2025\)/
      );
    });

    it('fails authentication when a different key carries the same id', async () => {
      const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(order)]);
      const impostor = new EncryptionCodec(new Keyring(new Map([['k1', Buffer.alloc(32, 7)]]), 'k1'));
      await expect(impostor.decode([encoded as Payload])).rejects.toThrow(/key "k1": authentication failed/);
    });
  });
});
