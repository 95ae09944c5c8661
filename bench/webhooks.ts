/**
 * Benchmark: a 1,000-number port reporting every number at once. Signed porting webhooks (one per
 * number) are POSTed to the receiver, which verifies, parses, finds the owner and signals it; next to
 * that, a bare `handle.signal()` loop sends the same events to the same dev server. Both at the same
 * concurrency, in alternating rounds, each round to a fresh workflow (no worker: a signal is accepted
 * once Temporal has persisted it, whether or not a worker runs). Reports events/s and p50/p99 from
 * POST (or signal call) to signal accepted, and the ratio receiver ÷ bare. Target ≥ 0.8.
 *
 *   npx tsx bench/webhooks.ts [--numbers 1000] [--concurrency 32] [--rounds 5] [--address host:port]
 *                             [--in-process] [--strict]
 *
 * Starts its own in-memory dev server unless `--address` names one. The receiver runs in a child
 * process by default, as it does in production (Twilio is remote; the poster's HTTP client should not
 * share its event loop); `--in-process` puts poster, receiver and bare loop on one event loop.
 * Loopback only; bounded by `--numbers` × `--rounds`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { signJsonWebhook } from '../src/sandbox/signature';
import { processCpuMs } from './proc';
import { PortInRequestSids } from '../src/search-attributes';
import { startDevServer } from '../src/temporal-server/dev-server';
import type { DevServerHandle } from '../src/temporal-server/dev-server';
import { isParseFailure, parsePortingWebhook } from '../src/twilio/events';
import type { PortingEvent } from '../src/twilio/porting-event';
import { silentLogger, startWebhookReceiver, WEBHOOK_PATH } from '../src/webhooks';
import type { WebhookStats } from '../src/webhooks';
import { portingEventSignal } from '../src/workflows/messages';

/** Settings of one run. */
export interface WebhooksBenchOptions {
  numbers: number;
  concurrency: number;
  rounds: number;
  /** A running Temporal frontend; a fresh in-memory dev server when absent. */
  address?: string;
  inProcess: boolean;
}

export interface PhaseResult {
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time per event (µs) of this process, the receiver's child process and the Temporal server, when known. */
  cpuPerEventUs: { bench: number; receiver: number | null; temporal: number | null };
}

export interface WebhooksBenchResult extends WebhooksBenchOptions {
  bare: PhaseResult;
  receiver: PhaseResult;
  /** Receiver events/s ÷ bare events/s over all measured rounds. */
  ratio: number;
  /** The same ratio per pair of adjacent rounds (background load on a shared machine varies between pairs). */
  pairRatios: number[];
  receiverStats: WebhookStats;
}

export const TARGET_RATIO = 0.8;
const AUTH_TOKEN = 'bench-auth-token-0123456789abcdef';
/**
 * Twilio only calls https URLs, so in production the receiver sits behind a TLS-terminating proxy
 * and checks signatures against its public URL: the bench does the same (the proxy itself is left out).
 */
const PUBLIC_BASE_URL = 'https://hooks.portflow.example';
const SINK_TYPE = 'webhooksBenchSink';

function benchNumber(i: number): string {
  const npas = ['212', '303', '312', '415', '503', '617', '702', '808', '917'];
  return `+1${npas[Math.floor(i / 9000) % npas.length]}555${1000 + (i % 9000)}`;
}

const newSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** One event per number, as Twilio sends them when the losing carrier accepts a whole request. */
function payloads(sid: string, numbers: number): string[] {
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return Array.from({ length: numbers }, (_, i) =>
    JSON.stringify({
      port_in_request_sid: sid,
      port_in_phone_number_sid: newSid('PU'),
      phone_number: benchNumber(i),
      status: 'PortInPhoneNumberPending',
      last_date_updated: at,
      portable: true,
      not_portable_reason: null,
      not_portable_reason_code: null,
      rejection_reason: null,
      rejection_reason_code: null,
      port_date: at,
    })
  );
}

interface Round {
  phase: PhaseResult;
  durations: number[];
  cpuMs: CpuSample;
}

/** CPU milliseconds used so far: this process, the receiver child, the Temporal server (null if unknown). */
interface CpuSample {
  bench: number;
  receiver: number | null;
  temporal: number | null;
}

let cpuPids: { receiver?: number; temporal?: number } = {};

function cpuNow(): CpuSample {
  const own = process.cpuUsage();
  return {
    bench: (own.user + own.system) / 1000,
    receiver: processCpuMs(cpuPids.receiver),
    temporal: processCpuMs(cpuPids.temporal),
  };
}

function cpuDelta(a: CpuSample, b: CpuSample): CpuSample {
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  return { bench: b.bench - a.bench, receiver: d(a.receiver, b.receiver), temporal: d(a.temporal, b.temporal) };
}

/** Runs `count` jobs with at most `concurrency` in flight; measures each job and the whole. */
async function drive(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<Round> {
  const durations: number[] = new Array(count);
  let next = 0;
  const cpuBefore = cpuNow();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await job(i);
        durations[i] = performance.now() - t0;
      }
    })
  );
  const elapsedMs = performance.now() - started;
  const cpuMs = cpuDelta(cpuBefore, cpuNow());
  return { phase: summarize(durations, elapsedMs, cpuMs), durations, cpuMs };
}

function summarize(durations: number[], elapsedMs: number, cpuMs: CpuSample): PhaseResult {
  const sorted = [...durations].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const perEvent = (ms: number | null) => (ms === null ? null : (ms * 1000) / durations.length);
  return {
    events: durations.length,
    elapsedMs,
    eventsPerSecond: (durations.length / elapsedMs) * 1000,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    cpuPerEventUs: {
      bench: perEvent(cpuMs.bench) ?? 0,
      receiver: perEvent(cpuMs.receiver),
      temporal: perEvent(cpuMs.temporal),
    },
  };
}

function merge(rounds: Round[]): PhaseResult {
  const elapsedMs = rounds.reduce((sum, r) => sum + r.phase.elapsedMs, 0);
  const sum = (pick: (c: CpuSample) => number | null) =>
    rounds.reduce<number | null>(
      (acc, r) => (acc === null || pick(r.cpuMs) === null ? null : acc + (pick(r.cpuMs) as number)),
      0
    );
  const cpuMs = { bench: sum((c) => c.bench) ?? 0, receiver: sum((c) => c.receiver), temporal: sum((c) => c.temporal) };
  return summarize(
    rounds.flatMap((r) => r.durations),
    elapsedMs,
    cpuMs
  );
}

/** A workflow that owns `sid` (search attribute set at start) and never runs: it only collects signals. */
async function startSink(client: Client, sid: string): Promise<string> {
  const workflowId = `webhooks-bench-${sid}`;
  await client.workflow.start(SINK_TYPE, {
    taskQueue: 'webhooks-bench-no-worker',
    workflowId,
    typedSearchAttributes: [{ key: PortInRequestSids, value: [sid] }],
    workflowExecutionTimeout: '1 hour',
  });
  // Webhooks for a request arrive long after it was created: wait until the index has it.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await client.workflow.count(`PortInRequestSids = '${sid}'`);
    if (found.count > 0) return workflowId;
    if (Date.now() > deadline) throw new Error(`the visibility index did not show ${workflowId} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface ReceiverProcess {
  url: string;
  /** The child's pid, when the receiver runs in one. */
  pid?: number;
  stats(): Promise<WebhookStats>;
  stop(): Promise<void>;
}

async function receiverInProcess(address: string): Promise<ReceiverProcess> {
  const connection = await NativeConnection.connect({ address });
  const receiver = await startWebhookReceiver({
    temporalClient: new Client({ connection }),
    authToken: AUTH_TOKEN,
    publicBaseUrl: PUBLIC_BASE_URL,
    inbox: { taskQueue: 'webhooks-bench-no-worker' },
    // The bench's sinks own the sids; portInWorkflow does in production.
    ownerWorkflowType: SINK_TYPE,
    logger: silentLogger,
    port: 0,
  });
  return {
    url: receiver.url,
    stats: async () => receiver.stats(),
    stop: async () => {
      await receiver.stop();
      await connection.close();
    },
  };
}

async function receiverInChild(address: string): Promise<ReceiverProcess> {
  const child: ChildProcess = fork(__filename, ['--serve-receiver', address], {
    // Extra Node flags for the receiver only, e.g. BENCH_RECEIVER_NODE_FLAGS='--cpu-prof' to profile it.
    execArgv: [...process.execArgv, ...(process.env.BENCH_RECEIVER_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [])],
    stdio: 'inherit',
  });
  const ask = <T>(message: string, timeoutMs = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the receiver child did not answer '${message}'`)), timeoutMs);
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        resolve(m as T);
      });
      if (message !== 'hello') child.send(message);
    });
  child.once('exit', (code) => {
    if (code !== 0) console.error(`the receiver child exited with ${code}`);
  });
  const { url } = await ask<{ url: string }>('hello');
  return {
    url,
    pid: child.pid,
    stats: () => ask<WebhookStats>('stats'),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function serveReceiver(address: string): Promise<void> {
  const receiver = await receiverInProcess(address);
  process.send?.({ url: receiver.url });
  process.on('message', (m) => {
    if (m === 'stats') void receiver.stats().then((s) => process.send?.(s));
    if (m === 'stop') void receiver.stop().then(() => process.exit(0));
  });
}

/** One signed delivery, serialized up front as the HTTP/1.1 request bytes Twilio would send. */
type SignedPost = Buffer;

function signedPost(receiverUrl: string, body: string): SignedPost {
  const { url, signature } = signJsonWebhook(AUTH_TOKEN, `${PUBLIC_BASE_URL}${WEBHOOK_PATH}`, body);
  const u = new URL(url);
  const head =
    `POST ${u.pathname}${u.search} HTTP/1.1\r\n` +
    `Host: ${new URL(receiverUrl).host}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Twilio-Signature: ${signature}\r\n` +
    `I-Twilio-Idempotency-Token: ${randomBytes(16).toString('hex')}\r\n` +
    'User-Agent: TwilioProxy/1.1\r\n\r\n';
  return Buffer.from(head + body, 'utf8');
}

/**
 * A minimal keep-alive HTTP/1.1 client: one request in flight per socket, requests written as
 * prepared bytes. It stands in for Twilio, which runs elsewhere: a full HTTP client would spend this
 * machine's CPU on the load generator, not on the receiver being measured.
 */
class RawPoster {
  private readonly idle: RawConnection[] = [];
  private readonly all: RawConnection[] = [];
  private readonly waiting: Array<(c: RawConnection) => void> = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly size: number
  ) {}

  async post(request: SignedPost): Promise<void> {
    const connection = await this.acquire();
    try {
      const { status, body } = await connection.exchange(request);
      if (status !== 200 || !body.includes('"routed"')) throw new Error(`receiver answered ${status}: ${body}`);
    } finally {
      this.release(connection);
    }
  }

  close(): void {
    for (const c of this.all) c.socket.destroy();
  }

  private async acquire(): Promise<RawConnection> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.length < this.size) {
      const c = await RawConnection.open(this.host, this.port);
      this.all.push(c);
      return c;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(c: RawConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }
}

class RawConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void } | null = null;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the receiver closed the connection')));
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  exchange(request: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd === -1) return;
    const head = this.buffer.subarray(0, headerEnd).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    const total = headerEnd + 4 + length;
    if (this.buffer.length < total) return;
    const body = this.buffer.subarray(headerEnd + 4, total).toString('utf8');
    this.buffer = this.buffer.subarray(total);
    const pending = this.pending;
    this.pending = null;
    pending?.resolve({ status: Number(head.slice(9, 12)), body });
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(err);
  }
}

/** Runs the benchmark once and returns the measurements. */
export async function runWebhooksBench(options: WebhooksBenchOptions): Promise<WebhooksBenchResult> {
  let server: DevServerHandle | null = null;
  const address =
    options.address ?? (server = await startDevServer({ port: 0, uiPort: false, dbFile: ':memory:' })).address;
  const connection = await NativeConnection.connect({ address });
  const client = new Client({ connection });
  const receiver = options.inProcess ? await receiverInProcess(address) : await receiverInChild(address);
  cpuPids = { receiver: receiver.pid, temporal: server?.process.child.pid };
  const receiverUrl = new URL(receiver.url);
  const poster = new RawPoster(receiverUrl.hostname, Number(receiverUrl.port), options.concurrency);
  try {
    const bareRound = async (numbers: number) => {
      const sid = newSid('KW');
      const handle = client.workflow.getHandle(await startSink(client, sid));
      const events = payloads(sid, numbers).map((body) => {
        const event = parsePortingWebhook(body);
        if (isParseFailure(event)) throw new Error(`bench payload does not parse: ${event.reason}`);
        return event;
      });
      return drive(numbers, options.concurrency, (i) => handle.signal(portingEventSignal, events[i] as PortingEvent));
    };
    const receiverRound = async (numbers: number) => {
      const sid = newSid('KW');
      await startSink(client, sid);
      // Signed up front: signing is Twilio's work, not the receiver's.
      const posts = payloads(sid, numbers).map((body) => signedPost(receiver.url, body));
      return drive(numbers, options.concurrency, (i) => poster.post(posts[i] as SignedPost));
    };

    // Warm-up of both paths (connections, JIT of gRPC, HTTP and parsing in both processes); not counted.
    for (let i = 0; i < 2; i++) {
      await bareRound(options.numbers);
      await receiverRound(options.numbers);
    }
    const statsBefore = await receiver.stats();

    const bare: Round[] = [];
    const through: Round[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Alternate which goes first, so drift in the dev server favours neither.
      if (round % 2 === 0) {
        bare.push(await bareRound(options.numbers));
        through.push(await receiverRound(options.numbers));
      } else {
        through.push(await receiverRound(options.numbers));
        bare.push(await bareRound(options.numbers));
      }
    }
    const statsAfter = await receiver.stats();
    const bareResult = merge(bare);
    const receiverResult = merge(through);
    return {
      ...options,
      address,
      bare: bareResult,
      receiver: receiverResult,
      ratio: receiverResult.eventsPerSecond / bareResult.eventsPerSecond,
      pairRatios: through.map((r, i) => r.phase.eventsPerSecond / (bare[i] as Round).phase.eventsPerSecond),
      receiverStats: {
        ...statsAfter,
        received: statsAfter.received - statsBefore.received,
        routed: statsAfter.routed - statsBefore.routed,
      },
    };
  } finally {
    poster.close();
    await receiver.stop();
    await connection.close();
    await server?.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function flag(args: string[], name: string, fallback: number, max: number): number {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`--${name} must be an integer from 1 to ${max}, got ${args[i + 1] ?? '(nothing)'}`);
  }
  return value;
}

function stringFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (!value || !/^[\w.-]+:\d+$/.test(value)) {
    throw new Error(`--${name} must be host:port of a Temporal frontend, got ${value ?? '(nothing)'}`);
  }
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const serveAt = args.indexOf('--serve-receiver');
  if (serveAt !== -1) return serveReceiver(args[serveAt + 1] as string);
  const options: WebhooksBenchOptions = {
    // A run's events all go to one workflow per round; Temporal caps a run at 10,000 signals.
    numbers: flag(args, 'numbers', 1000, 9000),
    concurrency: flag(args, 'concurrency', 32, 1000),
    rounds: flag(args, 'rounds', 5, 20),
    address: stringFlag(args, 'address'),
    inProcess: args.includes('--in-process'),
  };
  const r = await runWebhooksBench(options);
  const us = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)} µs`);
  const line = (name: string, p: PhaseResult) =>
    `  ${name.padEnd(24)} ${p.eventsPerSecond.toFixed(0).padStart(6)} events/s   p50 ${p.p50Ms.toFixed(1)} ms   p99 ${p.p99Ms.toFixed(1)} ms   (${p.events} events, ${(p.elapsedMs / 1000).toFixed(2)} s)\n` +
    `  ${''.padEnd(24)} CPU per event: bench process ${us(p.cpuPerEventUs.bench)}` +
    (r.inProcess ? '' : `, receiver process ${us(p.cpuPerEventUs.receiver)}`) +
    `, Temporal server ${us(p.cpuPerEventUs.temporal)}`;
  const verdict = r.ratio >= TARGET_RATIO ? 'within target' : 'BELOW TARGET';
  const expected = r.numbers * r.rounds;
  console.log(
    [
      `webhooks bench: ${r.numbers} numbers × ${r.rounds} rounds, concurrency ${r.concurrency}, Temporal ${r.address}` +
        ` (receiver ${r.inProcess ? 'in this process' : 'in a child process'})`,
      line('bare handle.signal()', r.bare),
      line('POST → receiver → signal', r.receiver),
      `  ratio ${r.ratio.toFixed(3)} of the bare loop's throughput (target ≥ ${TARGET_RATIO}): ${verdict}`,
      `  per pair of adjacent rounds: ${r.pairRatios.map((x) => x.toFixed(2)).join(', ')} (median ${median(r.pairRatios).toFixed(3)})`,
      `  receiver: ${r.receiverStats.routed}/${expected} routed, ${r.receiverStats.duplicate} duplicate, ` +
        `${Object.values(r.receiverStats.held).reduce((a, b) => a + (b ?? 0), 0)} held, ` +
        `${Object.values(r.receiverStats.rejected).reduce((a, b) => a + (b ?? 0), 0)} rejected`,
    ].join('\n')
  );
  if (args.includes('--strict') && (r.ratio < TARGET_RATIO || r.receiverStats.routed !== expected)) {
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
