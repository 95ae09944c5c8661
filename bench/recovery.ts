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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowUpdateStage } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { startSandbox } from '../src/sandbox';
import type { SandboxHandle } from '../src/sandbox';
import { portInHandle, startPortIn } from '../src/starter';
import { startDevServer } from '../src/temporal-server/dev-server';
import { PortingClient } from '../src/twilio/client';
import { createPortflowWorker } from '../src/worker';
import { cancelPhoneNumbersUpdate, cancelPortInUpdate } from '../src/workflows/messages';
import { quietBundler } from './quiet-bundler';

const DAY = 86_400_000;
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
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = (name: string) => process.env[name] ?? fail(`bench worker: ${name} is not set`);
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const porting = new PortingClient({
    apiBaseUrl: env('SANDBOX_URL'),
    documentsBaseUrl: env('SANDBOX_URL'),
    accountSid: env('SANDBOX_ACCOUNT_SID'),
    authToken: env('SANDBOX_AUTH_TOKEN'),
    timeoutMs: clientTimeoutMs,
  });
  const worker = await createPortflowWorker({
    connection,
    taskQueue: env('TASK_QUEUE'),
    porting,
    workflowBundle: { codePath: env('BUNDLE_PATH') },
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
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-recovery-'));
  const server = await startDevServer({ port: 0, uiPort: false, dbFile: ':memory:' });
  // Real time, LOAs never signed: every order stays open and cancelable while the bench runs.
  const sandbox = await startSandbox({
    clockScale: 1,
    autoSign: false,
    timeline: { reviewMs: 200, autoSignMs: 500, carrierResponseMs: 500, portDateMs: 1000 },
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const bundlePath = path.join(dir, 'bundle.js');
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      logger: quietBundler,
    });
    writeFileSync(bundlePath, bundle.code);
    const billPath = path.join(dir, 'bill.pdf');
    writeFileSync(billPath, '%PDF-1.4\n%%EOF\n');
    const taskQueue = `recovery-${Date.now()}`;
    const startWorker = (standby = false) =>
      spawnWorker(children, {
        BENCH_STANDBY: standby ? '1' : '0',
        TEMPORAL_ADDRESS: server.address,
        TASK_QUEUE: taskQueue,
        SANDBOX_URL: sandbox.url,
        SANDBOX_ACCOUNT_SID: sandbox.accountSid,
        SANDBOX_AUTH_TOKEN: sandbox.authToken,
        BUNDLE_PATH: bundlePath,
        TWILIO_TIMEOUT_MS: String(clientTimeoutMs),
      });

    const first = await startWorker();
    const standby = await startWorker(true);
    const orders = new OrderFactory(client, sandbox, taskQueue, billPath);
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
    await connection.close();
    await sandbox.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
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
    private readonly sandbox: SandboxHandle,
    private readonly taskQueue: string,
    private readonly billPath: string
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
    const target = new Date(this.sandbox.clock.now().getTime() + 10 * DAY).toISOString().slice(0, 10);
    await startPortIn(
      this.client,
      {
        orderId,
        customerRef: 'bench',
        losingCarrierInformation: {
          customerType: 'Business',
          customerName: 'Bench Co',
          accountNumber: 'ACCT-1',
          accountTelephoneNumber: phoneNumbers[0],
          authorizedRepresentative: 'Bench Person',
          authorizedRepresentativeEmail: 'bench@example.com',
          address: { street: '1 Main St', city: 'Denver', state: 'CO', zip: '80202', country: 'US' },
        },
        phoneNumbers: phoneNumbers.map((phoneNumber) => ({ phoneNumber })),
        targetPortInDate: target,
        utilityBill: { path: this.billPath },
        options: { reconcileInterval: options.reconcileInterval ?? '1 hour' },
      },
      { taskQueue: this.taskQueue, now: this.sandbox.clock.now() }
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
