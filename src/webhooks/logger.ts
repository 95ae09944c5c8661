/**
 * Where the receiver reports what it did. Fields are small and structured (reason, sid, event name,
 * shape); the receiver never passes a body value, a PIN or the auth token.
 */
export type LogFields = Record<string, unknown>;

export interface WebhookLogger {
  /** One line per routed event: off unless asked for (a 1,000-number port sends thousands). */
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Logs nothing (tests that do not look at logs). */
export const silentLogger: WebhookLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * One JSON object per line on stdout (info) or stderr (warn, error): what log collectors in a
 * container expect. `minLevel` drops the chattier lines.
 */
export function jsonLineLogger(minLevel: 'debug' | 'info' | 'warn' | 'error' = 'info'): WebhookLogger {
  const order = { debug: -1, info: 0, warn: 1, error: 2 } as const;
  const write = (level: keyof typeof order, message: string, fields?: LogFields) => {
    if (order[level] < order[minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, component: 'webhooks', message, ...fields });
    if (order[level] <= order.info) process.stdout.write(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
