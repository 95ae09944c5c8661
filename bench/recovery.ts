/**
 * Benchmark: what a worker SIGKILL costs. Six orders are each held inside one kind of activity
 * (checkPortability, uploadUtilityBill, createPortInRequest, fetchPortInRequest,
 * cancelPortInRequest, cancelPortInPhoneNumbers) by a sandbox `slow` fault on that activity's
 * Twilio call; then the worker process is SIGKILLed and a standby worker, booted beforehand,
 * starts polling at once (so worker boot time is not counted). For each kind
 * it prints the time from the kill to the start of the activity's next attempt (from the workflow
 * history), as a ratio of the Twilio client timeout, and what the server gave as the reason for the
 * retry. Starts its own dev server and sandbox on loopback; bounded in time (see DEADLINE_MS).
 *
 *   npx tsx bench/recovery.ts            # TWILIO_TIMEOUT_MS (default 30000) is the client timeout
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { WorkflowUpdateStage } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { loadDataConverter } from '../src/codec/data-converter';
import { loadConfig } from '../src/config';
import { portingClientFromConfig } from '../src/porting-client';
import type { SandboxHandle } from '../src/sandbox';
import { portInHandle, startPortIn } from '../src/starter';
import { connectWorkerConnection } from '../src/temporal-connection';
import { createPortflowWorker, installRuntime } from '../src/worker';
import { cancelPhoneNumbersUpdate, cancelPortInUpdate } from '../src/workflows/messages';
import { ensureBuilt, PRODUCTION_WORKFLOW_BUNDLE } from './bench-worker';
import { benchOrder, startBenchStack } from './stack';
import type { BenchStack } from './stack';

/** The whole bench gives up after this long (the slowest kind waits out a 2-minute timeout before the change). */
const DEADLINE_MS = 8 * 60_000;
const clientTimeoutMs = Number(process.env.TWILIO_TIMEOUT_MS ?? 30_000);

type Kind =
  | 'checkPortability'
  | 'uploadUtilityBill'
  | 'createPortInRequest'
  | 'fetchPortInRequest'
  | 'cancelPortInRequest'
  | 'cancelPortInPhoneNumbers';

interface Staged {
  kind: Kind;
  orderId: string;
  /** The history event id of the scheduling of the attempt that was in flight at the kill. */
  scheduledEventId?: number;
}

// ----- the worker child ------------------------------------------------------------------------

async function runWorker(): Promise<void> {
  // Configured from the environment as the production worker is (the stack's keys, the sandbox,
  // TWILIO_TIMEOUT_MS), but in this file: a standby worker must not poll until told to.
  const config = loadConfig();
  installRuntime({ ...config, logLevel: 'WARN' }, { metrics: false });
  const connection = await connectWorkerConnection(config.temporal);
  const worker = await createPortflowWorker({
    connection,
    taskQueue: config.temporal.taskQueue,
    porting: portingClientFromConfig(config.twilio),
    dataConverter: await loadDataConverter(config),
    workflowBundle: { codePath: process.env.BUNDLE_PATH ?? fail('bench worker: BUNDLE_PATH is not set') },
  });
  console.log('bench worker: ready');
  // A standby worker loads everything first and polls only once told to (a line on stdin), so
  // that what the bench measures is the server's timeouts, not how long a worker takes to boot.
  if (process.env.BENCH_STANDBY === '1') await new Promise((r) => process.stdin.once('data', r));
  await worker.run();
}

function fail(message: string): never {
  throw new Error(message);
}

// ----- the bench -------------------------------------------------------------------------------

async function main(): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  const children = new Set<ChildProcess>();
  // Real time, LOAs never signed: every order stays open and cancelable while the bench runs.
  const stack = await startBenchStack({ name: 'recovery', receiver: false, sandbox: { autoSign: false } });
  const { client, sandbox, taskQueue } = stack;
  try {
    // The production build's workflow bundle: no webpack at every worker start.
    ensureBuilt();
    const bundlePath = PRODUCTION_WORKFLOW_BUNDLE;
    const startWorker = (standby = false) =>
      spawnWorker(children, {
        ...stack.env,
        BENCH_STANDBY: standby ? '1' : '0',
        BUNDLE_PATH: bundlePath,
        TWILIO_TIMEOUT_MS: String(clientTimeoutMs),
      });

    const first = await startWorker();
    const standby = await startWorker(true);
    const orders = new OrderFactory(client, stack, taskQueue);
    // Each hold lasts (nearly) one client timeout, so the killed attempt never ends by itself
    // before the kill; all six are staged within a few seconds.
    const holdMs = Math.max(1000, clientTimeoutMs - 2000);
    const staged = await stageAll(orders, sandbox, client, holdMs, deadline);

    const killedAt = Date.now();
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    standby.stdin!.write('run\n');

    console.error(
      `bench/recovery: worker killed with ${staged.length} activities in flight; waiting for their next attempts`
    );
    const rows: string[][] = [];
    const order: Kind[] = [
      'checkPortability',
      'uploadUtilityBill',
      'createPortInRequest',
      'fetchPortInRequest',
      'cancelPortInRequest',
      'cancelPortInPhoneNumbers',
    ];
    staged.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    for (const s of staged) {
      const handle = portInHandle(client, s.orderId);
      const next = await until(() => nextAttempt(handle, s), deadline, `the next attempt of ${s.kind}`);
      const seconds = (next.startedAt - killedAt) / 1000;
      rows.push([
        s.kind,
        String(next.attempt),
        seconds.toFixed(1),
        (seconds / (clientTimeoutMs / 1000)).toFixed(2),
        next.cause,
      ]);
    }
    console.log(
      `client timeout (TWILIO_TIMEOUT_MS): ${clientTimeoutMs} ms; worker SIGKILLed with all six in flight, ` +
        'a booted standby worker polling from the moment of the kill'
    );
    printTable(['activity', 'attempt', 'kill → next start (s)', '× client timeout', 'retry caused by'], rows);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all([...children].map((c) => (c.exitCode === null && c.signalCode === null ? once(c) : null)));
    await stack.stop();
  }
}

/** Puts one order inside each kind of activity, held by a slow fault on its Twilio call. */
async function stageAll(
  orders: OrderFactory,
  sandbox: SandboxHandle,
  client: Client,
  holdMs: number,
  deadline: number
): Promise<Staged[]> {
  // Orders whose activity comes after the create: let them reach a request first, unhindered.
  const fetchOrder = await orders.start({ reconcileInterval: '3s' });
  const cancelOrder = await orders.start();
  const cancelNumbersOrder = await orders.start({}, 2);
  const sids = new Map<string, string>();
  for (const o of [fetchOrder, cancelOrder, cancelNumbersOrder]) {
    sids.set(o.orderId, await until(() => requestSidOf(client, o.orderId), deadline, `a request for ${o.orderId}`));
  }
  const staged: Staged[] = [];
  const hold = async (
    kind: Kind,
    fault: { method: 'GET' | 'POST' | 'DELETE'; pathPattern: string },
    trigger: () => Promise<string>
  ) => {
    const id = sandbox.addFault({ kind: 'http', fault: 'slow', delayMs: holdMs, ...fault });
    const s: Staged = { kind, orderId: await trigger() };
    s.scheduledEventId = await until(() => inFlight(client, sandbox, s, id), deadline, `${kind} in flight`);
    console.error(`bench/recovery: ${kind} in flight`);
    staged.push(s);
  };
  const sid = (o: { orderId: string }) => sids.get(o.orderId)!;

  // The reconcile timer fires within 3 s; then every other kind is held within a few seconds.
  await hold(
    'fetchPortInRequest',
    { method: 'GET', pathPattern: `/${sid(fetchOrder)}$` },
    async () => fetchOrder.orderId
  );
  await hold('cancelPortInRequest', { method: 'DELETE', pathPattern: `/${sid(cancelOrder)}$` }, async () => {
    await portInHandle(client, cancelOrder.orderId).startUpdate(cancelPortInUpdate, {
      args: [{ reason: 'bench' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    return cancelOrder.orderId;
  });
  await hold(
    'cancelPortInPhoneNumbers',
    { method: 'DELETE', pathPattern: `/${sid(cancelNumbersOrder)}/PhoneNumber/` },
    async () => {
      await portInHandle(client, cancelNumbersOrder.orderId).startUpdate(cancelPhoneNumbersUpdate, {
        args: [{ phoneNumbers: [cancelNumbersOrder.phoneNumbers[0]!], reason: 'bench' }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      return cancelNumbersOrder.orderId;
    }
  );
  const digits = orders.peekNumber().slice(1);
  await hold(
    'checkPortability',
    { method: 'GET', pathPattern: `^/v1/Porting/Portability/PhoneNumber/(%2B|\\+)${digits}$` },
    async () => (await orders.start()).orderId
  );
  // Only this order uploads now, then only the next one creates: the first matching call is theirs.
  await hold(
    'uploadUtilityBill',
    { method: 'POST', pathPattern: '^/v1/Documents$' },
    async () => (await orders.start()).orderId
  );
  await hold(
    'createPortInRequest',
    { method: 'POST', pathPattern: '^/v1/Porting/PortIn$' },
    async () => (await orders.start()).orderId
  );
  return staged;
}

// ----- helpers ---------------------------------------------------------------------------------

class OrderFactory {
  private next = 0;
  constructor(
    private readonly client: Client,
    private readonly stack: BenchStack,
    private readonly taskQueue: string
  ) {}

  peekNumber(): string {
    return benchNumber(this.next);
  }

  async start(
    options: { reconcileInterval?: string } = {},
    count = 1
  ): Promise<{ orderId: string; phoneNumbers: string[] }> {
    const phoneNumbers = Array.from({ length: count }, () => benchNumber(this.next++));
    const orderId = `recovery-${Date.now()}-${this.next}`;
    await startPortIn(
      this.client,
      benchOrder(this.stack, orderId, phoneNumbers, {
        options: { reconcileInterval: options.reconcileInterval ?? '1 hour' },
      }),
      { taskQueue: this.taskQueue, now: this.stack.sandbox.clock.now() }
    );
    return { orderId, phoneNumbers };
  }
}

function benchNumber(i: number): string {
  // Exchange 555 from 2000 on: plain portable numbers in the sandbox's table.
  return `+1303555${2000 + i}`;
}

async function requestSidOf(client: Client, orderId: string): Promise<string | undefined> {
  const view = await portInHandle(client, orderId).query('portInStatus');
  return (view as { requestSids: string[] }).requestSids[0];
}

/** The attempt is in flight when its fault was taken (the call reached the sandbox) and it is started. */
async function inFlight(
  client: Client,
  sandbox: SandboxHandle,
  s: Staged,
  faultId: string
): Promise<number | undefined> {
  const faults = (await (await fetch(`${sandbox.url}/_sandbox/faults`)).json()) as { faults: Array<{ id: string }> };
  if (faults.faults.some((f) => f.id === faultId)) return undefined;
  const history = await portInHandle(client, s.orderId).fetchHistory();
  const scheduled = (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === s.kind
  );
  const last = scheduled.at(-1);
  return last?.eventId == null ? undefined : Number(last.eventId);
}

/** The attempt that followed the killed one: its number, start time and the failure it retried. */
async function nextAttempt(
  handle: WorkflowHandle,
  s: Staged
): Promise<{ attempt: number; startedAt: number; cause: string } | undefined> {
  const history = await handle.fetchHistory();
  for (const e of history.events ?? []) {
    const a = e.activityTaskStartedEventAttributes;
    if (!a || Number(a.scheduledEventId) !== s.scheduledEventId) continue;
    if ((a.attempt ?? 1) < 2) return undefined;
    const f = a.lastFailure;
    const timeout = f?.timeoutFailureInfo?.timeoutType;
    const cause = timeout != null ? `${timeoutTypeName(Number(timeout))} timeout` : (f?.message ?? 'unknown');
    return { attempt: a.attempt ?? 0, startedAt: tsToMs(e.eventTime), cause };
  }
  return undefined;
}

function timeoutTypeName(t: number): string {
  return ['unspecified', 'start-to-close', 'schedule-to-start', 'schedule-to-close', 'heartbeat'][t] ?? `type ${t}`;
}

async function until<T>(probe: () => Promise<T | undefined>, deadline: number, what: string): Promise<T> {
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench/recovery: gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function spawnWorker(children: Set<ChildProcess>, env: Record<string, string>): Promise<ChildProcess> {
  // `node --import tsx` (not the tsx CLI, which forks): the pid we SIGKILL is the worker itself.
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--worker'], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('bench worker: ready') && resolve(child));
    child.once('exit', (code, signal) => reject(new Error(`bench worker exited early (${code ?? signal})`)));
  });
}

function once(child: ChildProcess): Promise<void> {
  return new Promise((r) => child.once('exit', () => r()));
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

(process.argv.includes('--worker') ? runWorker() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
