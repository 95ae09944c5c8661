import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import type { LogEntry } from '@temporalio/worker';
import type { WebhookLogger } from '../webhooks/logger';

/**
 * The demo's log: one JSON object per line, from every service it runs in-process (worker,
 * webhook receiver, codec server, sandbox) and from itself. The terminal shows only the progress
 * view; the details are here. Nothing written here may carry a PIN or an account number: the
 * services log ids, statuses and shapes, never payloads.
 */
export class DemoLogFile {
  private fd: number | null;

  /** Creates (or empties) the file. */
  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'w', 0o600);
  }

  /** Appends one line; synchronous so nothing is lost when the process exits. */
  write(source: string, level: string, message: string, fields: Record<string, unknown> = {}): void {
    if (this.fd === null) return;
    const line = JSON.stringify({ time: new Date().toISOString(), source, level, message, ...fields }, errorReplacer);
    writeSync(this.fd, `${line}\n`);
  }

  /** A `line => void` sink for a component that logs plain lines. */
  lines(source: string): (line: string) => void {
    return (line) => this.write(source, 'info', line);
  }

  /** The webhook receiver's logger interface, writing here. */
  webhookLogger(): WebhookLogger {
    return {
      debug: (m, f) => this.write('webhooks', 'debug', m, f),
      info: (m, f) => this.write('webhooks', 'info', m, f),
      warn: (m, f) => this.write('webhooks', 'warn', m, f),
      error: (m, f) => this.write('webhooks', 'error', m, f),
    };
  }

  /** The SDK runtime's logger (worker, workflows, activities, forwarded core logs), writing here. */
  temporalLogger(level: 'DEBUG' | 'INFO' | 'WARN' = 'INFO'): DefaultLogger {
    return new DefaultLogger(level, (entry: LogEntry) =>
      this.write('temporal', entry.level.toLowerCase(), entry.message, entry.meta ?? {})
    );
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Errors are not JSON-serialisable: keep their name and message, and drop the stack's noise. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
