/**
 * loadTemporalSettings: the SDK's envconfig variables and profiles, as every portflow process reads
 * them. Files are real (a TOML profile file, PEM files); nothing is mocked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config';
import { loadTemporalSettings, TemporalConfigError } from '../../../src/temporal-connection';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-envconfig-'));
  writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');
  writeFileSync(
    path.join(dir, 'temporal.toml'),
    [
      '[profile.default]',
      'address = "localhost:7233"',
      '',
      '[profile.cloud]',
      'address = "porting.acme.tmprl.cloud:7233"',
      'namespace = "porting.acme"',
      'api_key = "secret-api-key"',
      '',
      '[profile.private]',
      'address = "temporal.internal:7233"',
      '[profile.private.tls]',
      `server_ca_cert_path = "${path.join(dir, 'ca.pem')}"`,
      'server_name = "temporal.internal"',
      '',
    ].join('\n')
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// No HOME: the user's own ~/.config/temporalio/temporal.toml must not leak into the tests.
const env = (vars: Record<string, string> = {}) => ({ PATH: process.env.PATH, ...vars });

describe('loadTemporalSettings', () => {
  it('defaults to a local dev server without TLS', () => {
    const settings = loadTemporalSettings(env());
    expect(settings).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default' });
    expect(settings.connectionOptions.tls).toBeUndefined();
    expect(settings.description).toBe('127.0.0.1:7233 (namespace default, no TLS)');
  });

  it('reads a profile of TEMPORAL_CONFIG_FILE named by TEMPORAL_PROFILE; an API key switches TLS on and is never described', () => {
    const settings = loadTemporalSettings(
      env({ TEMPORAL_CONFIG_FILE: path.join(dir, 'temporal.toml'), TEMPORAL_PROFILE: 'cloud' })
    );
    expect(settings).toMatchObject({ address: 'porting.acme.tmprl.cloud:7233', namespace: 'porting.acme' });
    expect(settings.connectionOptions).toMatchObject({ apiKey: 'secret-api-key', tls: true });
    expect(settings.description).toBe(
      'porting.acme.tmprl.cloud:7233 (namespace porting.acme, TLS, API key, profile cloud)'
    );
    expect(settings.description).not.toContain('secret-api-key');
  });

  it('lets TEMPORAL_* variables override the profile, and treats empty ones as unset', () => {
    const settings = loadTemporalSettings(
      env({
        TEMPORAL_CONFIG_FILE: path.join(dir, 'temporal.toml'),
        TEMPORAL_PROFILE: 'private',
        TEMPORAL_NAMESPACE: 'porting',
        TEMPORAL_API_KEY: '',
        TEMPORAL_ADDRESS: '',
      })
    );
    expect(settings).toMatchObject({ address: 'temporal.internal:7233', namespace: 'porting' });
    expect(settings.connectionOptions.apiKey).toBeUndefined();
    expect(settings.description).toBe(
      'temporal.internal:7233 (namespace porting, TLS, own server CA, server name temporal.internal, profile private)'
    );
  });

  it('refuses a profile that does not exist, naming it and the file', () => {
    const file = path.join(dir, 'temporal.toml');
    expect(() => loadTemporalSettings(env({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }))).toThrow(
      new TemporalConfigError(
        `Invalid Temporal settings: Profile 'staging' not found in config data (TEMPORAL_PROFILE=staging, looked in ${file})`
      )
    );
  });

  it('refuses a certificate file that does not exist, naming the variable', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() => loadTemporalSettings(env({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing }))).toThrow(
      `Invalid Temporal settings: cannot read ${missing} (named by TEMPORAL_TLS_SERVER_CA_CERT_PATH): no such file`
    );
  });

  it('is what loadConfig().temporal holds, and loadConfig reports its problems with the others', () => {
    const config = loadConfig(env({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TASK_QUEUE: 'porting' }));
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', namespace: 'default', taskQueue: 'porting' });
    expect(() => loadConfig(env({ TEMPORAL_PROFILE: 'missing', WEBHOOK_PORT: 'x' }))).toThrow(
      /Invalid portflow configuration:\n {2}Temporal: Profile 'missing' not found.*\n {2}WEBHOOK_PORT: /
    );
  });
});
