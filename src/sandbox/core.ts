import { ApiError } from './api-error';
import { Carrier, DEFAULT_TIMELINE } from './carrier';
import type { Timeline } from './carrier';
import { SimulatedClock } from './clock';
import { SANDBOX_ACCOUNT_SID, SANDBOX_API_KEY_SECRET, SANDBOX_API_KEY_SID, SANDBOX_AUTH_TOKEN } from './defaults';
import { FaultRegistry } from './faults';
import { INVALID_URL_CODE } from './incoming-numbers';
import type { ConfigurationRefusal } from './incoming-numbers';
import type { Address, NumberRecord, PortInRecord } from './model';
import { DEFAULT_WEBHOOK_RETRY, WebhookNotifier } from './notifier';
import type { WebhookRetry } from './notifier';
import { Scheduler } from './scheduler';
import { isSid, newSid } from './sids';
import { SandboxStore } from './store';
import type { WireOptions } from './wire';

/** Where the sandbox reports what it does; silent by default. */
export interface SandboxLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of {@link startSandbox}. Durations in `timeline` are simulated ms; the rest real ms. */
export interface SandboxOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  accountSid?: string;
  authToken?: string;
  apiKeySid?: string;
  apiKeySecret?: string;
  /** Simulated ms per real ms. @default 1 */
  clockScale?: number;
  /** Simulated time at start. @default real now */
  clockStart?: Date | string | number;
  /** Reproduce Twilio's documented casing inconsistencies. @default true */
  quirks?: boolean;
  /** Sign LOAs automatically `timeline.autoSignMs` after they are sent (never for 04xx numbers). @default true */
  autoSign?: boolean;
  timeline?: Partial<Timeline>;
  webhookRetry?: Partial<WebhookRetry>;
  /** Webhook deliveries in flight at once. @default 8 */
  webhookConcurrency?: number;
  /** Delay added to every Twilio-API call (not `/_sandbox`). @default 0 */
  latencyMs?: number;
  /** Real ms between scheduler ticks. @default 20 */
  tickMs?: number;
  /** Base of the `url` fields, e.g. when behind a proxy. @default the listening URL */
  publicUrl?: string;
  logger?: SandboxLogger;
  /**
   * Sees every answer of the Twilio API (not `/_sandbox`) as it is sent. The sandbox's tests check
   * each against Twilio's OpenAPI spec with it (test/helpers/openapi.ts).
   */
  onResponse?: (exchange: SandboxExchange) => void;
}

/** One answer of the sandbox's Twilio API, as {@link SandboxOptions.onResponse} sees it. */
export interface SandboxExchange {
  method: string;
  /** Without the query string. */
  path: string;
  status: number;
  contentType: string | undefined;
  /** The body as sent; `''` when there is none. */
  body: string;
  /** Whether the casing quirks were on (Twilio's shapes) or off (the sandbox's canonical ones). */
  quirks: boolean;
}

/** Settings that `POST /_sandbox/settings` may change at run time. */
export interface SandboxSettings {
  quirks: boolean;
  autoSign: boolean;
  latencyMs: number;
  timeline: Timeline;
  webhookRetry: WebhookRetry;
}

const silent: SandboxLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Bound on transitions run inline before one API call is answered (a 1,000-number port is ~5,000). */
const CATCH_UP_LIMIT = 200_000;

/**
 * The whole emulator minus HTTP: clock, scheduler, state, carrier, notifier, faults, settings.
 * Both the route modules and the programmatic handle drive it.
 */
export class SandboxCore {
  readonly accountSid: string;
  readonly authToken: string;
  readonly credentials: Array<{ username: string; password: string }>;
  readonly clock: SimulatedClock;
  readonly scheduler = new Scheduler();
  readonly store = new SandboxStore();
  readonly faults = new FaultRegistry();
  readonly carrier: Carrier;
  readonly notifier: WebhookNotifier;
  readonly logger: SandboxLogger;
  settings: SandboxSettings;
  baseUrl = '';
  private readonly initialSettings: SandboxSettings;
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(readonly options: SandboxOptions) {
    this.accountSid = options.accountSid ?? SANDBOX_ACCOUNT_SID;
    this.authToken = options.authToken ?? SANDBOX_AUTH_TOKEN;
    if (!isSid('AC', this.accountSid)) {
      throw new Error(`startSandbox: accountSid must be AC followed by 32 hex digits, got "${this.accountSid}"`);
    }
    this.credentials = [
      { username: this.accountSid, password: this.authToken },
      { username: options.apiKeySid ?? SANDBOX_API_KEY_SID, password: options.apiKeySecret ?? SANDBOX_API_KEY_SECRET },
    ];
    this.logger = options.logger ?? silent;
    this.initialSettings = {
      quirks: options.quirks ?? true,
      autoSign: options.autoSign ?? true,
      latencyMs: options.latencyMs ?? 0,
      timeline: { ...DEFAULT_TIMELINE, ...options.timeline },
      webhookRetry: { ...DEFAULT_WEBHOOK_RETRY, ...options.webhookRetry },
    };
    this.settings = structuredClone(this.initialSettings);
    const start = options.clockStart == null ? Date.now() : new Date(options.clockStart).getTime();
    if (Number.isNaN(start)) throw new Error(`startSandbox: clockStart is not a date: ${String(options.clockStart)}`);
    this.clock = new SimulatedClock(start, options.clockScale ?? 1);
    this.notifier = new WebhookNotifier({
      config: (account) => this.store.webhookConfigs.get(account),
      authToken: this.authToken,
      retry: () => this.settings.webhookRetry,
      faults: this.faults,
      concurrency: options.webhookConcurrency ?? 8,
      onError: (m) => this.logger.warn(m),
    });
    this.carrier = new Carrier({
      store: this.store,
      scheduler: this.scheduler,
      now: () => this.clock.nowMs(),
      timeline: () => this.settings.timeline,
      autoSign: () => this.settings.autoSign,
      baseUrl: () => this.baseUrl,
      emit: (ev) => this.notifier.publish(ev),
    });
  }

  get wire(): WireOptions {
    return { quirks: this.settings.quirks, baseUrl: this.baseUrl };
  }

  start(): void {
    this.scheduler.start(
      () => this.clock.nowMs(),
      this.options.tickMs ?? 20,
      5_000,
      (err) => this.logger.error(`scheduler: ${String(err)}`)
    );
  }

  stop(): void {
    this.scheduler.stop();
    this.notifier.stop();
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleeps.clear();
  }

  /** Runs every transition that is due, so an answer never shows a state the clock has passed. */
  catchUp(): number {
    return this.scheduler.runDue(this.clock.nowMs(), CATCH_UP_LIMIT);
  }

  /** Jumps the clock and runs what became due. */
  advance(ms: number): number {
    this.clock.advance(ms);
    return this.catchUp();
  }

  /** Registers an Address resource that creates and Portability checks may name by its `AD…` SID. */
  addAddress(address: Address): string {
    const sid = newSid('AD');
    this.store.addresses.set(sid, address);
    return sid;
  }

  /** Registers a Messaging Service that numbers may be added to; returns its `MG…` SID. */
  addMessagingService(friendlyName = 'Sandbox messaging service'): string {
    const sid = newSid('MG');
    this.store.messagingServices.set(sid, { sid, friendlyName, numbers: new Map() });
    return sid;
  }

  /** Makes every configuration call for this number answer the given Twilio error (null lifts it). */
  refuseConfiguration(phoneNumber: string, refusal: Partial<ConfigurationRefusal> | null = {}): void {
    if (refusal === null) {
      this.store.configurationRefusals.delete(phoneNumber);
      return;
    }
    this.store.configurationRefusals.set(phoneNumber, {
      status: refusal.status ?? 400,
      code: refusal.code ?? INVALID_URL_CODE,
      message:
        refusal.message ??
        `The configuration of ${phoneNumber} was refused (a refusal registered with the sandbox's control API)`,
    });
  }

  /** Clears all state, faults and webhook history; settings go back to the start options. */
  reset(): void {
    this.scheduler.clear();
    this.store.reset();
    this.faults.clear();
    this.notifier.reset();
    this.settings = structuredClone(this.initialSettings);
  }

  /** A timer that `stop()` cuts short. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(entry);
    });
  }

  /** The caller's request, or a 404 in Twilio's words. */
  request(sid: string, path: string): PortInRecord {
    const req = isSid('KW', sid) ? this.store.requests.get(sid) : undefined;
    if (!req || req.accountSid !== this.accountSid) {
      throw new ApiError(404, 20404, `The requested resource ${path} was not found`);
    }
    return req;
  }

  /** A number of a request by PU SID or E.164. */
  number(req: PortInRecord, ref: string, path: string): NumberRecord {
    const n = ref.startsWith('PU') ? req.numbersBySid.get(ref) : req.numbers.find((x) => x.phoneNumber === ref);
    if (!n) throw new ApiError(404, 20404, `The requested resource ${path} was not found`);
    return n;
  }
}
