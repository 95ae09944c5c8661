/**
 * The load balancer in front of the webhook receivers, as a deployment has one: each request goes
 * to the next receiver in turn, and to the other one when a receiver refuses or drops the
 * connection before answering (nginx's `proxy_next_upstream error`). When none answers, 502, and
 * the sender retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoadBalancer {
  url: string;
  /** Requests answered by a receiver, and those no receiver answered (502). */
  stats(): { forwarded: number; failedOver: number; unavailable: number };
  stop(): Promise<void>;
}

function forward(
  port: number,
  req: http.IncomingMessage,
  body: Buffer
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) })
        );
        res.once('error', reject);
      }
    );
    upstream.once('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.once('error', reject);
    upstream.end(body);
  });
}

export async function startLoadBalancer(targets: () => number[]): Promise<LoadBalancer> {
  let next = 0;
  const counts = { forwarded: 0, failedOver: 0, unavailable: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      void (async () => {
        const ports = targets();
        const start = next++;
        for (let i = 0; i < ports.length; i++) {
          try {
            const answer = await forward(ports[(start + i) % ports.length] as number, req, Buffer.concat(chunks));
            counts.forwarded++;
            if (i > 0) counts.failedOver++;
            res.writeHead(answer.status, answer.headers).end(answer.body);
            return;
          } catch {
            // Refused, reset or timed out before an answer: the next receiver.
          }
        }
        counts.unavailable++;
        res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end('no receiver answered');
      })();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
