/**
 * `npm run webhooks`: what it refuses to start with, and the start-up configuration of the account's
 * PORT_IN webhook (PORTFLOW_CONFIGURE_WEBHOOKS) against the sandbox over HTTP. Temporal is a port
 * where nothing listens: the receiver starts on a lazy connection, which is all these need.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { findFreePort } from '../../../src/temporal-server/ports';
import type { PortingClient } from '../../../src/twilio/client';
import { loadConfig } from '../../../src/config';
import { loadServeSettings, runWebhooksServe } from '../../../src/webhooks/serve';
import { sandboxPortingClient } from '../../helpers/portflow-env';

const root = path.resolve(__dirname, '../../..');

function runProcess(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const { WEBHOOK_PUBLIC_BASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(tsx, ['src/webhooks/main.ts', ...args], { cwd: root, env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!signalled && stdout.includes('listening on')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run webhooks (the process)', () => {
  it('refuses to start outside the sandbox without WEBHOOK_PUBLIC_BASE_URL, naming the variable', async () => {
    const result = await runProcess([], {
      TWILIO_API_BASE_URL: 'https://api.twilio.com',
      TWILIO_DOCUMENTS_BASE_URL: 'https://numbers-upload.twilio.com',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'a-real-looking-auth-token-000000',
      WEBHOOK_PORT: '0',
      TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}`,
    });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('listening on');
    expect(result.stderr).toContain(
      'WEBHOOK_PUBLIC_BASE_URL: required when TWILIO_API_BASE_URL is not the sandbox (https://api.twilio.com)'
    );
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const result = await runProcess([], {
      WEBHOOK_PORT: '0',
      TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}`,
      PORTFLOW_ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64')}`,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SIGTERM: finishing requests in flight, then stopping');
    expect(result.stdout).toContain('portflow webhooks: stopped');
  });

  it('points the moved configuration commands at their new home', async () => {
    const result = await runProcess(['configure'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "webhooks: 'configure' is an operator command now: run `npx portflow webhooks configure`"
    );
  });
});

describe('runWebhooksServe', () => {
  let sandbox: SandboxHandle;
  let porting: PortingClient;
  let env: NodeJS.ProcessEnv;
  let out: string[];
  let err: string[];

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    porting = sandboxPortingClient(sandbox);
  });
  afterAll(async () => {
    porting.close();
    await sandbox.stop();
  });
  beforeEach(async () => {
    out = [];
    err = [];
    const port = await findFreePort();
    env = {
      TWILIO_API_BASE_URL: sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(port),
      WEBHOOK_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}`,
      PORTFLOW_ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64')}`,
    };
    await porting.deleteWebhookConfiguration('PORT_IN').catch(() => undefined);
    await porting.deleteWebhookConfiguration('PORT_OUT').catch(() => undefined);
  });

  /** Runs the receiver until it is listening (and configured), then stops it; resolves the exit code. */
  async function startAndStop(): Promise<number> {
    let stop: (signal: string) => void = () => undefined;
    let ended: number | null = null;
    const running = runWebhooksServe([], {
      env,
      out: (line) => void out.push(line),
      err: (line) => void err.push(line),
      stopSignal: () => new Promise((resolve) => (stop = resolve)),
    }).then((code) => (ended = code));
    // Listening, and past the start-up configuration (which says what it did, or fails).
    const ready = () =>
      out.some((l) => l.includes('listening on')) &&
      (env.PORTFLOW_CONFIGURE_WEBHOOKS === undefined || out.some((l) => l.includes('PORT_IN webhooks of')));
    for (let i = 0; i < 200 && ended === null && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
    if (ended !== null) return ended;
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join('\n'))?.[1];
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    stop('SIGTERM');
    return running;
  }

  const target = () => `${env.WEBHOOK_PUBLIC_BASE_URL}/webhooks/twilio/porting`;

  it('serves without touching webhook settings when PORTFLOW_CONFIGURE_WEBHOOKS is unset', async () => {
    expect(await startAndStop()).toBe(0);
    await expect(porting.fetchWebhookConfiguration()).rejects.toMatchObject({ status: 404 });
    expect(out.join('\n')).not.toContain('PORT_IN webhooks of');
  });

  it('configures the PORT_IN target at start-up, then leaves it alone on the next start', async () => {
    env.PORTFLOW_CONFIGURE_WEBHOOKS = '1';
    expect(await startAndStop()).toBe(0);
    expect(out).toContain(
      `portflow webhooks: PORT_IN webhooks of ${sandbox.accountSid} were not configured; they now go to ${target()} (every event)`
    );
    expect(await porting.fetchWebhookConfiguration()).toMatchObject({ portInTargetUrl: target(), notificationsOf: [] });

    out = [];
    expect(await startAndStop()).toBe(0);
    expect(out).toContain(
      `portflow webhooks: PORT_IN webhooks of ${sandbox.accountSid} already go to ${target()} (every event); nothing changed`
    );
    expect(err).toEqual([]);
  });

  it('refuses to replace another target unless forced, and keeps a port-out target', async () => {
    await porting.configureWebhooks({
      portInTargetUrl: 'https://someone-else.example/hooks',
      portOutTargetUrl: 'https://someone-else.example/port-out',
    });
    env.PORTFLOW_CONFIGURE_WEBHOOKS = '1';
    expect(await startAndStop()).toBe(2);
    expect(err.join('\n')).toContain(
      `not starting: The account's PORT_IN webhook goes to https://someone-else.example/hooks, not to this receiver (${target()}); ` +
        'left as it is. Set PORTFLOW_CONFIGURE_WEBHOOKS=force to replace it'
    );
    expect(await porting.fetchWebhookConfiguration()).toMatchObject({
      portInTargetUrl: 'https://someone-else.example/hooks',
    });

    env.PORTFLOW_CONFIGURE_WEBHOOKS = 'force';
    out = [];
    err = [];
    expect(await startAndStop()).toBe(0);
    expect(out).toContain(
      `portflow webhooks: PORT_IN webhooks of ${sandbox.accountSid} went to https://someone-else.example/hooks; ` +
        `replaced (PORTFLOW_CONFIGURE_WEBHOOKS=force): they now go to ${target()} (every event)`
    );
    expect(await porting.fetchWebhookConfiguration()).toMatchObject({
      portInTargetUrl: target(),
      portOutTargetUrl: 'https://someone-else.example/port-out',
    });
  });

  it('names each bad receiver setting and starts nothing', async () => {
    env.PORTFLOW_CONFIGURE_WEBHOOKS = 'yes';
    env.PORTFLOW_INBOX_ORPHAN_AFTER = 'forever';
    env.PORTFLOW_INBOX_CLOSED_OWNER_GRACE = '2 days';
    expect(await startAndStop()).toBe(2);
    expect(err[0]).toContain('PORTFLOW_CONFIGURE_WEBHOOKS: expected 1');
    expect(err[0]).toContain('PORTFLOW_INBOX_ORPHAN_AFTER: Invalid duration "forever"');
    expect(err[0]).toContain('PORTFLOW_INBOX_CLOSED_OWNER_GRACE: "2 days" is outside 0 s to 24 hours');
    expect(out).toEqual([]);
  });

  it('needs a public URL to configure the target', async () => {
    env.PORTFLOW_CONFIGURE_WEBHOOKS = '1';
    delete env.WEBHOOK_PUBLIC_BASE_URL;
    expect(await startAndStop()).toBe(2);
    expect(err[0]).toContain('PORTFLOW_CONFIGURE_WEBHOOKS=1: needs WEBHOOK_PUBLIC_BASE_URL');
  });
});

describe('loadServeSettings: the inbox windows', () => {
  const settingsOf = (extra: NodeJS.ProcessEnv) => {
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:7233', ...extra };
    return loadServeSettings(env, loadConfig(env));
  };

  it('reads PORTFLOW_INBOX_CLOSED_OWNER_GRACE as milliseconds, and leaves it to the default when unset or blank', () => {
    expect(settingsOf({ PORTFLOW_INBOX_CLOSED_OWNER_GRACE: '5s' }).closedOwnerGraceMs).toBe(5000);
    expect(settingsOf({ PORTFLOW_INBOX_CLOSED_OWNER_GRACE: '0s' }).closedOwnerGraceMs).toBe(0);
    expect(settingsOf({ PORTFLOW_INBOX_CLOSED_OWNER_GRACE: '24 hours' }).closedOwnerGraceMs).toBe(86_400_000);
    expect(settingsOf({}).closedOwnerGraceMs).toBeUndefined();
    expect(settingsOf({ PORTFLOW_INBOX_CLOSED_OWNER_GRACE: ' ' }).closedOwnerGraceMs).toBeUndefined();
  });

  it('refuses a grace that is not a duration, or longer than a day, naming the variable', () => {
    expect(() => settingsOf({ PORTFLOW_INBOX_CLOSED_OWNER_GRACE: 'a while' })).toThrow(
      /PORTFLOW_INBOX_CLOSED_OWNER_GRACE: Invalid duration "a while": expected a number and a unit/
    );
    expect(() => settingsOf({ PORTFLOW_INBOX_CLOSED_OWNER_GRACE: '25h' })).toThrow(
      /PORTFLOW_INBOX_CLOSED_OWNER_GRACE: "25h" is outside 0 s to 24 hours/
    );
  });
});
