import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { portflowSearchAttributes } from '../../src/search-attributes';
import { startTimeSkippingServer } from '../../src/temporal-server/time-skipping-server';
import type { TimeSkippingServerHandle } from '../../src/temporal-server/time-skipping-server';
import { installTestRuntime } from './temporal';

const V = temporal.api.enums.v1.IndexedValueType;
const indexedValueType: Record<SearchAttributeType, number> = {
  [SearchAttributeType.TEXT]: V.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: V.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: V.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: V.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: V.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: V.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: V.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

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
  // The test server knows only its own fixed attributes: register portflow's so upserts succeed.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(portflowSearchAttributes.map((key) => [key.name, indexedValueType[key.type]])),
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
