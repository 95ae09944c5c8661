import { PortInValidationError, type CreatePortInRequest, validatePortInRequest } from '../../../src/twilio';

const now = new Date('2025-03-01T12:00:00Z');
const DOC = 'RD0f36b9a5a6a700fb5949ea9959d041c3';
const ADDRESS_SID = 'AD0f36b9a5a6a700fb5949ea9959d041c3';

function validRequest(): CreatePortInRequest {
  return {
    targetPortInDate: '2025-03-08',
    targetPortInTimeRangeStart: '10:15:00-08:00',
    targetPortInTimeRangeEnd: '23:15:00-08:00',
    notificationEmails: ['ops@example.com'],
    losingCarrierInformation: {
      customerType: 'Business',
      customerName: 'FooBar Inc.',
      accountNumber: 'ACCT-SECRET-991',
      accountTelephoneNumber: '+16175551212',
      authorizedRepresentative: 'John Smith',
      authorizedRepresentativeEmail: 'john@example.com',
      address: {
        street: '101 Spear St',
        street2: '5th floor',
        city: 'San Francisco',
        state: 'CA',
        zip: '94105',
        country: 'US',
      },
    },
    phoneNumbers: [{ phoneNumber: '+14155551000' }, { phoneNumber: '+14155551001', pin: '8842' }],
    documents: [DOC],
  };
}

type Mutator = (r: any) => void;

// Each row: a change to a valid request, and the field + rule the validator must name.
const cases: Array<[string, Mutator, string, string]> = [
  [
    'phone number not E.164',
    (r) => (r.phoneNumbers[1].phoneNumber = '415-555-1001'),
    'phoneNumbers[1].phoneNumber',
    'e164',
  ],
  ['phone number missing', (r) => delete r.phoneNumbers[0].phoneNumber, 'phoneNumbers[0].phoneNumber', 'required'],
  ['non-US number', (r) => (r.phoneNumbers[0].phoneNumber = '+442071838750'), 'phoneNumbers[0].phoneNumber', 'us-only'],
  [
    'invalid NANP exchange',
    (r) => (r.phoneNumbers[0].phoneNumber = '+14151551000'),
    'phoneNumbers[0].phoneNumber',
    'us-number',
  ],
  [
    'toll-free number',
    (r) => (r.phoneNumbers[1].phoneNumber = '+18005551234'),
    'phoneNumbers[1].phoneNumber',
    'toll-free',
  ],
  [
    'toll-free 833',
    (r) => (r.phoneNumbers[1].phoneNumber = '+18335551234'),
    'phoneNumbers[1].phoneNumber',
    'toll-free',
  ],
  [
    'duplicate number',
    (r) => (r.phoneNumbers[1].phoneNumber = '+14155551000'),
    'phoneNumbers[1].phoneNumber',
    'duplicate',
  ],
  ['two countries', (r) => r.phoneNumbers.push({ phoneNumber: '+442071838750' }), 'phoneNumbers', 'one-country'],
  ['no numbers', (r) => (r.phoneNumbers = []), 'phoneNumbers', 'count'],
  [
    'more than 1,000 numbers',
    (r) =>
      (r.phoneNumbers = Array.from({ length: 1001 }, (_, i) => ({
        phoneNumber: `+1415555${String(i).padStart(4, '0')}`,
      }))),
    'phoneNumbers',
    'count',
  ],
  ['phoneNumbers not an array', (r) => (r.phoneNumbers = '+14155551000'), 'phoneNumbers', 'required'],
  ['target date malformed', (r) => (r.targetPortInDate = '03/09/2025'), 'targetPortInDate', 'date-format'],
  ['target date not a calendar date', (r) => (r.targetPortInDate = '2025-02-30'), 'targetPortInDate', 'date-format'],
  ['target date 6 days ahead', (r) => (r.targetPortInDate = '2025-03-07'), 'targetPortInDate', 'min-lead-time'],
  ['target date in the past', (r) => (r.targetPortInDate = '2024-12-31'), 'targetPortInDate', 'min-lead-time'],
  [
    'time range start malformed',
    (r) => (r.targetPortInTimeRangeStart = '10:15'),
    'targetPortInTimeRangeStart',
    'time-format',
  ],
  [
    'time range end without offset',
    (r) => (r.targetPortInTimeRangeEnd = '23:15:00'),
    'targetPortInTimeRangeEnd',
    'time-format',
  ],
  [
    'time range end before start',
    (r) => (r.targetPortInTimeRangeEnd = '09:00:00-08:00'),
    'targetPortInTimeRangeEnd',
    'time-order',
  ],
  [
    'time range equal after offsets',
    (r) => {
      r.targetPortInTimeRangeStart = '10:00:00-08:00';
      r.targetPortInTimeRangeEnd = '13:00:00-05:00';
    },
    'targetPortInTimeRangeEnd',
    'time-order',
  ],
  [
    'time range in Z equal to the end after offsets',
    (r) => {
      r.targetPortInTimeRangeStart = '18:00:00Z';
      r.targetPortInTimeRangeEnd = '10:00:00-08:00';
    },
    'targetPortInTimeRangeEnd',
    'time-order',
  ],
  [
    'time range with a lower-case z',
    (r) => (r.targetPortInTimeRangeStart = '10:15:00z'),
    'targetPortInTimeRangeStart',
    'time-format',
  ],
  [
    'customer type lower case',
    (r) => (r.losingCarrierInformation.customerType = 'business'),
    'losingCarrierInformation.customerType',
    'enum',
  ],
  [
    'customer type missing',
    (r) => delete r.losingCarrierInformation.customerType,
    'losingCarrierInformation.customerType',
    'enum',
  ],
  [
    'customer name empty',
    (r) => (r.losingCarrierInformation.customerName = ' '),
    'losingCarrierInformation.customerName',
    'required',
  ],
  [
    'authorized representative missing',
    (r) => delete r.losingCarrierInformation.authorizedRepresentative,
    'losingCarrierInformation.authorizedRepresentative',
    'required',
  ],
  [
    'representative email malformed',
    (r) => (r.losingCarrierInformation.authorizedRepresentativeEmail = 'john at example.com'),
    'losingCarrierInformation.authorizedRepresentativeEmail',
    'email',
  ],
  [
    'representative email missing',
    (r) => delete r.losingCarrierInformation.authorizedRepresentativeEmail,
    'losingCarrierInformation.authorizedRepresentativeEmail',
    'required',
  ],
  ['notification email malformed', (r) => r.notificationEmails.push('nobody@'), 'notificationEmails[1]', 'email'],
  ['notification emails not an array', (r) => (r.notificationEmails = 'ops@example.com'), 'notificationEmails', 'type'],
  [
    'account telephone number not E.164',
    (r) => (r.losingCarrierInformation.accountTelephoneNumber = '6175551212'),
    'losingCarrierInformation.accountTelephoneNumber',
    'e164',
  ],
  [
    'account telephone number missing',
    (r) => delete r.losingCarrierInformation.accountTelephoneNumber,
    'losingCarrierInformation.accountTelephoneNumber',
    'required',
  ],
  [
    'both address and address SID',
    (r) => (r.losingCarrierInformation.addressSid = ADDRESS_SID),
    'losingCarrierInformation.address',
    'address-or-sid',
  ],
  [
    'neither address nor address SID',
    (r) => delete r.losingCarrierInformation.address,
    'losingCarrierInformation.address',
    'address-or-sid',
  ],
  [
    'address SID malformed',
    (r) => {
      delete r.losingCarrierInformation.address;
      r.losingCarrierInformation.addressSid = 'AD123';
    },
    'losingCarrierInformation.addressSid',
    'sid-format',
  ],
  [
    'zip malformed',
    (r) => (r.losingCarrierInformation.address.zip = '9410'),
    'losingCarrierInformation.address.zip',
    'zip',
  ],
  [
    'city missing',
    (r) => delete r.losingCarrierInformation.address.city,
    'losingCarrierInformation.address.city',
    'required',
  ],
  [
    'address outside the US',
    (r) => (r.losingCarrierInformation.address.country = 'CA'),
    'losingCarrierInformation.address.country',
    'us-only',
  ],
  [
    'losing carrier information missing',
    (r) => delete r.losingCarrierInformation,
    'losingCarrierInformation',
    'required',
  ],
  ['no documents', (r) => (r.documents = []), 'documents', 'required'],
  [
    'document SID malformed',
    (r) => r.documents.push('ADaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'),
    'documents[1]',
    'sid-format',
  ],
  ['account SID malformed', (r) => (r.accountSid = 'AC123'), 'accountSid', 'sid-format'],
  ['bundle SID malformed', (r) => (r.bundleSid = 'RD0f36b9a5a6a700fb5949ea9959d041c3'), 'bundleSid', 'sid-format'],
  ['empty PIN', (r) => (r.phoneNumbers[1].pin = ''), 'phoneNumbers[1].pin', 'type'],
];

describe('validatePortInRequest', () => {
  it('accepts a valid request (with the address or with an address SID)', () => {
    expect(validatePortInRequest(validRequest(), { now })).toEqual([]);
    const withSid: any = validRequest();
    delete withSid.losingCarrierInformation.address;
    withSid.losingCarrierInformation.addressSid = ADDRESS_SID;
    expect(validatePortInRequest(withSid, { now })).toEqual([]);
  });

  it('accepts a time range written with Z, the ISO form of a zero offset (as the order schema does)', () => {
    const r = validRequest();
    r.targetPortInTimeRangeStart = '17:00:00Z';
    r.targetPortInTimeRangeEnd = '10:00:00-08:00';
    expect(validatePortInRequest(r, { now })).toEqual([]);
  });

  it('accepts a target date exactly 7 days after the UTC day of now', () => {
    const r = validRequest();
    r.targetPortInDate = '2025-03-08';
    expect(validatePortInRequest(r, { now: new Date('2025-03-01T23:59:59Z') })).toEqual([]);
  });

  it.each(cases.map(([label, mutate, path, rule]) => ({ label, mutate, path, rule })))(
    '$label: names $path ($rule)',
    ({ mutate, path, rule }) => {
      const r: any = validRequest();
      mutate(r);
      const problems = validatePortInRequest(r, { now });
      expect(problems).toContainEqual(expect.objectContaining({ path, rule }));
      const problem = problems.find((p) => p.path === path && p.rule === rule)!;
      expect(problem.message.length).toBeGreaterThan(10);
    }
  );

  it('reports several problems together, in one error with every field named', () => {
    const r: any = validRequest();
    r.phoneNumbers[0].phoneNumber = '+18885551234';
    r.targetPortInDate = '2025-03-02';
    r.losingCarrierInformation.customerType = 'Company';
    r.losingCarrierInformation.addressSid = ADDRESS_SID;
    r.documents = [];
    const problems = validatePortInRequest(r, { now });
    expect(problems.map((p) => `${p.path}:${p.rule}`)).toEqual([
      'targetPortInDate:min-lead-time',
      'phoneNumbers[0].phoneNumber:toll-free',
      'losingCarrierInformation.customerType:enum',
      'losingCarrierInformation.address:address-or-sid',
      'documents:required',
    ]);
    const error = new PortInValidationError(problems);
    expect(error.name).toBe('PortInValidationError');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('5 problems');
    for (const p of problems) expect(error.message).toContain(p.path);
  });

  it('puts the offending value on the problem', () => {
    const r: any = validRequest();
    r.phoneNumbers[1].phoneNumber = '415-555-1001';
    const [problem] = validatePortInRequest(r, { now });
    expect(problem).toEqual(expect.objectContaining({ value: '415-555-1001' }));
  });

  describe('when portability results are given', () => {
    const portability = [
      { phoneNumber: '+14155551000', portable: true, pinAndAccountNumberRequired: true },
      { phoneNumber: '+14155551001', portable: true, pinAndAccountNumberRequired: false },
    ];

    it('requires the PIN of each number that needs one, and the account number', () => {
      const r: any = validRequest();
      delete r.losingCarrierInformation.accountNumber;
      const problems = validatePortInRequest(r, { now, portability });
      expect(problems.map((p) => `${p.path}:${p.rule}`)).toEqual([
        'phoneNumbers[0].pin:pin-required',
        'losingCarrierInformation.accountNumber:account-number-required',
      ]);
    });

    it('is satisfied when they are present', () => {
      const r: any = validRequest();
      r.phoneNumbers[0].pin = '1234';
      expect(validatePortInRequest(r, { now, portability })).toEqual([]);
    });

    it('refuses a number the check found not portable', () => {
      const problems = validatePortInRequest(validRequest(), {
        now,
        portability: [
          {
            phoneNumber: '+14155551001',
            portable: false,
            notPortableReason: 'UNSUPPORTED',
            notPortableReasonCode: 22130,
          },
        ],
      });
      expect(problems).toEqual([
        expect.objectContaining({
          path: 'phoneNumbers[1].phoneNumber',
          rule: 'not-portable',
          message: expect.stringContaining('22130'),
        }),
      ]);
    });
  });

  it('never copies a PIN or an account number into a problem', () => {
    const r: any = validRequest();
    r.phoneNumbers[1].pin = 12345678;
    r.losingCarrierInformation.accountNumber = 99887766;
    r.phoneNumbers.push({ phoneNumber: 'bad', pin: 'PIN-SECRET-1' });
    r.losingCarrierInformation.address = 'not an address';
    const problems = validatePortInRequest(r, { now });
    expect(problems.length).toBeGreaterThanOrEqual(3);
    const text = JSON.stringify(problems) + new PortInValidationError(problems).message;
    expect(text).not.toContain('12345678');
    expect(text).not.toContain('99887766');
    expect(text).not.toContain('PIN-SECRET-1');
    expect(text).not.toContain('ACCT-SECRET-991');
  });

  it('rejects something that is not a request object', () => {
    expect(validatePortInRequest(null as any, { now })).toEqual([
      expect.objectContaining({ path: '(request)', rule: 'type' }),
    ]);
  });
});
