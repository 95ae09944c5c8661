/**
 * Error classes of the Porting API client. Every error says whether retrying can help
 * (`retryable`), so the activities can classify without knowing HTTP; and none of them ever carries
 * a PIN, an account number or a credential.
 */

/** What the server said about an error, in Twilio's classic or RFC 9457 shape. */
export interface TwilioErrorInit {
  status: number;
  code?: number | null;
  message: string;
  moreInfo?: string | null;
  details?: unknown;
  retryAfterMs?: number | null;
  /** The HTTP method and URL path of the failed call, for the message. */
  method?: string;
  path?: string;
}

/** An error response from the Twilio API (or the sandbox), or a failure to get one. */
export class TwilioApiError extends Error {
  override readonly name: string = 'TwilioApiError';
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** Twilio error code (e.g. 20404, 20429, 22131), when the body had one. */
  readonly code: number | null;
  readonly moreInfo: string | null;
  readonly details: unknown;
  /** The server's own message, without the status, code and path this error's `message` adds. */
  readonly twilioMessage: string;
  /** Whether the same call may succeed if made again later. */
  readonly retryable: boolean;
  /** How long the server asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs: number | null;

  constructor(init: TwilioErrorInit, retryable: boolean) {
    const where = init.method && init.path ? ` (${init.method} ${init.path})` : '';
    const code = init.code != null ? ` code ${init.code}` : '';
    super(`Twilio ${init.status || 'request'}${code}: ${init.message}${where}`);
    this.status = init.status;
    this.code = init.code ?? null;
    this.moreInfo = init.moreInfo ?? null;
    this.twilioMessage = init.message;
    this.details = init.details;
    this.retryable = retryable;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/** 429 (or code 20429): too many concurrent requests. Never processed by Twilio, so always safe to retry. */
export class TwilioRateLimitError extends TwilioApiError {
  override readonly name = 'TwilioRateLimitError';
  constructor(init: TwilioErrorInit) {
    super(init, true);
  }
}

/** 5xx: Twilio failed; the call may or may not have taken effect. */
export class TwilioServerError extends TwilioApiError {
  override readonly name = 'TwilioServerError';
  constructor(init: TwilioErrorInit) {
    super(init, true);
  }
}

/** 404: the resource (port-in request, phone number, configuration) does not exist. */
export class TwilioNotFoundError extends TwilioApiError {
  override readonly name = 'TwilioNotFoundError';
  constructor(init: TwilioErrorInit) {
    super(init, false);
  }
}

/** Any other 4xx: the request was wrong (or not allowed) and will fail the same way again. */
export class TwilioClientError extends TwilioApiError {
  override readonly name = 'TwilioClientError';
  constructor(init: TwilioErrorInit) {
    super(init, false);
  }
}

/** No response: connection refused or reset, DNS failure, or our timeout expired. */
export class TwilioConnectionError extends TwilioApiError {
  override readonly name = 'TwilioConnectionError';
  /** True when our own deadline (`timeoutMs`) expired; the call may have taken effect. */
  readonly timedOut: boolean;
  constructor(init: Omit<TwilioErrorInit, 'status'> & { timedOut: boolean; cause?: unknown }) {
    super({ ...init, status: 0 }, true);
    this.timedOut = init.timedOut;
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
  }
}

/**
 * A 2xx response whose body does not match our schema. Our schema is what is wrong, so it stays
 * retryable: fixing and redeploying the client resumes the port instead of failing it.
 */
export class TwilioResponseValidationError extends TwilioApiError {
  override readonly name = 'TwilioResponseValidationError';
  /** The body as received (parsed JSON, or text), with secrets redacted. */
  readonly rawValue: unknown;
  /** Each schema problem as `path: message`. */
  readonly issues: string[];
  constructor(init: TwilioErrorInit & { rawValue: unknown; issues: string[] }) {
    super(init, true);
    this.rawValue = init.rawValue;
    this.issues = init.issues;
  }
}

/** One problem found in a request before anything was sent. */
export interface ValidationProblem {
  /** Where the problem is, in the caller's camelCase terms: `phoneNumbers[3].phoneNumber`. */
  path: string;
  /** A stable rule name tests and callers can match on: `e164`, `toll-free`, `min-lead-time`, ... */
  rule: string;
  /** What is wrong and what is allowed, for a human. */
  message: string;
  /** The offending value, except when it is secret (PINs, account numbers), then absent. */
  value?: unknown;
}

function describeProblems(what: string, problems: readonly ValidationProblem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
  return `${what} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** Bad input to a client method (a path parameter, an upload, a filter), found before sending. Not retryable. */
export class RequestValidationError extends Error {
  override readonly name: string = 'RequestValidationError';
  readonly retryable = false;
  readonly problems: readonly ValidationProblem[];
  constructor(what: string, problems: readonly ValidationProblem[]) {
    super(describeProblems(what, problems));
    this.problems = problems;
  }
}

/** A port-in request that Twilio would refuse; lists every problem at once. Not retryable. */
export class PortInValidationError extends RequestValidationError {
  override readonly name = 'PortInValidationError';
  constructor(problems: readonly ValidationProblem[]) {
    super('Invalid port-in request', problems);
  }
}

/** Every error class of this client, for `instanceof` checks that cover all of them. */
export type PortingClientError = TwilioApiError | RequestValidationError;
