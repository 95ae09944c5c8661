import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSandbox } from '../../../src/sandbox';
import type { SandboxHandle } from '../../../src/sandbox';
import { findFreePort } from '../../../src/temporal-server/ports';
import { CliUsageError, parseCommand, runWebhookConfigCli } from '../../../src/cli/webhook-config';

const root = path.resolve(__dirname, '../../..');

describe('parseCommand', () => {
  it('prints the usage when no command is given, and sends serve to npm run webhooks', () => {
    expect(parseCommand([])).toEqual({ name: 'help' });
    expect(() => parseCommand(['serve'])).toThrow(/the receiver runs with 'npm run webhooks'/);
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
    [['launch'], "unknown command 'launch'; expected configure, show, delete or help"],
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

describe('runWebhookConfigCli against the sandbox over HTTP', () => {
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
    expect(await runWebhookConfigCli(['show'], io())).toBe(0);
    expect(out).toEqual(['No porting webhook is configured for this account.']);

    expect(await runWebhookConfigCli(['configure'], io())).toBe(0);
    expect(out.at(-1)).toBe(
      `Port-in webhooks of ${sandbox.accountSid} now go to http://127.0.0.1:3999/webhooks/twilio/porting (every event).`
    );

    env.WEBHOOK_PUBLIC_BASE_URL = 'https://hooks.example.com/portflow';
    expect(
      await runWebhookConfigCli(['configure', '--events', 'PortInCompleted,PortInPhoneNumberCompleted'], io())
    ).toBe(0);
    expect(out.at(-1)).toBe(
      `Port-in webhooks of ${sandbox.accountSid} now go to https://hooks.example.com/portflow/webhooks/twilio/porting ` +
        '(PortInCompleted, PortInPhoneNumberCompleted).'
    );

    expect(await runWebhookConfigCli(['show'], io())).toBe(0);
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({
      portInTargetUrl: 'https://hooks.example.com/portflow/webhooks/twilio/porting',
      notificationsOf: ['PortInCompleted', 'PortInPhoneNumberCompleted'],
    });

    expect(await runWebhookConfigCli(['delete'], io())).toBe(0);
    expect(out.at(-1)).toBe('Deleted the PORT_IN webhook target.');
    expect(await runWebhookConfigCli(['show'], io())).toBe(0);
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
    expect(await runWebhookConfigCli(['configure', '--url', 'https://hooks.example.com'], io())).toBe(0);
    expect(await runWebhookConfigCli(['show'], io())).toBe(0);
    expect(JSON.parse(out.at(-1) as string)).toMatchObject({
      portInTargetUrl: 'https://hooks.example.com/webhooks/twilio/porting',
      portOutTargetUrl: 'https://other.example/port-out',
      notificationsOf: [],
    });
  });

  it('exits 2 with the usage text for a bad command line', async () => {
    expect(await runWebhookConfigCli(['configure', '--events', 'Bogus'], io())).toBe(2);
    expect(err[0]).toMatch(/^webhooks: --events: unknown event name\(s\) 'Bogus'/);
    expect(err[0]).toContain('Usage: portflow webhooks <command> [options]');
  });

  it('exits 2 naming the variable when the configuration is invalid', async () => {
    env.WEBHOOK_PORT = 'eighty';
    expect(await runWebhookConfigCli(['show'], io())).toBe(2);
    expect(err[0]).toMatch(/WEBHOOK_PORT: /);
  });

  it('exits 1 with the Twilio error when the call fails', async () => {
    env.TWILIO_API_BASE_URL = `http://127.0.0.1:${await findFreePort()}`;
    expect(await runWebhookConfigCli(['show'], io())).toBe(1);
    expect(err[0]).toMatch(/^webhooks show failed: /);
  });

  it('prints the usage for help', async () => {
    expect(await runWebhookConfigCli(['--help'], io())).toBe(0);
    expect(out[0]).toContain('configure [--url <url>] [--events <a,b,...>]');
  });
});

describe('src/cli/webhook-config.ts as a process', () => {
  it('exits 2 with a clear message for a bad argument', async () => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(tsx, ['src/cli/webhook-config.ts', 'delete', 'BOTH'], { cwd: root });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("webhooks: delete: 'BOTH' is not a webhook type; use PORT_IN or PORT_OUT");
  });
});
