/** src/config.ts: the lifecycle events settings, and the refusal of a URL without a signing secret. */
import { ConfigError, loadConfig } from '../../../src/config';
import { generateEventsSecret } from '../../../src/events';
import { orderOptionsSchema } from '../../../src/order';

describe('events settings', () => {
  it('are off by default, with a 10 s timeout', () => {
    expect(loadConfig({}).events).toEqual({ defaultUrl: undefined, secret: undefined, timeoutMs: 10_000 });
  });

  it('read the URL, the secret and the timeout', () => {
    const secret = generateEventsSecret();
    const config = loadConfig({
      PORTFLOW_EVENTS_URL: 'https://backend.example.com/portflow',
      PORTFLOW_EVENTS_SECRET: secret,
      PORTFLOW_EVENTS_TIMEOUT_MS: '2500',
    });
    expect(config.events).toEqual({ defaultUrl: 'https://backend.example.com/portflow', secret, timeoutMs: 2500 });
  });

  it('refuse a URL without a secret, naming the missing variable', () => {
    expect(() => loadConfig({ PORTFLOW_EVENTS_URL: 'https://backend.example.com/portflow' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORTFLOW_EVENTS_URL: 'https://backend.example.com/portflow' })).toThrow(
      /PORTFLOW_EVENTS_SECRET: required when PORTFLOW_EVENTS_URL is set/
    );
  });

  it('refuse a secret not in whsec_ form and a URL that is not http(s)', () => {
    expect(() => loadConfig({ PORTFLOW_EVENTS_SECRET: 'hunter2' })).toThrow(/PORTFLOW_EVENTS_SECRET: expected whsec_/);
    expect(() =>
      loadConfig({ PORTFLOW_EVENTS_URL: 'ftp://backend.example.com/x', PORTFLOW_EVENTS_SECRET: generateEventsSecret() })
    ).toThrow(/PORTFLOW_EVENTS_URL: expected an http\(s\) URL/);
  });
});

describe('order options for events', () => {
  it('take an http(s) eventsUrl and a give-up duration', () => {
    expect(orderOptionsSchema.parse({ eventsUrl: 'http://127.0.0.1:9000/events', eventsGiveUpAfter: '2h' })).toEqual({
      eventsUrl: 'http://127.0.0.1:9000/events',
      eventsGiveUpAfter: '2h',
    });
  });

  it('refuse anything else with a specific message', () => {
    const bad = orderOptionsSchema.safeParse({ eventsUrl: 'mailto:ops@example.com' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({
      path: ['eventsUrl'],
      message: expect.stringMatching(/http\(s\) URL/),
    });
    expect(orderOptionsSchema.safeParse({ eventsGiveUpAfter: 'soon' }).success).toBe(false);
  });
});
