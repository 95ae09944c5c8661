import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import {
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  encodeToPayloads,
  decodeArrayFromPayloads,
  loadDataConverter as loadSdkDataConverter,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../../src/config';
import { createDataConverter, loadDataConverter } from '../../../src/codec/data-converter';
import { EncryptionCodec } from '../../../src/codec/encryption-codec';
import { failureConverter } from '../../../src/codec/failure-converter';
import {
  containsText,
  losingCarrierInfo,
  newKeyBase64,
  newKeyring,
  SECRET_ACCOUNT_NUMBER,
  SECRET_PIN,
} from './fixtures';

describe('data converter', () => {
  const keyring = newKeyring('dc1');

  it('carries the encryption codec and the encoding failure converter', async () => {
    const converter = await createDataConverter(keyring);
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.payloadCodecs?.[0]).toBeInstanceOf(EncryptionCodec);
    expect(converter.failureConverterPath).toMatch(/failure-converter\.(ts|js)$/);
    expect((await import(converter.failureConverterPath as string)).failureConverter).toBe(failureConverter);
  });

  it('is memoised per keyring', async () => {
    expect(createDataConverter(keyring)).toBe(createDataConverter(keyring));
    expect(await createDataConverter(newKeyring('other'))).not.toBe(await createDataConverter(keyring));
  });

  it('encrypts arguments the way the SDK will use it', async () => {
    const loaded = loadSdkDataConverter(await createDataConverter(keyring));
    const payloads = (await encodeToPayloads(loaded, { losingCarrierInformation: losingCarrierInfo })) ?? [];
    const wire = temporal.api.common.v1.Payloads.encode({ payloads }).finish();
    expect(containsText(wire, SECRET_PIN)).toBe(false);
    expect(containsText(wire, SECRET_ACCOUNT_NUMBER)).toBe(false);
    expect(await decodeArrayFromPayloads(loaded, payloads)).toEqual([{ losingCarrierInformation: losingCarrierInfo }]);
  });

  it('encrypts failure messages, stack traces and details, and restores them on decode', async () => {
    const loaded = loadSdkDataConverter(await createDataConverter(keyring));
    const error = ApplicationFailure.create({
      type: 'Twilio.22102',
      message: `Losing carrier rejected PIN ${SECRET_PIN} for account ${SECRET_ACCOUNT_NUMBER}`,
      nonRetryable: true,
      details: [{ losingCarrierInformation: losingCarrierInfo }],
    });
    const failure = await encodeErrorToFailure(loaded, error);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace ?? '').toBe('');
    const wire = temporal.api.failure.v1.Failure.encode(failure).finish();
    expect(containsText(wire, SECRET_PIN)).toBe(false);
    expect(containsText(wire, SECRET_ACCOUNT_NUMBER)).toBe(false);
    // The failure type stays readable so workflows and operators can branch on the Twilio code.
    expect(containsText(wire, 'Twilio.22102')).toBe(true);

    const decoded = await decodeOptionalFailureToOptionalError(loaded, failure);
    expect(decoded).toBeInstanceOf(ApplicationFailure);
    expect((decoded as ApplicationFailure).message).toBe(error.message);
    expect((decoded as ApplicationFailure).details).toEqual([{ losingCarrierInformation: losingCarrierInfo }]);
  });

  describe('loadDataConverter(config)', () => {
    it('builds the keyring from PORTFLOW_ENCRYPTION_KEYS and memoises per config', async () => {
      const config = loadConfig({ PORTFLOW_ENCRYPTION_KEYS: `cfg1:${newKeyBase64()}` });
      const first = loadDataConverter(config);
      expect(loadDataConverter(config)).toBe(first);
      const codec = (await first).payloadCodecs?.[0] as EncryptionCodec;
      expect(codec.keyring.activeKeyId).toBe('cfg1');
      const [encoded] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
      expect(Buffer.from(encoded?.metadata?.['encryption-key-id'] ?? []).toString()).toBe('cfg1');
    });

    it('requires configured keys when talking to real Twilio', async () => {
      const config = loadConfig({
        TWILIO_API_BASE_URL: 'https://numbers.twilio.com',
        TWILIO_DOCUMENTS_BASE_URL: 'https://numbers-upload.twilio.com',
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'not-a-real-token',
      });
      await expect(loadDataConverter(config)).rejects.toThrow(/No encryption keys configured/);
    });

    it('does not cache a failed load', async () => {
      const env = { PORTFLOW_ENCRYPTION_KEYS: 'bad:short' };
      const config = loadConfig(env);
      const failed = loadDataConverter(config);
      await expect(failed).rejects.toThrow(/"bad" in PORTFLOW_ENCRYPTION_KEYS is not valid base64/);
      expect(loadDataConverter(config)).not.toBe(failed);
      await expect(loadDataConverter(config)).rejects.toThrow(/not valid base64/);
    });
  });
});
