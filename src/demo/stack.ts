/**
 * Starts every piece of portflow on one machine for the demo — the Temporal dev server with its UI
 * wired to the codec server, the sandbox, the worker and the webhook receiver — and stops them all
 * again. Only the dev server is a child process; everything else runs in this process.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, Runtime } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { startCodecServer } from '../codec/codec-server';
import type { RunningCodecServer } from '../codec/codec-server';
import { createDataConverter } from '../codec/data-converter';
import { EncryptionCodec } from '../codec/encryption-codec';
import { ensureLocalKeyFile, loadKeyring } from '../codec/keys';
import type { Keyring } from '../codec/keys';
import { startSandbox } from '../sandbox';
import type { SandboxHandle } from '../sandbox';
import { startDevServer } from '../temporal-server/dev-server';
import type { DevServerHandle } from '../temporal-server/dev-server';
import { connectTemporalClient, connectWorkerConnection, localTemporalSettings } from '../temporal-connection';
import { PortingClient } from '../twilio/client';
import { startWebhookReceiver } from '../webhooks';
import type { WebhookReceiverHandle } from '../webhooks';
import { createPortflowWorker } from '../worker';
import { DemoLogFile } from './log-file';
import type { DemoPorts } from './ports';
import type { DemoPortName, DemoSettings } from './settings';
import { runCleanups } from './stop-sequence';
import type { CleanupStep } from './stop-sequence';

/** Where the demo's encryption keys came from. */
export interface DemoKeys {
  keyring: Keyring;
  /** A sentence for the terminal: the variable or the file, and whether the file was just created. */
  source: string;
}

/** Everything the demo started, and how to stop it. */
export interface DemoStack {
  settings: DemoSettings;
  /** The port of each piece (those given as `0` chosen at startup). */
  ports: Readonly<Record<DemoPortName, number>>;
  log: DemoLogFile;
  keys: DemoKeys;
  devServer: DevServerHandle;
  codecServer: RunningCodecServer;
  sandbox: SandboxHandle;
  porting: PortingClient;
  /** A client with the encrypting data converter (starts, queries and updates port-ins). */
  client: Client;
  worker: Worker;
  receiver: WebhookReceiverHandle;
  metricsUrl: string;
  /** A tiny PDF the order's utility bill points at (the bill travels as a path). */
  utilityBillPath: string;
  /** Every process the demo runs: this one and the dev server. */
  pids: { demo: number; temporal: number | undefined };
  /** Resolves (never rejects) if the worker stops by itself, with the reason. */
  workerStopped: Promise<string>;
  /** Stops everything in reverse order of start; safe to call twice. Returns what failed to stop cleanly. */
  stop(): Promise<string[]>;
}

/** The demo's steps as they happen, for the terminal. */
export type StartupReporter = (step: string) => void;

/**
 * Finds the keys: `PORTFLOW_ENCRYPTION_KEYS` / `PORTFLOW_ENCRYPTION_KEY_FILE` when set, otherwise a
 * key file in the data directory, generated on first use and kept: the dev server's SQLite file
 * holds histories encrypted with it.
 */
export async function resolveDemoKeys(env: NodeJS.ProcessEnv, dataDir: string): Promise<DemoKeys> {
  const keyId = env.PORTFLOW_ENCRYPTION_KEY_ID || undefined;
  if (env.PORTFLOW_ENCRYPTION_KEYS || env.PORTFLOW_ENCRYPTION_KEY_FILE) {
    const keyring = await loadKeyring({
      keyId,
      keys: env.PORTFLOW_ENCRYPTION_KEYS || undefined,
      keyFile: env.PORTFLOW_ENCRYPTION_KEY_FILE || undefined,
    });
    const from = [
      env.PORTFLOW_ENCRYPTION_KEYS ? 'PORTFLOW_ENCRYPTION_KEYS' : '',
      env.PORTFLOW_ENCRYPTION_KEY_FILE ? `PORTFLOW_ENCRYPTION_KEY_FILE (${env.PORTFLOW_ENCRYPTION_KEY_FILE})` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return { keyring, source: `keys from ${from}, active key ${keyring.activeKeyId}` };
  }
  const file = path.join(dataDir, 'encryption-keys.json');
  const { created } = await ensureLocalKeyFile(file);
  const keyring = await loadKeyring({ keyId, keyFile: file });
  return {
    keyring,
    source: `${created ? 'generated a new local key file' : 'local key file'} ${file} (active key ${keyring.activeKeyId})`,
  };
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Starts the whole stack on the ports the caller claimed (claimDemoPorts), releasing each reserved
 * one just before its piece listens. If a step fails, or `signal` aborts (Ctrl-C during startup),
 * whatever had started is stopped, in order, before the error (or the abort reason) is thrown.
 */
export async function startDemoStack(
  settings: DemoSettings,
  claimed: DemoPorts,
  options: { env?: NodeJS.ProcessEnv; report?: StartupReporter; signal?: AbortSignal } = {}
): Promise<DemoStack> {
  const env = options.env ?? process.env;
  const { signal } = options;
  // Between steps: an interrupt stops the startup here rather than after everything is up.
  const report: StartupReporter = (line) => {
    signal?.throwIfAborted();
    options.report?.(line);
  };
  const { dataDir } = settings;
  const ports = claimed.numbers;
  const log = new DemoLogFile(path.join(dataDir, 'demo.log'));
  const cleanups: CleanupStep[] = [];
  const stopAll = () => runCleanups(cleanups.splice(0).reverse(), log);

  try {
    const keys = await resolveDemoKeys(env, dataDir);
    report(`Encryption: ${keys.source}`);
    const dataConverter: DataConverter = await createDataConverter(keys.keyring);

    // Once per process, before any connection: logs go to the demo log, metrics to Prometheus.
    // No shutdown signals: the demo decides the order in which things stop.
    await claimed.release('metrics');
    Runtime.install({
      logger: log.temporalLogger('DEBUG'),
      shutdownSignals: [],
      telemetryOptions: {
        logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
        metrics: { prometheus: { bindAddress: `127.0.0.1:${ports.metrics}` } },
      },
    });

    await claimed.release('codec');
    const codecServer = await startCodecServer({
      port: ports.codec,
      host: '127.0.0.1',
      codec: new EncryptionCodec(keys.keyring),
      corsOrigins: [`http://127.0.0.1:${ports.ui}`, `http://localhost:${ports.ui}`],
      log: log.lines('codec-server'),
    });
    cleanups.push({ what: 'codec server', run: () => codecServer.stop() });
    report(`Codec server:      ${codecServer.url}`);

    // The sandbox runs in real time until the scenario's request exists (the 7-day rule is
    // checked against its clock); the scenario then speeds it up.
    await claimed.release('sandbox');
    const sandbox = await startSandbox({
      port: ports.sandbox,
      clockScale: 1,
      logger: {
        info: (m) => log.write('sandbox', 'info', m),
        warn: (m) => log.write('sandbox', 'warn', m),
        error: (m) => log.write('sandbox', 'error', m),
      },
    });
    cleanups.push({ what: 'sandbox', run: () => sandbox.stop() });
    report(`Twilio sandbox:    ${sandbox.url} (control API ${sandbox.url}/_sandbox)`);

    report('Starting the Temporal dev server and bundling the workflow code (a few seconds)…');
    await claimed.release('temporal', 'ui');
    const [devServer, bundle] = await Promise.all([
      startDevServer({
        port: ports.temporal,
        uiPort: ports.ui,
        namespace: settings.namespace,
        dbFile: path.join(dataDir, 'temporal.sqlite'),
        uiCodecEndpoint: codecServer.url,
        log: log.lines('temporal-binaries'),
        // The demo stops the server itself, last: on Ctrl-C the worker must not lose it first.
        stopOnSignals: false,
        signal,
      }).then((server) => {
        // SIGKILL after 5 s; if even that is not seen in time, the exit hook kills it again.
        cleanups.push({ what: 'Temporal dev server', run: () => server.stop(5000), timeoutMs: 7000 });
        return server;
      }),
      // The failure converter goes into the bundle (Worker.create does this only when it bundles
      // itself): without it, workflow failure messages would be stored in plaintext.
      bundleWorkflowCode({
        workflowsPath: require.resolve('../workflows'),
        failureConverterPath: dataConverter.failureConverterPath,
        logger: quietBundlerLogger,
      }),
    ]);
    report(`Temporal:          ${devServer.address} (state in ${devServer.dbFile})`);

    // The demo's own dev server: local, no TLS, whatever TEMPORAL_* variables the shell has.
    const temporal = localTemporalSettings(devServer.address, settings.namespace);
    const client = await connectTemporalClient(temporal, { dataConverter });
    cleanups.push({ what: 'Temporal client connection', run: () => client.connection.close() });
    const nativeConnection = await connectWorkerConnection(temporal);
    cleanups.push({ what: 'worker connection', run: () => nativeConnection.close() });

    const porting = PortingClient.forSandbox(sandbox, {
      timeoutMs: 10_000,
      // Method, path, status and timing only: bodies hold names and addresses.
      onResponse: (e) =>
        log.write(
          'twilio-client',
          e.error || (e.status ?? 500) >= 400 ? 'warn' : 'debug',
          `${e.method} ${new URL(e.url).pathname}`,
          {
            operation: e.operation,
            attempt: e.attempt,
            status: e.status,
            durationMs: Math.round(e.durationMs),
            ...(e.error ? { error: e.error } : {}),
          }
        ),
    });
    cleanups.push({ what: 'Twilio client', run: () => porting.close() });

    const worker = await createPortflowWorker({
      connection: nativeConnection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      porting,
      workflowBundle: { code: bundle.code },
      dataConverter,
      tuning: { shutdownGraceTime: '3 seconds' },
    });
    const running = worker.run();
    const workerStopped = running.then(
      () => 'the worker stopped',
      (err: unknown) => {
        log.write('demo', 'error', 'worker failed', { error: err });
        return `the worker failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    );
    cleanups.push({
      what: 'worker',
      run: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerStopped;
      },
      // The 3 s grace for activities, then their cancellation.
      timeoutMs: 10_000,
    });
    const metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;
    report(`Worker:            task queue ${settings.taskQueue}; metrics on ${metricsUrl}`);

    await claimed.release('webhooks');
    const receiver = await startWebhookReceiver({
      temporalClient: client,
      authToken: sandbox.authToken,
      sandbox: true,
      inbox: { taskQueue: settings.taskQueue },
      host: '127.0.0.1',
      port: ports.webhooks,
      logger: log.webhookLogger(),
    });
    cleanups.push({ what: 'webhook receiver', run: () => receiver.stop() });
    await porting.configureWebhooks({ portInTargetUrl: receiver.webhookUrl });
    report(`Webhook receiver:  ${receiver.webhookUrl} (the sandbox posts its signed webhooks here)`);

    const utilityBillPath = path.join(dataDir, 'demo-utility-bill.pdf');
    writeFileSync(utilityBillPath, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

    let stopping: Promise<string[]> | null = null;
    return {
      settings,
      ports,
      log,
      keys,
      devServer,
      codecServer,
      sandbox,
      porting,
      client,
      worker,
      receiver,
      metricsUrl,
      utilityBillPath,
      pids: { demo: process.pid, temporal: devServer.process.child.pid },
      workerStopped,
      stop: () =>
        (stopping ??= stopAll().finally(() => {
          log.close();
        })),
    };
  } catch (err) {
    if (signal?.aborted) log.write('demo', 'info', 'startup interrupted: stopping what had started');
    else log.write('demo', 'error', 'startup failed', { error: err });
    await stopAll();
    await claimed.releaseAll();
    log.close();
    throw err;
  }
}
