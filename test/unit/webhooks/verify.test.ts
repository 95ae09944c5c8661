import { createHash } from 'node:crypto';
import { signJsonWebhook } from '../../../src/sandbox/signature';
import { listenBaseUrl, publicRequestUrl, verifyTwilioSignature } from '../../../src/webhooks/verify';

const TOKEN = 'test-auth-token-1234567890abcdef';
const TARGET = 'https://hooks.example.com/webhooks/twilio/porting';
const BODY = JSON.stringify({ port_in_request_sid: `KW${'a'.repeat(32)}`, status: 'PortInInProgress' });

function signed(body = BODY, target = TARGET, token = TOKEN) {
  const { url, signature } = signJsonWebhook(token, target, body);
  return { url, signature, rawBody: Buffer.from(body, 'utf8'), authTokens: [TOKEN] };
}

describe('verifyTwilioSignature', () => {
  it('accepts a JSON webhook signed over the URL with bodySHA256, and returns the body hash', () => {
    const request = signed();
    const check = verifyTwilioSignature(request);
    expect(check).toEqual({
      ok: true,
      bodySha256: createHash('sha256').update(BODY).digest('hex'),
      signature: request.signature,
      tokenIndex: 0,
    });
  });

  describe('with more than one accepted token (a rotation, or a subaccount token)', () => {
    const NEXT = 'next-auth-token-fedcba0987654321';

    it('accepts a signature made with any of them and says which one', () => {
      expect(verifyTwilioSignature({ ...signed(BODY, TARGET, NEXT), authTokens: [TOKEN, NEXT] })).toMatchObject({
        ok: true,
        tokenIndex: 1,
      });
      expect(verifyTwilioSignature({ ...signed(), authTokens: [TOKEN, NEXT] })).toMatchObject({
        ok: true,
        tokenIndex: 0,
      });
    });

    it('still refuses a signature made with none of them, and tells a tampered body by any token', () => {
      expect(verifyTwilioSignature({ ...signed(BODY, TARGET, 'some-other-token'), authTokens: [TOKEN, NEXT] })).toEqual(
        { ok: false, reason: 'invalid-signature' }
      );
      const request = { ...signed(BODY, TARGET, NEXT), authTokens: [TOKEN, NEXT] };
      expect(
        verifyTwilioSignature({ ...request, rawBody: Buffer.from(BODY.replace('InProgress', 'Completed')) })
      ).toEqual({
        ok: false,
        reason: 'body-hash-mismatch',
      });
    });

    it('accepts nothing with no token at all', () => {
      expect(verifyTwilioSignature({ ...signed(), authTokens: [] })).toEqual({
        ok: false,
        reason: 'invalid-signature',
      });
    });
  });

  describe('when the request was not signed by the holder of the auth token', () => {
    it('refuses a request without X-Twilio-Signature as missing-signature', () => {
      expect(verifyTwilioSignature({ ...signed(), signature: undefined })).toEqual({
        ok: false,
        reason: 'missing-signature',
      });
      expect(verifyTwilioSignature({ ...signed(), signature: '  ' })).toEqual({
        ok: false,
        reason: 'missing-signature',
      });
    });

    it('refuses a wrong signature as invalid-signature', () => {
      const request = { ...signed(), signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' };
      expect(verifyTwilioSignature(request)).toEqual({ ok: false, reason: 'invalid-signature' });
    });

    it('refuses a signature made with another auth token as invalid-signature', () => {
      const request = { ...signed(BODY, TARGET, 'some-other-token'), authTokens: [TOKEN] };
      expect(verifyTwilioSignature(request)).toEqual({ ok: false, reason: 'invalid-signature' });
    });

    it('refuses a signature made for another URL as invalid-signature', () => {
      const other = signed(BODY, 'https://hooks.example.com/somewhere-else');
      const mine = signed();
      expect(verifyTwilioSignature({ ...mine, signature: other.signature })).toEqual({
        ok: false,
        reason: 'invalid-signature',
      });
    });
  });

  describe('when the body does not match the signed URL', () => {
    it('refuses a tampered body sent with the original bodySHA256 as body-hash-mismatch', () => {
      const request = signed();
      const tampered = Buffer.from(BODY.replace('PortInInProgress', 'PortInCompleted'), 'utf8');
      expect(verifyTwilioSignature({ ...request, rawBody: tampered })).toEqual({
        ok: false,
        reason: 'body-hash-mismatch',
      });
    });

    it('refuses a URL whose bodySHA256 was stripped (or emptied) as missing-body-hash', () => {
      const request = signed();
      const stripped = request.url.replace(/[?&]bodySHA256=[0-9a-f]+/, '');
      expect(verifyTwilioSignature({ ...request, url: stripped })).toEqual({ ok: false, reason: 'missing-body-hash' });
      const emptied = request.url.replace(/bodySHA256=[0-9a-f]+/, 'bodySHA256=');
      expect(verifyTwilioSignature({ ...request, url: emptied })).toEqual({ ok: false, reason: 'missing-body-hash' });
      const renamed = request.url.replace('bodySHA256=', 'xbodySHA256=');
      expect(verifyTwilioSignature({ ...request, url: renamed })).toEqual({ ok: false, reason: 'missing-body-hash' });
    });

    it('refuses a bodySHA256 replaced by the hash of another body (the URL signature no longer matches)', () => {
      const request = signed();
      const otherBody = BODY.replace('PortInInProgress', 'PortInCompleted');
      const otherHash = createHash('sha256').update(otherBody).digest('hex');
      const url = request.url.replace(/bodySHA256=[0-9a-f]+/, `bodySHA256=${otherHash}`);
      expect(verifyTwilioSignature({ ...request, url, rawBody: Buffer.from(otherBody) })).toEqual({
        ok: false,
        reason: 'invalid-signature',
      });
    });

    it('treats bytes that are not UTF-8 as a mismatch, never as the same body', () => {
      const request = signed();
      const bytes = Buffer.concat([Buffer.from(BODY.slice(0, -1)), Buffer.from([0xff]), Buffer.from('}')]);
      expect(verifyTwilioSignature({ ...request, rawBody: bytes }).ok).toBe(false);
    });
  });

  describe('URL variants twilio-node tolerates', () => {
    it('accepts the signature whether or not the standard port is spelled out', () => {
      const { signature, rawBody } = signed(BODY, 'https://hooks.example.com:443/webhooks/twilio/porting');
      const { url } = signed();
      expect(verifyTwilioSignature({ url, signature, rawBody, authTokens: [TOKEN] }).ok).toBe(true);
    });

    it('accepts the signature with or without the standard port whichever way the receiver spells its URL', () => {
      const { signature, rawBody } = signed();
      const { url } = signed(BODY, 'https://hooks.example.com:443/webhooks/twilio/porting');
      expect(verifyTwilioSignature({ url, signature, rawBody, authTokens: [TOKEN] }).ok).toBe(true);
      // http and :80 likewise.
      const plain = signed(BODY, 'http://hooks.example.com/webhooks/twilio/porting');
      const withPort = signed(BODY, 'http://hooks.example.com:80/webhooks/twilio/porting');
      expect(verifyTwilioSignature({ ...withPort, signature: plain.signature }).ok).toBe(true);
    });

    it('accepts a signature made for the URL with its non-default port', () => {
      expect(verifyTwilioSignature(signed(BODY, 'https://hooks.example.com:8443/webhooks/twilio/porting')).ok).toBe(
        true
      );
      expect(verifyTwilioSignature(signed(BODY, 'http://127.0.0.1:3000/webhooks/twilio/porting')).ok).toBe(true);
    });

    it('refuses a signature made for the URL without its non-default port as port-not-signed', () => {
      // twilio-node's validateRequestWithBody accepts this one: it also tries the URL with its port removed.
      const portless = signed(BODY, 'https://hooks.example.com/webhooks/twilio/porting');
      const { url, rawBody } = signed(BODY, 'https://hooks.example.com:8443/webhooks/twilio/porting');
      expect(verifyTwilioSignature({ url, rawBody, signature: portless.signature, authTokens: [TOKEN] })).toEqual({
        ok: false,
        reason: 'port-not-signed',
      });
      // And a signature for the default port, presented on another port.
      const https443 = signed(BODY, 'https://hooks.example.com:443/webhooks/twilio/porting');
      expect(verifyTwilioSignature({ url, rawBody, signature: https443.signature, authTokens: [TOKEN] }).ok).toBe(
        false
      );
    });

    it('refuses a signature made for another port when the URL has none', () => {
      const other = signed(BODY, 'https://hooks.example.com:8443/webhooks/twilio/porting');
      expect(verifyTwilioSignature({ ...signed(), signature: other.signature })).toEqual({
        ok: false,
        reason: 'invalid-signature',
      });
    });

    it('returns the hash of the raw body however the URL spells bodySHA256', () => {
      // The official validator decodes the parameter and also tries the legacy re-encoded query, so
      // a percent-encoded copy of a delivery verifies with the same signature.
      const request = signed();
      const hash = createHash('sha256').update(BODY).digest('hex');
      const encoded = request.url.replace(
        /bodySHA256=([0-9a-f])/,
        (_m, c: string) => `bodySHA256=%${c.charCodeAt(0).toString(16).toUpperCase()}`
      );
      expect(encoded).not.toBe(request.url);
      const check = verifyTwilioSignature({ ...request, url: encoded });
      expect(check).toEqual({ ok: true, bodySha256: hash, signature: request.signature, tokenIndex: 0 });
    });

    it('keeps an extra query parameter of the configured URL under the signature', () => {
      const request = signed(BODY, `${TARGET}?tenant=acme`);
      expect(request.url).toContain('?tenant=acme&bodySHA256=');
      expect(verifyTwilioSignature(request).ok).toBe(true);
      const dropped = request.url.replace('tenant=acme&', '');
      expect(verifyTwilioSignature({ ...request, url: dropped })).toEqual({ ok: false, reason: 'invalid-signature' });
    });
  });

  it('refuses an unparseable URL instead of throwing', () => {
    const url = `http://exa mple.com/webhooks/twilio/porting?bodySHA256=${'0'.repeat(64)}`;
    expect(verifyTwilioSignature({ ...signed(), url })).toEqual({ ok: false, reason: 'invalid-signature' });
  });
});

describe('publicRequestUrl', () => {
  const request = { url: '/webhooks/twilio/porting?bodySHA256=abc', headers: { host: '10.0.0.7:3000' } };

  it('is the configured base URL (with a path prefix, trailing slash ignored) + path and query', () => {
    expect(publicRequestUrl(request, 'https://hooks.example.com/portflow/')).toBe(
      'https://hooks.example.com/portflow/webhooks/twilio/porting?bodySHA256=abc'
    );
  });

  it('never reads the Host or X-Forwarded-* headers', () => {
    const forwarded = {
      ...request,
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    };
    expect(publicRequestUrl(forwarded, 'https://hooks.example.com')).toBe(
      'https://hooks.example.com/webhooks/twilio/porting?bodySHA256=abc'
    );
  });
});

describe('listenBaseUrl', () => {
  it('is the address and port the request was accepted on', () => {
    expect(listenBaseUrl({ localAddress: '127.0.0.1', localPort: 3000 })).toBe('http://127.0.0.1:3000');
    expect(listenBaseUrl({ localAddress: '::ffff:127.0.0.1', localPort: 3000 })).toBe('http://127.0.0.1:3000');
    expect(listenBaseUrl({ localAddress: '::1', localPort: 8080 })).toBe('http://[::1]:8080');
  });
});
