import { createServer, request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { drainRequest } from '../../../src/sandbox/drain';

/** drainRequest's bounds: it reads a body to its end, and gives up past its byte or time bound. */
describe('drainRequest', () => {
  let server: Server;
  let url: string;
  let drain: (raw: IncomingMessage) => Promise<boolean>;
  const results: boolean[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      void drain(req).then((ended) => {
        results.push(ended);
        res.writeHead(200, { connection: 'close' }).end(String(ended));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  );
  beforeEach(() => (results.length = 0));

  /** Sends `bytes` and, unless `stall`, ends the body; resolves with what the server concluded. */
  const send = (bytes: number, stall = false) =>
    new Promise<boolean>((resolve) => {
      const req = request(url, { method: 'POST', headers: { 'content-length': bytes + (stall ? 1 : 0) } });
      req.on('error', () => undefined); // the server may close on us after giving up
      req.write(Buffer.alloc(bytes, 0x61));
      if (!stall) req.end();
      const poll = setInterval(() => {
        if (results.length > 0) {
          clearInterval(poll);
          req.destroy();
          resolve(results[0] as boolean);
        }
      }, 5);
    });

  it('reads a body to its end', async () => {
    drain = (raw) => drainRequest(raw, 1024 * 1024, 10_000);
    await expect(send(256 * 1024)).resolves.toBe(true);
  });

  it('gives up past its byte bound', async () => {
    drain = (raw) => drainRequest(raw, 1024, 10_000);
    await expect(send(256 * 1024)).resolves.toBe(false);
  });

  it('gives up on a client that stalls mid-body after its time bound', async () => {
    drain = (raw) => drainRequest(raw, 1024 * 1024, 50);
    await expect(send(10, true)).resolves.toBe(false);
  });
});
