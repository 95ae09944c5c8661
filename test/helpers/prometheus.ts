/** Reading Prometheus text exposition (a worker's /metrics) in tests. */

/** The sum of the samples of `name` whose labels include every one of `labels`; undefined when none matches. */
export function promSample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const body = open >= 0 && close > open ? line.slice(open + 1, close) : '';
    const have = Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v))
      sum = (sum ?? 0) + Number(line.slice(close >= 0 ? close + 1 : name.length).trim());
  }
  return sum;
}
