import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { portInInbound } from '../../../src/twilio/schemas/port-in';
import { portInPageInbound } from '../../../src/twilio/schemas/port-in-list';
import { portInPhoneNumberInbound } from '../../../src/twilio/schemas/port-in-phone-number';
import { portabilityInbound } from '../../../src/twilio/schemas/portability';
import { webhookConfigurationInbound } from '../../../src/twilio/schemas/webhook-configuration';
import { documentInbound } from '../../../src/twilio/schemas/document';

const fixture = (name: string): any => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));

describe('response schemas', () => {
  describe('PortIn', () => {
    it('parses the seed create response (Title Case request status, snake_case number status)', () => {
      const p = portInInbound.parse(fixture('port-in-create-response.json'));
      expect(p).toMatchObject({
        portInRequestSid: 'KW5096cf8e95c21761161c4f0388074b3a',
        status: 'in_progress',
        rawStatus: 'In Progress',
        targetPortInDate: '2024-10-31',
        targetPortInTimeRangeStart: '10:15:00-08:00',
        notificationEmails: ['bar@twilio.com', 'foo@twilio.com'],
        documents: ['RD0f36b9a5a6a700fb5949ea9959d041c3'],
        losingCarrierInformation: {
          customerType: 'Business',
          address: { street: '101 Spear St', street2: '5th floor', zip: '94105', country: 'US' },
        },
      });
      expect(p.phoneNumbers).toEqual([
        expect.objectContaining({
          phoneNumberSid: 'PUf0e8205043b2a805a1672eb137043afd',
          portInRequestSid: 'KW5096cf8e95c21761161c4f0388074b3a',
          phoneNumber: '+13503331359',
          status: 'in_review',
          rawStatus: 'in_review',
          numberType: 'unknown',
          rawNumberType: null,
          rejectionReasonCode: null,
          portDate: null,
          lastUpdated: null,
        }),
      ]);
    });

    it('parses the seed fetch response and maps `pending` to in_review, keeping the raw value', () => {
      const p = portInInbound.parse(fixture('port-in-fetch-response.json'));
      expect(p.status).toBe('in_review');
      expect(p.rawStatus).toBe('pending');
      expect(p.supportTicketId).toBe(123456);
      expect(p.phoneNumbers[0]).toMatchObject({
        status: 'in_review',
        rawStatus: 'In Review',
        numberType: 'local',
        rawNumberType: 'LOCAL',
        lastUpdated: '2025-01-01T00:52:21Z',
        portDate: '2023-09-17T00:00:00Z',
        notPortableReason: 'string',
        notPortableReasonCode: 0,
      });
    });

    it('drops the account number the response echoes', () => {
      const p = portInInbound.parse(fixture('port-in-fetch-response.json'));
      expect(p.losingCarrierInformation).not.toHaveProperty('accountNumber');
      expect(JSON.stringify(p.losingCarrierInformation)).not.toContain('"123456"');
    });

    it.each([
      ['In Review', 'in_review'],
      ['in_review', 'in_review'],
      ['IN_REVIEW', 'in_review'],
      ['in-review', 'in_review'],
      ['pending', 'in_review'],
      ['Waiting for Signature', 'waiting_for_signature'],
      ['waiting_for_signature', 'waiting_for_signature'],
      ['In progress', 'in_progress'],
      ['In Progress', 'in_progress'],
      ['Action Required', 'action_required'],
      ['Completed', 'completed'],
      ['Canceling', 'canceling'],
      ['Canceled', 'canceled'],
      ['cancelled', 'canceled'],
      ['Expired', 'expired'],
      ['Teleported', 'unknown'],
    ])('request status %j normalizes to %s and keeps the raw value', (raw, normalized) => {
      const p = portInInbound.parse({ ...fixture('port-in-fetch-response.json'), port_in_request_status: raw });
      expect(p.status).toBe(normalized);
      expect(p.rawStatus).toBe(raw);
    });

    it('accepts a minimal body: missing nullable fields become null or empty', () => {
      const p = portInInbound.parse({ port_in_request_sid: 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });
      expect(p).toMatchObject({
        status: 'unknown',
        rawStatus: null,
        phoneNumbers: [],
        documents: [],
        notificationEmails: [],
        losingCarrierInformation: null,
        signatureRequestUrl: null,
      });
    });

    it('ignores unknown fields', () => {
      const p = portInInbound.parse({ ...fixture('port-in-fetch-response.json'), brand_new_field: { x: 1 } });
      expect(p).not.toHaveProperty('brand_new_field');
      expect(p).not.toHaveProperty('brandNewField');
    });

    it('fails without port_in_request_sid', () => {
      const { port_in_request_sid: _, ...rest } = fixture('port-in-fetch-response.json');
      expect(portInInbound.safeParse(rest).success).toBe(false);
    });
  });

  describe('phone numbers: the PortIn array and the PhoneNumber resource agree', () => {
    const inPortIn = {
      port_in_phone_number_sid: 'PUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      phone_number: '+16175551212',
      number_type: 'LOCAL',
      status_last_time_updated_timestamp: '2025-01-01T00:52:21Z',
      not_portability_reason: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER',
      not_portability_reason_code: 22132,
      rejection_reason: 'Invalid address',
      rejection_reason_code: '22154',
      port_in_phone_number_status: 'Port Rejected',
      port_date: null,
      portable: true,
    };
    const onResource = {
      phone_number_sid: 'PUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      phone_number: '+16175551212',
      phone_number_type: 'local',
      last_updated: '2025-01-01T00:52:21Z',
      not_portable_reason: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER',
      not_portable_reason_code: '22132',
      rejection_reason: 'Invalid address',
      rejection_reason_code: 22154,
      port_in_phone_number_status: 'port_rejected',
      portable: true,
      port_out_pin: 1234,
    };

    it('parses both spellings to the same normalized value', () => {
      const a = portInPhoneNumberInbound.parse(inPortIn);
      const b = portInPhoneNumberInbound.parse(onResource);
      const { rawStatus: ra, rawNumberType: ta, ...restA } = a;
      const { rawStatus: rb, rawNumberType: tb, ...restB } = b;
      expect(restA).toEqual(restB);
      expect(restA).toMatchObject({
        phoneNumberSid: 'PUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        status: 'port_rejected',
        numberType: 'local',
        lastUpdated: '2025-01-01T00:52:21Z',
        notPortableReason: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER',
        notPortableReasonCode: 22132,
        rejectionReasonCode: 22154,
      });
      expect([ra, rb, ta, tb]).toEqual(['Port Rejected', 'port_rejected', 'LOCAL', 'local']);
    });

    it('parses the spec example of the PhoneNumber resource and drops port_out_pin', () => {
      const n = portInPhoneNumberInbound.parse(fixture('port-in-phone-number-fetch-response.json'));
      expect(n).toMatchObject({
        portInRequestSid: 'KWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        phoneNumberSid: 'PUaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        status: 'in_review',
        rawStatus: 'in_review',
        country: 'US',
        missingRequiredFields: false,
        notPortableReasonCode: 22132,
      });
      expect(JSON.stringify(n)).not.toContain('1234,');
      expect(n).not.toHaveProperty('portOutPin');
    });

    it.each([
      ['In Review', 'in_review'],
      ['in_review', 'in_review'],
      ['Waiting for Signature', 'waiting_for_signature'],
      ['Port Submitted', 'port_submitted'],
      ['port_submitted', 'port_submitted'],
      ['Port Pending', 'port_pending'],
      ['PORT_PENDING', 'port_pending'],
      ['Port Rejected', 'port_rejected'],
      ['Completed', 'completed'],
      ['Canceling', 'canceling'],
      ['canceled', 'canceled'],
      ['Cancelled', 'canceled'],
      ['Quantum', 'unknown'],
    ])('number status %j normalizes to %s', (raw, normalized) => {
      const n = portInPhoneNumberInbound.parse({ ...inPortIn, port_in_phone_number_status: raw });
      expect(n.status).toBe(normalized);
      expect(n.rawStatus).toBe(raw);
    });

    it.each([
      ['22154', 22154],
      [22154, 22154],
      [' 22155 ', 22155],
      ['', null],
      ['INVALID_ADDRESS', null],
      [null, null],
      [undefined, null],
    ])('rejection_reason_code %j reads as %j', (raw, code) => {
      expect(portInPhoneNumberInbound.parse({ ...inPortIn, rejection_reason_code: raw }).rejectionReasonCode).toBe(
        code
      );
    });

    it.each([
      ['LOCAL', 'local'],
      ['Local', 'local'],
      ['MOBILE', 'mobile'],
      ['TOLL-FREE', 'toll_free'],
      ['toll_free', 'toll_free'],
      ['tollfree', 'toll_free'],
      ['UNKNOWN', 'unknown'],
      ['satellite', 'unknown'],
    ])('number type %j normalizes to %s', (raw, normalized) => {
      expect(portInPhoneNumberInbound.parse({ ...inPortIn, number_type: raw }).numberType).toBe(normalized);
    });
  });

  describe('Portability', () => {
    it('parses a portable number', () => {
      expect(portabilityInbound.parse(fixture('portability-portable.json'))).toEqual({
        phoneNumber: '+14155552344',
        portable: true,
        pinAndAccountNumberRequired: false,
        notPortableReason: null,
        notPortableReasonCode: null,
        numberType: 'local',
        rawNumberType: 'LOCAL',
        country: 'US',
        accountSid: null,
        url: 'https://numbers.twilio.com/v1/Porting/Portability/PhoneNumber/+14155552344',
      });
    });

    it('parses a not-portable number with either reason spelling and string or number codes', () => {
      const body = fixture('portability-not-portable.json');
      const a = portabilityInbound.parse(body);
      const { not_portable_reason, not_portable_reason_code, ...rest } = body;
      const b = portabilityInbound.parse({
        ...rest,
        not_portability_reason: not_portable_reason,
        not_portability_reason_code: String(not_portable_reason_code),
      });
      expect(a).toEqual(b);
      expect(a).toMatchObject({
        portable: false,
        notPortableReason: 'MANUAL_PORTING_AVAILABLE',
        notPortableReasonCode: 22133,
        numberType: 'toll_free',
      });
    });
  });

  describe('PortInRequests list', () => {
    it('parses the seed page with its tokens', () => {
      expect(portInPageInbound.parse(fixture('port-in-list-response.json'))).toEqual({
        items: [
          {
            portInRequestSid: 'KW456bbb456bbb456bbb456bbb456bbb4',
            status: 'in_progress',
            rawStatus: 'In Progress',
            statusLastUpdated: '2025-03-05T13:50:06Z',
            phoneNumbersRequested: 1,
            phoneNumbersPorted: 0,
            suggestedAction: null,
          },
        ],
        nextToken: 'KW123aaa123aaa123aaa123aaa123aaa1',
        previousToken: null,
      });
    });

    it('treats a missing meta as the last page', () => {
      expect(portInPageInbound.parse({ port_in_requests: [] })).toEqual({
        items: [],
        nextToken: null,
        previousToken: null,
      });
    });
  });

  it('parses webhook configuration and document responses', () => {
    expect(
      webhookConfigurationInbound.parse({
        url: 'https://numbers.twilio.com/v1/Porting/Configuration/Webhook',
        port_in_target_url: 'https://example.com/porting',
        port_out_target_url: null,
        notifications_of: ['PortInCompleted'],
        port_in_target_date_created: '2024-05-14T13:49:04Z',
      })
    ).toMatchObject({
      portInTargetUrl: 'https://example.com/porting',
      portOutTargetUrl: null,
      notificationsOf: ['PortInCompleted'],
      portInTargetDateCreated: '2024-05-14T13:49:04Z',
      portOutTargetDateCreated: null,
    });
    expect(
      documentInbound.parse({ sid: 'RDaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', mime_type: 'application/pdf', version: '1' })
    ).toMatchObject({
      sid: 'RDaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      mimeType: 'application/pdf',
      version: 1,
      status: null,
    });
  });
});
