/** src/config.ts: defaults that run against the sandbox, and every bad variable named at once. */
import { ConfigError, loadConfig } from '../../../src/config';

describe('loadConfig', () => {
  it('needs nothing set to run against the local sandbox and dev server', () => {
    const config = loadConfig({});
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.twilio.usesSandbox).toBe(true);
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9464, attentionGaugeInterval: '60s' });
    expect(config.logLevel).toBe('INFO');
  });

  it('reads the Twilio request rate and the worker tuning, with their defaults, and says what is allowed', () => {
    const defaults = loadConfig({});
    expect(defaults.twilio.maxRequestsPerSecond).toBe(25);
    expect(defaults.worker).toEqual({
      maxCachedWorkflows: 200,
      maxConcurrentActivityTaskExecutions: 100,
      maxConcurrentWorkflowTaskExecutions: 40,
    });
    expect(loadConfig({ PORTFLOW_TWILIO_MAX_RPS: 'off' }).twilio.maxRequestsPerSecond).toBeNull();
    expect(loadConfig({ PORTFLOW_TWILIO_MAX_RPS: '2.5' }).twilio.maxRequestsPerSecond).toBe(2.5);
    expect(loadConfig({ PORTFLOW_TWILIO_MAX_RPS: '' }).twilio.maxRequestsPerSecond).toBe(25);
    expect(() => loadConfig({ PORTFLOW_TWILIO_MAX_RPS: '0' })).toThrow(
      /PORTFLOW_TWILIO_MAX_RPS: expected a number of requests per second above 0 \(at most 10000\), or "off"/
    );
    expect(() => loadConfig({ PORTFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' })).toThrow(
      /PORTFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS/
    );
  });

  it('binds the worker metrics on PORTFLOW_METRICS_HOST, independently of the webhook receiver', () => {
    const config = loadConfig({ PORTFLOW_METRICS_HOST: '0.0.0.0', WEBHOOK_HOST: '127.0.0.1' });
    expect(config.metrics.host).toBe('0.0.0.0');
    expect(config.webhooks.host).toBe('127.0.0.1');
  });

  it('reads the additional webhook tokens as a list, ignoring spaces and empty entries', () => {
    expect(loadConfig({}).twilio.webhookAuthTokens).toEqual([]);
    expect(loadConfig({ TWILIO_WEBHOOK_AUTH_TOKENS: ' next-token , ,sub-token' }).twilio.webhookAuthTokens).toEqual([
      'next-token',
      'sub-token',
    ]);
  });

  it.each([
    ['debug', 'DEBUG'],
    ['Warn', 'WARN'],
    ['', 'INFO'],
  ])('reads PORTFLOW_LOG_LEVEL=%j as %s', (value, level) => {
    expect(loadConfig({ PORTFLOW_LOG_LEVEL: value }).logLevel).toBe(level);
  });

  it('names every invalid variable, with what is allowed, in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORTFLOW_LOG_LEVEL: 'verbose', PORTFLOW_METRICS_PORT: '70000', TWILIO_ACCOUNT_SID: 'AC123' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORTFLOW_LOG_LEVEL: expected one of TRACE, DEBUG, INFO, WARN, ERROR (any casing)');
    expect(message).toMatch(/PORTFLOW_METRICS_PORT: .*65535/);
    expect(message).toContain('TWILIO_ACCOUNT_SID: expected AC followed by 32 hex digits');
  });

  it('refuses to talk to real Twilio without an auth token', () => {
    expect(() => loadConfig({ TWILIO_API_BASE_URL: 'https://numbers.twilio.com' })).toThrow(
      /TWILIO_AUTH_TOKEN: required when TWILIO_API_BASE_URL points at Twilio/
    );
  });
});
