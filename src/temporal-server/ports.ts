import net from 'node:net';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly purpose: string,
    readonly host = '127.0.0.1'
  ) {
    super(
      `Port ${port} on ${host} (${purpose}) is already in use. Stop the process listening there ` +
        `(e.g. \`ss -ltnp 'sport = :${port}'\`) or choose another port.`
    );
  }
}

/** Resolves true when nothing listens on host:port (we could bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws a PortInUseError naming the port and what it was for when it is taken. */
export async function assertPortFree(port: number, purpose: string, host = '127.0.0.1'): Promise<void> {
  if (!(await isPortFree(port, host))) throw new PortInUseError(port, purpose, host);
}

/** A free port held by a listening socket of ours until `release()`. */
export interface PortReservation {
  readonly port: number;
  /** Closes the holding socket, so that the piece meant to use the port can bind it; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Takes a free port from the OS and keeps it bound until `release()`. Nothing else can take it in
 * the meantime: not another process choosing a free port the same way, and not an outgoing
 * connection, whose local port comes from the same ephemeral range. Release it just before the
 * piece that uses it listens.
 */
export function reservePort(host = '127.0.0.1'): Promise<PortReservation> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      let released: Promise<void> | undefined;
      resolve({
        port,
        release: () => (released ??= new Promise<void>((done) => server.close(() => done()))),
      });
    });
  });
}

/**
 * A port the OS says is free right now (bind to 0, read it, release it). Anything may take it
 * before the caller binds it; where seconds pass in between, hold a `reservePort()` instead.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const reservation = await reservePort(host);
  await reservation.release();
  return reservation.port;
}
