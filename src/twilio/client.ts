/**
 * The typed Porting API client: the only code in portflow that calls Twilio. camelCase in and out,
 * snake_case on the wire (mapped in `schemas/`), validated both ways, with errors that say whether a
 * retry can help.
 */
import { PortInValidationError, RequestValidationError, type ValidationProblem } from './errors';
import {
  ACCOUNT_SID,
  ADDRESS_SID,
  APPLICATION_SID,
  PORT_IN_REQUEST_SID,
  formatLocalDate,
  parseLocalDate,
  pathParam,
} from './formats';
import { type HttpCall, HttpTransport, type RequestLogEvent, type ResponseLogEvent } from './http';
import { type PortingDocument, documentInbound } from './schemas/document';
import {
  type IncomingPhoneNumber,
  type IncomingPhoneNumberPage,
  type IncomingPhoneNumberUpdate,
  type MessagingServicePhoneNumber,
  UPDATE_FIELDS,
  incomingPhoneNumberInbound,
  incomingPhoneNumberPageInbound,
  messagingServicePhoneNumberInbound,
  updateForm,
} from './schemas/incoming-phone-number';
import { type PortIn, type CreatePortInRequest, createPortInOutbound, portInInbound } from './schemas/port-in';
import {
  type ListPortInsFilters,
  type PortInRequestPage,
  type PortInRequestSummary,
  portInPageInbound,
  statusFilterToWire,
} from './schemas/port-in-list';
import { type PortInPhoneNumber, portInPhoneNumberInbound } from './schemas/port-in-phone-number';
import {
  type PortabilityOptions,
  type PortabilityResult,
  portabilityInbound,
  portabilityQuery,
} from './schemas/portability';
import {
  type WebhookConfiguration,
  type WebhookConfigurationInput,
  type WebhookType,
  webhookConfigurationInbound,
  webhookConfigurationOutbound,
} from './schemas/webhook-configuration';
import { type UploadUtilityBillInput, prepareUtilityBillUpload } from './upload';
import { type PortInValidationContext, validatePortInRequest } from './validation';

/** Twilio's hosts, for {@link PortingClientOptions}: nothing defaults to them, a caller names them. */
export const TWILIO_API_BASE_URL = 'https://numbers.twilio.com';
export const TWILIO_DOCUMENTS_BASE_URL = 'https://numbers-upload.twilio.com';
/** The REST API 2010-04-01 host (IncomingPhoneNumbers). */
export const TWILIO_REST_API_BASE_URL = 'https://api.twilio.com';
/** The Messaging Services host. */
export const TWILIO_MESSAGING_BASE_URL = 'https://messaging.twilio.com';

/**
 * Settings of a {@link PortingClient}. The account, its credentials and both hosts are required:
 * nothing falls back to the sandbox (use {@link PortingClient.forSandbox} for that, explicitly).
 */
export interface PortingClientOptions {
  /** The Numbers API host: {@link TWILIO_API_BASE_URL}, or a sandbox's URL. */
  apiBaseUrl: string;
  /** The Documents upload host: {@link TWILIO_DOCUMENTS_BASE_URL}, or a sandbox's URL. */
  documentsBaseUrl: string;
  /**
   * The REST API 2010-04-01 host, for the account's IncomingPhoneNumbers. Default: {@link TWILIO_REST_API_BASE_URL}
   * when `apiBaseUrl` is Twilio's, else `apiBaseUrl` (a sandbox serves every host on one port).
   */
  restApiBaseUrl?: string;
  /** The Messaging Services host; defaults like `restApiBaseUrl` (to {@link TWILIO_MESSAGING_BASE_URL}). */
  messagingBaseUrl?: string;
  /** `AC…`: the account the port-ins belong to. */
  accountSid: string;
  /** The account's auth token; required unless `apiKey` and `apiSecret` are given. */
  authToken?: string;
  /** `SK…`: with `apiSecret`, preferred over the auth token (Twilio's advice for production). */
  apiKey?: string;
  apiSecret?: string;
  /** Deadline of one HTTP exchange (not of the retries). @default 30000 */
  timeoutMs?: number;
  /** Reuse connections. @default true */
  keepAlive?: boolean;
  /** At most this many calls in flight at once, across every method of this client. @default 20 */
  maxConcurrency?: number;
  /**
   * Retries of GET and DELETE after a retryable failure; POSTs are never retried. Inside Temporal
   * activities the worker turns them off ({@link PortingClient.withRetries}): Temporal retries. @default 3
   */
  maxRetries?: number;
  /** @default 250 */
  retryBaseDelayMs?: number;
  /** @default 5000 */
  retryMaxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for; the error is thrown carrying it. @default 30000 */
  maxRetryAfterMs?: number;
  /** Called before every attempt; sees no credentials, PINs or account numbers. */
  onRequest?: (event: RequestLogEvent) => void;
  /** Called after every attempt; sees no credentials, PINs or account numbers. */
  onResponse?: (event: ResponseLogEvent) => void;
  /** Random source of the backoff jitter (for tests). */
  random?: () => number;
}

/** Options of {@link PortingClient.createPortIn}. */
export interface CreatePortInOptions {
  /** "Now" for the 7-day lead-time rule. @default new Date() */
  now?: Date;
  /** Portability results of the numbers: PIN and account number are then required where they said so. */
  portability?: PortInValidationContext['portability'];
}

const V1 = '/v1';
const V2010 = '/2010-04-01';

/** Which account a REST API 2010-04-01 call is about: the client's own unless a (sub)account is named. */
export interface AccountScope {
  /** `AC…`; defaults to the client's account. */
  accountSid?: string;
}

/** Filters of {@link PortingClient.listIncomingPhoneNumbersPage}. */
export interface ListIncomingPhoneNumbersFilters extends AccountScope {
  /** Twilio matches this as a pattern (partial numbers, `*`); {@link PortingClient.findIncomingPhoneNumber} wants it exact. */
  phoneNumber?: string;
  friendlyName?: string;
  /** 1 to 1000. */
  pageSize?: number;
}

/** A client of Twilio's Porting API (Numbers v1) and Documents API. Create one per process and share it. */
export class PortingClient {
  readonly accountSid: string;
  private readonly apiBaseUrl: string;
  private readonly documentsBaseUrl: string;
  private readonly restApiBaseUrl: string;
  private readonly messagingBaseUrl: string;
  private readonly http: HttpTransport;

  constructor(options: PortingClientOptions) {
    const problems: ValidationProblem[] = [];
    // JavaScript callers (and `as` casts) can still leave out what the type requires: say which.
    const given = (options ?? {}) as Partial<PortingClientOptions>;
    for (const key of ['accountSid', 'apiBaseUrl', 'documentsBaseUrl'] as const) {
      if (given[key] === undefined || given[key] === '') {
        problems.push({ path: key, rule: 'required', message: `${key} is required (nothing defaults to the sandbox)` });
      }
    }
    if (given.authToken === undefined && given.apiKey === undefined && given.apiSecret === undefined) {
      problems.push({
        path: 'authToken',
        rule: 'required',
        message: 'credentials are required: authToken, or apiKey with apiSecret',
      });
    }
    options = given as PortingClientOptions;
    const accountSid = options.accountSid ?? '';
    if (accountSid !== '' && !ACCOUNT_SID.test(accountSid)) {
      problems.push({
        path: 'accountSid',
        rule: 'sid-format',
        message: 'expected AC followed by 32 hex digits',
        value: accountSid,
      });
    }
    if ((options.apiKey === undefined) !== (options.apiSecret === undefined)) {
      problems.push({
        path: 'apiKey',
        rule: 'pair',
        message: 'apiKey and apiSecret go together: give both or neither',
      });
    }
    for (const key of ['apiBaseUrl', 'documentsBaseUrl', 'restApiBaseUrl', 'messagingBaseUrl'] as const) {
      const url = options[key];
      if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
        problems.push({
          path: key,
          rule: 'url',
          message: 'expected an http(s) URL such as https://numbers.twilio.com',
          value: url,
        });
      }
    }
    const positive = (key: 'timeoutMs' | 'maxConcurrency', min: number) => {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < min)) {
        problems.push({ path: key, rule: 'range', message: `expected an integer of at least ${min}`, value: v });
      }
    };
    positive('timeoutMs', 1);
    positive('maxConcurrency', 1);
    for (const key of ['maxRetries', 'retryBaseDelayMs', 'retryMaxDelayMs', 'maxRetryAfterMs'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isFinite(v) || v < 0)) {
        problems.push({ path: key, rule: 'range', message: 'expected a number of 0 or more', value: v });
      }
    }
    if (problems.length > 0) throw new RequestValidationError('Invalid PortingClient options', problems);

    this.accountSid = accountSid;
    this.apiBaseUrl = options.apiBaseUrl;
    this.documentsBaseUrl = options.documentsBaseUrl;
    const atTwilio = options.apiBaseUrl.replace(/\/+$/, '') === TWILIO_API_BASE_URL;
    this.restApiBaseUrl = options.restApiBaseUrl ?? (atTwilio ? TWILIO_REST_API_BASE_URL : options.apiBaseUrl);
    this.messagingBaseUrl = options.messagingBaseUrl ?? (atTwilio ? TWILIO_MESSAGING_BASE_URL : options.apiBaseUrl);
    const useKey = options.apiKey !== undefined && options.apiSecret !== undefined;
    this.http = new HttpTransport({
      username: useKey ? (options.apiKey as string) : accountSid,
      password: useKey ? (options.apiSecret as string) : (options.authToken as string),
      timeoutMs: options.timeoutMs ?? 30_000,
      keepAlive: options.keepAlive ?? true,
      maxConcurrency: options.maxConcurrency ?? 20,
      maxRetries: options.maxRetries ?? 3,
      backoff: {
        baseDelayMs: options.retryBaseDelayMs ?? 250,
        maxDelayMs: options.retryMaxDelayMs ?? 5_000,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      },
      userAgent: 'portflow-porting-client/0.1',
      onRequest: options.onRequest,
      onResponse: options.onResponse,
      random: options.random,
    });
  }

  /**
   * A client of a portflow sandbox (`startSandbox()` from `portflow/sandbox`, or one started with
   * `npm run sandbox`): its URL serves both hosts, with its account and token. The explicit way to
   * talk to a sandbox; nothing else defaults to one.
   */
  static forSandbox(
    sandbox: { url: string; accountSid: string; authToken: string },
    overrides: Partial<PortingClientOptions> = {}
  ): PortingClient {
    return new PortingClient({
      apiBaseUrl: sandbox.url,
      documentsBaseUrl: sandbox.url,
      restApiBaseUrl: sandbox.url,
      messagingBaseUrl: sandbox.url,
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
      ...overrides,
    });
  }

  /**
   * This client with another number of retries of idempotent calls, sharing its connections and its
   * concurrency limit. The worker's activities use `withRetries(0)`: Temporal's retry policy is their
   * retry loop, and a retry inside an attempt would only hide the failure from it.
   */
  withRetries(maxRetries: number): PortingClient {
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new RequestValidationError('Invalid retry count', [
        { path: 'maxRetries', rule: 'range', message: 'expected an integer of 0 or more', value: maxRetries },
      ]);
    }
    const view = Object.create(this) as PortingClient;
    Object.defineProperty(view, 'http', { value: this.http.withMaxRetries(maxRetries) });
    return view;
  }

  /** Calls in flight and waiting, for metrics. */
  get load(): { running: number; queued: number; limit: number } {
    const l = this.http.limiter;
    return { running: l.running, queued: l.queued, limit: l.limit };
  }

  /** Destroys the keep-alive connections: call at shutdown (and in tests) once calls have settled. */
  close(): void {
    this.http.close();
  }

  /**
   * Whether a number can be ported, and whether it will need a PIN and account number.
   * A not-portable number is a result (`portable: false` with the reason), not an error, whether
   * Twilio answers it with 200 or with the 400 the Portability seed describes.
   */
  async checkPortability(phoneNumber: string, options: PortabilityOptions = {}): Promise<PortabilityResult> {
    const encoded = pathParam('phoneNumber', phoneNumber);
    const problems: ValidationProblem[] = [];
    if (options.targetAccountSid !== undefined && !ACCOUNT_SID.test(options.targetAccountSid)) {
      problems.push({
        path: 'targetAccountSid',
        rule: 'sid-format',
        message: 'expected AC followed by 32 hex digits',
        value: options.targetAccountSid,
      });
    }
    if (options.addressSid !== undefined && !ADDRESS_SID.test(options.addressSid)) {
      problems.push({
        path: 'addressSid',
        rule: 'sid-format',
        message: 'expected AD followed by 32 hex digits',
        value: options.addressSid,
      });
    }
    if (problems.length > 0) throw new RequestValidationError('Invalid portability check', problems);

    const withNumber = (r: Omit<PortabilityResult, 'phoneNumber'> & { phoneNumber: string | null }) => ({
      ...r,
      phoneNumber: r.phoneNumber ?? phoneNumber,
    });
    return this.http.send({
      operation: 'checkPortability',
      method: 'GET',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/Portability/PhoneNumber/${encoded}`,
      query: portabilityQuery(options),
      schema: portabilityInbound.transform(withNumber),
      retry: true,
      acceptError: (status, body) => {
        if (status !== 400 || body === null || typeof body !== 'object' || !('portable' in body)) return undefined;
        const parsed = portabilityInbound.safeParse(body);
        return parsed.success && parsed.data.portable === false ? withNumber(parsed.data) : undefined;
      },
    });
  }

  /**
   * Uploads a utility bill to the Documents API (multipart: `document_type=utility_bill`,
   * `friendly_name`, `File`). Size (10 MB), emptiness and type are checked before sending.
   * Not retried: a retry after a lost response would upload a second document.
   */
  async uploadUtilityBill(input: UploadUtilityBillInput): Promise<PortingDocument> {
    const multipart = await prepareUtilityBillUpload(input);
    const document = await this.http.send({
      operation: 'uploadUtilityBill',
      method: 'POST',
      baseUrl: this.documentsBaseUrl,
      path: `${V1}/Documents`,
      multipart,
      schema: documentInbound,
      retry: false,
    });
    return document;
  }

  /**
   * Creates a port-in request. Validates everything first and throws one {@link PortInValidationError}
   * listing every problem; then sends the snake_case body once. Never retried here: after a timeout
   * or 5xx the request may exist, and only the caller can look for it before trying again.
   */
  async createPortIn(request: CreatePortInRequest, options: CreatePortInOptions = {}): Promise<PortIn> {
    const problems = validatePortInRequest(request, {
      now: options.now ?? new Date(),
      portability: options.portability,
    });
    if (problems.length > 0) throw new PortInValidationError(problems);
    const body = createPortInOutbound.parse({ ...request, accountSid: request.accountSid ?? this.accountSid });
    return this.http.send({
      operation: 'createPortIn',
      method: 'POST',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/PortIn`,
      json: body,
      schema: portInInbound,
      retry: false,
    });
  }

  /** The port-in request and all its numbers. */
  async fetchPortIn(portInRequestSid: string): Promise<PortIn> {
    const sid = pathParam('portInRequestSid', portInRequestSid);
    return this.http.send({
      operation: 'fetchPortIn',
      method: 'GET',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/PortIn/${sid}`,
      schema: portInInbound,
      retry: true,
    });
  }

  /** One page of port-in request summaries; pass `token` (a previous page's `nextToken`) to move on. */
  async listPortInsPage(filters: ListPortInsFilters & { token?: string } = {}): Promise<PortInRequestPage> {
    const query = listQuery(filters);
    return this.http.send({
      operation: 'listPortIns',
      method: 'GET',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/PortIn/PortInRequests`,
      query: { ...query, Token: filters.token },
      schema: portInPageInbound,
      retry: true,
    });
  }

  /**
   * Every port-in request matching `filters`, following `meta.next_token` page by page.
   * Filters are checked when iteration starts.
   */
  async *listPortIns(filters: ListPortInsFilters = {}): AsyncGenerator<PortInRequestSummary, void, undefined> {
    listQuery(filters);
    const seen = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const page = await this.listPortInsPage({ ...filters, token });
      yield* page.items;
      if (!page.nextToken || seen.has(page.nextToken)) return;
      // A token seen before would loop forever; Twilio should never send one, but we stop if it does.
      seen.add(page.nextToken);
      token = page.nextToken;
    }
  }

  /**
   * Cancels the whole request (and all its numbers). Twilio refuses close to the port date.
   * Retried like every DELETE: a retry after a lost 204 may answer 404 or 4xx, which means it is done.
   */
  async cancelPortIn(portInRequestSid: string): Promise<void> {
    const sid = pathParam('portInRequestSid', portInRequestSid);
    await this.http.send({
      operation: 'cancelPortIn',
      method: 'DELETE',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/PortIn/${sid}`,
      retry: true,
    });
  }

  /** One number of a port-in request (the PU sid comes from `fetchPortIn(...).phoneNumbers`). */
  async fetchPortInPhoneNumber(portInRequestSid: string, phoneNumberSid: string): Promise<PortInPhoneNumber> {
    const sid = pathParam('portInRequestSid', portInRequestSid);
    const pu = pathParam('phoneNumberSid', phoneNumberSid);
    return this.http.send({
      operation: 'fetchPortInPhoneNumber',
      method: 'GET',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/PortIn/${sid}/PhoneNumber/${pu}`,
      schema: portInPhoneNumberInbound.transform((n) => ({
        ...n,
        portInRequestSid: n.portInRequestSid ?? portInRequestSid,
      })),
      retry: true,
    });
  }

  /** Cancels one number of a port-in request. */
  async cancelPortInPhoneNumber(portInRequestSid: string, phoneNumberSid: string): Promise<void> {
    const sid = pathParam('portInRequestSid', portInRequestSid);
    const pu = pathParam('phoneNumberSid', phoneNumberSid);
    await this.http.send({
      operation: 'cancelPortInPhoneNumber',
      method: 'DELETE',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/PortIn/${sid}/PhoneNumber/${pu}`,
      retry: true,
    });
  }

  /** Sets the account's porting webhook targets and event filter (see {@link WebhookConfigurationInput} for omitted fields). */
  async configureWebhooks(input: WebhookConfigurationInput): Promise<WebhookConfiguration> {
    const problems: ValidationProblem[] = [];
    const urls = ['portInTargetUrl', 'portOutTargetUrl'] as const;
    if (urls.every((k) => input?.[k] === undefined)) {
      problems.push({
        path: 'portInTargetUrl',
        rule: 'required',
        message: 'at least one of portInTargetUrl and portOutTargetUrl is required',
      });
    }
    for (const key of urls) {
      const url = input?.[key];
      if (url !== undefined && (typeof url !== 'string' || !isHttpUrl(url))) {
        problems.push({ path: key, rule: 'url', message: 'expected an absolute http(s) URL', value: url });
      }
    }
    const names = input?.notificationsOf;
    if (names !== undefined) {
      if (!Array.isArray(names)) {
        problems.push({
          path: 'notificationsOf',
          rule: 'type',
          message: 'expected an array of event names',
          value: names,
        });
      } else {
        names.forEach((n, i) => {
          if (typeof n !== 'string' || !/^[A-Za-z]+$/.test(n)) {
            problems.push({
              path: `notificationsOf[${i}]`,
              rule: 'event-name',
              message: 'expected an event name such as PortInCompleted',
              value: n,
            });
          }
        });
      }
    }
    if (problems.length > 0) throw new RequestValidationError('Invalid webhook configuration', problems);
    return this.http.send({
      operation: 'configureWebhooks',
      method: 'POST',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/Configuration/Webhook`,
      json: webhookConfigurationOutbound.parse(input),
      schema: webhookConfigurationInbound,
      retry: false,
    });
  }

  /** The account's porting webhook configuration. */
  async fetchWebhookConfiguration(): Promise<WebhookConfiguration> {
    return this.http.send({
      operation: 'fetchWebhookConfiguration',
      method: 'GET',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/Configuration/Webhook`,
      schema: webhookConfigurationInbound,
      retry: true,
    });
  }

  /** Removes the PORT_IN or PORT_OUT target. */
  async deleteWebhookConfiguration(webhookType: WebhookType): Promise<void> {
    const type = pathParam('webhookType', webhookType);
    await this.http.send({
      operation: 'deleteWebhookConfiguration',
      method: 'DELETE',
      baseUrl: this.apiBaseUrl,
      path: `${V1}/Porting/Configuration/Webhook/${type}`,
      retry: true,
    } satisfies HttpCall<void>);
  }

  // ----- after the port: the account's numbers (REST API 2010-04-01) and Messaging Services -------

  /** One page of the account's IncomingPhoneNumbers. */
  async listIncomingPhoneNumbersPage(filters: ListIncomingPhoneNumbersFilters = {}): Promise<IncomingPhoneNumberPage> {
    const account = this.accountPath(filters);
    const size = filters.pageSize;
    if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > 1000)) {
      throw new RequestValidationError('Invalid IncomingPhoneNumbers filters', [
        { path: 'pageSize', rule: 'range', message: 'expected an integer from 1 to 1000', value: size },
      ]);
    }
    return this.http.send({
      operation: 'listIncomingPhoneNumbers',
      method: 'GET',
      baseUrl: this.restApiBaseUrl,
      path: `${V2010}/Accounts/${account}/IncomingPhoneNumbers.json`,
      query: {
        PhoneNumber: filters.phoneNumber,
        FriendlyName: filters.friendlyName,
        PageSize: size !== undefined ? String(size) : undefined,
      },
      schema: incomingPhoneNumberPageInbound,
      retry: true,
    });
  }

  /**
   * The account's number with exactly this E.164 value, or null while it is not (yet) there: a
   * ported number appears in IncomingPhoneNumbers shortly after the port completes.
   */
  async findIncomingPhoneNumber(phoneNumber: string, scope: AccountScope = {}): Promise<IncomingPhoneNumber | null> {
    pathParam('phoneNumber', phoneNumber);
    const page = await this.listIncomingPhoneNumbersPage({ ...scope, phoneNumber, pageSize: 50 });
    // The filter is a pattern match at Twilio: keep only the exact number.
    return page.items.find((n) => n.phoneNumber === phoneNumber) ?? null;
  }

  /** One number of the account by its `PN…` sid. */
  async fetchIncomingPhoneNumber(sid: string, scope: AccountScope = {}): Promise<IncomingPhoneNumber> {
    const account = this.accountPath(scope);
    const pn = pathParam('incomingPhoneNumberSid', sid, 'sid');
    return this.http.send({
      operation: 'fetchIncomingPhoneNumber',
      method: 'GET',
      baseUrl: this.restApiBaseUrl,
      path: `${V2010}/Accounts/${account}/IncomingPhoneNumbers/${pn}.json`,
      schema: incomingPhoneNumberInbound,
      retry: true,
    });
  }

  /**
   * Sets a number's voice, SMS and status-callback configuration (form-encoded, as the 2010 API
   * takes it). Checked first (absolute http(s) URLs, GET/POST methods, `AP…` sids). Retried like a
   * GET: every field is an absolute value, so a second identical POST after a lost answer leaves
   * the number exactly as the first did.
   */
  async updateIncomingPhoneNumber(
    sid: string,
    update: IncomingPhoneNumberUpdate,
    scope: AccountScope = {}
  ): Promise<IncomingPhoneNumber> {
    const account = this.accountPath(scope);
    const pn = pathParam('incomingPhoneNumberSid', sid, 'sid');
    const problems = incomingPhoneNumberUpdateProblems(update);
    if (problems.length > 0) throw new RequestValidationError('Invalid IncomingPhoneNumber update', problems);
    return this.http.send({
      operation: 'updateIncomingPhoneNumber',
      method: 'POST',
      baseUrl: this.restApiBaseUrl,
      path: `${V2010}/Accounts/${account}/IncomingPhoneNumbers/${pn}.json`,
      form: updateForm(update),
      schema: incomingPhoneNumberInbound,
      retry: true,
    });
  }

  /**
   * Adds a number (`PN…`) to a Messaging Service (`MG…`). Not retried here: a second POST after a
   * lost answer is refused (the number is already in the service, code 21710), which only the
   * caller can read as "done".
   */
  async addPhoneNumberToMessagingService(
    messagingServiceSid: string,
    phoneNumberSid: string
  ): Promise<MessagingServicePhoneNumber> {
    const mg = pathParam('messagingServiceSid', messagingServiceSid);
    pathParam('incomingPhoneNumberSid', phoneNumberSid, 'phoneNumberSid');
    return this.http.send({
      operation: 'addPhoneNumberToMessagingService',
      method: 'POST',
      baseUrl: this.messagingBaseUrl,
      path: `${V1}/Services/${mg}/PhoneNumbers`,
      form: { PhoneNumberSid: phoneNumberSid },
      schema: messagingServicePhoneNumberInbound,
      retry: false,
    });
  }

  private accountPath(scope: AccountScope): string {
    return pathParam('accountSid', scope.accountSid ?? this.accountSid);
  }
}

const CALLBACK_METHODS: readonly string[] = ['GET', 'POST'];

/** Every problem of an IncomingPhoneNumber update, by field (empty when it may be sent). */
export function incomingPhoneNumberUpdateProblems(update: IncomingPhoneNumberUpdate): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (update === null || typeof update !== 'object') {
    return [{ path: '(update)', rule: 'type', message: 'expected an object of fields to set', value: update }];
  }
  for (const key of Object.keys(update)) {
    if (!(key in UPDATE_FIELDS)) {
      problems.push({
        path: key,
        rule: 'unknown',
        message: `not a field of an IncomingPhoneNumber update; allowed: ${Object.keys(UPDATE_FIELDS).join(', ')}`,
        value: (update as Record<string, unknown>)[key],
      });
    }
  }
  const u = update as Record<string, unknown>;
  for (const key of Object.keys(UPDATE_FIELDS)) {
    const value = u[key];
    if (value === undefined) continue;
    if (key.endsWith('Url') || key === 'statusCallback') {
      if (typeof value !== 'string' || !isHttpUrl(value)) {
        problems.push({ path: key, rule: 'url', message: 'expected an absolute http(s) URL', value });
      }
    } else if (key.endsWith('Method')) {
      if (typeof value !== 'string' || !CALLBACK_METHODS.includes(value)) {
        problems.push({ path: key, rule: 'enum', message: "expected 'GET' or 'POST'", value });
      }
    } else if (key.endsWith('ApplicationSid')) {
      if (typeof value !== 'string' || !APPLICATION_SID.test(value)) {
        problems.push({ path: key, rule: 'sid-format', message: 'expected AP followed by 32 hex digits', value });
      }
    } else if (key === 'friendlyName') {
      if (typeof value !== 'string' || value.length < 1 || value.length > 64) {
        problems.push({ path: key, rule: 'length', message: 'expected 1 to 64 characters', value });
      }
    }
  }
  return problems;
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Checks the list filters and maps them to Twilio's PascalCase query; throws on any bad one. */
function listQuery(filters: ListPortInsFilters): Record<string, string | undefined> {
  const problems: ValidationProblem[] = [];
  const day = (key: 'createdAfter' | 'createdBefore'): string | undefined => {
    const v = filters[key];
    if (v === undefined) return undefined;
    if (v instanceof Date) {
      if (!Number.isNaN(v.getTime())) return formatLocalDate(v);
    } else if (typeof v === 'string' && parseLocalDate(v)) {
      return v;
    }
    problems.push({ path: key, rule: 'date-format', message: 'expected a valid Date or YYYY-MM-DD', value: v });
    return undefined;
  };
  const createdAfter = day('createdAfter');
  const createdBefore = day('createdBefore');

  let status: string | undefined;
  if (filters.status !== undefined) {
    status = statusFilterToWire(String(filters.status)) ?? undefined;
    if (status === undefined) {
      problems.push({
        path: 'status',
        rule: 'enum',
        message:
          'expected a port-in request status: in_review, waiting_for_signature, in_progress, action_required, completed, canceling, canceled or expired (any casing)',
        value: filters.status,
      });
    }
  }
  const sids = filters.portInRequestSids;
  if (sids !== undefined) {
    if (!Array.isArray(sids)) {
      problems.push({ path: 'portInRequestSids', rule: 'type', message: 'expected an array of KW sids', value: sids });
    } else {
      sids.forEach((s, i) => {
        if (typeof s !== 'string' || !PORT_IN_REQUEST_SID.test(s)) {
          problems.push({
            path: `portInRequestSids[${i}]`,
            rule: 'sid-format',
            message: 'expected KW followed by 32 hex digits',
            value: s,
          });
        }
      });
    }
  }
  const size = filters.pageSize;
  if (size !== undefined && (!Number.isInteger(size) || size < 1 || size > 100)) {
    problems.push({ path: 'pageSize', rule: 'range', message: 'expected an integer from 1 to 100', value: size });
  }
  if (problems.length > 0) throw new RequestValidationError('Invalid port-in list filters', problems);
  return {
    CreatedAfter: createdAfter,
    CreatedBefore: createdBefore,
    PortInRequestStatus: status,
    PortInRequestSid: sids && sids.length > 0 ? sids.join(',') : undefined,
    Size: size !== undefined ? String(size) : undefined,
  };
}
