import type { IncomingMessage } from 'node:http';

/**
 * Reads and discards what is left of a request body, so that an early answer (a 413, a 415)
 * reaches a client that writes its whole body before it reads. Answering first and closing the
 * connection on unread data makes the kernel reset it, and the reset takes the answer with it.
 * Bounded in bytes and time: past either bound the caller answers anyway and the connection closes.
 */

/** Most bytes read past an early answer: 128 MiB, more than any upload a client would try. */
export const MAX_DRAIN_BYTES = 128 * 1024 * 1024;
/** Longest wait for the rest of a body (real ms), against a client that stalls mid-body. */
export const DRAIN_TIMEOUT_MS = 30_000;

/** Resolves `true` once the body has ended, `false` if a bound was hit or the client went away. */
export function drainRequest(
  raw: IncomingMessage,
  maxBytes = MAX_DRAIN_BYTES,
  timeoutMs = DRAIN_TIMEOUT_MS
): Promise<boolean> {
  if (raw.complete || raw.readableEnded) return Promise.resolve(true);
  if (raw.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onFail);
      raw.off('close', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onFail = () => finish(false);
    const onClose = () => finish(raw.complete);
    const timer = setTimeout(() => finish(false), timeoutMs);
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onFail);
    raw.on('close', onClose);
    raw.resume();
  });
}
