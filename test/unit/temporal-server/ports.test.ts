import net from 'node:net';
import { findFreePort, isPortFree, reservePort } from '../../../src/temporal-server/ports';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve(server));
  });
}

describe('reservePort', () => {
  it('holds the port until released, so nothing else can bind it meanwhile; then it is free', async () => {
    const reservation = await reservePort();
    expect(reservation.port).toBeGreaterThan(0);
    expect(await isPortFree(reservation.port)).toBe(false);
    await expect(listen(reservation.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });

    await reservation.release();
    await reservation.release(); // a second release is harmless
    const server = await listen(reservation.port);
    server.close();
  });

  it('gives distinct ports while they are held', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, () => reservePort()));
    expect(new Set(held.map((r) => r.port)).size).toBe(5);
    await Promise.all(held.map((r) => r.release()));
  });
});

describe('findFreePort', () => {
  it('returns a port nothing listens on', async () => {
    expect(await isPortFree(await findFreePort())).toBe(true);
  });
});
