import type { DevServerHandle } from '../../src/temporal-server/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__portflowDevServer as DevServerHandle | undefined;
  await server?.stop();
}
