import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Keyring } from './keys';

/** The `encoding` metadata value of a payload this codec encrypted. */
export const ENCODING_ENCRYPTED = 'binary/encrypted';
/** The metadata key naming the key that encrypted a payload. */
export const METADATA_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload that looks encrypted but cannot be decrypted. The message names the key id, never the data. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * A {@link PayloadCodec} that encrypts every payload with AES-256-GCM: the whole serialized
 * `Payload` proto (metadata included, so not even the encoding leaks) becomes
 * `iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`, with metadata `encoding: binary/encrypted` and
 * `encryption-key-id: <id>`. This is the layout of Temporal's encryption sample, so its tooling can
 * read ours. Decoding passes payloads that are not encrypted through unchanged, so histories written
 * before encryption was turned on stay readable.
 */
export class EncryptionCodec implements PayloadCodec {
  /** @param keyring the active key encrypts; any key of the keyring decrypts */
  constructor(readonly keyring: Keyring) {}

  /** Encrypts each payload with the keyring's active key. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  /**
   * Decrypts each encrypted payload with the key its metadata names.
   *
   * @throws {@link PayloadDecryptionError} when the key is unknown or the ciphertext was altered
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keyring.activeKeyId;
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.keyring.activeKey, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: textEncoder.encode(ENCODING_ENCRYPTED),
        [METADATA_KEY_ID]: textEncoder.encode(keyId),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || textDecoder.decode(encoding) !== ENCODING_ENCRYPTED) return payload;

    const rawKeyId = payload.metadata?.[METADATA_KEY_ID];
    if (!rawKeyId || rawKeyId.length === 0) {
      throw new PayloadDecryptionError(
        `Cannot decrypt payload: it is marked ${ENCODING_ENCRYPTED} but has no ${METADATA_KEY_ID} metadata.`
      );
    }
    const keyId = textDecoder.decode(rawKeyId);
    const key = this.keyring.key(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `Cannot decrypt payload: encryption key "${keyId}" is not in the keyring (known keys: ${this.keyring.keyIds.join(', ')}). ` +
          'Add it to PORTFLOW_ENCRYPTION_KEYS or the key file; retired keys must stay configured while histories use them.'
      );
    }
    const data = payload.data ?? new Uint8Array(0);
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        `Cannot decrypt payload encrypted with key "${keyId}": ${data.length} bytes is shorter than the ${IV_BYTES + TAG_BYTES}-byte IV and tag.`
      );
    }
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `Cannot decrypt payload encrypted with key "${keyId}": authentication failed (the data was altered, or key "${keyId}" is not the key that encrypted it).`
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}
