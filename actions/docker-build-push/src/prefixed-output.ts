/**
 * The live output of one of several pushes that run at once. Log groups and stop-commands
 * sections cannot interleave, so each line is printed on its own, prefixed with the repository
 * it goes to: cut at `\r` too, no line then starts with `::`, and the log makes the rest inert.
 */
export class PrefixedOutput {
  private readonly pending = { stdout: '', stderr: '' };

  constructor(
    private readonly label: string,
    private readonly write: (line: string) => void,
    /** A line longer than this is printed in pieces: the CLI's output is outside text. */
    private readonly maxLine = 16_384,
  ) {}

  add(chunk: string, from: 'stdout' | 'stderr'): void {
    let text = this.pending[from] + chunk;
    let newline = text.indexOf('\n');
    let start = 0;
    while (newline >= 0) {
      this.print(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    text = text.slice(start);
    while (text.length > this.maxLine) {
      this.print(text.slice(0, this.maxLine));
      text = text.slice(this.maxLine);
    }
    this.pending[from] = text;
  }

  /** Prints what is left of each stream: a last line without a newline. */
  end(): void {
    for (const from of ['stdout', 'stderr'] as const) {
      if (this.pending[from] !== '') this.print(this.pending[from]);
      this.pending[from] = '';
    }
  }

  /** `\r` ends a line for the runner as `\n` does: each piece gets the prefix. */
  private print(line: string): void {
    const pieces = line.split('\r');
    if (pieces.length > 1 && pieces.at(-1) === '') pieces.pop();
    for (const piece of pieces) this.write(`${this.label} | ${piece}`);
  }
}
