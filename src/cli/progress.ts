import type { NumberView, PortInStatusView } from '../workflows/messages';

/**
 * Renders an order's live progress: one line per number, then the order. Used by
 * `start --watch`, `watch` and the demo.
 */
export function renderProgress(view: PortInStatusView, { color = false, maxNumbers = 25 } = {}): string[] {
  const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const tone = (n: NumberView) =>
    n.status === 'completed'
      ? 32
      : n.status === 'port_rejected' || n.status === 'not_portable'
        ? 31
        : n.status === 'canceled' || n.status === 'canceling'
          ? 33
          : 36;
  const lines = [
    `${paint(1, `Order ${view.orderId}`)} — ${paint(1, view.status)} — ${view.counts.completed}/${view.counts.total} completed, ` +
      `${view.counts.pending} pending${view.counts.rejected ? `, ${view.counts.rejected} rejected` : ''}` +
      `${view.counts.notPortable ? `, ${view.counts.notPortable} not portable` : ''}`,
  ];
  for (const n of view.numbers.slice(0, maxNumbers)) {
    const extra = n.rejection
      ? ` rejected ${n.rejection.code ?? ''} ${n.rejection.reason ?? ''}`.trimEnd()
      : n.notPortable
        ? ` ${n.notPortable.code ?? ''} ${n.notPortable.reason ?? ''}`.trimEnd()
        : n.portDate
          ? ` port date ${n.portDate}`
          : '';
    lines.push(`  ${n.phoneNumber.padEnd(14)} ${paint(tone(n), n.statusLabel.padEnd(22))}${extra}`);
  }
  if (view.numbers.length > maxNumbers) lines.push(`  … and ${view.numbers.length - maxNumbers} more`);
  return lines;
}

/**
 * Writes successive renderings: redrawn in place on a terminal, or as plain lines (only when
 * something changed) when the output is a pipe or a file.
 */
export class ProgressWriter {
  private previous: string[] = [];
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  get isTty(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(lines: string[]): void {
    if (this.isTty) {
      if (this.previous.length) this.out.write(`\x1b[${this.previous.length}F\x1b[J`);
      this.out.write(`${lines.join('\n')}\n`);
      this.previous = lines;
      return;
    }
    const changed = lines.filter((line, i) => line !== this.previous[i]);
    for (const line of changed) this.out.write(`${line.trim()}\n`);
    this.previous = lines;
  }
}
