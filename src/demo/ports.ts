/**
 * Claims the demo's ports before anything starts: a fixed port must be free (every busy one is
 * reported at once, so a taken port never leaves half a demo running); a port given as `0` is
 * reserved now and held until the piece that uses it is about to listen. Choosing a free port and
 * leaving it unbound for the seconds the startup takes lets anything else take it meanwhile (the
 * dev server's own internal ports, an outgoing connection's local port).
 */
import { isPortFree, reservePort } from '../temporal-server/ports';
import type { PortReservation } from '../temporal-server/ports';
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

/** The demo's ports, every one a number, and the reservations still held for those given as `0`. */
export interface DemoPorts {
  readonly numbers: Readonly<Record<DemoPortName, number>>;
  /** Frees reserved ports just before their pieces listen on them; a fixed port needs nothing. */
  release(...names: DemoPortName[]): Promise<void>;
  /** Frees whatever is still held (startup failed or was interrupted). Safe to call twice. */
  releaseAll(): Promise<void>;
}

export async function claimDemoPorts(settings: Pick<DemoSettings, 'ports'>): Promise<DemoPorts> {
  const entries = Object.entries(settings.ports) as Array<[DemoPortName, number]>;
  const fixed = entries.filter(([, port]) => port !== 0);
  const checks = await Promise.all(fixed.map(async ([name, port]) => ({ name, port, free: await isPortFree(port) })));
  const busy = checks.filter((c) => !c.free).map(({ name, port }) => ({ name, port }));
  if (busy.length > 0) throw new DemoPortsInUseError(busy);

  const held = new Map<DemoPortName, PortReservation>();
  const numbers = {} as Record<DemoPortName, number>;
  for (const [name, port] of entries) {
    if (port !== 0) {
      numbers[name] = port;
      continue;
    }
    const reservation = await reservePort();
    held.set(name, reservation);
    numbers[name] = reservation.port;
  }
  const release = async (names: Iterable<DemoPortName>) => {
    await Promise.all([...names].map((name) => held.get(name)?.release()));
  };
  return {
    numbers,
    release: (...names) => release(names),
    releaseAll: () => release(held.keys()),
  };
}
