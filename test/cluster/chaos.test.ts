/**
 * Cluster chaos: a Temporal cluster on PostgreSQL of its own (four roles, separate processes), two
 * production workers and two webhook receivers (separate processes) on one task queue behind a
 * load balancer, and orders with sandbox faults (rate limits, 5xx, a create response lost after the
 * commit, duplicated and delayed webhooks). While the orders run, history, matching, frontend, each
 * worker and each receiver is SIGKILLed once, at a random point, and started again.
 *
 * What it asserts, and how:
 * - every order ends as a clean run ends it: completed, each number completed or not portable, as
 *   its scenario says;
 * - 0 duplicate requests: the sandbox holds exactly one port-in request per order;
 * - 0 lost webhooks: every order's reconcile interval is 6 hours, so no timer poll can make up for
 *   a lost event within the test. The sandbox's delivery log has no delivery that was given up on,
 *   and every delivered webhook (answered 2xx) is accounted for (test/integration/chaos/ledger.ts):
 *   a `portingEvent` signal with its idempotency token in its order's history (sent by a receiver,
 *   or forwarded by the request's inbox when no running order listed the sid yet), or a recorded
 *   orphan with its reason (listOrphans). The workers' claimed inboxes forward for 30 s instead of
 *   10 min, so what they could not forward is recorded within the test.
 *   The sandbox retries a failed delivery 8 times over about a minute (Twilio documents no schedule
 *   for porting webhooks): a receiver answers 503 while history is down and re-acquiring its shards;
 * - a pg_dump of both databases holds no PIN, account number, customer name or phone number in
 *   plaintext (payloads are encrypted by the codec; search attributes and ids carry none).
 *
 * PORTFLOW_CHAOS_SEED replays a run's kill order and timing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { startCluster } from '../../scripts/cluster/cluster';
import type { Role, TemporalCluster } from '../../scripts/cluster/cluster';
import { createDataConverter } from '../../src/codec/data-converter';
import { Keyring } from '../../src/codec/keys';
import type { PortInOrder } from '../../src/order';
import { startSandbox } from '../../src/sandbox';
import type { SandboxHandle } from '../../src/sandbox';
import { startPortIn, waitForPortIn } from '../../src/starter';
import { reservePort } from '../../src/temporal-server/ports';
import { PortingClient } from '../../src/twilio/client';
import type { PortInResult } from '../../src/workflows/messages';
import { uniqueTaskQueue } from '../helpers/temporal';
import { account, orphanReasonsByToken } from '../integration/chaos/ledger';
import type { Accounting } from '../integration/chaos/ledger';
import { clusterLog, testClusterDir } from './cluster-dir';
import { startLoadBalancer } from './load-balancer';
import type { LoadBalancer } from './load-balancer';
import { findSecrets } from './pii-scan';
import { httpOk, restartable } from './restartable';
import type { Restartable } from './restartable';
import { prng } from '../helpers/prng';

const DAY = 86_400_000;
const SEED = Number(process.env.PORTFLOW_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ORDERS = 8;
/** Orders left after the kills arrive this far apart. */
const ARRIVAL_MS = 4000;

const random = prng(SEED);
const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Distinctive values: found anywhere in a dump, they can only be a leak.
const PIN = '73920184';
const ACCOUNT_NUMBER = 'ACCT-CHAOS-66120934';
const CUSTOMER_NAME = 'Quillfeather Salvage LLC';
const AREA_CODES = ['415', '628', '510', '650', '707', '916', '209', '530'];

/** Order i's numbers and what a clean run ends each with. */
function orderNumbers(i: number): Array<{ phoneNumber: string; pin?: string; expected: 'completed' | 'not_portable' }> {
  const npa = AREA_CODES[i % AREA_CODES.length] as string;
  const numbers: Array<{ phoneNumber: string; pin?: string; expected: 'completed' | 'not_portable' }> = [
    { phoneNumber: `+1${npa}5550111`, expected: 'completed' },
    { phoneNumber: `+1${npa}5550112`, expected: 'completed' },
  ];
  // Every other order also has a number the carrier refuses to port, or one that needs the PIN.
  if (i % 2 === 0) numbers.push({ phoneNumber: `+1${npa}5550132`, expected: 'not_portable' });
  else numbers.push({ phoneNumber: `+1${npa}5550201`, pin: PIN, expected: 'completed' });
  return numbers;
}

/** Retries a client call while a frontend or history is down (bounded). */
async function persist<T>(what: string, call: () => Promise<T>, deadline: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${attempt} attempts: ${String(err)}`);
      await sleep(1000);
    }
  }
}

describe('cluster chaos', () => {
  let cluster: TemporalCluster;
  let sandbox: SandboxHandle;
  let balancer: LoadBalancer;
  let connection: Connection;
  let client: Client;
  let billDir: string;
  let codecs: PayloadCodec[];
  const taskQueue = uniqueTaskQueue('chaos');
  const workers: Restartable[] = [];
  const receivers: Restartable[] = [];

  beforeAll(async () => {
    clusterLog(`chaos seed ${SEED} (PORTFLOW_CHAOS_SEED=${SEED} replays it)`);
    cluster = await startCluster({ baseDir: testClusterDir('chaos'), removeOnStop: true, log: clusterLog });
    sandbox = await startSandbox({
      port: 0,
      clockScale: 1,
      // Slow enough that every order is in flight while the processes are killed.
      timeline: {
        reviewMs: 1500,
        autoSignMs: 2500,
        carrierResponseMs: 3000,
        slowCarrierResponseMs: 6000,
        portDateMs: 3000,
      },
      webhookRetry: { attempts: 8, baseDelayMs: 500, timeoutMs: 5000 },
    });
    const key = randomBytes(32);
    const keys = `chaos:${key.toString('base64')}`;
    const receiverPorts = await Promise.all([reservePort(), reservePort()]);
    const metricsPorts = await Promise.all([reservePort(), reservePort()]);
    balancer = await startLoadBalancer(() => receiverPorts.map((r) => r.port));

    const common = {
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TWILIO_ACCOUNT_SID: sandbox.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.authToken,
      TWILIO_API_BASE_URL: sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
      // A lost response is an ambiguous failure after this long (production: 30 s).
      TWILIO_TIMEOUT_MS: '3000',
      PORTFLOW_ENCRYPTION_KEYS: keys,
      PORTFLOW_ENCRYPTION_KEY_ID: 'chaos',
      PORTFLOW_LOG_LEVEL: 'WARN',
      // A claimed inbox forwards for 30 s (10 min by default), then records what reached a closed order as orphans.
      PORTFLOW_TEST_INBOX_FORWARD_MS: '30000',
    };
    for (const [i, r] of receiverPorts.entries()) {
      const port = r.port;
      receivers.push(
        restartable(
          `receiver-${i + 1}`,
          'src/webhooks/main.ts',
          {
            ...common,
            WEBHOOK_HOST: '127.0.0.1',
            WEBHOOK_PORT: String(port),
            // Twilio signs the URL it posts to: the load balancer's.
            WEBHOOK_PUBLIC_BASE_URL: balancer.url,
          },
          () => httpOk(`http://127.0.0.1:${port}/healthz`)
        )
      );
    }
    for (const [i, r] of metricsPorts.entries()) {
      workers.push(
        restartable(
          `worker-${i + 1}`,
          'test/cluster/fixtures/production-worker.ts',
          { ...common, PORTFLOW_METRICS_HOST: '127.0.0.1', PORTFLOW_METRICS_PORT: String(r.port) },
          async (out) => out.some((line) => line.startsWith('production-worker: ready'))
        )
      );
    }
    await Promise.all([...receiverPorts, ...metricsPorts].map((r) => r.release()));
    await Promise.all([...receivers, ...workers].map((p) => p.start()));

    const porting = new PortingClient({
      apiBaseUrl: sandbox.url,
      documentsBaseUrl: sandbox.url,
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
    });
    await porting.configureWebhooks({ portInTargetUrl: `${balancer.url}/webhooks/twilio/porting` });
    porting.close();

    connection = await Connection.connect({ address: cluster.address });
    const dataConverter = await createDataConverter(new Keyring(new Map([['chaos', key]]), 'chaos'));
    codecs = dataConverter.payloadCodecs ?? [];
    client = new Client({ connection, namespace: cluster.namespace, dataConverter });
    billDir = mkdtempSync(path.join(os.tmpdir(), 'portflow-chaos-'));
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...workers, ...receivers].map((p) => p.stop()));
    await connection?.close();
    await balancer?.stop();
    await sandbox?.stop();
    await cluster?.stop();
    if (billDir) rmSync(billDir, { recursive: true, force: true });
  }, 120_000);

  it('ends every order as a clean run does, with no duplicate request and no lost webhook, through SIGKILLs of every process kind', async () => {
    const deadline = Date.now() + 360_000;
    // Faults of the sandbox, each once or a few times, anywhere in the run.
    sandbox.addFault({
      kind: 'http',
      method: 'GET',
      pathPattern: 'Portability',
      fault: 'rate-limit',
      retryAfterSeconds: 1,
      times: 3,
    });
    sandbox.addFault({
      kind: 'http',
      method: 'POST',
      pathPattern: '^/v1/Porting/PortIn$',
      fault: 'server-error',
      status: 503,
      times: 2,
    });
    sandbox.addFault({
      kind: 'http',
      method: 'POST',
      pathPattern: '^/v1/Porting/PortIn$',
      fault: 'lose-response',
      delayMs: 5000,
      times: 2,
    });
    sandbox.addFault({ kind: 'webhook', fault: 'duplicate', times: 6 });
    sandbox.addFault({ kind: 'webhook', fault: 'delay', delayMs: 2500, times: 4 });

    const bill = path.join(billDir, 'utility-bill.pdf');
    writeFileSync(bill, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const orders: Array<{ order: PortInOrder; expected: Record<string, string> }> = [];
    for (let i = 0; i < ORDERS; i++) {
      const numbers = orderNumbers(i);
      orders.push({
        expected: Object.fromEntries(numbers.map((n) => [n.phoneNumber, n.expected])),
        order: {
          orderId: `chaos-${process.pid}-${SEED}-${i}`,
          customerRef: `cust-chaos-${i}`,
          losingCarrierInformation: {
            customerType: 'Business',
            customerName: CUSTOMER_NAME,
            accountNumber: ACCOUNT_NUMBER,
            accountTelephoneNumber: '+14155550100',
            authorizedRepresentative: 'Jordan Example',
            authorizedRepresentativeEmail: 'jordan@example.com',
            address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
          },
          phoneNumbers: numbers.map(({ phoneNumber, pin }) => (pin ? { phoneNumber, pin } : { phoneNumber })),
          targetPortInDate: new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10),
          utilityBill: { path: bill },
          // Production's interval: within this test no poll can make up for a lost webhook.
          options: { reconcileInterval: '6 hours' },
        },
      });
    }

    // The orders arrive over time while the kills happen: one just before each kill, so that every
    // kill finds orders in flight however long the restarts take, the rest after the last kill.
    const results = new Map<string, PortInResult>();
    const inFlight = new Set<string>();
    const runs: Array<Promise<void>> = [];
    let arrived = 0;
    const arrive = () => {
      const entry = orders[arrived++];
      if (!entry) return;
      const { order } = entry;
      inFlight.add(order.orderId);
      runs.push(
        (async () => {
          await persist(`start ${order.orderId}`, () => startPortIn(client, order, { taskQueue }), deadline);
          results.set(
            order.orderId,
            await persist(`result of ${order.orderId}`, () => waitForPortIn(client, order.orderId), deadline)
          );
          inFlight.delete(order.orderId);
        })()
      );
    };

    // Each kind of process once, in a random order, at random points.
    const targets: Array<{ name: string; kill: () => Promise<void>; start: () => Promise<void> }> = [
      ...(['history', 'matching', 'frontend'] as Role[]).map((role) => ({
        name: role,
        kill: () => cluster.kill(role),
        start: () => cluster.restart(role),
      })),
      ...[...workers, ...receivers].map((p) => ({ name: p.name, kill: () => p.kill(), start: () => p.start() })),
    ];
    for (let i = targets.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [targets[i], targets[j]] = [targets[j] as (typeof targets)[number], targets[i] as (typeof targets)[number]];
    }
    const kills: Array<{ name: string; atMs: number; downMs: number; ordersInFlight: number }> = [];
    const t0 = Date.now();
    for (const target of targets) {
      arrive();
      await sleep(between(1500, 4500));
      const at = Date.now();
      const ordersInFlight = inFlight.size;
      await target.kill();
      await sleep(between(200, 2000));
      await target.start();
      kills.push({ name: target.name, atMs: at - t0, downMs: Date.now() - at, ordersInFlight });
    }
    clusterLog(
      `chaos kills: ${kills.map((k) => `${k.name} at ${(k.atMs / 1000).toFixed(1)} s (down ${k.downMs} ms, ${k.ordersInFlight} orders in flight)`).join(', ')}`
    );
    while (arrived < orders.length) {
      arrive();
      await sleep(ARRIVAL_MS);
    }
    await Promise.all(runs);

    // 1. Every order ends as in a clean run.
    const wrong = orders.flatMap(({ order, expected }) => {
      const result = results.get(order.orderId);
      const actual = result ? Object.fromEntries(result.numbers.map((n) => [n.phoneNumber, n.status])) : {};
      return result?.outcome === 'completed' && JSON.stringify(actual) === JSON.stringify(expected)
        ? []
        : [{ orderId: order.orderId, outcome: result?.outcome, actual, expected }];
    });
    // 2. Exactly one request per order.
    const requests = sandbox.portIns();
    const requestsPerOrder = orders.map(({ order }) => {
      const mine = new Set(order.phoneNumbers.map((n) => n.phoneNumber));
      return requests.filter((r) => JSON.stringify(r).includes([...mine][0] as string)).length;
    });
    // 3. No lost webhook: none given up on, and every delivered one is in its order's history or a
    // recorded orphan. Events that reached a closed order become orphans when their inbox's window
    // or grace ends (30 s forwarding, 60 s for a closed owner's events): read again until then, bounded.
    await sandbox.webhooksIdle();
    const deliveries = sandbox.webhooks();
    const givenUp = deliveries.filter((d) => d.status === 'failed' || d.status === 'dropped');
    const delivered = deliveries.filter((d) => d.status === 'delivered');
    const ownerOf = new Map(
      [...results.values()].flatMap((r) => r.requestSids.map((sid) => [sid, r.orderId] as const))
    );
    const readBooks = async () => account(client, codecs, delivered, ownerOf, await orphanReasonsByToken(client));
    let books: Accounting = await persist('reading histories and orphans', readBooks, Date.now() + 60_000);
    const booksDeadline = Date.now() + 90_000;
    while (books.missing.length > 0 && Date.now() < booksDeadline) {
      await sleep(3000);
      books = await persist('reading histories and orphans', readBooks, Date.now() + 60_000);
    }
    const ignored = receivers.flatMap((r) => r.output).filter((l) => l.includes('webhook ignored')).length;
    const figures = {
      seed: SEED,
      orders: orders.length,
      kills: Object.fromEntries(kills.map((k) => [k.name, 1])),
      requests: requests.length,
      duplicateRequests: requests.length - orders.length,
      webhooksSent: deliveries.length,
      deliveryAttempts: deliveries.reduce((n, d) => n + d.attempts.length, 0),
      webhooksDelivered: delivered.length,
      webhooksGivenUp: givenUp.length,
      routedByReceiver: books.routed,
      viaInbox: books.viaInbox,
      orphaned: books.orphaned,
      ignoredByReceiver: ignored,
      webhooksLost: givenUp.length + books.missing.length,
      duplicateSignalsInHistories: books.duplicateSignals,
      loadBalancer: balancer.stats(),
      wrongFinalStates: wrong.length,
      seconds: Math.round((Date.now() - t0) / 1000),
    };
    clusterLog(`chaos figures: ${JSON.stringify(figures)}`);

    expect(kills.map((k) => k.name).sort()).toEqual(
      ['frontend', 'history', 'matching', 'receiver-1', 'receiver-2', 'worker-1', 'worker-2'].sort()
    );
    expect(wrong).toEqual([]);
    expect(requestsPerOrder).toEqual(orders.map(() => 1));
    expect(figures.duplicateRequests).toBe(0);
    expect(givenUp.map((d) => ({ event: d.event, status: d.status, attempts: d.attempts.length }))).toEqual([]);
    expect(books.missing).toEqual([]);
  }, 480_000);

  it('leaves no PIN, account number, customer name or phone number in plaintext in either database', () => {
    const secrets: Record<string, string> = { PIN, ACCOUNT_NUMBER, CUSTOMER_NAME };
    for (let i = 0; i < ORDERS; i++) {
      // Digits only: finds the number with or without its +1, in text and in binary.
      for (const n of orderNumbers(i)) secrets[`phone ${n.phoneNumber}`] = n.phoneNumber.slice(2);
    }
    const dumps = ['temporal', 'temporal_visibility'].map((db) => ({ db, dump: cluster.postgres.dump(db) }));
    // The dump must hold the run: the orders' workflow ids are there (ids are not encrypted).
    expect(dumps[0]?.dump).toContain(`chaos-${process.pid}-${SEED}-0`);
    expect(dumps.map(({ db, dump }) => ({ db, leaks: findSecrets(dump, secrets) }))).toEqual([
      { db: 'temporal', leaks: [] },
      { db: 'temporal_visibility', leaks: [] },
    ]);
  });
});
