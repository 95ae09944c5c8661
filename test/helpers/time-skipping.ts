import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingServer } from '../../src/temporal-server/time-skipping-server';
import type { TimeSkippingServerHandle } from '../../src/temporal-server/time-skipping-server';
import { installTestRuntime } from './temporal';

export interface TimeSkippingEnv {
  env: TestWorkflowEnvironment;
  server: TimeSkippingServerHandle;
  teardown(): Promise<void>;
}

/**
 * A time-skipping environment on a server we started ourselves. The SDK would start it with a 5 s
 * deadline and a download we cannot make here; instead we launch the installed binary and attach
 * the SDK's environment to it with time skipping enabled (`create` is the SDK's own factory, which
 * `createFromExistingServer` calls with time skipping off).
 */
export async function startTimeSkippingEnv(): Promise<TimeSkippingEnv> {
  installTestRuntime();
  const server = await startTimeSkippingServer();
  const create = (TestWorkflowEnvironment as unknown as { create(opts: unknown): Promise<TestWorkflowEnvironment> })
    .create;
  const env = await create.call(TestWorkflowEnvironment, {
    server: { type: 'existing' },
    supportsTimeSkipping: true,
    address: server.address,
    namespace: 'default',
  });
  return {
    env,
    server,
    async teardown() {
      await env.teardown();
      await server.stop();
    },
  };
}
