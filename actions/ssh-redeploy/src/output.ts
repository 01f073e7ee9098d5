import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a byte stream into lines as it arrives. UTF-8 characters split across chunks are
 * joined first; a last line without a newline comes out at end().
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      this.onLine(this.pending.slice(0, newline).replace(/\r$/, ''));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.onLine(this.pending.replace(/\r$/, ''));
    this.pending = '';
  }
}

/** A server's line as it shows in a log shared by several hosts. */
export function prefixed(label: string, line: string): string {
  return `${label} | ${line}`;
}

/** Keeps the first `limit` characters of what is appended, and says whether more came. */
export class BoundedText {
  private text = '';
  truncated = false;

  constructor(private readonly limit: number) {}

  append(piece: string): void {
    if (this.truncated) return;
    const room = this.limit - this.text.length;
    if (piece.length > room) {
      this.text += piece.slice(0, room);
      this.truncated = true;
    } else {
      this.text += piece;
    }
  }

  toString(): string {
    return this.text;
  }
}
