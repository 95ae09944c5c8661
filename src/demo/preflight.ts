import { isPortFree } from '../temporal-server/ports';
import { DEMO_PORTS } from './settings';
import type { DemoPortName, DemoSettings } from './settings';

/** One or more demo ports are taken; the message names each port, what it is for and how to move it. */
export class DemoPortsInUseError extends Error {
  override readonly name = 'DemoPortsInUseError';
  constructor(readonly busy: Array<{ name: DemoPortName; port: number }>) {
    super(
      `Cannot start the demo: ${busy.length === 1 ? 'a port it needs is' : `${busy.length} ports it needs are`} already in use on 127.0.0.1.\n` +
        busy
          .map(
            ({ name, port }) =>
              `  port ${port}: ${DEMO_PORTS[name].purpose} — free it (see \`ss -ltnp 'sport = :${port}'\`) or set ${DEMO_PORTS[name].env} to another port (0 = any free port)`
          )
          .join('\n') +
        '\nNothing was started. (Is another demo, `npm run temporal` or a Temporal server already running?)'
    );
  }
}

/**
 * Checks every port before anything starts, so a busy one never leaves half a demo running, and
 * reports all busy ports at once.
 */
export async function assertDemoPortsFree(settings: Pick<DemoSettings, 'ports'>): Promise<void> {
  const entries = Object.entries(settings.ports) as Array<[DemoPortName, number]>;
  const checks = await Promise.all(entries.map(async ([name, port]) => ({ name, port, free: await isPortFree(port) })));
  const busy = checks.filter((c) => !c.free).map(({ name, port }) => ({ name, port }));
  if (busy.length > 0) throw new DemoPortsInUseError(busy);
}
