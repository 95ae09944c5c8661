/**
 * `validateOrder`: every problem of a port-in order at once, each naming its field, why, and what is
 * allowed; never a PIN or account number in what it says.
 */
import { OrderValidationError, validateOrder } from '../../../src/order-validation';
import type { OrderProblem } from '../../../src/order';

const NOW = new Date('2025-03-01T12:00:00Z');
const DOC = 'RD0f36b9a5a6a700fb5949ea9959d041c3';
const ADDRESS_SID = 'AD0f36b9a5a6a700fb5949ea9959d041c3';
const PIN = 'PIN-SECRET-8842';
const ACCOUNT_NUMBER = 'ACCT-SECRET-991';

function validOrder(): any {
  return {
    orderId: 'order-2025-0001',
    customerRef: 'cust:4711',
    targetPortInDate: '2025-03-08',
    targetPortInTimeRangeStart: '10:15:00-08:00',
    targetPortInTimeRangeEnd: '23:15:00-08:00',
    notificationEmails: ['ops@example.com'],
    losingCarrierInformation: {
      customerType: 'Business',
      customerName: 'FooBar Inc.',
      accountNumber: ACCOUNT_NUMBER,
      accountTelephoneNumber: '+16175551212',
      authorizedRepresentative: 'John Smith',
      authorizedRepresentativeEmail: 'john@example.com',
      address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
    },
    phoneNumbers: [{ phoneNumber: '+14155551000' }, { phoneNumber: '+14155551001', pin: PIN }],
    utilityBill: { documentSid: DOC },
  };
}

/** The problems `validateOrder` reports for `input`, or [] when it accepts it. */
function problemsOf(input: unknown): OrderProblem[] {
  try {
    validateOrder(input, NOW);
    return [];
  } catch (err) {
    if (!(err instanceof OrderValidationError)) throw err;
    return err.problems;
  }
}

function errorOf(input: unknown): OrderValidationError {
  try {
    validateOrder(input, NOW);
  } catch (err) {
    if (err instanceof OrderValidationError) return err;
    throw err;
  }
  throw new Error('expected the order to be refused');
}

/** `count` distinct, valid, non-toll-free US numbers. */
function manyNumbers(count: number): Array<{ phoneNumber: string }> {
  const areaCodes = ['415', '617', '212', '312'];
  return Array.from({ length: count }, (_, i) => ({
    phoneNumber: `+1${areaCodes[Math.floor(i / 10_000)]}555${String(i % 10_000).padStart(4, '0')}`,
  }));
}

type Mutator = (order: any) => void;

// Each row: one bad input, the field the problem must name, and what the message must say.
const badInputs: Array<[string, Mutator, string, RegExp]> = [
  [
    'number not E.164',
    (o) => (o.phoneNumbers[1].phoneNumber = '415-555-1001'),
    'phoneNumbers[1].phoneNumber',
    /E\.164/,
  ],
  [
    'number with letters',
    (o) => (o.phoneNumbers[0].phoneNumber = '+1415555CALL'),
    'phoneNumbers[0].phoneNumber',
    /E\.164/,
  ],
  ['number without +', (o) => (o.phoneNumbers[0].phoneNumber = '14155551000'), 'phoneNumbers[0].phoneNumber', /E\.164/],
  [
    'toll-free 800 number',
    (o) => (o.phoneNumbers[1].phoneNumber = '+18005551234'),
    'phoneNumbers[1].phoneNumber',
    /toll-free/,
  ],
  [
    'toll-free 888 number',
    (o) => (o.phoneNumbers[0].phoneNumber = '+18885551234'),
    'phoneNumbers[0].phoneNumber',
    /toll-free/,
  ],
  [
    'non-US number',
    (o) => (o.phoneNumbers[0].phoneNumber = '+442071838750'),
    'phoneNumbers[0].phoneNumber',
    /only US numbers/,
  ],
  [
    'invalid US exchange',
    (o) => (o.phoneNumbers[0].phoneNumber = '+14151551000'),
    'phoneNumbers[0].phoneNumber',
    /not a valid US number/,
  ],
  ['empty PIN', (o) => (o.phoneNumbers[1].pin = ''), 'phoneNumbers[1].pin', /./],
  ['no numbers', (o) => (o.phoneNumbers = []), 'phoneNumbers', /at least one phone number/],
  ['numbers not a list', (o) => (o.phoneNumbers = '+14155551000'), 'phoneNumbers', /array/],
  [
    'duplicate number',
    (o) => o.phoneNumbers.push({ phoneNumber: '+14155551000' }),
    'phoneNumbers[2].phoneNumber',
    /phoneNumbers\[0\]/,
  ],
  [
    'target date 6 days ahead',
    (o) => (o.targetPortInDate = '2025-03-07'),
    'targetPortInDate',
    /at least 7 days after 2025-03-01.*2025-03-08 or later/,
  ],
  ['target date in the past', (o) => (o.targetPortInDate = '2025-02-01'), 'targetPortInDate', /at least 7 days/],
  ['target date today', (o) => (o.targetPortInDate = '2025-03-01'), 'targetPortInDate', /at least 7 days/],
  ['target date in US notation', (o) => (o.targetPortInDate = '03/15/2025'), 'targetPortInDate', /YYYY-MM-DD/],
  ['target date that does not exist', (o) => (o.targetPortInDate = '2025-02-30'), 'targetPortInDate', /YYYY-MM-DD/],
  ['target date with a time', (o) => (o.targetPortInDate = '2025-03-15T10:00:00Z'), 'targetPortInDate', /YYYY-MM-DD/],
  ['target date missing', (o) => delete o.targetPortInDate, 'targetPortInDate', /YYYY-MM-DD/],
  [
    'time range start hour 25',
    (o) => (o.targetPortInTimeRangeStart = '25:00:00-08:00'),
    'targetPortInTimeRangeStart',
    /HH:MM:SS/,
  ],
  [
    'time range start without offset',
    (o) => (o.targetPortInTimeRangeStart = '10:15:00'),
    'targetPortInTimeRangeStart',
    /HH:MM:SS±HH:MM/,
  ],
  [
    'time range start offset +15:00',
    (o) => (o.targetPortInTimeRangeStart = '10:15:00+15:00'),
    'targetPortInTimeRangeStart',
    /HH:MM:SS±HH:MM/,
  ],
  ['time range end malformed', (o) => (o.targetPortInTimeRangeEnd = '11pm'), 'targetPortInTimeRangeEnd', /HH:MM:SS/],
  [
    'time range end before its start',
    (o) => (o.targetPortInTimeRangeEnd = '09:00:00-08:00'),
    'targetPortInTimeRangeEnd',
    /after targetPortInTimeRangeStart/,
  ],
  [
    'time range end equal to its start',
    (o) => (o.targetPortInTimeRangeEnd = '13:15:00-05:00'),
    'targetPortInTimeRangeEnd',
    /after targetPortInTimeRangeStart/,
  ],
  [
    'customer type in lower case',
    (o) => (o.losingCarrierInformation.customerType = 'business'),
    'losingCarrierInformation.customerType',
    /Business.*Individual/,
  ],
  [
    'customer type unknown',
    (o) => (o.losingCarrierInformation.customerType = 'Government'),
    'losingCarrierInformation.customerType',
    /Business.*Individual/,
  ],
  [
    'customer type missing',
    (o) => delete o.losingCarrierInformation.customerType,
    'losingCarrierInformation.customerType',
    /Business.*Individual/,
  ],
  [
    'customer name empty',
    (o) => (o.losingCarrierInformation.customerName = ''),
    'losingCarrierInformation.customerName',
    /./,
  ],
  [
    'representative missing',
    (o) => delete o.losingCarrierInformation.authorizedRepresentative,
    'losingCarrierInformation.authorizedRepresentative',
    /./,
  ],
  [
    'representative email invalid',
    (o) => (o.losingCarrierInformation.authorizedRepresentativeEmail = 'john-at-example.com'),
    'losingCarrierInformation.authorizedRepresentativeEmail',
    /email/,
  ],
  [
    'notification email invalid',
    (o) => (o.notificationEmails = ['ops@example.com', 'ops@']),
    'notificationEmails[1]',
    /email/,
  ],
  [
    'account telephone number not E.164',
    (o) => (o.losingCarrierInformation.accountTelephoneNumber = '617-555-1212'),
    'losingCarrierInformation.accountTelephoneNumber',
    /E\.164/,
  ],
  [
    'both address and addressSid',
    (o) => (o.losingCarrierInformation.addressSid = ADDRESS_SID),
    'losingCarrierInformation.address',
    /either address or addressSid, not both/,
  ],
  [
    'neither address nor addressSid',
    (o) => delete o.losingCarrierInformation.address,
    'losingCarrierInformation.address',
    /either address or addressSid is required/,
  ],
  [
    'addressSid malformed',
    (o) => {
      delete o.losingCarrierInformation.address;
      o.losingCarrierInformation.addressSid = 'AD123';
    },
    'losingCarrierInformation.addressSid',
    /AD followed by 32 hex digits/,
  ],
  [
    'address outside the US',
    (o) => (o.losingCarrierInformation.address.country = 'CA'),
    'losingCarrierInformation.address.country',
    /US/,
  ],
  [
    'ZIP code not US',
    (o) => (o.losingCarrierInformation.address.zip = 'SW1A 1AA'),
    'losingCarrierInformation.address.zip',
    /ZIP/,
  ],
  [
    'street empty',
    (o) => (o.losingCarrierInformation.address.street = ''),
    'losingCarrierInformation.address.street',
    /./,
  ],
  [
    'utility bill RD sid malformed',
    (o) => (o.utilityBill = { documentSid: 'RD123' }),
    'utilityBill.documentSid',
    /RD followed by 32 hex digits/,
  ],
  [
    'utility bill AD sid instead of RD',
    (o) => (o.utilityBill = { documentSid: ADDRESS_SID }),
    'utilityBill.documentSid',
    /RD followed by 32 hex digits/,
  ],
  ['utility bill neither sid nor file', (o) => (o.utilityBill = {}), 'utilityBill', /documentSid.*path/],
  ['account sid malformed', (o) => (o.accountSid = 'AC123'), 'accountSid', /AC followed by 32 hex digits/],
  ['orderId with a space', (o) => (o.orderId = 'order 2025 0001'), 'orderId', /letters, digits and \. _ : -/],
  ['orderId empty', (o) => (o.orderId = ''), 'orderId', /1-100 characters/],
  ['orderId of 101 characters', (o) => (o.orderId = 'x'.repeat(101)), 'orderId', /1-100 characters/],
  ['orderId starting with a dash', (o) => (o.orderId = '-order'), 'orderId', /letters, digits/],
  ['customerRef with a space', (o) => (o.customerRef = 'Jane Doe'), 'customerRef', /opaque reference.*no names/],
  ['customerRef an email address', (o) => (o.customerRef = 'jane@example.com'), 'customerRef', /opaque reference/],
  ['option out of range', (o) => (o.options = { portabilityBatchSize: 0 }), 'options.portabilityBatchSize', /./],
  ['option duration unreadable', (o) => (o.options = { loaExpiry: 'a month' }), 'options.loaExpiry', /duration/],
  [
    'an LOA reminder as long as the window',
    (o) => (o.options = { loaReminders: ['7 days', '30 days'] }),
    'options.loaReminders[1]',
    /must be shorter than loaExpiry \(30 days\)/,
  ],
  [
    'an LOA reminder longer than a shortened window',
    (o) => (o.options = { loaExpiry: '5 days', loaReminders: ['7 days'] }),
    'options.loaReminders[0]',
    /shorter than loaExpiry \(5 days\)/,
  ],
  [
    'an LOA reminder at the expiry',
    (o) => (o.options = { loaReminders: ['0 days'] }),
    'options.loaReminders[0]',
    /before the expiry, not at it/,
  ],
  [
    'an LOA reminder twice',
    (o) => (o.options = { loaReminders: ['1 day', '24 hours'] }),
    'options.loaReminders[1]',
    /repeats an earlier reminder/,
  ],
  [
    'an LOA reminder unreadable',
    (o) => (o.options = { loaReminders: ['a week'] }),
    'options.loaReminders[0]',
    /duration/,
  ],
  [
    'a cancel window warning unreadable',
    (o) => (o.options = { cancelWindowWarning: 'a day' }),
    'options.cancelWindowWarning',
    /duration/,
  ],
  ['no create attempt at all', (o) => (o.options = { createAttempts: 0 }), 'options.createAttempts', /at least 1/],
  ['more create attempts than 20', (o) => (o.options = { createAttempts: 21 }), 'options.createAttempts', /at most 20/],
  ['a fraction of an attempt', (o) => (o.options = { createAttempts: 1.5 }), 'options.createAttempts', /whole number/],
];

describe('validateOrder', () => {
  it('accepts a valid order and returns it parsed', () => {
    const order = validOrder();
    expect(validateOrder(order, NOW)).toEqual(order);
  });

  describe('when one input is bad', () => {
    it.each(badInputs.map(([name, mutate, path, message]) => [name, path, mutate, message] as const))(
      '%s: names %s',
      (_name, path, mutate, message) => {
        const order = validOrder();
        mutate(order);
        const problems = problemsOf(order);
        const here = problems.filter((p) => p.path === path);
        expect({ path, problems }).toEqual({
          path,
          problems: expect.arrayContaining([expect.objectContaining({ path })]),
        });
        expect(here.some((p) => message.test(p.message))).toBe(true);
        // One problem per bad input: the two validators never report the same field twice.
        expect(here).toHaveLength(1);
      }
    );
  });

  describe('when the input is acceptable', () => {
    it.each<[string, Mutator]>([
      ['a name-like customerRef without spaces', (o) => (o.customerRef = 'JaneDoe')],
      ['a customerRef with . _ : -', (o) => (o.customerRef = 'acme.corp_eu:4711-b')],
      ['an orderId with . _ : -', (o) => (o.orderId = 'ORD.2025_03:01-0001')],
      ['an orderId of 100 characters', (o) => (o.orderId = 'x'.repeat(100))],
      [
        'an addressSid instead of an address',
        (o) => {
          delete o.losingCarrierInformation.address;
          o.losingCarrierInformation.addressSid = ADDRESS_SID;
        },
      ],
      ['an Individual customer', (o) => (o.losingCarrierInformation.customerType = 'Individual')],
      ['a target date exactly 7 days ahead', (o) => (o.targetPortInDate = '2025-03-08')],
      ['a target date months ahead', (o) => (o.targetPortInDate = '2025-09-30')],
      [
        'no time range',
        (o) => {
          delete o.targetPortInTimeRangeStart;
          delete o.targetPortInTimeRangeEnd;
        },
      ],
      ['a time range start only', (o) => delete o.targetPortInTimeRangeEnd],
      [
        'a time range crossing midnight UTC',
        (o) => {
          o.targetPortInTimeRangeStart = '17:00:00-08:00';
          o.targetPortInTimeRangeEnd = '20:00:00-08:00';
        },
      ],
      ['no notification emails', (o) => delete o.notificationEmails],
      [
        'no PIN and no account number',
        (o) => {
          delete o.phoneNumbers[1].pin;
          delete o.losingCarrierInformation.accountNumber;
        },
      ],
      ['a utility bill to upload', (o) => (o.utilityBill = { path: './bills/march.pdf', mimeType: 'application/pdf' })],
      ['an account sid', (o) => (o.accountSid = `AC${'a'.repeat(32)}`)],
      ['a ZIP+4 code', (o) => (o.losingCarrierInformation.address.zip = '94105-1234')],
      [
        'options within range',
        (o) => (o.options = { reconcileInterval: '6h', loaExpiry: '30 days', portabilityBatchSize: 100 }),
      ],
      [
        'LOA reminders and a cancel window warning',
        (o) => (o.options = { loaReminders: ['14 days', '2 days', '6 hours'], cancelWindowWarning: '48 hours' }),
      ],
      ['no LOA reminders', (o) => (o.options = { loaReminders: [] })],
      ['fewer create attempts', (o) => (o.options = { createAttempts: 3 })],
    ])('accepts %s', (_name, mutate) => {
      const order = validOrder();
      mutate(order);
      expect(problemsOf(order)).toEqual([]);
    });

    it('accepts an order above 1,000 numbers: it is split into several requests', () => {
      const order = { ...validOrder(), phoneNumbers: manyNumbers(2_500) };
      expect(problemsOf(order)).toEqual([]);
    });

    it('still checks every number of a big order', () => {
      const order = { ...validOrder(), phoneNumbers: manyNumbers(1_500) };
      order.phoneNumbers[1_234] = { phoneNumber: '+18005551234' };
      expect(problemsOf(order)).toEqual([
        expect.objectContaining({
          path: 'phoneNumbers[1234].phoneNumber',
          message: expect.stringMatching(/toll-free/),
        }),
      ]);
    });

    it('refuses more than 10,000 numbers in one order', () => {
      const problems = problemsOf({ ...validOrder(), phoneNumbers: manyNumbers(10_001) });
      expect(problems).toEqual([{ path: 'phoneNumbers', message: expect.stringMatching(/at most 10,000/) }]);
    });
  });

  describe('when several inputs are bad', () => {
    it('reports every problem at once', () => {
      const order = validOrder();
      order.orderId = 'order 1';
      order.losingCarrierInformation.authorizedRepresentativeEmail = 'john.example.com';
      order.losingCarrierInformation.customerType = 'business';
      order.phoneNumbers.push({ phoneNumber: '+14155551000' });
      const paths = problemsOf(order).map((p) => p.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'orderId',
          'losingCarrierInformation.authorizedRepresentativeEmail',
          'losingCarrierInformation.customerType',
          'phoneNumbers[2].phoneNumber',
        ])
      );
    });

    it('reports shape problems and Twilio rules together', () => {
      const order = validOrder();
      order.orderId = 'order 1'; // shape (zod)
      order.phoneNumbers[0].phoneNumber = '415-555-1000'; // shape (zod)
      order.phoneNumbers[1].phoneNumber = '+18005551234'; // Twilio rule: toll-free
      order.targetPortInDate = '2025-03-04'; // Twilio rule: 7 days ahead
      order.losingCarrierInformation.addressSid = ADDRESS_SID; // Twilio rule: address or sid
      const problems = problemsOf(order);
      expect(problems.map((p) => p.path).sort()).toEqual(
        [
          'losingCarrierInformation.address',
          'orderId',
          'phoneNumbers[0].phoneNumber',
          'phoneNumbers[1].phoneNumber',
          'targetPortInDate',
        ].sort()
      );
    });

    it('lists them in the error message, one line each', () => {
      const order = validOrder();
      order.orderId = 'order 1';
      order.targetPortInDate = '2025-03-02';
      const error = errorOf(order);
      expect(error.name).toBe('OrderValidationError');
      expect(error.problems).toHaveLength(2);
      expect(error.message.split('\n')).toEqual([
        'The order has 2 problems:',
        expect.stringMatching(/^ {2}- orderId: /),
        expect.stringMatching(/^ {2}- targetPortInDate: must be at least 7 days/),
      ]);
    });

    it('says "1 problem" for one', () => {
      const order = validOrder();
      order.customerRef = 'Jane Doe';
      expect(errorOf(order).message).toMatch(/^The order has 1 problem:\n/);
    });
  });

  describe('when the input is not an order at all', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['a string', 'order.json'],
      ['an array', [validOrder()]],
      ['an empty object', {}],
    ])('refuses %s with problems naming the required fields', (_name, input) => {
      const problems = problemsOf(input);
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.message).not.toBe('');
    });

    it('names each missing top-level field of an empty object', () => {
      const paths = problemsOf({}).map((p) => p.path);
      for (const field of [
        'orderId',
        'customerRef',
        'losingCarrierInformation',
        'phoneNumbers',
        'targetPortInDate',
        'utilityBill',
      ]) {
        expect(paths).toContain(field);
      }
    });
  });

  describe('whatever it is given', () => {
    /** Every path of the valid order, objects and arrays included, as key lists. */
    function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
      if (value === null || typeof value !== 'object') return [prefix];
      const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
      return [prefix, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...prefix, k]))];
    }
    const junk: unknown[] = [null, undefined, 0, -1, '', ' ', 'x', true, [], {}, [null], { a: 1 }];
    const cases = paths(validOrder())
      .filter((p) => p.length > 0)
      .flatMap((p) => junk.map((j) => [p.join('.'), j] as const));

    it(`answers each of ${cases.length} junk values in every field with problems, never a crash`, () => {
      for (const [path, value] of cases) {
        const order = validOrder();
        const keys = path.split('.');
        let parent = order;
        for (const k of keys.slice(0, -1)) parent = parent[k];
        parent[keys.at(-1)!] = value;
        let outcome: unknown;
        try {
          outcome = validateOrder(order, NOW);
        } catch (err) {
          outcome = err;
        }
        if (outcome instanceof OrderValidationError) {
          for (const p of outcome.problems) expect(typeof p.message === 'string' && p.message.length > 0).toBe(true);
          expect(outcome.message).not.toMatch(/PIN-SECRET|ACCT-SECRET/);
        } else if (outcome instanceof Error) {
          throw new Error(`${path} = ${JSON.stringify(value)} crashed the validator: ${outcome.message}`);
        }
      }
    });
  });

  describe('secrets', () => {
    const secret = /PIN-SECRET|ACCT-SECRET|99887766/;
    it.each<[string, Mutator]>([
      [
        'many problems around a PIN and an account number',
        (o) => {
          o.orderId = 'order 1';
          o.phoneNumbers[1].phoneNumber = '+18005551234';
          o.targetPortInDate = '2025-03-02';
          o.losingCarrierInformation.addressSid = 'AD-bad';
        },
      ],
      ['a PIN of the wrong type', (o) => (o.phoneNumbers[1].pin = 99887766)],
      ['a PIN inside an object', (o) => (o.phoneNumbers[1].pin = { value: PIN })],
      ['a PIN in a list', (o) => (o.phoneNumbers[1].pin = [PIN])],
      ['an account number of the wrong type', (o) => (o.losingCarrierInformation.accountNumber = 99887766)],
      ['an account number in a list', (o) => (o.losingCarrierInformation.accountNumber = [ACCOUNT_NUMBER])],
      ['an account number inside an object', (o) => (o.losingCarrierInformation.accountNumber = { n: ACCOUNT_NUMBER })],
      ['a duplicate number that carries a PIN', (o) => o.phoneNumbers.push({ phoneNumber: '+14155551001', pin: PIN })],
    ])('never show the PIN or account number: %s', (_name, mutate) => {
      const order = validOrder();
      mutate(order);
      const error = errorOf(order);
      expect(error.message).not.toMatch(secret);
      expect(JSON.stringify(error.problems)).not.toMatch(secret);
      expect(String(error.stack)).not.toMatch(secret);
    });
  });
});
