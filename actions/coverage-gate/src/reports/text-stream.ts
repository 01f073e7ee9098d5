import { StringDecoder } from 'node:string_decoder';

/** What parsers read: chunks of a report as they come off the disk (or strings in tests). */
export type Chunks = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/**
 * Calls `onLine` with each line of the text, without its line ending (\n or \r\n), holding at
 * most one chunk and one partial line in memory. A UTF-8 byte order mark is dropped.
 * `onLine` may return false to stop reading.
 */
export async function forEachLine(
  chunks: Chunks,
  onLine: (line: string) => boolean | void,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  // A partial line is kept as pieces and only searched once: a line without a newline across
  // many chunks (64 MB of one line) is read in time proportional to its length.
  let carry: string[] = [];
  let first = true;
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let end = text.indexOf('\n');
    if (end < 0) {
      if (text !== '') carry.push(text);
      continue;
    }
    if (carry.length > 0) {
      carry.push(text);
      const head = carry.join('');
      end += head.length - text.length;
      text = head;
      carry = [];
    }
    let start = 0;
    while (end >= 0) {
      const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (onLine(text.slice(start, stop)) === false) return;
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    if (start < text.length) carry.push(text.slice(start));
  }
  const rest = carry.join('') + decoder.end();
  if (rest !== '') onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
}

/** A decimal integer at text[start..end), or -1 when the text is not one; faster than Number(). */
export function readUnsigned(text: string, start: number, end: number): number {
  if (start >= end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A copy of a string cut from a chunk, for strings a parser keeps (paths, function names).
 * V8 represents a slice as a view of the whole string it was cut from, which would keep every
 * megabyte-sized chunk of the report alive for as long as one path taken from it.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}
