import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PortingEventName,
  eventStatus,
  eventsFromPortIn,
  isParseFailure,
  parsePortingWebhook,
  type ParseFailure,
  type PortingEvent,
} from '../../../src/twilio';
import { portInInbound } from '../../../src/twilio/schemas/port-in';

const KW = 'KW5096cf8e95c21761161c4f0388074b3a';
const PU = 'PUf0e8205043b2a805a1672eb137043afd';

const rejected = {
  status: 'PortInPhoneNumberRejected',
  port_in_request_sid: KW,
  port_in_phone_number_sid: PU,
  phone_number: '+14155550151',
  portable: true,
  rejection_reason: 'Invalid address',
  rejection_reason_code: 22154,
  last_date_updated: '2025-03-05T13:50:06Z',
};

const expectedRejected = {
  source: 'webhook',
  eventName: 'PortInPhoneNumberRejected',
  level: 'number',
  status: 'port_rejected',
  portInRequestSid: KW,
  phoneNumberSid: PU,
  phoneNumber: '+14155550151',
  rejectionReason: 'Invalid address',
  rejectionReasonCode: 22154,
  occurredAt: '2025-03-05T13:50:06.000Z',
};

function asEvent(result: PortingEvent | ParseFailure): PortingEvent {
  if (isParseFailure(result)) throw new Error(`expected an event, got failure: ${result.reason}`);
  return result;
}

function asFailure(result: PortingEvent | ParseFailure): ParseFailure {
  if (!isParseFailure(result)) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

describe('parsePortingWebhook', () => {
  it('parses a number-level event with the name in `status`', () => {
    const e = asEvent(parsePortingWebhook(rejected, { idempotencyToken: 'tok-1' }));
    expect(e).toMatchObject({ ...expectedRejected, rawStatus: 'PortInPhoneNumberRejected', idempotencyToken: 'tok-1' });
  });

  it.each([
    ['lower case', { status: 'portinphonenumberrejected' }],
    ['SCREAMING_SNAKE', { status: 'PORT_IN_PHONE_NUMBER_REJECTED' }],
    ['kebab case', { status: 'port-in-phone-number-rejected' }],
    ['event_type beside a plain status', { status: 'Port Rejected', event_type: 'PortInPhoneNumberRejected' }],
    ['`event` key', { status: undefined, event: 'PortInPhoneNumberRejected' }],
    ['string code', { rejection_reason_code: '22154' }],
    ['phone_number_sid spelling', { port_in_phone_number_sid: undefined, phone_number_sid: PU }],
    ['last_updated spelling', { last_date_updated: undefined, last_updated: '2025-03-05T13:50:06Z' }],
    ['extra fields', { brand_new: 'x', nested: { deep: [1, 2] } }],
  ])('tolerates %s', (_label, change) => {
    const e = asEvent(parsePortingWebhook({ ...rejected, ...change }));
    expect(e).toMatchObject(expectedRejected);
  });

  it('reads camelCase keys as their snake_case twins', () => {
    const e = asEvent(
      parsePortingWebhook({
        status: 'PortInPhoneNumberRejected',
        portInRequestSid: KW,
        portInPhoneNumberSid: PU,
        phoneNumber: '+14155550151',
        rejectionReason: 'Invalid address',
        rejectionReasonCode: '22154',
        lastDateUpdated: '2025-03-05T13:50:06Z',
      })
    );
    expect(e).toMatchObject(expectedRejected);
  });

  it('reads not_portable_* and not_portability_* alike', () => {
    const base = { status: 'PortInPhoneNumberCanceled', port_in_request_sid: KW, port_in_phone_number_sid: PU };
    const a = asEvent(
      parsePortingWebhook({ ...base, not_portable_reason: 'UNSUPPORTED', not_portable_reason_code: 22130 })
    );
    const b = asEvent(
      parsePortingWebhook({ ...base, not_portability_reason: 'UNSUPPORTED', not_portability_reason_code: '22130' })
    );
    expect(a).toEqual(b);
    expect(a).toMatchObject({ status: 'canceled', notPortableReason: 'UNSUPPORTED', notPortableReasonCode: 22130 });
  });

  it('parses request-level events', () => {
    const e = asEvent(
      parsePortingWebhook({
        status: 'PortInCanceled',
        port_in_request_sid: KW,
        order_cancellation_reason: 'Customer asked',
        last_date_updated: '2025-03-05T13:50:06Z',
      })
    );
    expect(e).toEqual({
      source: 'webhook',
      eventName: 'PortInCanceled',
      level: 'request',
      status: 'canceled',
      rawStatus: 'PortInCanceled',
      portInRequestSid: KW,
      occurredAt: '2025-03-05T13:50:06.000Z',
      idempotencyToken: null,
      orderCancellationReason: 'Customer asked',
      signatureRequestUrl: null,
    });
  });

  it('maps every port-in event name to the status porting-event.ts gives it', () => {
    for (const name of Object.values(PortingEventName)) {
      const mapping = eventStatus[name];
      if (!mapping) continue;
      const e = asEvent(parsePortingWebhook({ status: name, port_in_request_sid: KW, port_in_phone_number_sid: PU }));
      expect([e.eventName, e.level, e.status]).toEqual([name, mapping.level, mapping.status]);
    }
  });

  it('accepts the body as JSON text, bytes, or form encoding', () => {
    const json = JSON.stringify(rejected);
    expect(asEvent(parsePortingWebhook(json))).toMatchObject(expectedRejected);
    expect(asEvent(parsePortingWebhook(Buffer.from(json)))).toMatchObject(expectedRejected);
    const form = new URLSearchParams({
      ...rejected,
      portable: 'true',
      rejection_reason_code: '22154',
    } as any).toString();
    expect(asEvent(parsePortingWebhook(form))).toMatchObject(expectedRejected);
  });

  describe('failures (returned, never thrown)', () => {
    it('reports an unknown event name with the name', () => {
      const f = asFailure(parsePortingWebhook({ ...rejected, status: 'PortInTeleported' }));
      expect(f).toMatchObject({
        ok: false,
        code: 'unknown-event',
        eventName: 'PortInTeleported',
        portInRequestSid: KW,
      });
      expect(f.reason).toContain('PortInTeleported');
    });

    it('reports a body without an event name', () => {
      const f = asFailure(parsePortingWebhook({ port_in_request_sid: KW }));
      expect(f.code).toBe('unknown-event');
      expect(f.reason).toMatch(/no event name/);
    });

    it('reports a port-out event as not about a port-in', () => {
      const f = asFailure(parsePortingWebhook({ status: 'PortOutPhoneNumberCompleted', port_in_request_sid: KW }));
      expect(f.code).toBe('not-port-in');
    });

    it('reports a missing or malformed port_in_request_sid without echoing values (PINs)', () => {
      const f = asFailure(parsePortingWebhook({ ...rejected, port_in_request_sid: 'KW-nope', pin: '7777-SECRET' }));
      expect(f.code).toBe('invalid-fields');
      expect(f.reason).toContain('port_in_request_sid');
      expect(f.reason).not.toContain('7777-SECRET');
      const g = asFailure(parsePortingWebhook({ status: 'PortInCompleted', account_number: 'ACCT-42-SECRET' }));
      expect(g.reason).toContain('port_in_request_sid');
      expect(JSON.stringify(g)).not.toContain('ACCT-42-SECRET');
    });

    it('reports a number event that names no number', () => {
      const f = asFailure(parsePortingWebhook({ status: 'PortInPhoneNumberPending', port_in_request_sid: KW }));
      expect(f.code).toBe('invalid-fields');
      expect(f.reason).toMatch(/port_in_phone_number_sid or phone_number/);
    });

    it.each([['not json {'], ['{"broken": '], [42], [null], [[1, 2]]])('reports an unreadable body %j', (body) => {
      expect(asFailure(parsePortingWebhook(body)).code).toBe('invalid-body');
    });
  });
});

describe('eventsFromPortIn', () => {
  it('turns a fetched PortIn into one request event and one event per number (source poll)', () => {
    const portIn = portInInbound.parse(
      JSON.parse(readFileSync(join(__dirname, 'fixtures', 'port-in-fetch-response.json'), 'utf8'))
    );
    expect(eventsFromPortIn(portIn)).toEqual([
      {
        source: 'poll',
        eventName: null,
        level: 'request',
        portInRequestSid: 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        status: 'in_review',
        rawStatus: 'pending',
        occurredAt: null,
        orderCancellationReason: null,
        signatureRequestUrl: null,
      },
      {
        source: 'poll',
        eventName: null,
        level: 'number',
        portInRequestSid: 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        status: 'in_review',
        rawStatus: 'In Review',
        occurredAt: '2025-01-01T00:52:21.000Z',
        phoneNumberSid: 'PUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        phoneNumber: '+16175551212',
        portDate: '2023-09-17T00:00:00.000Z',
        rejectionReason: null,
        rejectionReasonCode: null,
        notPortableReason: 'string',
        notPortableReasonCode: 0,
      },
    ]);
  });
});
