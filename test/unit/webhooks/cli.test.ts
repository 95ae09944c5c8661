import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { findFreePort } from '../../../src/temporal-server/ports';
import { CliUsageError, parseCommand, runWebhooksCli } from '../../../src/webhooks/cli';

const root = path.resolve(__dirname, '../../..');

describe('parseCommand', () => {
  it('serves when no command is given', () => {
    expect(parseCommand([])).toEqual({ name: 'serve' });
    expect(parseCommand(['serve'])).toEqual({ name: 'serve' });
  });

  it('reads configure with a URL and canonical event names (any casing)', () => {
    expect(
      parseCommand([
        'configure',
        '--url',
        'https://hooks.example.com/webhooks/twilio/porting',
        '--events',
        'PortInCompleted, port_in_phone_number_rejected',
      ])
    ).toEqual({
      name: 'configure',
      url: 'https://hooks.example.com/webhooks/twilio/porting',
      events: ['PortInCompleted', 'PortInPhoneNumberRejected'],
    });
  });

  it("gives a URL without a path the receiver's path", () => {
    expect(parseCommand(['configure', '--url', 'https://abc.ngrok.app'])).toEqual({
      name: 'configure',
      url: 'https://abc.ngrok.app/webhooks/twilio/porting',
    });
  });

  it('reads delete with an optional webhook type, PORT_IN by default', () => {
    expect(parseCommand(['delete'])).toEqual({ name: 'delete', webhookType: 'PORT_IN' });
    expect(parseCommand(['delete', 'port-out'])).toEqual({ name: 'delete', webhookType: 'PORT_OUT' });
  });

  const bad: Array<[string[], string]> = [
    [['launch'], "unknown command 'launch'; expected serve, configure, show, delete or help"],
    [['configure', '--url'], "Option '--url <value>' argument missing"],
    [['configure', '--url', 'hooks.example.com'], "--url: 'hooks.example.com' is not a URL"],
    [['configure', '--url', 'ftp://hooks.example.com/x'], "--url: expected an http(s) URL, got the scheme 'ftp'"],
    [['configure', '--url', 'https://u:p@hooks.example.com/x'], '--url: credentials in the URL are not allowed'],
    [['configure', '--url', 'https://hooks.example.com/x#rc=3'], '--url: a fragment (#...) is not allowed'],
    [['configure', '--events', 'PortInDone,PortInCompleted'], "--events: unknown event name(s) 'PortInDone'"],
    [['configure', '--events', ' , '], '--events: expected a comma-separated list of event names'],
    [['configure', 'extra'], "configure: unexpected argument 'extra'"],
    [['show', '--url', 'https://x.example'], '--url is an option of configure, not of show'],
    [['delete', 'PORT_SIDEWAYS'], "delete: 'PORT_SIDEWAYS' is not a webhook type; use PORT_IN or PORT_OUT"],
    [['--verbose'], "Unknown option '--verbose'"],
  ];
  it.each(bad)('refuses %j with a specific message', (argv, message) => {
    let error: unknown;
    try {
      parseCommand(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliUsageError);
    expect((error as Error).message).toContain(message);
  });

  it('lists the 13 event names when one is unknown', () => {
    expect(() => parseCommand(['configure', '--events', 'Nope'])).toThrow(
      /expected some of PortInWaitingForSignature, .*PortInPhoneNumberCanceled, PortOutPhoneNumberCompleted$/
    );
  });
});

describe('runWebhooksCli against the sandbox', () => {
  let sandbox: SandboxHandle;
  let env: NodeJS.ProcessEnv;
  let out: string[];
  let err: string[];
  const io = () => ({ env, out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) });

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    out = [];
    err = [];
    env = {
      TWILIO_API_BASE_URL: sandbox.url,
      TWILIO_DOCUMENTS_BASE_URL: sandbox.url,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: '3999',
    };
  });

  it('configures, shows and deletes the port-in target through src/twilio', async () => {
    expect(await runWebhooksCli(['show'], io())).toBe(0);
    expect(out).toEqual(['No porting webhook is configured for this account.']);

    expect(await runWebhooksCli(['configure'], io())).toBe(0);
    expect(out.at(-1)).toBe(
      `Port-in webhooks of ${sandbox.accountSid} now go to http://127.0.0.1:3999/webhooks/twilio/porting (every event).`
    );

    env.WEBHOOK_PUBLIC_BASE_URL = 'https://hooks.example.com/portflow';
    expect(await runWebhooksCli(['configure', '--events', 'PortInCompleted,PortInPhoneNumberCompleted'], io())).toBe(0);
    expect(out.at(-1)).toBe(
      `Port-in webhooks of ${sandbox.accountSid} now go to https://hooks.example.com/portflow/webhooks/twilio/porting ` +
        '(PortInCompleted, PortInPhoneNumberCompleted).'
    );

    expect(await runWebhooksCli(['show'], io())).toBe(0);
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({
      portInTargetUrl: 'https://hooks.example.com/portflow/webhooks/twilio/porting',
      notificationsOf: ['PortInCompleted', 'PortInPhoneNumberCompleted'],
    });

    expect(await runWebhooksCli(['delete'], io())).toBe(0);
    expect(out.at(-1)).toBe('Deleted the PORT_IN webhook target.');
    expect(await runWebhooksCli(['show'], io())).toBe(0);
    expect(out.at(-1)).toBe('No porting webhook is configured for this account.');
    expect(err).toEqual([]);
  });

  it('keeps a port-out target someone else configured', async () => {
    await fetch(`${sandbox.url}/v1/Porting/Configuration/Webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64')}`,
      },
      body: JSON.stringify({ port_out_target_url: 'https://other.example/port-out' }),
    });
    expect(await runWebhooksCli(['configure', '--url', 'https://hooks.example.com'], io())).toBe(0);
    expect(await runWebhooksCli(['show'], io())).toBe(0);
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({
      portInTargetUrl: 'https://hooks.example.com/webhooks/twilio/porting',
      portOutTargetUrl: 'https://other.example/port-out',
      notificationsOf: [],
    });
  });

  it('exits 2 with the usage text for a bad command line', async () => {
    expect(await runWebhooksCli(['configure', '--events', 'Bogus'], io())).toBe(2);
    expect(err[0]).toMatch(/^webhooks: --events: unknown event name\(s\) 'Bogus'/);
    expect(err[0]).toContain('Usage: npm run webhooks -- [command] [options]');
  });

  it('exits 2 naming the variable when the configuration is invalid', async () => {
    env.WEBHOOK_PORT = 'eighty';
    expect(await runWebhooksCli(['show'], io())).toBe(2);
    expect(err[0]).toMatch(/WEBHOOK_PORT: /);
  });

  it('exits 1 with the Twilio error when the call fails', async () => {
    env.TWILIO_API_BASE_URL = `http://127.0.0.1:${await findFreePort()}`;
    expect(await runWebhooksCli(['show'], io())).toBe(1);
    expect(err[0]).toMatch(/^webhooks show failed: /);
  });

  it('prints the usage for help', async () => {
    expect(await runWebhooksCli(['--help'], io())).toBe(0);
    expect(out[0]).toContain('configure [--url <url>] [--events <a,b,...>]');
  });

  it('serves until told to stop, then closes (starting even while Temporal is down)', async () => {
    let stop: (signal: string) => void = () => undefined;
    // Port 0: the receiver binds a free port and says which.
    env.WEBHOOK_PORT = '0';
    env.TEMPORAL_ADDRESS = `127.0.0.1:${await findFreePort()}`;
    env.PORTFLOW_ENCRYPTION_KEYS = `test:${randomBytes(32).toString('base64')}`;
    const running = runWebhooksCli([], { ...io(), stopSignal: () => new Promise((resolve) => (stop = resolve)) });
    let base = '';
    await waitFor(async () => {
      base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join('\n'))?.[1] ?? '';
      return base !== '' && (await fetch(`${base}/healthz`).catch(() => null))?.status === 200;
    });
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    stop('SIGTERM');
    expect(await running).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(/^portflow webhooks: Temporal at 127\.0\.0\.1:\d+ is not reachable yet .*lazy connection$/),
      expect.stringMatching(
        /^portflow webhooks: listening on http:\/\/127\.0\.0\.1:\d+ \(POST \/webhooks\/twilio\/porting/
      ),
      'portflow webhooks: SIGTERM: finishing requests in flight, then stopping',
      'portflow webhooks: stopped',
    ]);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

describe('npm run webhooks (the process)', () => {
  const tsx = path.join(root, 'node_modules/.bin/tsx');

  function run(args: string[], env: NodeJS.ProcessEnv, onStdout?: (text: string, kill: () => void) => void) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(tsx, ['src/webhooks/main.ts', ...args], { cwd: root, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        onStdout?.(stdout, () => child.kill('SIGTERM'));
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    let signalled = false;
    const result = await run(
      [],
      {
        WEBHOOK_PORT: '0',
        TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}`,
        PORTFLOW_ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64')}`,
      },
      (text, kill) => {
        if (!signalled && text.includes('listening on')) {
          signalled = true;
          kill();
        }
      }
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SIGTERM: finishing requests in flight, then stopping');
    expect(result.stdout).toContain('portflow webhooks: stopped');
  });

  it('exits 2 with a clear message for a bad argument', async () => {
    const result = await run(['delete', 'BOTH'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("webhooks: delete: 'BOTH' is not a webhook type; use PORT_IN or PORT_OUT");
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
