/**
 * Stopping a fastify server without hanging on its clients. `app.close()` closes idle keep-alive
 * connections but waits for any connection in the middle of a request, and a browser (the Temporal
 * UI calling the codec server) or a half-sent request can hold one open for as long as the headers
 * timeout, a minute. Requests in flight get `graceMs` to finish; then every connection is closed.
 */
import type { FastifyInstance } from 'fastify';

/** @default graceMs 2000 */
export async function closeGracefully(app: FastifyInstance, graceMs = 2000): Promise<void> {
  const closing = app.close();
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await closing;
  } finally {
    clearTimeout(timer);
  }
}
