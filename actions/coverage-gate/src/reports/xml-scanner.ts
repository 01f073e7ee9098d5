import { StringDecoder } from 'node:string_decoder';
import { ReportError } from './report-error';
import type { Chunks } from './text-stream';

// A streaming XML reader for coverage reports, holding one chunk plus at most one unfinished
// construct in memory (a run of text, when the handler takes text), whatever the file's size.
//
// In: the document's chunks, UTF-8 (a byte order mark is dropped).
// Out: the handler's calls in document order: `open` for each start tag (and `close` at once for
// an empty element), `close` for each end tag, `comment` with a comment's raw text, and `text`
// with the character data inside the root element, entities decoded, each run between two pieces
// of markup in one call, and each CDATA section's raw content in a call of its own.
// Refuses (ReportError): a document without a root element or with two, a tag without a name, a
// file that ends inside markup or before its root element is closed.
// Limits: no DTD processing and no external entities, so a report can never make the action read
// other files; of the entities only the five XML predefines and numeric references are decoded,
// others stay as written (a numeric reference past U+10FFFF throws a RangeError, not a
// ReportError). End tags are counted, not matched against their start tags; processing
// instructions and the DOCTYPE are skipped; attribute values and text keep their whitespace and
// line endings as written (no normalisation). An internal DTD subset must end with `]>`.

/** An element's start tag, valid only during the `open` call it is passed to. */
export interface Tag {
  readonly name: string;
  /** The text between `<` and `>`, the trailing `/` of an empty element left out. */
  readonly raw: string;
  /** The attribute's value, entities decoded; undefined when the tag has no such attribute. */
  attr(name: string): string | undefined;
}

/** One object serves every start tag of a document: no object is made per tag. */
class ReusableTag implements Tag {
  name = '';
  raw = '';
  private nameEnd = 0;

  reset(raw: string): void {
    this.raw = raw;
    let end = 0;
    while (end < raw.length) {
      const code = raw.charCodeAt(end);
      if (code === 32 || code === 9 || code === 10 || code === 13) break;
      end++;
    }
    this.nameEnd = end;
    this.name = raw.slice(0, end);
  }

  attr(name: string): string | undefined {
    const raw = this.raw;
    let i = this.nameEnd;
    while (i < raw.length) {
      while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
      const nameStart = i;
      while (i < raw.length && raw.charCodeAt(i) !== 61 && !isSpace(raw.charCodeAt(i))) i++;
      const attrName = raw.slice(nameStart, i);
      while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
      if (raw.charCodeAt(i) !== 61) return undefined;
      i++;
      while (i < raw.length && isSpace(raw.charCodeAt(i))) i++;
      const quote = raw[i];
      if (quote !== '"' && quote !== "'") return undefined;
      const close = raw.indexOf(quote, i + 1);
      if (close < 0) return undefined;
      if (attrName === name) {
        const value = raw.slice(i + 1, close);
        return value.includes('&') ? decodeEntities(value) : value;
      }
      i = close + 1;
    }
    return undefined;
  }
}

interface XmlHandler {
  open(tag: Tag): void;
  close(name: string): void;
  /** Character data, entities decoded; only delivered when the handler has this method. */
  text?(text: string): void;
  comment?(text: string): void;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return NAMED[body] ?? whole;
  });
}

/** Reads the document, calling the handler for each element, text and comment in order. */
export async function scanXml(chunks: Chunks, handler: XmlHandler): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const tag = new ReusableTag();
  const wantsText = handler.text !== undefined;
  let buffer = '';
  let depth = 0;
  let sawRoot = false;
  let consumed = 0;

  const fail = (problem: string): never => {
    throw new ReportError(`not well-formed XML near character ${consumed}: ${problem}`);
  };

  const scan = (final: boolean) => {
    let pos = 0;
    const length = buffer.length;
    while (pos < length) {
      const lt = buffer.indexOf('<', pos);
      if (lt < 0) {
        // Text runs to the end of what has arrived; keep it until its end is known.
        if (wantsText && !final) return keep(pos, final, 'text', { kind: 'text' }, 0);
        pos = length;
        break;
      }
      if (lt > pos && wantsText && depth > 0) deliverText(buffer.slice(pos, lt));
      const next = buffer.charCodeAt(lt + 1);
      let end: number;
      if (next === 47) {
        // </name>
        end = buffer.indexOf('>', lt + 2);
        if (end < 0) return keep(lt, final, 'an unclosed end tag', until('>'), 2);
        handler.close(buffer.slice(lt + 2, end).trim());
        depth--;
        pos = end + 1;
      } else if (next === 63) {
        end = buffer.indexOf('?>', lt + 2);
        if (end < 0) return keep(lt, final, 'an unclosed processing instruction', until('?>'), 2);
        pos = end + 2;
      } else if (next === 33) {
        if (buffer.startsWith('<!--', lt)) {
          end = buffer.indexOf('-->', lt + 4);
          if (end < 0) return keep(lt, final, 'an unclosed comment', until('-->'), 4);
          handler.comment?.(buffer.slice(lt + 4, end));
          pos = end + 3;
        } else if (buffer.startsWith('<![CDATA[', lt)) {
          end = buffer.indexOf(']]>', lt + 9);
          if (end < 0) return keep(lt, final, 'an unclosed CDATA section', until(']]>'), 9);
          if (wantsText) handler.text!(buffer.slice(lt + 9, end));
          pos = end + 3;
        } else {
          // <!DOCTYPE ...>, possibly with an internal subset in brackets, which is skipped.
          const bracket = buffer.indexOf('[', lt);
          const close = buffer.indexOf('>', lt);
          if (close < 0) {
            const awaiting: Awaiting = { kind: 'declaration' };
            return keep(lt, final, 'an unclosed declaration', awaiting, 2);
          }
          if (bracket >= 0 && bracket < close) {
            end = buffer.indexOf(']>', bracket);
            if (end < 0) return keep(bracket, final, 'an unclosed declaration', until(']>'), 1, lt);
            pos = end + 2;
          } else {
            pos = close + 1;
          }
        }
      } else {
        end = findTagEnd(buffer, lt + 1);
        if (end < 0)
          return keep(lt, final, 'an unclosed start tag', { kind: 'start-tag', quote: 0 }, 1);
        const empty = buffer.charCodeAt(end - 1) === 47;
        tag.reset(buffer.slice(lt + 1, empty ? end - 1 : end));
        if (tag.name === '') fail('a tag without a name');
        if (depth === 0) {
          if (sawRoot) fail('a second root element');
          sawRoot = true;
        }
        handler.open(tag);
        if (empty) handler.close(tag.name);
        else depth++;
        pos = end + 1;
      }
    }
    consumed += pos;
    buffer = buffer.slice(pos);
    return undefined;
  };

  const deliverText = (text: string) => {
    handler.text!(text.includes('&') ? decodeEntities(text) : text);
  };

  /**
   * Sets aside the unfinished construct that starts at `start` (at `from` when its end is looked
   * for from a later point, `from` - `start` + `skip` being where that search begins), until a
   * later chunk holds its end.
   */
  const keep = (
    from: number,
    final: boolean,
    what: string,
    awaiting: Awaiting,
    skip: number,
    start = from,
  ): undefined => {
    if (final) fail(`the file ends inside ${what}`);
    consumed += start;
    pending = { pieces: [buffer.slice(start)], awaiting };
    endsIn(awaiting, buffer.slice(from + skip));
    buffer = '';
    return undefined;
  };

  let pending: { pieces: string[]; awaiting: Awaiting } | undefined;
  let first = true;
  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text !== '') {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (pending !== undefined) {
      // Only the new text is searched: a construct of any size is read in time proportional
      // to its size, and joined once, when its end has arrived.
      pending.pieces.push(text);
      if (!endsIn(pending.awaiting, text)) continue;
      buffer = pending.pieces.join('');
      pending = undefined;
    } else {
      buffer += text;
    }
    scan(false);
  }
  // At the end nothing is set aside: an unfinished construct is an error.
  buffer = (pending?.pieces.join('') ?? buffer) + decoder.end();
  scan(true);
  if (!sawRoot) fail('no root element');
  if (depth !== 0) fail('the file ends before its root element is closed');
}

/** What ends an unfinished construct, and how far the search for it has come. */
type Awaiting =
  | { kind: 'text' }
  | { kind: 'sequence'; end: string; tail: string }
  | { kind: 'declaration' }
  | { kind: 'start-tag'; quote: number };

function until(end: string): Awaiting {
  return { kind: 'sequence', end, tail: '' };
}

/**
 * Whether `text`, the next piece of an unfinished construct, holds the construct's end; the
 * search state is carried in `awaiting` from one piece to the next.
 */
function endsIn(awaiting: Awaiting, text: string): boolean {
  switch (awaiting.kind) {
    case 'text':
      return text.includes('<');
    case 'sequence': {
      const probe = awaiting.tail + text;
      if (probe.includes(awaiting.end)) return true;
      awaiting.tail = probe.slice(probe.length - Math.min(probe.length, awaiting.end.length - 1));
      return false;
    }
    case 'declaration': {
      // Without an internal subset, `>` ends it; with one (`[` first), `]>` does.
      const close = text.indexOf('>');
      const bracket = text.indexOf('[');
      if (bracket < 0 || (close >= 0 && close < bracket)) return close >= 0;
      Object.assign(awaiting, until(']>'));
      return endsIn(awaiting, text.slice(bracket + 1));
    }
    case 'start-tag': {
      let i = 0;
      while (i < text.length) {
        if (awaiting.quote !== 0) {
          const close = text.indexOf(awaiting.quote === 34 ? '"' : "'", i);
          if (close < 0) return false;
          awaiting.quote = 0;
          i = close + 1;
          continue;
        }
        const code = text.charCodeAt(i);
        if (code === 62) return true;
        if (code === 34 || code === 39) awaiting.quote = code;
        i++;
      }
      return false;
    }
  }
}

/** The index of the `>` closing a start tag, skipping `>` inside quoted attribute values. */
function findTagEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 62) return i;
    if (code === 34 || code === 39) {
      const close = text.indexOf(code === 34 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}
