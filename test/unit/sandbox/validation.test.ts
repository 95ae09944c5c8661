import { sandboxNumber } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { apiFor, createBody, dateAfter, uploadBill, startSandbox } from './helpers';
import type { Api } from './helpers';

type Body = Record<string, any>;

interface Row {
  label: string;
  /** Changes a valid body; ignored when `raw` is given. */
  mutate?: (b: Body, ctx: { otherDoc: string }) => void;
  raw?: { body: string | FormData; contentType?: string };
  status: number;
  code: number;
  mention: string;
}

const numbers = (n: number) => Array.from({ length: n }, (_, i) => ({ phone_number: `+1212555${String(6000 + i)}` }));

// Every row is one bad input to POST /v1/Porting/PortIn and the answer Twilio's rules call for.
const rows: Row[] = [
  { label: 'malformed JSON', raw: { body: '{"phone_numbers": [' }, status: 400, code: 400, mention: 'Malformed JSON' },
  { label: 'an empty body', raw: { body: '' }, status: 400, code: 400, mention: 'JSON object' },
  { label: 'a JSON array', raw: { body: '[]' }, status: 400, code: 400, mention: 'JSON object' },
  { label: 'a JSON string', raw: { body: '"hello"' }, status: 400, code: 400, mention: 'JSON object' },
  {
    label: 'text/plain',
    raw: { body: '{}', contentType: 'text/plain' },
    status: 415,
    code: 415,
    mention: 'application/json',
  },
  {
    label: 'a form-encoded body (twilio-node default)',
    raw: { body: 'PhoneNumbers=%2B14155551234', contentType: 'application/x-www-form-urlencoded' },
    status: 415,
    code: 415,
    mention: 'application/json',
  },
  {
    label: 'an oversized body',
    raw: { body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 1) }) },
    status: 413,
    code: 413,
    mention: 'too large',
  },
  {
    label: 'camelCase phoneNumbers (twilio-node #1190)',
    mutate: (b) => {
      b.phoneNumbers = b.phone_numbers;
      delete b.phone_numbers;
    },
    status: 400,
    code: 400,
    mention: "'phoneNumbers' (use 'phone_numbers')",
  },
  {
    label: 'camelCase losingCarrierInformation',
    mutate: (b) => {
      b.losingCarrierInformation = b.losing_carrier_information;
      delete b.losing_carrier_information;
    },
    status: 400,
    code: 400,
    mention: "'losingCarrierInformation' (use 'losing_carrier_information')",
  },
  {
    label: 'camelCase customerType inside losing_carrier_information',
    mutate: (b) => {
      b.losing_carrier_information.customerType = 'Business';
      delete b.losing_carrier_information.customer_type;
    },
    status: 400,
    code: 400,
    mention: "'losing_carrier_information.customerType' (use 'losing_carrier_information.customer_type')",
  },
  {
    label: 'camelCase phoneNumber inside phone_numbers[]',
    mutate: (b) => {
      b.phone_numbers = [{ phoneNumber: '+14155551234' }];
    },
    status: 400,
    code: 400,
    mention: "'phone_numbers[0].phoneNumber' (use 'phone_numbers[0].phone_number')",
  },
  {
    label: 'camelCase targetPortInDate',
    mutate: (b) => {
      b.targetPortInDate = b.target_port_in_date;
    },
    status: 400,
    code: 400,
    mention: "'targetPortInDate'",
  },
  {
    label: 'no losing_carrier_information',
    mutate: (b) => delete b.losing_carrier_information,
    status: 400,
    code: 22171,
    mention: 'Missing required fields: losing_carrier_information',
  },
  {
    label: 'no customer_name',
    mutate: (b) => delete b.losing_carrier_information.customer_name,
    status: 400,
    code: 22171,
    mention: 'losing_carrier_information.customer_name',
  },
  {
    label: 'a blank authorized_representative',
    mutate: (b) => (b.losing_carrier_information.authorized_representative = '  '),
    status: 400,
    code: 22171,
    mention: 'losing_carrier_information.authorized_representative',
  },
  {
    label: 'no account_telephone_number',
    mutate: (b) => delete b.losing_carrier_information.account_telephone_number,
    status: 400,
    code: 22171,
    mention: 'losing_carrier_information.account_telephone_number',
  },
  {
    label: 'no customer_type',
    mutate: (b) => delete b.losing_carrier_information.customer_type,
    status: 400,
    code: 22171,
    mention: 'losing_carrier_information.customer_type',
  },
  {
    label: 'no documents (the seed: 400 "Invalid documents")',
    mutate: (b) => delete b.documents,
    status: 400,
    code: 400,
    mention: 'documents is missing',
  },
  {
    label: 'no phone_numbers',
    mutate: (b) => delete b.phone_numbers,
    status: 400,
    code: 22171,
    mention: 'phone_numbers',
  },
  {
    label: 'a phone_numbers entry without phone_number',
    mutate: (b) => (b.phone_numbers = [{ pin: '1234' }]),
    status: 400,
    code: 22171,
    mention: 'phone_numbers[0].phone_number',
  },
  {
    label: 'no address and no address_sid',
    mutate: (b) => delete b.losing_carrier_information.address,
    status: 400,
    code: 22171,
    mention: 'address_sid',
  },
  {
    label: 'an address without city',
    mutate: (b) => delete b.losing_carrier_information.address.city,
    status: 400,
    code: 22171,
    mention: 'losing_carrier_information.address.city',
  },
  {
    label: 'an empty phone_numbers',
    mutate: (b) => (b.phone_numbers = []),
    status: 400,
    code: 400,
    mention: 'phoneNumbers: size must be between 1 and 1000',
  },
  {
    label: '1,001 phone numbers',
    mutate: (b) => (b.phone_numbers = numbers(1001)),
    status: 400,
    code: 400,
    mention: 'phoneNumbers: size must be between 1 and 1000',
  },
  {
    label: 'phone_numbers as an object',
    mutate: (b) => (b.phone_numbers = { phone_number: '+14155551234' }),
    status: 400,
    code: 400,
    mention: 'phone_numbers: must be an array',
  },
  {
    label: 'a numeric pin',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '+14155551234', pin: 1234 }]),
    status: 400,
    code: 400,
    mention: 'phone_numbers[0].pin: must be a string',
  },
  {
    label: 'customer_type Corporation',
    mutate: (b) => (b.losing_carrier_information.customer_type = 'Corporation'),
    status: 400,
    code: 400,
    mention: "losing_carrier_information.customer_type: must be one of 'Business', 'Individual'",
  },
  {
    label: 'a bad authorized_representative_email',
    mutate: (b) => (b.losing_carrier_information.authorized_representative_email = 'jane at example'),
    status: 400,
    code: 400,
    mention: 'losing_carrier_information.authorized_representative_email: must be a valid email address',
  },
  {
    label: 'a bad notification email',
    mutate: (b) => (b.notification_emails = ['ops@example.com', 'nope']),
    status: 400,
    code: 400,
    mention: 'notification_emails[1]',
  },
  {
    label: 'a number without +',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '4155551234' }]),
    status: 400,
    code: 22102,
    mention: "phone_numbers[0].phone_number '4155551234'",
  },
  {
    label: 'a +1 number with an impossible area code',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '+11235550100' }]),
    status: 400,
    code: 22102,
    mention: 'phone_numbers[0].phone_number',
  },
  {
    label: 'numbers of two countries',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '+14155551234' }, { phone_number: '+447700900123' }]),
    status: 400,
    code: 22172,
    mention: 'multiple countries (US (phone_numbers[0]), GB (phone_numbers[1]))',
  },
  {
    label: 'only UK numbers',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '+447700900123' }]),
    status: 400,
    code: 22130,
    mention: 'only United States numbers',
  },
  {
    label: 'a toll-free number',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '+18005550100' }]),
    status: 400,
    code: 22133,
    mention: 'Toll-free',
  },
  {
    label: 'the same number twice',
    mutate: (b) => (b.phone_numbers = [{ phone_number: '+14155551234' }, { phone_number: '+14155551234' }]),
    status: 400,
    code: 400,
    mention: 'phone_numbers[1].phone_number +14155551234 repeats phone_numbers[0]',
  },
  {
    label: 'a PIN-required number without pin',
    mutate: (b) => (b.phone_numbers = [{ phone_number: sandboxNumber('0201') }]),
    status: 400,
    code: 22171,
    mention: `phone_numbers[0].pin (for ${sandboxNumber('0201')})`,
  },
  {
    label: 'a PIN-required number without account_number',
    mutate: (b) => {
      b.phone_numbers = [{ phone_number: sandboxNumber('0201'), pin: '1234' }];
      delete b.losing_carrier_information.account_number;
    },
    status: 400,
    code: 22171,
    mention: 'losing_carrier_information.account_number',
  },
  {
    label: 'a malformed address_sid',
    mutate: (b) => {
      delete b.losing_carrier_information.address;
      b.losing_carrier_information.address_sid = 'AD123';
    },
    status: 400,
    code: 22173,
    mention: 'losing_carrier_information.address_sid',
  },
  {
    label: 'a malformed bundle_sid',
    mutate: (b) => (b.bundle_sid = 'BU1'),
    status: 400,
    code: 22170,
    mention: 'bundle_sid',
  },
  {
    label: 'an account_telephone_number that is not E.164',
    mutate: (b) => (b.losing_carrier_information.account_telephone_number = '(415) 555-0100'),
    status: 400,
    code: 22102,
    mention: 'losing_carrier_information.account_telephone_number',
  },
  {
    label: 'a target date 6 days ahead',
    mutate: (b, ctx) => (b.target_port_in_date = (ctx as any).sixDays),
    status: 400,
    code: 400,
    mention: 'at least 7 days in the future',
  },
  {
    label: 'a target date with slashes',
    mutate: (b) => (b.target_port_in_date = '2030/03/20'),
    status: 400,
    code: 400,
    mention: 'target_port_in_date',
  },
  {
    label: 'a target date that does not exist',
    mutate: (b) => (b.target_port_in_date = '2030-02-30'),
    status: 400,
    code: 400,
    mention: 'YYYY-MM-DD',
  },
  {
    label: 'an hour 25 in the time range',
    mutate: (b) => (b.target_port_in_time_range_start = '25:00:00-08:00'),
    status: 400,
    code: 400,
    mention: 'target_port_in_time_range_start',
  },
  {
    label: 'a time range without offset',
    mutate: (b) => (b.target_port_in_time_range_end = '18:00:00'),
    status: 400,
    code: 400,
    mention: 'target_port_in_time_range_end',
  },
  {
    label: 'a time range that ends before it starts',
    mutate: (b) => {
      b.target_port_in_time_range_start = '18:00:00Z';
      b.target_port_in_time_range_end = '12:00:00-05:00';
    },
    status: 400,
    code: 400,
    mention: 'must be later than target_port_in_time_range_start',
  },
  {
    label: 'an empty documents list',
    mutate: (b) => (b.documents = []),
    status: 400,
    code: 400,
    mention: 'Invalid documents',
  },
  {
    label: 'a document SID of the wrong shape',
    mutate: (b) => (b.documents = ['ADaaaa']),
    status: 400,
    code: 400,
    mention: "documents[0] 'ADaaaa' is not a document SID",
  },
  {
    label: 'an unknown document',
    mutate: (b) => (b.documents = [`RD${'f'.repeat(32)}`]),
    status: 400,
    code: 400,
    mention: 'does not exist',
  },
  {
    label: 'no utility bill among the documents',
    mutate: (b, ctx) => (b.documents = [ctx.otherDoc]),
    status: 400,
    code: 400,
    mention: 'utility_bill',
  },
  {
    label: 'an account_sid of another account',
    mutate: (b) => (b.account_sid = `AC${'9'.repeat(32)}`),
    status: 403,
    code: 20403,
    mention: 'Account lacks permission',
  },
];

describe('sandbox PortIn create validation', () => {
  let sandbox: SandboxHandle;
  let api: Api;
  let bill: string;
  let otherDoc: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockStart: '2025-06-02T09:00:00Z', clockScale: 0 });
    api = apiFor(sandbox);
    bill = await uploadBill(api);
    otherDoc = await uploadBill(api, 'letter_of_authorization');
  });
  afterAll(() => sandbox.stop());

  const valid = (): Body =>
    createBody({ numbers: ['+14155551234'], documents: [bill], targetDate: dateAfter(sandbox.clock.now(), 14) });

  it.each(rows.map((r) => [r.label, r] as const))('answers %s with the specific error', async (_label, row) => {
    let res;
    if (row.raw) {
      res = await api('POST', '/v1/Porting/PortIn', undefined, {
        raw: row.raw.body,
        headers: { 'content-type': row.raw.contentType ?? 'application/json' },
      });
    } else {
      const body = valid();
      row.mutate?.(body, { otherDoc, sixDays: dateAfter(sandbox.clock.now(), 6) } as any);
      res = await api('POST', '/v1/Porting/PortIn', body);
    }
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: row.status, code: row.code });
    expect(res.body.message).toContain(row.mention);
    expect(res.body).toMatchObject({ status: row.status, more_info: `https://www.twilio.com/docs/errors/${row.code}` });
  });

  it('answers a multipart body with 415', async () => {
    const form = new FormData();
    form.append('phone_numbers', '+14155551234');
    const res = await api('POST', '/v1/Porting/PortIn', undefined, { raw: form });
    expect(res.status).toBe(415);
    expect(res.body.message).toContain('application/json');
  });

  it('reports one camelCase key once, not once per number', async () => {
    const body = valid();
    body.phone_numbers = numbers(50).map((n) => ({ phoneNumber: n.phone_number }));
    const res = await api('POST', '/v1/Porting/PortIn', body);
    expect(res.body.message.match(/phoneNumber'/g)).toHaveLength(1);
  });

  it('refuses a number that is already in an open request of the account with 22131 naming it', async () => {
    const first = await api('POST', '/v1/Porting/PortIn', valid());
    expect(first.status).toBe(202);
    const again = await api('POST', '/v1/Porting/PortIn', valid());
    expect(again.status).toBe(400);
    expect(again.body.code).toBe(22131);
    expect(again.body.message).toContain(first.body.port_in_request_sid);
    sandbox.reset();
    bill = await uploadBill(api);
    otherDoc = await uploadBill(api, 'letter_of_authorization');
  });

  it.each([
    [
      'an address_sid (of a registered Address) instead of an address',
      (b: Body) => {
        delete b.losing_carrier_information.address;
        b.losing_carrier_information.address_sid = sandbox.addAddress({
          street: '1 Main St',
          city: 'Denver',
          state: 'CO',
          zip: '80202',
          country: 'US',
        });
      },
    ],
    ['no target date', (b: Body) => delete b.target_port_in_date],
    ['a target date exactly 7 days ahead', (b: Body) => (b.target_port_in_date = dateAfter(sandbox.clock.now(), 7))],
    [
      'an Individual customer and minute-precision times',
      (b: Body) => {
        b.losing_carrier_information.customer_type = 'Individual';
        b.target_port_in_time_range_start = '09:30Z';
        b.target_port_in_time_range_end = '17:00+01:00';
      },
    ],
    [
      'a PIN-required number with pin and account number',
      (b: Body) => (b.phone_numbers = [{ phone_number: sandboxNumber('0202'), pin: '9999' }]),
    ],
    [
      'Japan-only fields and unknown extra keys',
      (b: Body) => {
        b.portability_advance_carrier = null;
        b.losing_carrier_information.katakana_name = null;
        b.whatever = 1;
      },
    ],
    ['the account_sid of the authenticated account', (b: Body) => (b.account_sid = sandbox.accountSid)],
  ])('accepts %s', async (_label, mutate) => {
    sandbox.reset();
    bill = await uploadBill(api);
    const body = valid();
    mutate(body);
    const res = await api('POST', '/v1/Porting/PortIn', body);
    expect(res.status).toBe(202);
  });
});
