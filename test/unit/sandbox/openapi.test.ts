import { startSandbox as startBareSandbox } from '../../../src/sandbox';
import type { SandboxExchange } from '../../../src/sandbox';
import spec from '../../fixtures/openapi/twilio_numbers_v1.porting.json';
import { extractPorting } from '../../../scripts/vendor-twilio-openapi';
import { OpenApiResponses, ResponseRecorder, SPEC_SOURCE } from '../../helpers/openapi';
import { apiFor, createBody, dateAfter, openapi, startSandbox, uploadBill } from './helpers';

/**
 * The check every sandbox test runs on every answer (test/helpers/openapi.ts): that it accepts
 * Twilio's own examples, and that it catches a wrong body, naming path, status and error.
 */
describe("the OpenAPI check of the sandbox's answers", () => {
  const responses = new OpenApiResponses();
  const KW = `KW${'a'.repeat(32)}`;
  const PU = `PU${'b'.repeat(32)}`;
  const ex = (over: Partial<SandboxExchange> & { json?: unknown }): SandboxExchange => {
    const { json, ...rest } = over;
    return {
      method: 'GET',
      path: `/v1/Porting/PortIn/${KW}`,
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: json === undefined ? '' : JSON.stringify(json),
      quirks: true,
      ...rest,
    };
  };
  const example = (path: string, method: string, status: string): any => {
    const content = (spec as any).paths[path][method].responses[status].content['application/json'];
    return Object.values(content.examples as Record<string, { value: unknown }>)[0]?.value;
  };

  it('names the vendored spec and its commit', () => {
    expect((spec as any).info['x-vendored']).toEqual({
      repository: 'https://github.com/twilio/twilio-oai',
      path: 'spec/json/twilio_numbers_v1.json',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      extracted: expect.any(String),
    });
    expect(SPEC_SOURCE).toMatch(/^twilio-oai [0-9a-f]{7} spec\/json\/twilio_numbers_v1\.json$/);
  });

  it('is a self-contained extraction: every referenced schema is in it, and extracting it again changes nothing', () => {
    const source = (spec as any).info['x-vendored'];
    const { 'x-vendored': _v, ...info } = (spec as any).info;
    const again = extractPorting(
      { ...(spec as any), info },
      { repo: source.repository, path: source.path, commit: source.commit }
    );
    expect(again).toEqual(spec);
    expect(() =>
      extractPorting(
        { paths: { '/v1/Porting/X': { get: { $ref: '#/components/schemas/missing' } } }, components: { schemas: {} } },
        source
      )
    ).toThrow('schema missing is referenced but not defined');
  });

  it("accepts every response example of the spec (with the seed's nullable fields)", () => {
    const seen: string[] = [];
    for (const [template, item] of Object.entries((spec as any).paths as Record<string, any>)) {
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, any>)) {
          const examples = response.content?.['application/json']?.examples ?? {};
          for (const [name, { value }] of Object.entries(examples as Record<string, { value: unknown }>)) {
            const path = template.replace('{PortInRequestSid}', KW).replace('{PhoneNumberSid}', PU);
            const outcome = responses.check(
              ex({
                method: method.toUpperCase(),
                path: path.replace(/\{[^}]+\}/g, 'x'),
                status: Number(status),
                json: value,
              })
            );
            expect({ example: `${method} ${template} ${status} ${name}`, outcome }).toEqual({
              example: `${method} ${template} ${status} ${name}`,
              outcome: { kind: 'checked', against: `${method.toUpperCase()} ${template} ${status}` },
            });
            seen.push(`${method} ${template}`);
          }
        }
      }
    }
    expect(new Set(seen).size).toBe(7); // every operation with a JSON body has an example
  });

  it('catches a field of the wrong type, naming where', () => {
    const body = example('/v1/Porting/PortIn/{PortInRequestSid}', 'get', '200');
    body.phone_numbers[0].rejection_reason_code = 22153; // the PhoneNumber resource's integer, not PortIn's string
    expect(responses.check(ex({ json: body }))).toEqual({
      kind: 'violation',
      problems: ['body.phone_numbers[0].rejection_reason_code should be string,null (got 22153)'],
    });
  });

  it('catches a property the spec does not list, and a value outside an enum', () => {
    const body = example('/v1/Porting/Portability/PhoneNumber/{PhoneNumber}', 'get', '200');
    body.not_portability_reason = 'UNSUPPORTED'; // PortIn's spelling on the Portability resource
    body.number_type = 'TOLL_FREE';
    const outcome = responses.check(ex({ path: '/v1/Porting/Portability/PhoneNumber/+18001234567', json: body }));
    expect(outcome).toEqual({
      kind: 'violation',
      problems: expect.arrayContaining([
        "body.not_portability_reason: not a property of the spec's schema",
        expect.stringMatching(/^body\.number_type should be equal to one of the allowed values \(got "TOLL_FREE"\)$/),
      ]),
    });
  });

  it('catches a format error (E.164, ISO country, date-time)', () => {
    const body = example('/v1/Porting/PortIn/{PortInRequestSid}/PhoneNumber/{PhoneNumberSid}', 'get', '200');
    Object.assign(body, { phone_number: '4155551234', country: 'United States', last_updated: '2024-03-12' });
    const outcome = responses.check(ex({ path: `/v1/Porting/PortIn/${KW}/PhoneNumber/${PU}`, json: body }));
    expect(outcome.kind === 'violation' && outcome.problems.sort()).toEqual([
      'body.country should match format "iso-country-code" (got "United States")',
      'body.last_updated should match format "date-time" (got "2024-03-12")',
      'body.phone_number should match format "phone-number" (got "4155551234")',
    ]);
  });

  it('catches a status the spec does not list, a body where it says none, and a path it lacks', () => {
    const created = example('/v1/Porting/PortIn', 'post', '202');
    expect(responses.check(ex({ method: 'POST', path: '/v1/Porting/PortIn', status: 201, json: created }))).toEqual({
      kind: 'violation',
      problems: ['status 201 is not a response of POST /v1/Porting/PortIn (the spec lists 202)'],
    });
    expect(responses.check(ex({ method: 'DELETE', status: 204, json: {} }))).toEqual({
      kind: 'violation',
      problems: ['the spec says no content'],
    });
    expect(responses.check(ex({ method: 'DELETE', status: 204 }))).toEqual({ kind: 'checked', against: 'no content' });
    expect(responses.check(ex({ path: '/v1/Porting/PortOut/x', json: {} }))).toEqual({
      kind: 'violation',
      problems: ['GET /v1/Porting/PortOut/x is not an operation of the spec'],
    });
  });

  it("checks errors against the seeds' error body, with its status equal to the HTTP one", () => {
    const good = {
      code: 20404,
      message: 'not found',
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    };
    expect(responses.check(ex({ status: 404, json: good }))).toEqual({ kind: 'checked', against: 'Twilio error body' });
    expect(responses.check(ex({ status: 400, json: good }))).toEqual({
      kind: 'violation',
      problems: ['body.status 404 is not the HTTP status 400'],
    });
    const { more_info: _gone, ...partial } = good;
    expect(responses.check(ex({ status: 404, json: partial }))).toEqual({
      kind: 'violation',
      problems: ["body should have required property 'more_info' (got " + JSON.stringify(partial) + ')'],
    });
    expect(responses.check(ex({ status: 500, body: 'oops', contentType: 'text/plain' }))).toEqual({
      kind: 'violation',
      problems: ['the error body is not JSON (text/plain)'],
    });
  });

  it('leaves the Documents API (not in twilio-oai) and the control API unchecked, and nothing else', () => {
    expect(responses.check(ex({ method: 'POST', path: '/v1/Documents', status: 201, json: { sid: 'RD' } }))).toEqual({
      kind: 'unchecked',
      why: 'not in twilio-oai',
    });
    expect(responses.check(ex({ path: '/_sandbox/clock', json: {} }))).toEqual({
      kind: 'unchecked',
      why: 'control API',
    });
  });

  it('fails a test through the hook: a wrong body from a real sandbox is reported with path, status and error', async () => {
    const recorder = new ResponseRecorder();
    // Quirks off is the sandbox's canonical shape, not Twilio's: told it is Twilio's, the check must object.
    const bare = await startBareSandbox({
      clockStart: '2025-05-05T12:00:00Z',
      clockScale: 0,
      quirks: false,
      onResponse: (answer) => recorder.observe({ ...answer, quirks: true }),
    });
    try {
      const api = apiFor(bare);
      const res = await api(
        'POST',
        '/v1/Porting/PortIn',
        createBody({
          numbers: ['+14155551234'],
          documents: [await uploadBill(api)],
          targetDate: dateAfter(bare.clock.now(), 10),
        })
      );
      expect(res.status).toBe(202);
      expect(recorder.counts).toEqual({ checked: 0, unchecked: 1, violations: 1 });
      let thrown: Error | undefined;
      try {
        recorder.assertNoViolations();
      } catch (err) {
        thrown = err as Error;
      }
      expect(thrown?.message).toContain(`against Twilio's OpenAPI spec (${SPEC_SOURCE})`);
      expect(thrown?.message).toContain('POST /v1/Porting/PortIn answered 202:');
      expect(thrown?.message).toContain("body.phone_numbers[0].phone_number_sid: not a property of the spec's schema");
      expect(() => recorder.assertNoViolations()).not.toThrow(); // reported once
    } finally {
      await bare.stop();
    }
  });

  it("sees every answer of the sandbox tests' sandboxes", async () => {
    const sandbox = await startSandbox({ clockScale: 0 });
    try {
      const before = { ...openapi.counts };
      const api = apiFor(sandbox);
      await api('GET', '/v1/Porting/Portability/PhoneNumber/%2B14155551234');
      await api('GET', `/v1/Porting/PortIn/${KW}`);
      await fetch(`${sandbox.url}/_sandbox/health`);
      expect(openapi.counts).toEqual({ ...before, checked: before.checked + 2 });
    } finally {
      await sandbox.stop();
    }
  });
});
