import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Which TCP connection carried it (counts keep-alive reuse). */
  connection: number;
}

/** What to answer: status, headers, body (object → JSON), or `hang` to never answer. */
export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  hang?: boolean;
}

/**
 * A tiny real HTTP server on 127.0.0.1:0 that records every request and answers from a queue
 * (the last entry repeats). For what the sandbox cannot show: the exact bytes on the wire and
 * malformed answers.
 */
export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  private queue: CannedResponse[] = [{ status: 200, body: {} }];
  private connections = 0;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        connection: (req.socket as unknown as { id: number }).id,
      });
      const next = this.queue.length > 1 ? this.queue.shift()! : this.queue[0]!;
      if (next.hang) return;
      const body = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
      res.writeHead(next.status ?? 200, { 'content-type': 'application/json', ...next.headers });
      res.end(body);
    });
  });

  constructor() {
    this.server.on('connection', (socket) => {
      (socket as unknown as { id: number }).id = ++this.connections;
    });
  }

  /** Answers to give, in order; the last one repeats. */
  respond(...responses: CannedResponse[]): void {
    this.queue = responses;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.queue = [{ status: 200, body: {} }];
  }
}
