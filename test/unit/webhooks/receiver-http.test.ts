/**
 * The receiver over real HTTP, with a Temporal client pointed at a port where nothing listens: every
 * check before Temporal, and what Twilio hears when Temporal is down. (Routing to real workflows is
 * in test/integration/webhooks.)
 */
import { Client, Connection } from '@temporalio/client';
import { findFreePort } from '../../../src/temporal-server/ports';
import { createWebhookReceiver, startWebhookReceiver, WebhookReceiverConfigError } from '../../../src/webhooks';
import type { WebhookLogger, WebhookReceiverHandle } from '../../../src/webhooks';
import { newRequestSid, numberEvent, post, requestEvent, signedDelivery } from './twilio-sender';

const TOKEN = 'unit-test-auth-token-0123456789ab';
/** Nothing polls it: Temporal is unreachable in this file anyway. */
const INBOX_QUEUE = 'unit-inbox';

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function capturingLogger(lines: LogLine[]): WebhookLogger {
  const push =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, message, fields });
  return { info: push('info'), warn: push('warn'), error: push('error') };
}

describe('webhook receiver over HTTP, Temporal unreachable', () => {
  let connection: Connection;
  let client: Client;
  let receiver: WebhookReceiverHandle;
  const logs: LogLine[] = [];

  beforeAll(async () => {
    const deadPort = await findFreePort();
    connection = Connection.lazy({ address: `127.0.0.1:${deadPort}` });
    client = new Client({ connection });
    receiver = await startWebhookReceiver({
      temporalClient: client,
      sandbox: true,
      inbox: { taskQueue: INBOX_QUEUE },
      authToken: TOKEN,
      bodyLimitBytes: 4096,
      rpcTimeoutMs: 300,
      lookupRetry: { attempts: 1, delayMs: 0 },
      logger: capturingLogger(logs),
      port: 0,
    });
  });

  afterAll(async () => {
    await receiver.stop();
    await connection.close();
  });

  const deliver = (payload: unknown, options?: Parameters<typeof signedDelivery>[3]) =>
    signedDelivery(TOKEN, receiver.webhookUrl, payload, options);

  it('answers /healthz while Temporal is down, and /readyz 503 saying why', async () => {
    const health = await fetch(`${receiver.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${receiver.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; message: string };
    expect(body.status).toBe('not-ready');
    expect(body.message).toMatch(/^Temporal is not reachable: /);
  });

  describe('requests refused before anything reads the body', () => {
    const cases: Array<{ name: string; reason: string; make: () => ReturnType<typeof deliver> }> = [
      {
        name: 'no signature',
        reason: 'missing-signature',
        make: () => {
          const d = deliver(requestEvent(newRequestSid(), 'PortInInProgress'));
          delete d.headers['x-twilio-signature'];
          return d;
        },
      },
      {
        name: 'a wrong signature',
        reason: 'invalid-signature',
        make: () => {
          const d = deliver(requestEvent(newRequestSid(), 'PortInInProgress'));
          d.headers['x-twilio-signature'] = 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==';
          return d;
        },
      },
      {
        name: 'a signature for another URL',
        reason: 'invalid-signature',
        make: () =>
          signedDelivery(TOKEN, 'https://elsewhere.example/hook', requestEvent(newRequestSid(), 'PortInInProgress'), {
            postTo: receiver.webhookUrl,
          }),
      },
      {
        name: 'a tampered body with the original bodySHA256',
        reason: 'body-hash-mismatch',
        make: () => {
          const d = deliver(requestEvent(newRequestSid(), 'PortInInProgress'));
          d.body = d.body.replace('PortInInProgress', 'PortInCanceled');
          return d;
        },
      },
      {
        name: 'bodySHA256 stripped from the URL',
        reason: 'missing-body-hash',
        make: () => {
          const d = deliver(requestEvent(newRequestSid(), 'PortInInProgress'));
          d.url = d.url.replace(/\?bodySHA256=[0-9a-f]+/, '');
          return d;
        },
      },
      {
        name: 'a signature made with another auth token',
        reason: 'invalid-signature',
        make: () =>
          signedDelivery('not-the-auth-token', receiver.webhookUrl, requestEvent(newRequestSid(), 'PortInInProgress')),
      },
    ];

    it.each(cases)('refuses $name with a bare 403 and counts it as $reason', async ({ make, reason }) => {
      const before = receiver.stats().rejected[reason as 'invalid-signature'] ?? 0;
      const result = await post(make());
      expect(result.status).toBe(403);
      // No detail for the caller: the reason goes to the log and the metrics only.
      expect(result.json).toEqual({ status: 403, message: 'Forbidden' });
      expect(receiver.stats().rejected[reason as 'invalid-signature']).toBe(before + 1);
      expect(logs.at(-1)).toMatchObject({
        level: 'warn',
        message: 'webhook rejected',
        fields: { reason, status: 403 },
      });
    });

    it('refuses a body over the limit with 413, saying the limit', async () => {
      const d = deliver({ ...requestEvent(newRequestSid(), 'PortInInProgress'), padding: 'x'.repeat(5000) });
      const result = await post(d);
      expect(result.status).toBe(413);
      expect(result.json?.message).toBe(
        "The body is larger than this receiver's limit of 4096 bytes; porting webhooks are under 2 KB."
      );
      expect(receiver.stats().rejected['body-too-large']).toBe(1);
    });

    it('refuses a body that is not application/json with 415, saying what is accepted', async () => {
      const d = deliver(requestEvent(newRequestSid(), 'PortInInProgress'));
      d.headers['content-type'] = 'application/x-www-form-urlencoded';
      const result = await post(d);
      expect(result.status).toBe(415);
      expect(result.json?.message).toBe(
        "Content-Type 'application/x-www-form-urlencoded' is not accepted: porting webhooks are application/json."
      );
      const none = await fetch(receiver.webhookUrl, { method: 'POST' });
      expect(none.status).toBe(415);
      expect(receiver.stats().rejected['unsupported-media-type']).toBe(2);
    });

    it('accepts application/json with a charset parameter', async () => {
      const d = deliver({ hello: 'world' });
      d.headers['content-type'] = 'application/json; charset=utf-8';
      const result = await post(d);
      expect(result.status).toBe(200);
    });
  });

  describe('signed bodies the receiver cannot use', () => {
    it('answers 400 to a signed body that is not JSON, without echoing it', async () => {
      const result = await post(deliver('pin=1234&status=PortInInProgress'));
      expect(result.status).toBe(400);
      expect(result.json?.message).toBe('The body (32 bytes) is not valid JSON; porting webhooks are JSON objects.');
      expect(result.text).not.toContain('1234');
      expect(receiver.stats().rejected['invalid-json']).toBe(1);
    });

    it('acknowledges an unknown event name with 200 and logs its shape, never its values', async () => {
      const sid = newRequestSid();
      const payload = { ...requestEvent(sid, 'PortInSomethingNew'), pin: '4321', account_number: 'ACCT-777' };
      const result = await post(deliver(payload));
      expect(result.status).toBe(200);
      expect(result.json).toEqual({ status: 'ignored', reason: 'unknown-event' });
      const line = logs.at(-1) as LogLine;
      expect(line).toMatchObject({
        level: 'warn',
        fields: {
          code: 'unknown-event',
          portInRequestSid: sid,
          shape: {
            port_in_request_sid: 'string',
            status: 'string',
            last_date_updated: 'string',
            order_cancellation_reason: 'null',
            pin: 'string',
            account_number: 'string',
          },
        },
      });
      expect(JSON.stringify(line.fields.shape)).not.toMatch(/4321|ACCT-777/);
      expect(receiver.stats().unparseable['unknown-event']).toBeGreaterThanOrEqual(1);
    });

    it('acknowledges an event without a port-in request sid with 200 (invalid-fields)', async () => {
      const payload = { status: 'PortInPhoneNumberCompleted', phone_number: '+14155550100' };
      const result = await post(deliver(payload));
      expect(result.json).toEqual({ status: 'ignored', reason: 'invalid-fields' });
    });

    it('acknowledges a port-out event with 200 (not a port-in)', async () => {
      const result = await post(deliver(numberEvent(newRequestSid(), 'PortOutPhoneNumberCompleted')));
      expect(result.json).toEqual({ status: 'ignored', reason: 'not-port-in' });
    });
  });

  it('answers 503 to a valid event while Temporal is unreachable, so Twilio retries', async () => {
    const sid = newRequestSid();
    const started = Date.now();
    const result = await post(deliver(numberEvent(sid, 'PortInPhoneNumberSubmitted')));
    expect(result.status).toBe(503);
    expect(result.json).toEqual({ status: 503, message: 'Temporal is unavailable; retry later.' });
    // Bounded by the per-call deadline, far below Twilio's 15 s.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(receiver.stats().temporalErrors).toBeGreaterThanOrEqual(1);
    expect(logs.at(-1)).toMatchObject({ level: 'error', fields: { operation: 'lookup', portInRequestSid: sid } });
    // Not remembered as delivered: Twilio's retry is handled again, not skipped as a duplicate.
    const again = await post(deliver(numberEvent(sid, 'PortInPhoneNumberSubmitted')));
    expect(again.status).toBe(503);
  });

  it('exports its counters in Prometheus format on /metrics', async () => {
    const res = await fetch(`${receiver.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^portflow_webhook_requests_total \d+$/m);
    expect(text).toContain('portflow_webhook_rejected_total{reason="missing-signature"} 1');
    expect(text).toContain('portflow_webhook_rejected_total{reason="body-hash-mismatch"} 1');
    expect(text).toContain('portflow_webhook_unparseable_total{code="unknown-event"}');
    expect(text).toContain('portflow_webhook_temporal_errors_total{operation="lookup"}');
    expect(text).toContain('# TYPE portflow_webhook_signal_latency_seconds histogram');
    expect(receiver.stats().received).toBeGreaterThanOrEqual(13);
  });

  it('answers 404 elsewhere', async () => {
    const res = await fetch(`${receiver.url}/webhooks/twilio/other`, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('webhook receiver behind a public URL (proxy or tunnel)', () => {
  let connection: Connection;
  let receiver: WebhookReceiverHandle;
  const PUBLIC = 'https://hooks.example.com:8443/portflow';

  beforeAll(async () => {
    connection = Connection.lazy({ address: `127.0.0.1:${await findFreePort()}` });
    receiver = await startWebhookReceiver({
      temporalClient: new Client({ connection }),
      inbox: { taskQueue: INBOX_QUEUE },
      authToken: TOKEN,
      publicBaseUrl: PUBLIC,
      rpcTimeoutMs: 200,
      lookupRetry: { attempts: 1, delayMs: 0 },
      logger: capturingLogger([]),
    });
  });
  afterAll(async () => {
    await receiver.stop();
    await connection.close();
  });

  it('checks the signature against the public URL: a request signed for it passes the check', async () => {
    const d = signedDelivery(
      TOKEN,
      `${PUBLIC}/webhooks/twilio/porting`,
      requestEvent(newRequestSid(), 'PortInInProgress'),
      {
        postTo: receiver.webhookUrl,
      }
    );
    // Past the signature, the event reaches the (unreachable) Temporal: 503, not 403.
    expect((await post(d)).status).toBe(503);
  });

  it('refuses a request signed for the address the receiver listens on', async () => {
    const d = signedDelivery(TOKEN, receiver.webhookUrl, requestEvent(newRequestSid(), 'PortInInProgress'));
    expect((await post(d)).status).toBe(403);
  });

  it('refuses a signature made for the public URL without its port (port-not-signed)', async () => {
    const before = receiver.stats().rejected['port-not-signed'] ?? 0;
    const d = signedDelivery(
      TOKEN,
      'https://hooks.example.com/portflow/webhooks/twilio/porting',
      requestEvent(newRequestSid(), 'PortInInProgress'),
      { postTo: receiver.webhookUrl }
    );
    expect((await post(d)).status).toBe(403);
    expect(receiver.stats().rejected['port-not-signed']).toBe(before + 1);
  });

  it('refuses a signature made for another URL of the account, whatever Host header comes with it', async () => {
    const d = signedDelivery(
      TOKEN,
      'https://other-app.example.com/webhooks/twilio/porting',
      requestEvent(newRequestSid(), 'PortInInProgress'),
      { postTo: receiver.webhookUrl }
    );
    d.headers.host = 'other-app.example.com';
    d.headers['x-forwarded-host'] = 'other-app.example.com';
    d.headers['x-forwarded-proto'] = 'https';
    expect((await post(d)).status).toBe(403);
  });
});

describe('webhook receiver in the sandbox without a public URL', () => {
  let connection: Connection;
  let receiver: WebhookReceiverHandle;

  beforeAll(async () => {
    connection = Connection.lazy({ address: `127.0.0.1:${await findFreePort()}` });
    receiver = await startWebhookReceiver({
      temporalClient: new Client({ connection }),
      sandbox: true,
      inbox: { taskQueue: INBOX_QUEUE },
      authToken: TOKEN,
      rpcTimeoutMs: 200,
      lookupRetry: { attempts: 1, delayMs: 0 },
      logger: capturingLogger([]),
    });
  });
  afterAll(async () => {
    await receiver.stop();
    await connection.close();
  });

  it('checks signatures against the listen URL (past the check: 503 from the unreachable Temporal)', async () => {
    const d = signedDelivery(TOKEN, receiver.webhookUrl, requestEvent(newRequestSid(), 'PortInInProgress'));
    expect((await post(d)).status).toBe(503);
  });

  it('never rebuilds the URL from the Host header', async () => {
    const elsewhere = 'http://hooks.other.example:7000/webhooks/twilio/porting';
    const d = signedDelivery(TOKEN, elsewhere, requestEvent(newRequestSid(), 'PortInInProgress'), {
      postTo: receiver.webhookUrl,
    });
    d.headers.host = 'hooks.other.example:7000';
    expect((await post(d)).status).toBe(403);
  });
});

describe('createWebhookReceiver options', () => {
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });

  it('lists every bad option by name with what is allowed', () => {
    expect(() =>
      createWebhookReceiver({
        temporalClient: client,
        sandbox: true,
        inbox: { taskQueue: INBOX_QUEUE },
        authToken: '',
        publicBaseUrl: 'hooks.example.com',
        bodyLimitBytes: 10,
        lookupRetry: { attempts: 0, delayMs: -1 },
      })
    ).toThrow(
      new WebhookReceiverConfigError(
        'Invalid webhook receiver options:\n' +
          '  authToken: required: the auth token Twilio signs webhooks with\n' +
          '  publicBaseUrl: expected an http(s) URL without query or fragment, e.g. https://hooks.example.com\n' +
          '  bodyLimitBytes: Too small: expected number to be >=1024\n' +
          '  lookupRetry.attempts: Too small: expected number to be >=1\n' +
          '  lookupRetry.delayMs: Too small: expected number to be >=0'
      )
    );
  });

  it('refuses an empty additional token, which would only hide a configuration mistake', () => {
    expect(() =>
      createWebhookReceiver({
        temporalClient: client,
        sandbox: true,
        inbox: { taskQueue: INBOX_QUEUE },
        authToken: TOKEN,
        additionalAuthTokens: [''],
      })
    ).toThrow('  additionalAuthTokens.0: an empty token would accept nothing; leave it out');
  });

  it('refuses to build a receiver without a public URL outside the sandbox, naming the setting', () => {
    expect(() =>
      createWebhookReceiver({ temporalClient: client, inbox: { taskQueue: INBOX_QUEUE }, authToken: TOKEN })
    ).toThrow(/publicBaseUrl: required outside the sandbox \(WEBHOOK_PUBLIC_BASE_URL\)/);
  });

  it('requires the task queue inboxes run on', () => {
    expect(() => createWebhookReceiver({ temporalClient: client, sandbox: true, authToken: TOKEN } as never)).toThrow(
      '  inbox.taskQueue: '
    );
  });

  it('requires a Temporal client', () => {
    expect(() => createWebhookReceiver({ authToken: TOKEN } as never)).toThrow(
      'temporalClient: required (a Temporal Client)'
    );
  });
});
