// Properties of the incremental JSON reader, against JSON.parse as the reference: generated
// documents (every escape, lone surrogates, long strings and keys, duplicate keys, big and tiny
// numbers, JSON's four kinds of whitespace) fed in random chunks of bytes or of text, read whole
// or member by member under random plans, and broken documents that JSON.parse refuses.
//
// JSON.parse is the reference, but not as is: V8 (Node 24 among others, nodejs/node#63785)
// misreads an object key written with an escape once the heap holds an object shape whose next
// key contains a backslash, which any earlier parse or test can leave behind. `parseReference`
// steps around that and says how.
import { createContext, runInContext } from 'node:vm';
import fc from 'fast-check';
import { readJsonStream, type JsonKey, type JsonPlan } from './json-stream';

type Doc =
  | { kind: 'object'; entries: [string, Doc][] }
  | { kind: 'array'; items: Doc[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'literal'; text: 'true' | 'false' | 'null' };

type Kind = 'object' | 'array' | 'primitive';
type Mode = 'stream' | 'collect' | 'skip';

// ---- generators

const codeUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\u0000') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  // Lone surrogate halves, which JSON.parse keeps as they are.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  },
  { weight: 1, arbitrary: fc.constantFrom('é', '☕', '𝄞', '\u2028', '\u007f', '\ufeff') },
);
const text = fc.array(codeUnit, { maxLength: 12 }).map((units) => units.join(''));
const longText = fc
  .tuple(codeUnit, fc.integer({ min: 1_000, max: 5_000 }))
  .map(([unit, times]) => unit.repeat(times));
const key = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('a', 'b', '', '__proto__', 'constructor', '0', '10') },
  { weight: 1, arbitrary: text },
);

const digits = (min: number, max: number) =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max })
    .map((list) => list.join(''));
/** Number tokens as JSON writes them; `long` adds integers of more digits than a double holds. */
const numberText = (long: boolean) =>
  fc
    .record({
      minus: fc.boolean(),
      integer: fc.oneof(
        fc.constant('0'),
        fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 20)).map(([d, rest]) => `${d}${rest}`),
        fc
          .tuple(fc.integer({ min: 1, max: 9 }), digits(long ? 300 : 0, long ? 400 : 0))
          .map(([d, rest]) => `${d}${rest}`),
      ),
      fraction: fc.option(digits(1, 30), { nil: undefined }),
      exponent: fc.option(
        fc.tuple(
          fc.constantFrom('e', 'E'),
          fc.constantFrom('', '+', '-'),
          fc.oneof(digits(1, 3), fc.constantFrom('308', '309', '324', '400', '0000')),
        ),
        { nil: undefined },
      ),
    })
    .map(
      ({ minus, integer, fraction, exponent }) =>
        `${minus ? '-' : ''}${integer}${fraction === undefined ? '' : `.${fraction}`}${exponent ? exponent.join('') : ''}`,
    );

/** Objects at the root, nesting a few levels; `long` lets strings and keys run to 5,000 characters. */
function documents(long: boolean): fc.Arbitrary<Doc> {
  const name = long
    ? fc.oneof({ weight: 6, arbitrary: key }, { weight: 1, arbitrary: longText })
    : key;
  const leaf = fc.oneof(
    { weight: 3, arbitrary: text.map((value): Doc => ({ kind: 'string', value })) },
    {
      weight: long ? 1 : 0,
      arbitrary: longText.map((value): Doc => ({ kind: 'string', value })),
    },
    {
      weight: 3,
      arbitrary: numberText(long).map((value): Doc => ({ kind: 'number', text: value })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('true', 'false', 'null')
        .map((value): Doc => ({ kind: 'literal', text: value })),
    },
  );
  const { object } = fc.letrec<{ value: Doc; object: Doc }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('object'),
      fc.array(tie('value'), { maxLength: 5 }).map((items): Doc => ({ kind: 'array', items })),
    ),
    object: fc
      .array(fc.tuple(name, tie('value')), { maxLength: 6 })
      .map((entries): Doc => ({ kind: 'object', entries })),
  }));
  return object;
}
const document = documents(true);
const smallDocument = documents(false);

/** A source of choices for the writer (whitespace, escapes), so one seed gives one text. */
function choices(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

const SHORT: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const WHITESPACE = ['', '', ' ', '\n', '\t', '\r', ' \r\n\t '];

function unicodeEscape(code: number, pick: (n: number) => number): string {
  const hex = code.toString(16).padStart(4, '0');
  return `\\u${pick(2) ? hex.toUpperCase() : hex}`;
}

function writeString(value: string, pick: (n: number) => number): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    const code = value.charCodeAt(i);
    const mustEscape = char === '"' || char === '\\' || code < 0x20;
    const choice = pick(4);
    if (!mustEscape && choice < 2) out += char;
    else if (SHORT[char] && choice !== 3) out += SHORT[char];
    else out += unicodeEscape(code, pick);
  }
  return `${out}"`;
}

/** The document as text, with whitespace between tokens and escapes chosen by `seed`. */
function write(root: Doc, seed: number): string {
  const pick = choices(seed);
  const space = () => WHITESPACE[pick(WHITESPACE.length)];
  const out = (value: Doc): string => {
    switch (value.kind) {
      case 'string':
        return writeString(value.value, pick);
      case 'number':
      case 'literal':
        return value.text;
      case 'array':
        return `[${space()}${value.items.map((item) => `${out(item)}${space()}`).join(`,${space()}`)}]`;
      case 'object':
        return `{${space()}${value.entries
          .map(
            ([name, member]) =>
              `${writeString(name, pick)}${space()}:${space()}${out(member)}${space()}`,
          )
          .join(`,${space()}`)}}`;
    }
  };
  return `${space()}${out(root)}${space()}`;
}

// ---- the reference: JSON.parse, out of reach of a V8 bug

// The V8 bug (nodejs/node#63785, https://issues.chromium.org/issues/521080746; seen here on
// Node 24.21, V8 13.6): when the object being built has a single expected next key K (an object
// of that shape was built before, by JSON.parse or by anything else) and the key in the text has
// an escape, V8 takes the key to be K whenever the key's raw text, escapes undecoded, starts with
// K over the key's decoded length, which needs a backslash in K. So after `{"b": 0, "\\": 0}`,
// `{"b": 0, "\u0061": 0}` parses to the key "\\", not "a". The reader is right there and
// JSON.parse is wrong, which made these properties fail now and then (about one run in six),
// depending on what ran before in the same process: a seed replays it only after the same tests.
//
// The way around: JSON.parse runs in a realm of its own, in which no key ever holds a
// backslash, because every text is first rewritten so that each backslash of its strings
// becomes U+E000 U+E001 (and each U+E000 becomes U+E000 U+E000); the values are then copied
// back into this realm with the backslashes put back. The rewrite keeps valid texts valid and
// the others invalid; whether a text is refused is decided by JSON.parse itself all the same.
const referenceRealm = createContext({});
const realmParse = runInContext('JSON.parse', referenceRealm) as (text: string) => unknown;

/** Each escape, or a raw U+E000; an escape that decodes to a backslash or U+E000 is rewritten. */
const ESCAPE_OR_MARK = /\\(u[0-9a-fA-F]{4}|[^])|\uE000/g;
const MARKED = /\uE000([\uE000\uE001])/g;

function hideBackslashes(text: string): string {
  return text.replace(ESCAPE_OR_MARK, (match, escape: string | undefined) => {
    if (escape === undefined) return '\\uE000\\uE000';
    const lower = escape.toLowerCase();
    if (lower === '\\' || lower === 'u005c') return '\\uE000\\uE001';
    if (lower === 'ue000') return '\\uE000\\uE000';
    return match;
  });
}

function restoreBackslashes(value: string): string {
  return value.includes('\uE000')
    ? value.replace(MARKED, (_, mark: string) => (mark === '\uE000' ? '\uE000' : '\\'))
    : value;
}

/** Copies a value parsed in the reference realm into this one; no call stack however deep. */
function adopt(parsed: unknown): unknown {
  const copy = (value: unknown): unknown => {
    if (typeof value === 'string') return restoreBackslashes(value);
    if (typeof value !== 'object' || value === null) return value;
    return Array.isArray(value) ? [] : {};
  };
  const root = copy(parsed);
  const pending: [object, object][] = [];
  if (typeof root === 'object' && root !== null) pending.push([parsed as object, root]);
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    for (const name of Object.keys(from)) {
      const value = (from as Record<string, unknown>)[name];
      const target = copy(value);
      if (typeof target === 'object' && target !== null) pending.push([value as object, target]);
      // Own members, `__proto__` included, in JSON.parse's order.
      Object.defineProperty(to, restoreBackslashes(name), {
        value: target,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return root;
}

/** What JSON.parse gives for `text` where V8 reads it right; throws where JSON.parse throws. */
function parseReference(text: string): unknown {
  JSON.parse(text);
  return adopt(realmParse(hideBackslashes(text)));
}

// ---- feeding the reader

/** Cuts `data` at the given points (any numbers; taken modulo the length, sorted, deduplicated). */
function cut<T extends string | Buffer>(data: T, points: number[]): T[] {
  const at = [...new Set(points.map((point) => (data.length === 0 ? 0 : point % data.length)))]
    .filter((point) => point > 0)
    .sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const point of [...at, data.length]) {
    pieces.push(data.slice(from, point) as T);
    from = point;
  }
  return pieces;
}

interface Read {
  values: [JsonKey[], unknown][];
  asked: string[];
}

async function read(chunks: (string | Buffer)[], plan: JsonPlan, record = true): Promise<Read> {
  const values: [JsonKey[], unknown][] = [];
  const asked: string[] = [];
  await readJsonStream(
    chunks,
    (path, kind) => {
      if (record) asked.push(`${JSON.stringify(path)} ${kind}`);
      return plan(path, kind);
    },
    (path, value) => values.push([[...path], value]),
  );
  return { values, asked };
}

const wholeDocument: JsonPlan = () => 'collect';

/** A plan that streams, collects or skips each value by a hash of its path and kind. */
function randomPlan(seed: number): JsonPlan {
  return (path, kind) => {
    let hash = seed >>> 0;
    for (const char of `${JSON.stringify(path)}${kind}`) {
      hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    }
    return (['stream', 'collect', 'skip'] as const)[hash % 3];
  };
}

function kindOf(value: Doc): Kind {
  return value.kind === 'object' || value.kind === 'array' ? value.kind : 'primitive';
}

/**
 * What the reader must do under `plan`, worked out on the generated tree: the questions it asks
 * and the values it hands over, each built by JSON.parse from the value's own text (which keeps
 * the last of duplicate keys, where the first stood).
 */
function expected(root: Doc, plan: JsonPlan, seed: number): Read {
  const result: Read = { values: [], asked: [] };
  const visit = (value: Doc, path: JsonKey[]) => {
    const kind = kindOf(value);
    result.asked.push(`${JSON.stringify(path)} ${kind}`);
    const mode: Mode = plan(path, kind);
    if (mode === 'collect') {
      result.values.push([path, parseReference(write(value, seed))]);
    } else if (mode === 'stream' && value.kind === 'object') {
      for (const [name, member] of value.entries) visit(member, [...path, name]);
    } else if (mode === 'stream' && value.kind === 'array') {
      value.items.forEach((item, index) => visit(item, [...path, index]));
    }
  };
  visit(root, []);
  return result;
}

/**
 * The first place where two JSON values differ, or undefined: key order, -0 and NaN count, and
 * the walk needs no call stack however deep the values nest.
 */
function difference(actual: unknown, wanted: unknown): string | undefined {
  const pending: [unknown, unknown, string][] = [[actual, wanted, '$']];
  while (pending.length > 0) {
    const [a, b, at] = pending.pop()!;
    if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
      if (!Object.is(a, b)) return `${at}: ${String(a)} is not ${String(b)}`;
      continue;
    }
    if (Array.isArray(a) !== Array.isArray(b)) return `${at}: array and object`;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at}: prototypes differ`;
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    // Element by element: keys may hold any character, so no separator would do.
    if (keysA.length !== keysB.length || keysA.some((name, index) => name !== keysB[index])) {
      return `${at}: keys ${JSON.stringify(keysA)} are not ${JSON.stringify(keysB)}`;
    }
    for (const name of keysA) {
      pending.push([
        (a as Record<string, unknown>)[name],
        (b as Record<string, unknown>)[name],
        `${at}[${JSON.stringify(name)}]`,
      ]);
    }
  }
  return undefined;
}

/** The value a generated tree stands for, built from the tree itself rather than from a text. */
function valueOf(root: Doc): unknown {
  switch (root.kind) {
    case 'string':
      return root.value;
    case 'number':
      return Number(root.text);
    case 'literal':
      return JSON.parse(root.text) as unknown;
    case 'array':
      return root.items.map(valueOf);
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [name, member] of root.entries) {
        Object.defineProperty(value, name, {
          value: valueOf(member),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return value;
    }
  }
}

function expectSame(actual: Read, wanted: Read): void {
  expect(actual.asked).toEqual(wanted.asked);
  expect(actual.values.map(([path]) => path)).toEqual(wanted.values.map(([path]) => path));
  actual.values.forEach(([, value], index) => {
    expect(difference(value, wanted.values[index][1])).toBeUndefined();
  });
}

async function expectRefused(chunks: (string | Buffer)[], plan: JsonPlan = wholeDocument) {
  await expect(read(chunks, plan)).rejects.toThrow(/not valid JSON|not an object/);
}

const seed = fc.integer();
const cuts = fc.array(fc.nat(), { maxLength: 12 });
const RUNS = { numRuns: 150 };

// ---- properties

describe('readJsonStream against JSON.parse', () => {
  test('the reference reads each generated document as its tree says, whatever ran before', () => {
    fc.assert(
      fc.property(document, seed, (root, style) => {
        const written = write(root, style);
        // What left V8's JSON.parse misreading keys: shapes whose next key holds a backslash.
        JSON.parse(written);
        expect(difference(parseReference(written), valueOf(root))).toBeUndefined();
      }),
      RUNS,
    );
  });

  test('a whole document, cut anywhere in its UTF-8 bytes, reads as JSON.parse reads it', async () => {
    await fc.assert(
      fc.asyncProperty(document, seed, cuts, async (root, style, points) => {
        const bytes = Buffer.from(write(root, style), 'utf8');
        // Lone surrogates become U+FFFD in UTF-8, for both readers alike.
        const reference = parseReference(bytes.toString('utf8'));
        const { values } = await read(cut(bytes, points), wholeDocument);
        expect(values).toHaveLength(1);
        expect(values[0][0]).toEqual([]);
        expect(difference(values[0][1], reference)).toBeUndefined();
      }),
      RUNS,
    );
  });

  test('text chunks, cut between the halves of surrogate pairs too, keep every code unit', async () => {
    await fc.assert(
      fc.asyncProperty(document, seed, cuts, async (root, style, points) => {
        const written = write(root, style);
        const { values } = await read(cut(written, points), wholeDocument);
        expect(difference(values[0][1], parseReference(written))).toBeUndefined();
      }),
      RUNS,
    );
  });

  test('under any plan, it asks for and hands over what a walk of the parsed tree gives', async () => {
    await fc.assert(
      fc.asyncProperty(document, seed, seed, cuts, async (root, style, planSeed, points) => {
        const written = write(root, style);
        const plan = randomPlan(planSeed);
        const rootPlan: JsonPlan = (path, kind) =>
          path.length === 0 ? 'stream' : plan(path, kind);
        expectSame(await read(cut(written, points), rootPlan), expected(root, rootPlan, style));
      }),
      RUNS,
    );
  });

  test('every single cut of a small document gives the same values', async () => {
    await fc.assert(
      fc.asyncProperty(
        smallDocument.filter((root) => write(root, 0).length < 300),
        seed,
        async (root, style) => {
          const bytes = Buffer.from(write(root, style), 'utf8');
          const reference = parseReference(bytes.toString('utf8'));
          for (let point = 1; point < bytes.length; point++) {
            const { values } = await read(cut(bytes, [point]), wholeDocument);
            expect(difference(values[0][1], reference)).toBeUndefined();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a document cut short is refused, as JSON.parse refuses it', async () => {
    await fc.assert(
      fc.asyncProperty(document, seed, fc.nat(), cuts, async (root, style, at, points) => {
        const written = write(root, style);
        const end = written.lastIndexOf('}');
        const truncated = written.slice(0, at % (end + 1));
        expect(() => {
          JSON.parse(truncated);
        }).toThrow();
        await expectRefused(cut(Buffer.from(truncated, 'utf8'), points));
      }),
      RUNS,
    );
  });

  test('anything but whitespace after the document is refused, as JSON.parse refuses it', async () => {
    const garbage = fc
      .tuple(
        fc.constantFrom(...WHITESPACE),
        text,
        fc.constantFrom('x', '}', ']', ',', '{}', '0', '"', '\u00a0', '\ufeff'),
      )
      .map(([space, rest, first]) => `${space}${first}${rest}`);
    await fc.assert(
      fc.asyncProperty(document, seed, garbage, cuts, async (root, style, tail, points) => {
        const broken = write(root, style) + tail;
        expect(() => {
          JSON.parse(broken);
        }).toThrow();
        await expectRefused(cut(broken, points));
      }),
      RUNS,
    );
  });

  test('a document with one character changed is read or refused as JSON.parse does', async () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.integer({ min: 0, max: 2 }),
      insert: fc.oneof(
        fc.constant(''),
        fc.constantFrom(
          '{',
          '}',
          '[',
          ']',
          ',',
          ':',
          '"',
          '\\',
          'u',
          '0',
          '-',
          '.',
          'e',
          ' ',
          '\n',
        ),
        // Control characters, which a string holds only escaped.
        fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
        codeUnit,
      ),
    });
    await fc.assert(
      fc.asyncProperty(document, seed, edit, cuts, async (root, style, change, points) => {
        const written = write(root, style);
        const at = change.at % (written.length + 1);
        const broken = written.slice(0, at) + change.insert + written.slice(at + change.remove);
        // The reader drops a byte order mark; JSON.parse refuses one. Not a difference to test.
        fc.pre(!broken.startsWith('\ufeff'));
        let reference: unknown;
        try {
          reference = parseReference(broken);
        } catch {
          await expectRefused(cut(broken, points));
          return;
        }
        if (typeof reference !== 'object' || reference === null || Array.isArray(reference)) {
          await expectRefused(cut(broken, points));
          return;
        }
        const { values } = await read(cut(broken, points), wholeDocument);
        expect(difference(values[0][1], reference)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  test('every control character is refused unescaped in a key or a value, as JSON.parse refuses it', async () => {
    for (let code = 0; code < 0x20; code++) {
      const char = String.fromCharCode(code);
      for (const broken of [`{"a${char}b": 1}`, `{"a": ["b${char}"]}`]) {
        expect(() => {
          JSON.parse(broken);
        }).toThrow();
        await expectRefused([broken]);
        await expectRefused(cut(broken, [5]), () => 'stream');
      }
    }
  });

  test('a key with an escape, after shapes whose next key is a backslash, reads as itself', async () => {
    // The counterexample that made 'one character changed' fail (seed -275827944, no change, one
    // chunk), once an earlier test had left such shapes behind: JSON.parse then read the second
    // "\u0061" as "\\"; the reader read "a", as it should.
    const root: Doc = {
      kind: 'object',
      entries: [
        [
          '',
          {
            kind: 'object',
            entries: [
              [
                '\u0000',
                {
                  kind: 'object',
                  entries: [
                    [
                      'a',
                      {
                        kind: 'array',
                        items: [
                          {
                            kind: 'object',
                            entries: [
                              ['b', { kind: 'number', text: `1${'0'.repeat(300)}` }],
                              ['a', { kind: 'literal', text: 'true' }],
                              [
                                '\u0000'.repeat(1000),
                                { kind: 'string', value: '\ud800'.repeat(1000) },
                              ],
                            ],
                          },
                        ],
                      },
                    ],
                  ],
                },
              ],
            ],
          },
        ],
      ],
    };
    const written = write(root, 0);
    expect(written).toContain('"\\u0061"\t: \r\n\t true');
    const wanted = {
      '': {
        '\u0000': {
          a: [{ b: 1e300, a: true, ['\u0000'.repeat(1000)]: '\ud800'.repeat(1000) }],
        },
      },
    };
    JSON.parse('{"b": 0, "\\\\": 0}');
    JSON.parse('[{"b": 0, "\\\\": 0}]');
    const { values } = await read([written], wholeDocument);
    expect(difference(values[0][1], wanted)).toBeUndefined();
    expect(difference(valueOf(root), wanted)).toBeUndefined();
    expect(difference(parseReference(written), wanted)).toBeUndefined();
  });

  test('deep nesting, long strings and long keys, in random chunks', async () => {
    const depth = 20_000;
    const nested = `{"deep": ${'[{"k":'.repeat(depth)}"\\ud834\\udd1e"${'}]'.repeat(depth)}, "flat": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const long = `{"${'k\\"é'.repeat(50_000)}": "${'\\u00e9𝄞\\n'.repeat(100_000)}"}`;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(nested, long), cuts, async (written, points) => {
        const { values } = await read(cut(Buffer.from(written, 'utf8'), points), wholeDocument);
        expect(difference(values[0][1], parseReference(written))).toBeUndefined();
      }),
      { numRuns: 20 },
    );
    // Streamed to the bottom, each leaf arrives with its whole path.
    const { values } = await read(
      [nested],
      (_, kind) => (kind === 'primitive' ? 'collect' : 'stream'),
      false,
    );
    expect(values).toHaveLength(1);
    expect(values[0][0]).toHaveLength(2 * depth + 1);
    expect(values[0][1]).toBe('𝄞');
  });
});
