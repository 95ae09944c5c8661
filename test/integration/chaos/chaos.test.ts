/**
 * Chaos, bounded: several orders run through the real pieces — a Temporal dev server of the test's
 * own (SQLite in a temp dir), the worker and the webhook receiver as child processes configured as
 * production configures them (encrypted payloads, PORTFLOW_RECONCILE_INTERVAL=6 hours), the sandbox
 * in this process — while the sandbox injects faults and the test SIGKILLs the worker, the receiver
 * and the dev server at seeded random points and starts each again on the same port.
 *
 * The reconcile interval is 6 hours (the worker setting, and on every other order its own option),
 * so no poll happens during the test: whatever the order learns after its request is created, it
 * learns from webhooks. Faults:
 * - HTTP: the response to the first create calls is lost after the request was committed (the
 *   order learns its sid only when the retry finds the request, and every webhook meanwhile has no
 *   owner yet: the inbox must keep it); 5xx and 429 (with Retry-After) on the Twilio API.
 * - Webhooks: duplicated, delayed, reordered, and dropped. Only intermediate events are dropped
 *   (PortInWaitingForSignature, PortInInProgress, PortInPhoneNumberWaitingForSignature,
 *   PortInPhoneNumberSubmitted, PortInPhoneNumberPending): each is followed by a later event of the
 *   same request or number — at the latest PortInPhoneNumberCompleted, which carries the port date,
 *   and PortInCompleted — that moves it forward along the documented transitions (a skip is a
 *   forward move), or that reads as suspect (a reordered older one) and makes the order reconcile
 *   at once. The final events are never dropped: their loss is covered by the poll only, which the
 *   6-hour interval rules out here. A delivery that fails while a piece is down is retried by the
 *   sandbox (the receiver answers 503 while Temporal is unreachable so that it is).
 *
 * It asserts: (1) 0 duplicate requests: one port-in request per order, holding exactly the order's
 * portable numbers; (2) every webhook the sandbox delivered (answered 2xx) reached its order's
 * history as a `portingEvent` signal with its idempotency token (from the receiver or forwarded by
 * the request's inbox), or is a recorded orphan with a reason (listOrphans); (3) every order ends as
 * a clean run ends: outcome and each number's final status and port date, computed from the
 * sandbox scenarios of its numbers. The figures are printed at the end.
 *
 * CHAOS_SEED=<n> replays a run's choices (orders' timing, faults, kill points); the seed is printed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadDataConverter } from '../../../src/codec/data-converter';
import { loadConfig } from '../../../src/config';
import { scenarioFor, startSandbox } from '../../../src/sandbox';
import type { FaultInput, SandboxHandle } from '../../../src/sandbox';
import { startPortIn, waitForPortIn } from '../../../src/starter';
import { reservePort } from '../../../src/temporal-server/ports';
import { WEBHOOK_PATH } from '../../../src/webhooks';
import type { PortInResult } from '../../../src/workflows/messages';
import { buildOrder, sandboxPortingClient } from '../../helpers/portflow-env';
import { account, orphanReasonsByToken } from './ledger';
import type { Accounting } from './ledger';
import { KillableChild, KillableDevServer } from './processes';

const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : randomInt(1, 2 ** 31 - 1);
const ORDERS = 6;
const KILLS: Kind[] = ['worker', 'worker', 'receiver', 'receiver', 'devServer'];
/** The whole test, setup included: the acceptance bound. */
const TEST_TIMEOUT_MS = 180_000;

type Kind = 'worker' | 'receiver' | 'devServer';

/** mulberry32: small, seedable, good enough to choose timings. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    between: (lo: number, hi: number) => Math.round(lo + next() * (hi - lo)),
    shuffle: <T>(xs: T[]) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `fn`, retried while a piece is down (connection refused, unavailable), until `deadline`. */
async function retrying<T>(what: string, deadline: number, fn: () => Promise<T>): Promise<T> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await sleep(500);
    }
  }
  throw new Error(`chaos (seed ${SEED}): ${what} did not succeed in time; last error: ${String(last)}`);
}

/** Rejects with a message that names the phase when `promise` takes longer than `ms`. */
async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`chaos (seed ${SEED}): ${what} took more than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The numbers of order `i`: a different area code per order, scenarios chosen by the last four digits. */
function numbersOf(i: number): string[] {
  const npa = String(212 + i);
  const shapes = [
    ['1001', '1002'],
    ['1001', '0130'],
    ['1001', '0301'],
    ['1001', '1002', '1003'],
  ];
  return shapes[i % shapes.length]!.map((suffix) => `+1${npa}555${suffix}`);
}

/** What a run without any fault ends with, from the sandbox scenarios of the order's numbers. */
function cleanShape(numbers: string[]) {
  const scenarios = numbers.map(scenarioFor);
  return {
    outcome: scenarios.some((s) => s.portable) ? 'completed' : 'canceled',
    requests: scenarios.some((s) => s.portable) ? 1 : 0,
    numbers: scenarios.map((s) => ({
      phoneNumber: s.phoneNumber,
      status: s.portable ? 'completed' : 'not_portable',
      portDate: s.portable,
      notPortable: s.notPortableReasonCode,
    })),
  };
}

function shapeOf(result: PortInResult) {
  return {
    outcome: result.outcome,
    requests: result.requestSids.length,
    numbers: result.numbers.map((n) => ({
      phoneNumber: n.phoneNumber,
      status: n.status,
      portDate: n.portDate != null,
      notPortable: n.notPortable?.code ?? null,
    })),
  };
}

/** The sandbox's HTTP and webhook faults for the run, in the order they are added. */
function faultPlan(r: ReturnType<typeof rng>): FaultInput[] {
  const intermediate =
    '^(PortInWaitingForSignature|PortInInProgress|PortInPhoneNumberWaitingForSignature|PortInPhoneNumberSubmitted|PortInPhoneNumberPending)$';
  return r.shuffle<FaultInput>([
    { kind: 'http', fault: 'server-error', status: 503, pathPattern: '^/v1/Porting/PortIn/KW', times: 2 },
    { kind: 'http', fault: 'server-error', pathPattern: '^/v1/Porting/Portability', times: 2 },
    { kind: 'http', fault: 'rate-limit', retryAfterSeconds: 1, pathPattern: '^/v1/Documents$', times: 2 },
    { kind: 'http', fault: 'rate-limit', retryAfterSeconds: 1, method: 'POST', pathPattern: '^/v1/Porting/PortIn$' },
    { kind: 'http', fault: 'lose-response', method: 'POST', pathPattern: '^/v1/Porting/PortIn$', delayMs: 6000 },
    { kind: 'webhook', fault: 'duplicate', times: 4 },
    { kind: 'webhook', fault: 'duplicate', times: 4 },
    { kind: 'webhook', fault: 'delay', delayMs: 2500, times: 3 },
    { kind: 'webhook', fault: 'reorder', count: 3, maxHoldMs: 1000, times: 1 },
    { kind: 'webhook', fault: 'reorder', count: 4, maxHoldMs: 1500, times: 1 },
    { kind: 'webhook', fault: 'drop', eventPattern: intermediate, times: 3 },
    { kind: 'webhook', fault: 'drop', eventPattern: intermediate, times: 3 },
    { kind: 'webhook', fault: 'drop', eventPattern: intermediate, times: 3 },
  ]);
}

describe('chaos: faults and SIGKILLs, reconcile interval 6 hours', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        console.error('chaos cleanup:', err);
      }
    }
  }, 60_000);

  it(
    'loses no delivered webhook, makes no duplicate request, and ends every order as a clean run does',
    async () => {
      const started = Date.now();
      const r = rng(SEED);
      console.log(`chaos: seed ${SEED} (CHAOS_SEED=${SEED} replays this run's choices)`);

      // ----- the pieces ---------------------------------------------------------------------------
      const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-chaos-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const [devPort, receiverPort] = await Promise.all([reservePort(), reservePort()]);
      await Promise.all([devPort.release(), receiverPort.release()]);

      const sandbox: SandboxHandle = await startSandbox({
        clockScale: 1,
        timeline: {
          reviewMs: 300,
          autoSignMs: 1500,
          carrierResponseMs: 2500,
          slowCarrierResponseMs: 5000,
          portDateMs: 2500,
        },
        // Long enough to outlive a dev-server restart on a loaded machine (0.25 s doubling, ~64 s in all).
        webhookRetry: { attempts: 9, baseDelayMs: 250, timeoutMs: 5000 },
      });
      cleanups.push(() => sandbox.stop());

      const dev = new KillableDevServer(devPort.port, path.join(dir, 'temporal.sqlite'));
      cleanups.push(() => dev.stop());
      await within('starting the dev server', 90_000, dev.start());

      const taskQueue = `chaos-${SEED}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TEMPORAL_ADDRESS: dev.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        TWILIO_ACCOUNT_SID: sandbox.accountSid,
        TWILIO_AUTH_TOKEN: sandbox.authToken,
        TWILIO_API_BASE_URL: sandbox.url,
        TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
        // Shorter than the lost response's hold: the create call fails ambiguously and is retried.
        TWILIO_TIMEOUT_MS: '4000',
        PORTFLOW_ENCRYPTION_KEYS: `chaos:${randomBytes(32).toString('base64')}`,
        PORTFLOW_ENCRYPTION_KEY_FILE: '',
        PORTFLOW_RECONCILE_INTERVAL: '6 hours',
        PORTFLOW_LOG_LEVEL: 'WARN',
        // A claimed inbox forwards for 30 s (10 min by default), then records what reached a closed order as orphans.
        PORTFLOW_TEST_INBOX_FORWARD_MS: '30000',
        WEBHOOK_HOST: '127.0.0.1',
        WEBHOOK_PORT: String(receiverPort.port),
        WEBHOOK_PUBLIC_BASE_URL: `http://127.0.0.1:${receiverPort.port}`,
      };
      const worker = new KillableChild({
        name: 'worker',
        script: path.join(__dirname, '../../fixtures/configured-worker-process.ts'),
        env,
        ready: /configured-worker-process: ready/,
        readyTimeoutMs: 60_000,
      });
      const receiver = new KillableChild({
        name: 'receiver',
        script: path.join(__dirname, '../../../src/webhooks/main.ts'),
        env,
        ready: /portflow webhooks: listening on/,
        readyTimeoutMs: 60_000,
      });
      cleanups.push(
        () => worker.stop(),
        () => receiver.stop()
      );
      await within('starting the worker and the receiver', 90_000, Promise.all([worker.start(), receiver.start()]));

      const config = loadConfig(env);
      const dataConverter = await loadDataConverter(config);
      const connection = await Connection.connect({ address: dev.address });
      cleanups.push(() => connection.close());
      const client = new Client({ connection, namespace: 'default', dataConverter });

      const porting = sandboxPortingClient(sandbox);
      cleanups.push(() => porting.close());
      await porting.configureWebhooks({
        portInTargetUrl: `http://127.0.0.1:${receiverPort.port}${WEBHOOK_PATH}`,
        notificationsOf: [],
      });

      // ----- chaos --------------------------------------------------------------------------------
      // The first create's response is always lost: at least one order must live through "events for
      // a sid nobody owns yet"; more lost responses come with the shuffled plan.
      sandbox.addFault({
        kind: 'http',
        fault: 'lose-response',
        method: 'POST',
        pathPattern: '^/v1/Porting/PortIn$',
        delayMs: 6000,
      });
      const plan = faultPlan(r);
      const orders = Array.from({ length: ORDERS }, (_, i) =>
        buildOrder(sandbox, numbersOf(i), {
          orderId: `chaos-${SEED}-${i}`,
          // Half the orders take the worker's PORTFLOW_RECONCILE_INTERVAL, half name their own.
          options: i % 2 === 0 ? { reconcileInterval: '6 hours' } : {},
        })
      );
      const startAt = orders.map(() => r.between(0, 15_000)).sort((a, b) => a - b);
      const kills = r.shuffle(KILLS).map((kind) => ({ kind, gapMs: r.between(1500, 6000) }));
      const faultGaps = plan.map(() => r.between(300, 1500));

      const chaosDeadline = Date.now() + 100_000;
      const startOrders = (async () => {
        const t0 = Date.now();
        for (const [i, order] of orders.entries()) {
          await sleep(Math.max(0, t0 + startAt[i]! - Date.now()));
          await retrying(`starting order ${order.orderId}`, chaosDeadline, () =>
            startPortIn(client, order, { taskQueue, now: sandbox.clock.now() })
          );
        }
      })();
      const injectFaults = (async () => {
        for (const [i, fault] of plan.entries()) {
          await sleep(faultGaps[i]!);
          sandbox.addFault(fault);
        }
      })();
      const killed: Array<{ kind: Kind; atMs: number; backAfterMs: number }> = [];
      const killThem = (async () => {
        for (const k of kills) {
          await sleep(k.gapMs);
          const at = Date.now();
          if (k.kind === 'devServer') {
            await dev.kill();
            await within('restarting the dev server', 90_000, dev.start());
          } else {
            await within(
              `restarting the ${k.kind}`,
              60_000,
              (k.kind === 'worker' ? worker : receiver).killAndRestart()
            );
          }
          killed.push({ kind: k.kind, atMs: at - started, backAfterMs: Date.now() - at });
        }
      })();
      await within(
        'the chaos phase (order starts, faults, kills)',
        150_000,
        Promise.all([startOrders, injectFaults, killThem])
      );
      await Promise.all([worker.settled(), receiver.settled()]);

      // ----- every order ends -----------------------------------------------------------------------
      const endDeadline = Date.now() + 90_000;
      const results = await within(
        'waiting for every order to end (no poll can help: the interval is 6 hours)',
        95_000,
        Promise.all(
          orders.map((o) => retrying(`the result of ${o.orderId}`, endDeadline, () => waitForPortIn(client, o.orderId)))
        )
      );
      await within('the sandbox finishing its webhook deliveries', 70_000, sandbox.webhooksIdle());

      // ----- accounting -----------------------------------------------------------------------------
      const ownerOf = new Map<string, string>();
      for (const res of results) for (const sid of res.requestSids) ownerOf.set(sid, res.orderId);
      const delivered = sandbox.webhooks({ status: 'delivered' });
      // Events that reached a closed order end as orphans when their inbox's window ends: wait for that, bounded.
      const readBooks = async () =>
        account(client, dataConverter.payloadCodecs ?? [], delivered, ownerOf, await orphanReasonsByToken(client));
      let books: Accounting = await retrying('reading histories and orphans', Date.now() + 30_000, readBooks);
      const booksDeadline = Date.now() + 60_000;
      while (books.missing.length > 0 && Date.now() < booksDeadline) {
        await sleep(2000);
        books = await retrying('reading histories and orphans', Date.now() + 30_000, readBooks);
      }

      const all = sandbox.webhooks();
      const portIns = sandbox.portIns();
      const figures = {
        seed: SEED,
        seconds: Math.round((Date.now() - started) / 1000),
        orders: orders.length,
        kills: Object.fromEntries(KILLS.map((k) => [k, killed.filter((x) => x.kind === k).length])),
        killPoints: killed.map(
          (k) => `${k.kind}@${(k.atMs / 1000).toFixed(1)}s(back ${(k.backAfterMs / 1000).toFixed(1)}s)`
        ),
        unexpectedExits: { worker: worker.unexpectedExits.length, receiver: receiver.unexpectedExits.length },
        webhooks: {
          published: all.length,
          delivered: delivered.length,
          droppedByFault: all.filter((d) => d.status === 'dropped').length,
          failedAfterRetries: all.filter((d) => d.status === 'failed').length,
          duplicatedByFault: all.filter((d) => d.duplicateOf != null).length,
          retriedDeliveries: all.filter((d) => d.attempts.length > 1).length,
          routedByReceiver: books.routed,
          viaInbox: books.viaInbox,
          orphaned: books.orphaned,
          missing: books.missing.length,
          duplicateSignalsInHistories: books.duplicateSignals,
        },
        portInRequests: portIns.length,
        faultsPlanned: plan.length + 1,
      };
      console.log(`chaos figures:\n${JSON.stringify(figures, null, 2)}`);
      if (books.missing.length > 0) console.log('chaos: delivered webhooks found nowhere', books.missing.slice(0, 30));
      if (worker.unexpectedExits.length || receiver.unexpectedExits.length) {
        console.warn('chaos: unexpected exits', { worker: worker.unexpectedExits, receiver: receiver.unexpectedExits });
      }

      // (1) 0 duplicate requests: each order's portable numbers in exactly one request, and nothing else.
      for (const [i, order] of orders.entries()) {
        const portable = numbersOf(i)
          .filter((n) => scenarioFor(n).portable)
          .sort();
        const holding = portIns.filter((p) => p.phone_numbers.some((n) => portable.includes(n.phone_number)));
        expect({
          order: order.orderId,
          requests: holding.map((p) => p.phone_numbers.map((n) => n.phone_number).sort()),
        }).toEqual({
          order: order.orderId,
          requests: [portable],
        });
      }
      expect(portIns).toHaveLength(orders.length);
      // (2) every delivered webhook is in its order's history or a recorded orphan with a reason.
      expect(books.missing).toEqual([]);
      // (3) every order ends as a clean run ends.
      for (const [i, res] of results.entries()) {
        expect({ order: res.orderId, ...shapeOf(res) }).toEqual({ order: res.orderId, ...cleanShape(numbersOf(i)) });
      }
      // The run really was chaotic: every kind of kill happened.
      expect(killed.map((k) => k.kind).sort()).toEqual([...KILLS].sort());
    },
    TEST_TIMEOUT_MS
  );
});
