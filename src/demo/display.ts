import { ProgressWriter } from '../cli/progress';

/**
 * The demo's terminal: notes (one line each, kept) above a live progress block. On a terminal the
 * block is redrawn in place and notes are inserted above it; into a pipe or a file, notes are plain
 * lines and the block prints only the lines that changed (ProgressWriter's plain mode).
 */
export class DemoDisplay {
  private writer: ProgressWriter;
  private block: string[] = [];
  readonly color: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    env: NodeJS.ProcessEnv = process.env
  ) {
    this.writer = new ProgressWriter(out);
    this.color = Boolean(out.isTTY) && !env.NO_COLOR;
  }

  get isTty(): boolean {
    return this.writer.isTty;
  }

  /** A line that stays: printed above the progress block. */
  note(line: string): void {
    if (this.isTty && this.block.length > 0) {
      // Erase the block, print the note where it was, and draw the block again below it.
      this.out.write(`\x1b[${this.block.length}F\x1b[J${line}\n`);
      this.writer = new ProgressWriter(this.out);
      this.writer.update(this.block);
      return;
    }
    this.out.write(`${line}\n`);
  }

  /** Replaces the progress block. */
  progress(lines: string[]): void {
    this.block = lines;
    this.writer.update(lines);
  }

  /** Leaves the current block on screen as it is; later notes print below it. */
  endProgress(): void {
    this.block = [];
    this.writer = new ProgressWriter(this.out);
  }

  /** Bold (on a colour terminal). */
  strong(text: string): string {
    return this.color ? `\x1b[1m${text}\x1b[0m` : text;
  }
}
