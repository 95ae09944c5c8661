/**
 * The receiver against the run's Temporal dev server, with a fixture workflow that owns a port-in
 * request sid and records every signal: what each kind of bad request gets, and that none of them
 * reaches the workflow; routing, de-duplication, visibility lag and a receiver behind a proxy.
 */
import type { Worker } from '@temporalio/worker';
import { startWebhookReceiver } from '../../../src/webhooks';
import type { WebhookLogger, WebhookReceiverHandle } from '../../../src/webhooks';
import { listOrphans } from '../../../src/orphans';
import type { PortingEvent } from '../../../src/twilio/porting-event';
import { portInInboxWorkflowId } from '../../../src/workflows/inbox-messages';
import { webhookSinkEventsQuery, webhookSinkStopSignal } from '../../fixtures/webhook-workflows';
import type { webhookSinkWorkflow, WebhookSinkInput } from '../../fixtures/webhook-workflows';
import { connectTemporal, createTestWorker, uniqueTaskQueue } from '../../helpers/temporal';
import type { TemporalTestContext } from '../../helpers/temporal';
import { newRequestSid, numberEvent, post, requestEvent, signedDelivery } from '../../unit/webhooks/twilio-sender';
import type { Delivery } from '../../unit/webhooks/twilio-sender';

const TOKEN = 'integration-auth-token-00112233445566';

/** The worker's task queue: inboxes the receiver starts run there too. */
const INBOX_QUEUE = uniqueTaskQueue('webhooks');

const quiet: WebhookLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('webhook receiver on the dev server', () => {
  let t: TemporalTestContext;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let receiver: WebhookReceiverHandle;

  beforeAll(async () => {
    t = await connectTemporal();
    taskQueue = INBOX_QUEUE;
    worker = await createTestWorker(t.nativeConnection, { taskQueue });
    running = worker.run();
    receiver = await startWebhookReceiver({
      temporalClient: t.client,
      sandbox: true,
      ownerWorkflowType: 'webhookSinkWorkflow',
      // A closed owner's events are recorded as orphans a second after they arrive.
      inbox: { taskQueue: INBOX_QUEUE, closedOwnerGraceMs: 1000 },
      authToken: TOKEN,
      bodyLimitBytes: 4096,
      // Long enough for the dev server's index lag, short enough to keep unknown-sid cases quick.
      lookupRetry: { attempts: 20, delayMs: 100 },
      logger: quiet,
    });
  });

  afterAll(async () => {
    await receiver?.stop();
    worker?.shutdown();
    await running;
    await t?.close();
  });

  /** Starts a sink that owns `sid`; resolves its handle. */
  async function startSink(input: WebhookSinkInput) {
    return t.client.workflow.start<typeof webhookSinkWorkflow>('webhookSinkWorkflow', {
      taskQueue,
      workflowId: uniqueTaskQueue('sink'),
      args: [input],
    });
  }

  type SinkHandle = Awaited<ReturnType<typeof startSink>>;

  /** The sink's events once it holds `count` of them (signals are applied in the order accepted). */
  async function eventsOf(sink: SinkHandle, count: number): Promise<PortingEvent[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const events = await sink.query(webhookSinkEventsQuery);
      if (events.length >= count || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const deliver = (payload: unknown, options?: Parameters<typeof signedDelivery>[3]) =>
    signedDelivery(TOKEN, receiver.webhookUrl, payload, options);

  describe('the security table: nothing a rejected request carries is signalled', () => {
    let sid: string;
    let sink: SinkHandle;

    beforeAll(async () => {
      sid = newRequestSid();
      sink = await startSink({ requestSids: [sid] });
    });

    const withBody = (d: Delivery, body: string): Delivery => ({ ...d, body });
    const table: Array<{ name: string; status: number; make: () => Delivery }> = [
      {
        name: 'no signature',
        status: 403,
        make: () => {
          const d = deliver(numberEvent(sid, 'PortInPhoneNumberCompleted'));
          delete d.headers['x-twilio-signature'];
          return d;
        },
      },
      {
        name: 'wrong signature',
        status: 403,
        make: () => {
          const d = deliver(numberEvent(sid, 'PortInPhoneNumberCompleted'));
          return { ...d, headers: { ...d.headers, 'x-twilio-signature': 'd3Jvbmcgc2lnbmF0dXJlISE=' } };
        },
      },
      {
        name: 'signature for another URL',
        status: 403,
        make: () =>
          signedDelivery(TOKEN, 'https://attacker.example/hook', numberEvent(sid, 'PortInPhoneNumberCompleted'), {
            postTo: receiver.webhookUrl,
          }),
      },
      {
        name: 'tampered body with the original bodySHA256',
        status: 403,
        make: () => {
          const d = deliver(numberEvent(sid, 'PortInPhoneNumberPending'));
          return withBody(d, d.body.replace('PortInPhoneNumberPending', 'PortInPhoneNumberCompleted'));
        },
      },
      {
        name: 'bodySHA256 stripped',
        status: 403,
        make: () => {
          const d = deliver(numberEvent(sid, 'PortInPhoneNumberCompleted'));
          return { ...d, url: d.url.replace(/\?bodySHA256=[0-9a-f]+$/, '') };
        },
      },
      {
        name: 'wrong auth token',
        status: 403,
        make: () =>
          signedDelivery('a-different-auth-token', receiver.webhookUrl, numberEvent(sid, 'PortInPhoneNumberCompleted')),
      },
      {
        name: 'oversized body',
        status: 413,
        make: () => deliver({ ...numberEvent(sid, 'PortInPhoneNumberCompleted'), filler: 'x'.repeat(8000) }),
      },
      { name: 'non-JSON body (signed)', status: 400, make: () => deliver(`status=PortInCompleted&sid=${sid}`) },
      {
        name: 'unknown event name (signed)',
        status: 200,
        make: () => deliver(requestEvent(sid, 'PortInTeleported')),
      },
      {
        name: 'unknown KW sid (signed, valid event)',
        status: 200,
        make: () => deliver(requestEvent(newRequestSid(), 'PortInCompleted')),
      },
    ];

    it.each(table)('$name → $status', async ({ make, status }) => {
      const result = await post(make());
      expect(result.status).toBe(status);
      if (status === 403) expect(result.json).toEqual({ status: 403, message: 'Forbidden' });
    });

    it('answers 200 ignored / held for the two acknowledged cases, and counts every case', () => {
      const stats = receiver.stats();
      expect(stats.rejected).toMatchObject({
        'missing-signature': 1,
        'invalid-signature': 3,
        'body-hash-mismatch': 1,
        'missing-body-hash': 1,
        'body-too-large': 1,
        'invalid-json': 1,
      });
      expect(stats.unparseable['unknown-event']).toBe(1);
      expect(stats.held['unknown-request']).toBe(1);
      expect(stats.routed).toBe(0);
    });

    it('signals the one valid event after all of them, and only that one', async () => {
      const sentinel = numberEvent(sid, 'PortInPhoneNumberSubmitted');
      const result = await post(deliver(sentinel));
      expect(result).toMatchObject({ status: 200, json: { status: 'routed' } });
      const events = await eventsOf(sink, 1);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        source: 'webhook',
        eventName: 'PortInPhoneNumberSubmitted',
        portInRequestSid: sid,
        phoneNumberSid: sentinel.port_in_phone_number_sid,
        status: 'port_submitted',
      });
      expect(events[0]?.idempotencyToken).toEqual(expect.any(String));
    });
  });

  describe('de-duplication', () => {
    it('skips a retried delivery (same idempotency token) and a replay with a new token (same signed body)', async () => {
      const sid = newRequestSid();
      const sink = await startSink({ requestSids: [sid] });
      const original = deliver(numberEvent(sid, 'PortInPhoneNumberPending'), { idempotencyToken: 'tok-retry-1' });
      expect((await post(original)).json).toEqual({ status: 'routed' });
      expect((await post(original)).json).toEqual({ status: 'duplicate' });
      const replay = { ...original, headers: { ...original.headers, 'i-twilio-idempotency-token': 'tok-forged-2' } };
      expect((await post(replay)).json).toEqual({ status: 'duplicate' });
      const withoutToken = { ...original, headers: { ...original.headers } };
      delete withoutToken.headers['i-twilio-idempotency-token'];
      expect((await post(withoutToken)).json).toEqual({ status: 'duplicate' });

      const next = deliver(numberEvent(sid, 'PortInPhoneNumberCompleted'));
      expect((await post(next)).json).toEqual({ status: 'routed' });
      const events = await eventsOf(sink, 2);
      expect(events.map((e) => e.eventName)).toEqual(['PortInPhoneNumberPending', 'PortInPhoneNumberCompleted']);
    });

    it('signals a burst of concurrent copies of one delivery once', async () => {
      const sid = newRequestSid();
      const sink = await startSink({ requestSids: [sid] });
      const d = deliver(requestEvent(sid, 'PortInInProgress'));
      const results = await Promise.all(Array.from({ length: 8 }, () => post(d)));
      const statuses = results.map((r) => r.json?.status);
      expect(statuses.filter((s) => s === 'routed')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(7);
      const sentinel = deliver(requestEvent(sid, 'PortInCompleted'));
      expect((await post(sentinel)).json).toEqual({ status: 'routed' });
      const events = await eventsOf(sink, 2);
      expect(events.map((e) => e.eventName)).toEqual(['PortInInProgress', 'PortInCompleted']);
    });
  });

  describe('routing', () => {
    it('waits out the visibility lag of a workflow that has just claimed its sid', async () => {
      const sid = newRequestSid();
      // The sink upserts its sid only after 500 ms: the first lookups find nothing.
      const sink = await startSink({ requestSids: [sid], upsertDelayMs: 500 });
      const result = await post(deliver(requestEvent(sid, 'PortInWaitingForSignature')));
      expect(result.json).toEqual({ status: 'routed' });
      expect(await eventsOf(sink, 1)).toHaveLength(1);
    });

    it('finds the owner once for a burst of events about one new request (one visibility query)', async () => {
      const sid = newRequestSid();
      const sink = await startSink({ requestSids: [sid] });
      const before = await lookupCounts();
      const burst = Array.from({ length: 100 }, (_, i) =>
        deliver(numberEvent(sid, 'PortInPhoneNumberSubmitted', `+1415555${String(1000 + i)}`))
      );
      const results = await Promise.all(burst.map(post));
      expect(results.every((r) => r.json?.status === 'routed')).toBe(true);
      const after = await lookupCounts();
      // One query: each other delivery either waited for it (shared) or, arriving after it answered (a
      // loaded machine spreads the burst), was answered from the cache it filled.
      expect(after.visibility - before.visibility).toBe(1);
      expect(after.shared - before.shared + (after.cache - before.cache)).toBe(99);
      expect(await eventsOf(sink, 100)).toHaveLength(100);
      // The next event is answered from the cache.
      await post(deliver(requestEvent(sid, 'PortInCompleted')));
      expect((await lookupCounts()).cache - after.cache).toBe(1);
    });

    it('holds an event for a finished workflow and records it as an owner-closed orphan', async () => {
      const sid = newRequestSid();
      const sink = await startSink({ requestSids: [sid] });
      expect((await post(deliver(requestEvent(sid, 'PortInInProgress')))).json).toEqual({ status: 'routed' });
      await sink.signal(webhookSinkStopSignal);
      expect(await sink.result()).toBe(1);
      const late = await post(deliver(requestEvent(sid, 'PortInCompleted')));
      expect(late).toMatchObject({ status: 200, json: { status: 'held', reason: 'workflow-closed' } });
      const inbox = t.client.workflow.getHandle(portInInboxWorkflowId(sid));
      expect(await inbox.result()).toMatchObject({
        outcome: 'orphaned',
        orphaned: [
          { reason: 'owner-closed', closedOwnerWorkflowId: sink.workflowId, event: { eventName: 'PortInCompleted' } },
        ],
      });
      const orphan = await waitForOrphan(t.client, sid);
      expect(orphan).toMatchObject({
        reason: 'owner-closed',
        events: [expect.objectContaining({ portInRequestSid: sid })],
      });
    });

    it('reports the dev server as ready', async () => {
      const res = await fetch(`${receiver.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ready' });
    });

    async function lookupCounts(): Promise<{ visibility: number; cache: number; shared: number }> {
      const text = await receiver.metrics.render();
      const read = (result: string) =>
        Number(new RegExp(`portflow_webhook_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { visibility: read('visibility'), cache: read('cache'), shared: read('shared') };
    }
  });

  describe('behind a proxy: a public URL with another host and port', () => {
    let proxied: WebhookReceiverHandle;
    const PUBLIC_BASE = 'https://hooks.portflow.example:8443/twilio-in';

    beforeAll(async () => {
      proxied = await startWebhookReceiver({
        temporalClient: t.client,
        sandbox: true,
        ownerWorkflowType: 'webhookSinkWorkflow',
        inbox: { taskQueue: INBOX_QUEUE },
        authToken: TOKEN,
        publicBaseUrl: PUBLIC_BASE,
        lookupRetry: { attempts: 20, delayMs: 100 },
        logger: quiet,
      });
    });
    afterAll(async () => {
      await proxied.stop();
    });

    it('passes valid events signed for the public URL and refuses ones signed for the local address', async () => {
      const sid = newRequestSid();
      const sink = await startSink({ requestSids: [sid] });
      const viaProxy = signedDelivery(
        TOKEN,
        `${PUBLIC_BASE}/webhooks/twilio/porting`,
        requestEvent(sid, 'PortInInProgress'),
        {
          postTo: proxied.webhookUrl,
        }
      );
      // The proxy forwards to the receiver's own address with a Host header of its own.
      viaProxy.headers.host = 'internal-service:3000';
      expect(await post(viaProxy)).toMatchObject({ status: 200, json: { status: 'routed' } });

      const local = signedDelivery(TOKEN, proxied.webhookUrl, requestEvent(sid, 'PortInCompleted'));
      expect((await post(local)).status).toBe(403);
      const events = await eventsOf(sink, 1);
      expect(events.map((e) => e.eventName)).toEqual(['PortInInProgress']);
      expect(proxied.stats()).toMatchObject({ routed: 1, rejected: { 'invalid-signature': 1 } });
    });
  });

  describe('during an auth token rotation: the new token accepted beside the current one', () => {
    let rotating: WebhookReceiverHandle;
    const NEXT = 'integration-next-token-99887766554433';

    beforeAll(async () => {
      rotating = await startWebhookReceiver({
        temporalClient: t.client,
        sandbox: true,
        ownerWorkflowType: 'webhookSinkWorkflow',
        inbox: { taskQueue: INBOX_QUEUE },
        authToken: TOKEN,
        additionalAuthTokens: [NEXT],
        lookupRetry: { attempts: 20, delayMs: 100 },
        logger: quiet,
      });
    });
    afterAll(async () => {
      await rotating.stop();
    });

    it('routes events signed with either token, refuses any other, and counts which token signed', async () => {
      const sid = newRequestSid();
      const sink = await startSink({ requestSids: [sid] });
      const current = signedDelivery(TOKEN, rotating.webhookUrl, requestEvent(sid, 'PortInWaitingForSignature'));
      expect(await post(current)).toMatchObject({ status: 200, json: { status: 'routed' } });
      const next = signedDelivery(NEXT, rotating.webhookUrl, requestEvent(sid, 'PortInInProgress'));
      expect(await post(next)).toMatchObject({ status: 200, json: { status: 'routed' } });
      const stranger = signedDelivery('not-a-token-of-ours', rotating.webhookUrl, requestEvent(sid, 'PortInCompleted'));
      expect((await post(stranger)).status).toBe(403);

      const events = await eventsOf(sink, 2);
      expect(events.map((e) => e.eventName)).toEqual(['PortInWaitingForSignature', 'PortInInProgress']);
      expect(rotating.stats()).toMatchObject({
        routed: 2,
        verified: { primary: 1, 'additional-1': 1 },
        rejected: { 'invalid-signature': 1 },
      });
      const metrics = await fetch(`${rotating.url}/metrics`).then((r) => r.text());
      expect(metrics).toContain('portflow_webhook_verified_total{token="additional-1"} 1');
      expect(metrics).not.toContain(NEXT);
    });
  });
});

/** The orphan record of `sid` once visibility lists it. */
async function waitForOrphan(client: TemporalTestContext['client'], sid: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = (await listOrphans(client, 100)).find((o) => o.portInRequestSid === sid);
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
