/** Splits a byte stream into text lines, keeping the last few for error messages. */

const MAX_LINE_CHARS = 8192;

/** Feeds chunks in, calls `onLine` per complete line (long lines are cut), remembers the last `keep` lines. */
export class LineSplitter {
  private partial = '';
  private readonly tail: string[] = [];
  private readonly keep: number;
  private readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void, keep = 20) {
    this.onLine = onLine;
    this.keep = keep;
  }

  /** Adds a chunk of output. */
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE_CHARS) {
      lines.push(this.partial);
      this.partial = '';
    }
    for (const line of lines) this.emit(line);
  }

  /** Emits what is left of an unterminated last line. */
  end(): void {
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }

  /** The last lines seen, oldest first. */
  lastLines(): string[] {
    return [...this.tail];
  }

  private emit(raw: string): void {
    const line = raw.replace(/\r$/, '').slice(0, MAX_LINE_CHARS);
    this.tail.push(line);
    if (this.tail.length > this.keep) this.tail.shift();
    this.onLine(line);
  }
}
