/**
 * Twilio's classic JSON error body, `{code, message, more_info, status}`, as an exception the
 * sandbox's handlers throw and its error handler renders.
 */

/** The body every Twilio-API error of the sandbox answers with. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  /**
   * @param status HTTP status
   * @param code Twilio error code (the seed uses the HTTP status itself for generic validation errors)
   * @param message says which field, why, and what is allowed
   * @param headers extra response headers (e.g. `Retry-After`, `WWW-Authenticate`)
   * @param extra extra body fields (the Portability 400 also carries the portability fields)
   */
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {}
  ) {
    super(message);
  }

  toBody(): TwilioErrorBody & Record<string, unknown> {
    return { ...this.extra, ...errorBody(this.status, this.code, this.message) };
  }
}

export function errorBody(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** 400 with Twilio's generic validation code (400) unless a specific one is given. */
export function badRequest(message: string, code = 400): ApiError {
  return new ApiError(400, code, message);
}

export function notFound(path: string): ApiError {
  return new ApiError(404, 20404, `The requested resource ${path} was not found`);
}
