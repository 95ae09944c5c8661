import { connect } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { startCodecServer } from '../../../src/codec/codec-server';
import type { RunningCodecServer } from '../../../src/codec/codec-server';
import { EncryptionCodec } from '../../../src/codec/encryption-codec';
import { losingCarrierInfo, newKeyring, SECRET_ACCOUNT_NUMBER, SECRET_PIN } from './fixtures';

const UI_ORIGIN = 'http://localhost:8080';
const TOKEN = 'test-codec-token';

/** Temporal's JSON wire form of a payload, as the UI sends it. */
function toJson(p: Payload) {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? []).toString('base64') };
}

function fromJson(p: { metadata: Record<string, string>; data: string }): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata)) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data, 'base64') };
}

describe('codec server', () => {
  const keyring = newKeyring('srv1');
  const logLines: string[] = [];
  let open: RunningCodecServer;
  let secured: RunningCodecServer;

  beforeAll(async () => {
    const codec = new EncryptionCodec(keyring);
    open = await startCodecServer({ codec, corsOrigins: [UI_ORIGIN], log: (l) => logLines.push(l) });
    secured = await startCodecServer({ codec, corsOrigins: [UI_ORIGIN], token: TOKEN, log: (l) => logLines.push(l) });
  });
  afterAll(async () => {
    await Promise.all([open?.stop(), secured?.stop()]);
  });

  const post = (server: RunningCodecServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('listens on 127.0.0.1 by default', () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers GET /healthz', async () => {
    const res = await fetch(`${open.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  describe('POST /encode and /decode', () => {
    it('round-trips payloads over HTTP and hides the PIN in between', async () => {
      const original = [defaultPayloadConverter.toPayload(losingCarrierInfo), defaultPayloadConverter.toPayload(42)];
      const encodeRes = await post(open, '/encode', { payloads: original.map(toJson) });
      expect(encodeRes.status).toBe(200);
      const encodedText = await encodeRes.text();
      expect(encodedText).not.toContain(SECRET_PIN);
      expect(encodedText).not.toContain(Buffer.from(SECRET_PIN).toString('base64'));
      const encoded = JSON.parse(encodedText) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(encoded.payloads).toHaveLength(2);
      expect(Buffer.from(encoded.payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted');
      expect(Buffer.from(encoded.payloads[0]?.metadata['encryption-key-id'] ?? '', 'base64').toString()).toBe('srv1');

      const decodeRes = await post(open, '/decode', encoded);
      expect(decodeRes.status).toBe(200);
      const decoded = (await decodeRes.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(decoded.payloads.map((p) => defaultPayloadConverter.fromPayload(fromJson(p)))).toEqual([
        losingCarrierInfo,
        42,
      ]);
    });

    it('decodes what the worker encrypted directly with the codec', async () => {
      const [encrypted] = await new EncryptionCodec(keyring).encode([defaultPayloadConverter.toPayload('hello')]);
      const res = await post(open, '/decode', { payloads: [toJson(encrypted as Payload)] });
      const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(defaultPayloadConverter.fromPayload(fromJson(body.payloads[0] as never))).toBe('hello');
    });

    it('answers 422 naming the key when a payload was encrypted with an unknown key', async () => {
      const [foreign] = await new EncryptionCodec(newKeyring('retired-2023')).encode([
        defaultPayloadConverter.toPayload('x'),
      ]);
      const res = await post(open, '/decode', { payloads: [toJson(foreign as Payload)] });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { message: string }).message).toMatch(
        /encryption key "retired-2023" is not in the keyring/
      );
    });

    it('never writes payload contents to its log', () => {
      expect(logLines.some((l) => l.includes('/encode 200 payloads=2'))).toBe(true);
      for (const line of logLines) {
        expect(line).not.toContain(SECRET_PIN);
        expect(line).not.toContain(SECRET_ACCOUNT_NUMBER);
      }
    });
  });

  describe('bad requests', () => {
    it.each([
      ['an empty object', {}, /payloads: must be an array of payloads/],
      ['payloads that is not an array', { payloads: 'x' }, /payloads: must be an array of payloads/],
      [
        'data that is not base64',
        { payloads: [{ metadata: {}, data: 'not base64!' }] },
        /payloads\.0\.data: must be standard base64/,
      ],
      [
        'metadata values that are not base64',
        { payloads: [{ metadata: { encoding: 'json/plain' }, data: '' }] },
        /payloads\.0\.metadata\.encoding: must be standard base64/,
      ],
      ['a payload that is not an object', { payloads: [7] }, /payloads\.0: must be an object/],
      ['a JSON array', [], /body: must be a JSON object/],
    ])('answers 400 for %s, saying which field is wrong', async (_what, body, message) => {
      const res = await post(open, '/decode', body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: string; message: string };
      expect(json.error).toBe('Bad Request');
      expect(json.message).toMatch(message);
      expect(json.message).toContain('Expected {"payloads"');
    });

    it('answers 400 for a body that is not JSON', async () => {
      const res = await post(open, '/encode', '{"payloads": [');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
    });

    it('answers 415 for a body that is not application/json', async () => {
      const res = await fetch(`${open.url}/encode`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'x',
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { message: string }).message).toBe('Content-Type must be application/json.');
    });
  });

  describe('CORS', () => {
    const preflight = (server: RunningCodecServer, origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
        },
      });

    it('answers a preflight from an allowed origin, without needing the token', async () => {
      const res = await preflight(secured, UI_ORIGIN);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(res.headers.get('access-control-allow-methods')).toBe('POST, GET, OPTIONS');
      expect(res.headers.get('access-control-allow-headers')).toBe('X-Namespace, Content-Type, Authorization');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('vary')).toMatch(/Origin/);
    });

    it('refuses a preflight from an origin that is not configured', async () => {
      const res = await preflight(open, 'https://evil.example');
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(((await res.json()) as { message: string }).message).toMatch(
        /Origin https:\/\/evil\.example may not call this codec server; allowed origins \(CODEC_CORS_ORIGINS\): http:\/\/localhost:8080/
      );
    });

    it('refuses a cross-origin POST from an origin that is not configured', async () => {
      const res = await post(open, '/decode', { payloads: [] }, { Origin: 'https://evil.example' });
      expect(res.status).toBe(403);
    });

    it('adds the CORS headers to the answer of an allowed origin', async () => {
      const res = await post(open, '/decode', { payloads: [] }, { Origin: UI_ORIGIN });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(await res.json()).toEqual({ payloads: [] });
    });

    it('accepts any origin when configured with *', async () => {
      const anyOrigin = await startCodecServer({ codec: new EncryptionCodec(keyring), corsOrigins: ['*'] });
      try {
        const res = await preflight(anyOrigin, 'https://ops.example.com');
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
      } finally {
        await anyOrigin.stop();
      }
    });
  });

  describe('bearer token', () => {
    it('answers 401 without an Authorization header when a token is configured', async () => {
      const res = await post(secured, '/decode', { payloads: [] });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as { message: string }).message).toMatch(/Missing Authorization header/);
    });

    it('answers 401 for a wrong token', async () => {
      const res = await post(secured, '/encode', { payloads: [] }, { Authorization: 'Bearer wrong' });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { message: string }).message).toBe(
        'Invalid bearer token in the Authorization header.'
      );
    });

    it('serves /encode and /decode with the right token', async () => {
      const payloads = [toJson(defaultPayloadConverter.toPayload('ok'))];
      const encoded = await post(secured, '/encode', { payloads }, { Authorization: `Bearer ${TOKEN}` });
      expect(encoded.status).toBe(200);
      const decoded = await post(secured, '/decode', await encoded.json(), { Authorization: `bearer ${TOKEN}` });
      expect(decoded.status).toBe(200);
    });

    it('keeps /healthz open', async () => {
      expect((await fetch(`${secured.url}/healthz`)).status).toBe(200);
    });

    it('lets the 401 reach the UI with CORS headers, so the browser can show why', async () => {
      const res = await post(secured, '/decode', { payloads: [] }, { Origin: UI_ORIGIN });
      expect(res.status).toBe(401);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    });
  });

  it('stops within its grace even while a client holds a request open (a browser showing the UI)', async () => {
    const server = await startCodecServer({ codec: new EncryptionCodec(keyring), corsOrigins: [UI_ORIGIN] });
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    // Headers begun and never finished: not an idle connection, so close() alone would wait for it.
    socket.write('POST /decode HTTP/1.1\r\nHost: localhost\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.stop();
    await closed;
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
