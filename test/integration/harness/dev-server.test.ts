import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { portflowSearchAttributes } from '../../../src/search-attributes';
import { locateBinary } from '../../../src/temporal-server/binaries';
import {
  DEV_SERVER_START_ATTEMPTS,
  listCustomSearchAttributes,
  startDevServer,
} from '../../../src/temporal-server/dev-server';
import { findFreePort } from '../../../src/temporal-server/ports';
import { connectTemporal, createTestWorker, devServerAddress, uniqueTaskQueue } from '../../helpers/temporal';
import type { TemporalTestContext } from '../../helpers/temporal';

describe('the dev server of the test run', () => {
  let t: TemporalTestContext;
  beforeAll(async () => {
    t = await connectTemporal();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has every portflow search attribute registered, as the server reports it', async () => {
    const registered = await listCustomSearchAttributes(devServerAddress(), 'default');
    // Indexed value types of the server's enum: KEYWORD=2, INT=3, DATETIME=6, KEYWORD_LIST=7.
    const expectedType: Record<string, number> = {
      PortInRequestSids: 7,
      PortInStatus: 2,
      PortInTargetDate: 6,
      PortInCustomer: 2,
      PortInNumbersPending: 3,
      PortInCancelCutoff: 6,
    };
    for (const key of portflowSearchAttributes) {
      expect(registered[key.name]).toBe(expectedType[key.name]);
    }
  });

  it('runs a workflow that calls an activity on a worker', async () => {
    const taskQueue = uniqueTaskQueue('harness');
    const worker = await createTestWorker(t.nativeConnection, {
      taskQueue,
      activities: { greet: async (name: string) => `Hello, ${name}!` },
    });
    const result = await worker.runUntil(
      t.client.workflow.execute('harnessGreetingWorkflow', { taskQueue, workflowId: taskQueue, args: ['portflow'] })
    );
    expect(result).toBe('Hello, portflow!');
  });
});

describe('startDevServer', () => {
  it('keeps a finished workflow in its SQLite file across a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-sqlite-'));
    const dbFile = path.join(dir, 'temporal.sqlite');
    const port = await findFreePort();
    const workflowId = uniqueTaskQueue('persist');
    try {
      const first = await startDevServer({ port, uiPort: false, dbFile });
      try {
        const t = await connectTemporal(first.address);
        try {
          const worker = await createTestWorker(t.nativeConnection, {
            taskQueue: workflowId,
            activities: { greet: async (name: string) => `Hi ${name}` },
          });
          await worker.runUntil(
            t.client.workflow.execute('harnessGreetingWorkflow', { taskQueue: workflowId, workflowId, args: ['x'] })
          );
        } finally {
          await t.close();
        }
      } finally {
        await first.stop();
      }
      expect(first.process.hasExited()).toBe(true);

      const second = await startDevServer({ port, uiPort: false, dbFile });
      try {
        const t = await connectTemporal(second.address);
        try {
          const description = await t.client.workflow.getHandle(workflowId).describe();
          expect(description.status.name).toBe('COMPLETED');
          expect(await t.client.workflow.getHandle(workflowId).result()).toBe('Hi x');
        } finally {
          await t.close();
        }
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('when a port the CLI chose is taken before it binds it', () => {
    const BIND_ERROR =
      "Error: can't set frontend HTTP port 51557: listen tcp 127.0.0.1:51557: bind: address already in use";
    let dir: string;
    const saved = process.env.TEMPORAL_CLI_PATH;

    /** A `temporal` that fails as the real one does when it loses a port race, `failures` times, then is the real one. */
    function losesRaces(failures: number): { starts: () => number } {
      const real = locateBinary('temporal')!.path;
      const counter = path.join(dir, 'starts');
      writeFileSync(counter, '');
      const script = path.join(dir, 'temporal');
      writeFileSync(
        script,
        `#!/bin/sh\necho x >> '${counter}'\n` +
          `if [ "$(wc -l < '${counter}')" -le ${failures} ]; then echo "${BIND_ERROR}" >&2; exit 1; fi\n` +
          `exec '${real}' "$@"\n`,
        { mode: 0o755 }
      );
      process.env.TEMPORAL_CLI_PATH = script;
      return { starts: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length };
    }

    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'portflow-port-race-'));
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.TEMPORAL_CLI_PATH;
      else process.env.TEMPORAL_CLI_PATH = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts it again, and says so', async () => {
      const cli = losesRaces(1);
      const log: string[] = [];
      const server = await startDevServer({ port: 0, uiPort: false, dbFile: ':memory:', log: (l) => log.push(l) });
      try {
        expect(cli.starts()).toBe(2);
        expect(log).toContain(`temporal dev server: a port was taken while it started (${BIND_ERROR}); starting again`);
        expect(Object.keys(await listCustomSearchAttributes(server.address, 'default'))).toEqual(
          expect.arrayContaining(portflowSearchAttributes.map((a) => a.name))
        );
      } finally {
        await server.stop();
      }
    });

    it(`gives up after ${DEV_SERVER_START_ATTEMPTS} attempts with the server's own error`, async () => {
      const cli = losesRaces(DEV_SERVER_START_ATTEMPTS);
      await expect(startDevServer({ port: 0, uiPort: false, dbFile: ':memory:' })).rejects.toThrow(BIND_ERROR);
      expect(cli.starts()).toBe(DEV_SERVER_START_ATTEMPTS);
    });
  });

  it('names the busy port when the frontend port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startDevServer({ port, uiPort: false, dbFile: ':memory:' })).rejects.toThrow(
        new RegExp(`Port ${port} on 127.0.0.1 \\(Temporal frontend\\) is already in use`)
      );
    } finally {
      blocker.close();
    }
  });
});
