/** `onPorted` in the order: what each ported number is given, refused field by field when it is wrong. */
import { OrderValidationError, validateOrder } from '../../../src/order-validation';
import type { OrderProblem } from '../../../src/order';

const NOW = new Date('2025-03-01T12:00:00Z');

function order(onPorted: unknown): unknown {
  return {
    orderId: 'order-2025-0002',
    customerRef: 'cust:4711',
    targetPortInDate: '2025-03-10',
    losingCarrierInformation: {
      customerType: 'Business',
      customerName: 'FooBar Inc.',
      accountTelephoneNumber: '+16175551212',
      authorizedRepresentative: 'John Smith',
      authorizedRepresentativeEmail: 'john@example.com',
      address: { street: '101 Spear St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
    },
    phoneNumbers: [{ phoneNumber: '+14155551000' }],
    utilityBill: { documentSid: 'RD0f36b9a5a6a700fb5949ea9959d041c3' },
    onPorted,
  };
}

function problemsOf(onPorted: unknown): OrderProblem[] {
  try {
    validateOrder(order(onPorted), NOW);
    return [];
  } catch (err) {
    if (err instanceof OrderValidationError) return err.problems;
    throw err;
  }
}

describe('onPorted in the order', () => {
  it('accepts a full configuration and an empty one (then the number is only checked in the account)', () => {
    expect(
      problemsOf({
        friendlyName: 'Main line',
        voiceUrl: 'https://voice.example.com/in',
        voiceMethod: 'POST',
        voiceFallbackUrl: 'https://fallback.example.com/in',
        voiceFallbackMethod: 'GET',
        statusCallback: 'http://status.example.com/cb',
        statusCallbackMethod: 'POST',
        messagingServiceSid: `MG${'a'.repeat(32)}`,
      })
    ).toEqual([]);
    expect(problemsOf({ voiceApplicationSid: `AP${'b'.repeat(32)}`, smsUrl: 'https://sms.example.com/in' })).toEqual(
      []
    );
    expect(problemsOf({})).toEqual([]);
  });

  it.each([
    ['a URL without a scheme', { voiceUrl: 'voice.example.com/in' }, 'onPorted.voiceUrl', /absolute http\(s\) URL/],
    ['a non-http URL', { smsUrl: 'ftp://sms.example.com' }, 'onPorted.smsUrl', /absolute http\(s\) URL/],
    [
      'a lower-case method',
      { voiceUrl: 'https://v.example.com', voiceMethod: 'post' },
      'onPorted.voiceMethod',
      /'GET' or 'POST'/,
    ],
    ['a method without its URL', { smsMethod: 'GET' }, 'onPorted.smsMethod', /needs smsUrl/],
    [
      'a malformed application sid',
      { voiceApplicationSid: 'AP123' },
      'onPorted.voiceApplicationSid',
      /AP followed by 32 hex/,
    ],
    [
      'a malformed service sid',
      { messagingServiceSid: 'MG-acme' },
      'onPorted.messagingServiceSid',
      /MG followed by 32 hex/,
    ],
    [
      'an application and a voice URL',
      { voiceApplicationSid: `AP${'b'.repeat(32)}`, voiceUrl: 'https://v.example.com' },
      'onPorted.voiceApplicationSid',
      /not both/,
    ],
    [
      'a Messaging Service and an SMS URL',
      { messagingServiceSid: `MG${'a'.repeat(32)}`, smsUrl: 'https://s.example.com' },
      'onPorted.messagingServiceSid',
      /not both/,
    ],
    ['a friendly name over 64 characters', { friendlyName: 'x'.repeat(65) }, 'onPorted.friendlyName', /64/],
    [
      'an unknown key',
      { voice_url: 'https://v.example.com' },
      'onPorted',
      /unknown key "voice_url"; allowed: friendlyName/,
    ],
  ])('refuses %s, naming the field', (_label, onPorted, path, message) => {
    const problems = problemsOf(onPorted);
    expect(problems).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });
});
