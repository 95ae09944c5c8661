/**
 * The shape of a body we could not use, for the log: its keys and the types of their values, never
 * the values (a webhook may carry a PIN, an account number or a name). Bounded in depth and width
 * so a hostile or huge body cannot blow up a log line.
 */

/** A value's shape: a type name, an array of shapes, or an object of shapes. */
export type Shape = string | Shape[] | { [key: string]: Shape };

const MAX_DEPTH = 4;
const MAX_KEYS = 40;
const MAX_ITEMS = 3;
const MAX_KEY_LENGTH = 64;

/**
 * `{"status":"PortInX","port_in_request_sid":"KW…","portable":true}` →
 * `{status:'string', port_in_request_sid:'string', portable:'boolean'}`.
 */
export function describeShape(value: unknown, depth = 0): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return `array(${value.length})`;
    const items = value.slice(0, MAX_ITEMS).map((v) => describeShape(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `…${value.length - MAX_ITEMS} more`] : items;
  }
  if (typeof value === 'object') {
    if (depth >= MAX_DEPTH) return 'object';
    const out: Record<string, Shape> = {};
    const keys = Object.keys(value as object);
    for (const key of keys.slice(0, MAX_KEYS)) {
      const name = key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH)}…` : key;
      out[name] = describeShape((value as Record<string, unknown>)[key], depth + 1);
    }
    if (keys.length > MAX_KEYS) out['…'] = `${keys.length - MAX_KEYS} more keys`;
    return out;
  }
  return typeof value;
}
