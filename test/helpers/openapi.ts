import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';

import type { SandboxExchange } from '../../src/sandbox';
import spec from '../fixtures/openapi/twilio_numbers_v1.porting.json';

/**
 * Checks the sandbox's answers against Twilio's OpenAPI spec for numbers v1 (the porting part,
 * vendored in test/fixtures/openapi): the answer's status must be one the spec lists for its path
 * and method, and its body must match that response's schema. Stricter than the spec in one way:
 * a property the spec does not list is an error, because a client written against the sandbox
 * would otherwise come to depend on a field Twilio never sends.
 *
 * - Statuses of 400 and up are not in the spec; they are checked against Twilio's error body as
 *   the seeds' error tables show it (`{code, message, more_info, status}`, `status` = HTTP status).
 * - The Documents API is not in twilio-oai (reference §3); its successes are counted as unchecked.
 * - With quirks off the sandbox speaks its own canonical shapes, not Twilio's: counted as unchecked.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: any };

const SPEC: any = spec;
const VENDORED = SPEC.info['x-vendored'] as { repository: string; path: string; commit: string };
export const SPEC_SOURCE = `twilio-oai ${VENDORED.commit.slice(0, 7)} ${VENDORED.path}`;

/** Paths the sandbox serves that twilio-oai does not describe (the Documents API, numbers-upload). */
const OUTSIDE_SPEC = [/^\/v1\/Documents$/, /^\/v1\/Documents\/[^/]+$/];

/** Keywords the vendored spec uses. Any other one means the spec changed and this needs a look. */
const VALIDATION_KEYWORDS = new Set([
  'type',
  'properties',
  'items',
  'required',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'additionalProperties',
]);
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'default', 'refName', 'modelName']);

/** Twilio's error body, from the seeds' error tables (e.g. PortIn create's 400/403/500 rows). */
const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['code', 'message', 'more_info', 'status'],
  properties: {
    code: { type: 'integer' },
    message: { type: 'string', minLength: 1 },
    more_info: { type: 'string', pattern: '^https://www\\.twilio\\.com/docs/errors/\\d+$' },
    status: { type: 'integer' },
  },
};

/**
 * Where the seeds show null for a field the spec types as a plain string, the seed wins (listed in
 * docs/sandbox.md): the PortIn seed's create response has `address_sid: null` and
 * `authorized_representative_katakana: null`, the spec's own fetch example has `building`,
 * `katakana_name` and `sub_municipality` null and `street_2` "Other Street or null"; `account_number`
 * is optional in the seed's table like them. These schemas are shared with the create request, which
 * this module does not check.
 */
export const NULLABLE_PER_SEED: Readonly<Record<string, readonly string[]>> = {
  'numbers.v1.porting_losing_carrier_information': [
    'address_sid',
    'account_number',
    'authorized_representative_katakana',
    'sub_municipality',
    'building',
    'katakana_name',
  ],
  'numbers.v1.porting_address': ['street_2'],
};

/**
 * Fields a seed's example shows that the spec does not list: the PortIn seed's create response has
 * these four (all null) in `losing_carrier_information`, and the sandbox sends them too.
 */
export const EXTRA_PER_SEED: Readonly<Record<string, readonly string[]>> = {
  'numbers.v1.porting_losing_carrier_information': [
    'subscription_right',
    'pre_adjustment_article',
    'mnp_article',
    'losing_carrier_name',
  ],
};

function withSeed(name: string, schema: Schema): Schema {
  const properties = { ...schema.properties };
  for (const field of EXTRA_PER_SEED[name] ?? []) {
    if (properties[field]) throw new Error(`${name}.${field}: in the spec now; drop it from EXTRA_PER_SEED`);
    properties[field] = { type: 'string', nullable: true };
  }
  for (const field of NULLABLE_PER_SEED[name] ?? []) {
    if (!properties[field]) throw new Error(`${name}.${field}: not in the spec any more; update NULLABLE_PER_SEED`);
    if (properties[field].nullable === true) throw new Error(`${name}.${field}: nullable in the spec now; drop it`);
    properties[field] = { ...properties[field], nullable: true };
  }
  return { ...schema, properties };
}

/**
 * OpenAPI 3.0 schema → JSON Schema draft-07 for ajv 6: `nullable` becomes a `null` type, a `$ref`
 * points into the `twilio` document, and objects get `additionalProperties: false` unless they say
 * otherwise.
 */
export function toJsonSchema(node: Schema, where: string): Schema {
  if (typeof node.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(node.$ref)?.[1];
    if (!name) throw new Error(`${where}: unsupported $ref ${node.$ref}`);
    const ref = { $ref: `twilio#/definitions/${name}` };
    return node.nullable === true ? { anyOf: [ref, { type: 'null' }] } : ref;
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    if (!VALIDATION_KEYWORDS.has(key)) throw new Error(`${where}: keyword '${key}' is not supported here`);
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([p, s]) => [p, toJsonSchema(s, `${where}.${p}`)])
      );
    } else if (key === 'items') {
      out.items = toJsonSchema(value as Schema, `${where}[]`);
    } else {
      out[key] = value;
    }
  }
  if (node.nullable === true) {
    if (typeof out.type !== 'string') throw new Error(`${where}: nullable without a type`);
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  if (out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object'))) {
    if (out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  }
  return out;
}

export type Outcome =
  { kind: 'checked'; against: string } | { kind: 'unchecked'; why: string } | { kind: 'violation'; problems: string[] };

interface Operation {
  template: string;
  matcher: RegExp;
  literalSegments: number;
  method: string;
  responses: Map<number, ValidateFunction | 'empty'>;
}

function describe(errors: ErrorObject[] | null | undefined, body: unknown): string[] {
  // A nullable $ref is anyOf [ref, null]: its "should be null" branch only repeats the real errors.
  const real = (errors ?? []).filter(
    (e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null')
  );
  return real.map((e) => {
    const at = `body${e.dataPath}`;
    if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return `${at}.${extra}: not a property of the spec's schema`;
    }
    const value = e.dataPath
      .split(/[.[\]]/)
      .filter(Boolean)
      .reduce<any>((v, k) => (v == null ? v : v[k.replace(/^'|'$/g, '')]), body);
    return `${at} ${e.message} (got ${JSON.stringify(value)})`;
  });
}

/** Validates sandbox answers; see the file comment for what "valid" means. */
export class OpenApiResponses {
  private readonly operations: Operation[] = [];
  private readonly error: ValidateFunction;

  constructor(document: any = SPEC) {
    const ajv = new Ajv({ allErrors: true, format: 'full', unknownFormats: true });
    // Twilio's own formats: E.164, and ISO 3166-1 alpha-2.
    ajv.addFormat('phone-number', /^\+[1-9]\d{1,14}$/);
    ajv.addFormat('iso-country-code', /^[A-Z]{2}$/);
    const definitions = Object.fromEntries(
      Object.entries(document.components.schemas as Record<string, Schema>).map(([name, s]) => [
        name,
        toJsonSchema(withSeed(name, s), name),
      ])
    );
    ajv.addSchema({ definitions }, 'twilio');
    this.error = ajv.compile(ERROR_SCHEMA);
    for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      const segments = template.split('/').filter(Boolean);
      const matcher = new RegExp(
        '^/' +
          segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/') +
          '$'
      );
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'delete', 'put', 'patch'].includes(method)) continue;
        const responses = new Map<number, ValidateFunction | 'empty'>();
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          const schema = response.content?.['application/json']?.schema as Schema | undefined;
          responses.set(
            Number(status),
            schema ? ajv.compile(toJsonSchema(schema, `${method.toUpperCase()} ${template} ${status}`)) : 'empty'
          );
        }
        this.operations.push({
          template,
          matcher,
          literalSegments: segments.filter((s) => !s.startsWith('{')).length,
          method: method.toUpperCase(),
          responses,
        });
      }
    }
    // `/v1/Porting/PortIn/PortInRequests` is a literal path, not a `{PortInRequestSid}`.
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  check(ex: SandboxExchange): Outcome {
    if (ex.path.startsWith('/_sandbox')) return { kind: 'unchecked', why: 'control API' };
    const op = this.operations.find((o) => o.method === ex.method && o.matcher.test(ex.path));
    const body = parse(ex);
    if (ex.status >= 400) {
      if (body === NOT_JSON) return violation(`the error body is not JSON (${ex.contentType ?? 'no content-type'})`);
      if (!this.error(body)) return violation(...describe(this.error.errors, body));
      const problems: string[] = [];
      if ((body as { status: number }).status !== ex.status) {
        problems.push(`body.status ${(body as { status: number }).status} is not the HTTP status ${ex.status}`);
      }
      return problems.length ? violation(...problems) : { kind: 'checked', against: 'Twilio error body' };
    }
    if (!op) {
      if (OUTSIDE_SPEC.some((re) => re.test(ex.path))) return { kind: 'unchecked', why: 'not in twilio-oai' };
      return violation(`${ex.method} ${ex.path} is not an operation of the spec`);
    }
    if (!ex.quirks) return { kind: 'unchecked', why: 'quirks off' };
    const expected = op.responses.get(ex.status);
    if (!expected) {
      return violation(
        `status ${ex.status} is not a response of ${op.method} ${op.template} (the spec lists ${[...op.responses.keys()].join(', ')})`
      );
    }
    if (expected === 'empty') {
      return ex.body === '' ? { kind: 'checked', against: 'no content' } : violation('the spec says no content');
    }
    if (body === NOT_JSON) return violation(`the body is not JSON (${ex.contentType ?? 'no content-type'})`);
    if (!/^application\/json\b/.test(ex.contentType ?? '')) {
      return violation(`content-type ${ex.contentType ?? '(none)'} is not application/json`);
    }
    if (!expected(body)) return violation(...describe(expected.errors, body));
    return { kind: 'checked', against: `${op.method} ${op.template} ${ex.status}` };
  }
}

const NOT_JSON = Symbol('not JSON');

function parse(ex: SandboxExchange): Json | typeof NOT_JSON {
  try {
    return JSON.parse(ex.body) as Json;
  } catch {
    return NOT_JSON;
  }
}

function violation(...problems: string[]): Outcome {
  return { kind: 'violation', problems };
}

/** What a test run's sandboxes answered: counts per outcome, and every violation in full. */
export class ResponseRecorder {
  readonly counts = { checked: 0, unchecked: 0, violations: 0 };
  private pending: string[] = [];

  constructor(private readonly responses = new OpenApiResponses()) {}

  readonly observe = (ex: SandboxExchange): void => {
    const outcome = this.responses.check(ex);
    if (outcome.kind === 'violation') {
      this.counts.violations++;
      this.pending.push(`${ex.method} ${ex.path} answered ${ex.status}:\n    ${outcome.problems.join('\n    ')}`);
    } else {
      this.counts[outcome.kind]++;
    }
  };

  /** Throws, naming path, status and schema error of each violation seen since the last call. */
  assertNoViolations(): void {
    const found = this.pending;
    this.pending = [];
    if (found.length > 0) {
      throw new Error(
        `The sandbox answered ${found.length} time${found.length > 1 ? 's' : ''} against Twilio's OpenAPI spec (${SPEC_SOURCE}):\n  ${found.join('\n  ')}`
      );
    }
  }
}
