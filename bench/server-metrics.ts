/**
 * What the Temporal dev server was asked, read from its Prometheus `/metrics` (`--metrics-port`):
 * frontend requests by gRPC method and persistence (incl. visibility) operations, so a bench can say
 * what an order costs the server beside its CPU time.
 */

/** Counter values by `service/operation`, e.g. `frontend/SignalWorkflowExecution`. */
export type RequestCounts = Record<string, number>;

const LINE = /^(service_requests|persistence_requests|visibility_persistence_requests)\{([^}]*)\}\s+([0-9.e+]+)$/;

/** The server's request counters now; empty when its metrics cannot be read. */
export async function serverRequestCounts(metricsUrl: string): Promise<RequestCounts> {
  let text: string;
  try {
    text = await (await fetch(metricsUrl)).text();
  } catch {
    return {};
  }
  const counts: RequestCounts = {};
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.namespace === 'system' || labels.namespace === '_unknown_') continue;
    const kind = m[1] === 'service_requests' ? (labels.service_name ?? '?') : m[1]!.replace('_requests', '');
    const key = `${kind}/${labels.operation ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + Number(m[3]);
  }
  return counts;
}

/** `after - before` per key, the `limit` largest first, as `key n/order` lines. */
export function describeRequestDelta(
  before: RequestCounts,
  after: RequestCounts,
  orders: number,
  filter: (key: string) => boolean,
  limit = 12
): string[] {
  return Object.entries(after)
    .map(([key, n]) => [key, n - (before[key] ?? 0)] as const)
    .filter(([key, n]) => n > 0 && filter(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, n]) => `${key} ${(n / orders).toFixed(1)}`);
}
