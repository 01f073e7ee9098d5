import { StringDecoder } from 'node:string_decoder';
import { ReportError } from './report-error';
import type { Chunks } from './text-stream';

// An incremental JSON reader for the JSON reports. JSON.parse needs the whole text and then the
// whole tree, several times the size of the file; this reader holds one chunk and builds only the
// values the caller asks for (one file's entry at a time), so memory stays bounded by the largest
// entry.
//
// In: the document's chunks, UTF-8 (a byte order mark is dropped), and a plan that says, for
// each value whose parent is streamed, whether to stream it too, build it whole or skip it.
// Out: each value the plan collects, with its path, in document order, built as JSON.parse builds
// it (the last of duplicate keys wins, `__proto__` is an own member, lone surrogates stay), and
// the path of each streamed object or array as it ends.
// Streamed members arrive one by one, so duplicate keys of a streamed object arrive twice.
// Speed: nothing is built for skipped or streamed values, and short integers, the bulk of a
// coverage report, are read in place without a token or a regular expression.
// Refuses (ReportError) exactly what JSON.parse refuses, and a root that is not an object; a
// skipped value is checked all the same.
// Limits: nesting depth is bounded by memory only (no recursion); a number, and a string that is
// not skipped, is held whole while it is read.

export type JsonKey = string | number;
type JsonKind = 'object' | 'array' | 'primitive';

/**
 * What to do with the value at `path`:
 * - 'stream': (objects and arrays) do not build it; ask again for each of its members;
 * - 'collect': build it whole and hand it to `onValue`;
 * - 'skip': check its syntax and drop it.
 */
export type JsonPlan = (path: readonly JsonKey[], kind: JsonKind) => 'stream' | 'collect' | 'skip';

type JsonValueHandler = (path: readonly JsonKey[], value: unknown) => void;
type JsonEndHandler = (path: readonly JsonKey[]) => void;

type Mode = 'stream' | 'collect' | 'skip';

interface Frame {
  array: boolean;
  mode: Mode;
  /** The container being built, in 'collect' mode. */
  value?: Record<string, unknown> | unknown[];
  /** The current member's key (objects) or index (arrays). */
  key: JsonKey;
  /** Whether this frame is the outermost one being collected: its value goes to onValue. */
  collectRoot: boolean;
}

// Where the reader stands between tokens.
const enum At {
  Value, // a value is expected
  FirstValueOrEnd, // just after '['
  FirstKeyOrEnd, // just after '{'
  Key, // after ',' in an object
  Colon,
  CommaOrEnd,
  Done, // after the root value: only whitespace may follow
}

// Which token the reader is inside, when a chunk ends in the middle of one.
const enum In {
  Nothing,
  String,
  Escape,
  Unicode,
  Number,
  Literal,
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function describe(code: number): string {
  return code < 0x20 || code === 0x7f
    ? `character U+${code.toString(16).padStart(4, '0').toUpperCase()}`
    : `'${String.fromCharCode(code)}'`;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function isNumberPart(code: number): boolean {
  // digits, '-', '+', '.', 'e', 'E'
  return (
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d ||
    code === 0x2b ||
    code === 0x2e ||
    code === 0x65 ||
    code === 0x45
  );
}

function isLetter(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/** Sets a member the way JSON.parse does: `__proto__` becomes an own property, not the prototype. */
function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

class JsonStreamReader {
  private at = At.Value;
  private inside = In.Nothing;
  private readonly stack: Frame[] = [];
  private readonly path: JsonKey[] = [];
  /** The text of the token in progress, when it spans chunks. */
  private token = '';
  private unicode = '';
  /** Whether the string in progress is an object key (otherwise a value). */
  private stringIsKey = false;
  /** The string in progress is dropped (skip mode), so its text is not gathered. */
  private stringDropped = false;
  /** Characters read before the current chunk, for error positions. */
  private offset = 0;
  private started = false;

  /** Whether the value being started is the outermost one collected (set by modeOf). */
  private collectRoot = false;

  constructor(
    private readonly plan: JsonPlan,
    private readonly onValue: JsonValueHandler,
    private readonly onEnd?: JsonEndHandler,
  ) {}

  private fail(problem: string, index: number): never {
    throw new ReportError(`not valid JSON (${problem} at character ${this.offset + index + 1})`);
  }

  write(chunk: string): void {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const length = text.length;
    let i = 0;
    while (i < length) {
      switch (this.inside) {
        case In.String:
          i = this.readString(text, i);
          continue;
        case In.Escape:
          i = this.readEscape(text, i);
          continue;
        case In.Unicode:
          i = this.readUnicode(text, i);
          continue;
        case In.Number:
          i = this.readRun(text, i, isNumberPart);
          continue;
        case In.Literal:
          i = this.readRun(text, i, isLetter);
          continue;
      }
      const code = text.charCodeAt(i);
      if (isWhitespace(code)) {
        i++;
        continue;
      }
      switch (this.at) {
        case At.Value:
        case At.FirstValueOrEnd:
          if (code === 0x5d && this.at === At.FirstValueOrEnd) {
            this.close();
          } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
            // Most numbers are short integers wholly in this chunk: read them in place; the
            // rest (fractions, exponents, long or malformed ones) go through readRun.
            const end = this.readInteger(text, i);
            if (end < 0) {
              this.token = '';
              this.inside = In.Number;
            } else {
              i = end;
            }
            continue;
          } else if (!this.startValue(i, code)) {
            // A literal: readRun reads it from its first character.
            continue;
          }
          break;
        case At.FirstKeyOrEnd:
        case At.Key:
          if (code === 0x7d && this.at === At.FirstKeyOrEnd) {
            this.close();
          } else if (code === 0x22) {
            this.stringIsKey = true;
            // A key of a skipped object is never looked at.
            this.stringDropped = this.stack[this.stack.length - 1].mode === 'skip';
            this.token = '';
            this.inside = In.String;
          } else {
            this.fail(`expected a property name, found ${describe(code)}`, i);
          }
          break;
        case At.Colon:
          if (code !== 0x3a) this.fail(`expected ':', found ${describe(code)}`, i);
          this.at = At.Value;
          break;
        case At.CommaOrEnd: {
          const frame = this.stack[this.stack.length - 1];
          if (code === 0x2c) {
            if (frame.array) {
              frame.key = (frame.key as number) + 1;
              this.at = At.Value;
            } else {
              this.at = At.Key;
            }
          } else if (code === (frame.array ? 0x5d : 0x7d)) {
            this.close();
          } else {
            this.fail(`expected ',' or '${frame.array ? ']' : '}'}', found ${describe(code)}`, i);
          }
          break;
        }
        case At.Done:
          this.fail(`unexpected ${describe(code)} after the end of the document`, i);
      }
      i++;
    }
    this.offset += length;
  }

  /** Checks that the document is complete. */
  end(): void {
    if (this.inside === In.Number || this.inside === In.Literal) this.finishRun(0);
    if (this.inside !== In.Nothing || this.at !== At.Done) {
      throw new ReportError('not valid JSON (the document ends before it is complete)');
    }
  }

  /**
   * The mode of the value starting now, asking the plan where the parent streams; sets
   * collectRoot (no object per value: this runs for every value of the document).
   */
  private modeOf(kind: JsonKind): Mode {
    const parent = this.stack[this.stack.length - 1];
    if (parent !== undefined && parent.mode !== 'stream') {
      this.collectRoot = false;
      return parent.mode;
    }
    if (parent) this.path.push(parent.key);
    const mode = this.plan(this.path, kind);
    if (parent) this.path.pop();
    this.collectRoot = true;
    return mode === 'stream' && kind === 'primitive' ? 'skip' : mode;
  }

  /**
   * Reads a decimal integer of at most 15 digits that ends within `text` (exact as a double),
   * as JSON.parse reads it; -1, reading nothing, for anything else.
   */
  private readInteger(text: string, start: number): number {
    const length = text.length;
    let i = start;
    const negative = text.charCodeAt(i) === 0x2d;
    if (negative) i++;
    const first = i;
    let value = 0;
    while (i < length) {
      const digit = text.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      i++;
    }
    const digits = i - first;
    if (
      i === length ||
      digits === 0 ||
      digits > 15 ||
      (digits > 1 && text.charCodeAt(first) === 0x30) ||
      isNumberPart(text.charCodeAt(i))
    ) {
      return -1;
    }
    this.primitive(negative ? -value : value);
    return i;
  }

  /**
   * Starts the value (not a number: write() reads those) whose first character is `code`; false
   * when that character is not consumed.
   */
  private startValue(i: number, code: number): boolean {
    if (code === 0x7b || code === 0x5b) {
      const array = code === 0x5b;
      const mode = this.modeOf(array ? 'array' : 'object');
      const collectRoot = this.collectRoot;
      const parent = this.stack[this.stack.length - 1];
      if (parent?.mode === 'stream') this.path.push(parent.key);
      this.stack.push({
        array,
        mode,
        value: mode === 'collect' ? (array ? [] : {}) : undefined,
        key: array ? 0 : '',
        collectRoot,
      });
      this.at = array ? At.FirstValueOrEnd : At.FirstKeyOrEnd;
    } else if (code === 0x22) {
      const parent = this.stack[this.stack.length - 1];
      this.stringIsKey = false;
      // A string under a skipped parent is never looked at; the plan is not asked for it.
      this.stringDropped = parent !== undefined && parent.mode === 'skip';
      this.token = '';
      this.inside = In.String;
    } else if (isLetter(code)) {
      this.token = '';
      this.inside = In.Literal;
      return false;
    } else {
      this.fail(`unexpected ${describe(code)}`, i);
    }
    return true;
  }

  private close(): void {
    const frame = this.stack.pop()!;
    if (frame.mode === 'stream' && this.onEnd) this.onEnd(this.path);
    const parent = this.stack[this.stack.length - 1];
    if (parent?.mode === 'stream') this.path.pop();
    if (frame.mode === 'collect') this.deliver(frame.value, frame.collectRoot);
    this.afterValue();
  }

  /** Hands a finished value to its parent being built, or to onValue when it is collected whole. */
  private deliver(value: unknown, collectRoot: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    if (collectRoot) {
      if (parent) this.path.push(parent.key);
      this.onValue(this.path, value);
      if (parent) this.path.pop();
    } else if (parent.array) {
      (parent.value as unknown[]).push(value);
    } else {
      setMember(parent.value as Record<string, unknown>, parent.key as string, value);
    }
  }

  private afterValue(): void {
    this.at = this.stack.length === 0 ? At.Done : At.CommaOrEnd;
  }

  private primitive(value: unknown): void {
    if (this.modeOf('primitive') === 'collect') this.deliver(value, this.collectRoot);
    this.afterValue();
  }

  private readString(text: string, start: number): number {
    const length = text.length;
    let i = start;
    while (i < length) {
      const code = text.charCodeAt(i);
      if (code === 0x22 || code === 0x5c) break;
      if (code < 0x20) this.fail(`unescaped ${describe(code)} in a string`, i);
      i++;
    }
    if (!this.stringDropped && i > start) this.token += text.slice(start, i);
    if (i === length) return i;
    if (text.charCodeAt(i) === 0x5c) {
      this.inside = In.Escape;
      return i + 1;
    }
    this.inside = In.Nothing;
    const value = this.token;
    this.token = '';
    if (this.stringIsKey) {
      const frame = this.stack[this.stack.length - 1];
      frame.key = value;
      this.at = At.Colon;
    } else {
      this.primitive(value);
    }
    return i + 1;
  }

  private readEscape(text: string, i: number): number {
    const letter = text[i];
    if (letter === 'u') {
      this.unicode = '';
      this.inside = In.Unicode;
      return i + 1;
    }
    const replacement = ESCAPES[letter];
    if (replacement === undefined) this.fail(`bad escape '\\${letter}' in a string`, i);
    if (!this.stringDropped) this.token += replacement;
    this.inside = In.String;
    return i + 1;
  }

  private readUnicode(text: string, start: number): number {
    let i = start;
    while (i < text.length && this.unicode.length < 4) {
      const code = text.charCodeAt(i);
      const hex =
        (code >= 0x30 && code <= 0x39) ||
        (code >= 0x41 && code <= 0x46) ||
        (code >= 0x61 && code <= 0x66);
      if (!hex) this.fail(`bad \\u escape in a string`, i);
      this.unicode += text[i];
      i++;
    }
    if (this.unicode.length === 4) {
      // Surrogate halves are kept as they are, pairs or not, as JSON.parse does.
      if (!this.stringDropped) this.token += String.fromCharCode(parseInt(this.unicode, 16));
      this.inside = In.String;
    }
    return i;
  }

  /** Gathers a number or a literal (true, false, null) up to its first foreign character. */
  private readRun(text: string, start: number, part: (code: number) => boolean): number {
    let i = start;
    while (i < text.length && part(text.charCodeAt(i))) i++;
    this.token += text.slice(start, i);
    if (i < text.length) this.finishRun(i);
    return i;
  }

  private finishRun(i: number): void {
    const token = this.token;
    this.token = '';
    let value: unknown;
    if (this.inside === In.Number) {
      if (!NUMBER.test(token)) this.fail(`bad number '${token}'`, i - token.length);
      value = Number(token);
    } else if (token === 'true') {
      value = true;
    } else if (token === 'false') {
      value = false;
    } else if (token === 'null') {
      value = null;
    } else {
      this.fail(`unexpected '${token}'`, i - token.length);
    }
    this.inside = In.Nothing;
    this.primitive(value);
  }
}

/**
 * Reads a JSON document whose root is an object, chunk by chunk, building only the values the
 * plan asks for. A UTF-8 byte order mark is dropped.
 */
export async function readJsonStream(
  chunks: Chunks,
  plan: JsonPlan,
  onValue: JsonValueHandler,
  onEnd?: JsonEndHandler,
): Promise<void> {
  const reader = new JsonStreamReader(
    (path, kind) => {
      if (path.length === 0 && kind !== 'object') {
        throw new ReportError('the JSON document is not an object');
      }
      return plan(path, kind);
    },
    onValue,
    onEnd,
  );
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    reader.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  }
  reader.write(decoder.end());
  reader.end();
}
