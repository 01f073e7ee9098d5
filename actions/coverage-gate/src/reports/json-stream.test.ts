// The incremental JSON reader against JSON.parse: the same values for the same text however the
// text is cut into chunks (bytes split inside strings, escapes, \u sequences, numbers, literals
// and multi-byte UTF-8 characters), and a refusal wherever JSON.parse refuses.
import { readJsonStream, type JsonKey, type JsonPlan } from './json-stream';

function bytesIn(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

/** Reads `text` in chunks of `size` bytes, collecting each member of the root object. */
async function members(text: string, size: number, plan?: JsonPlan) {
  const seen: [JsonKey[], unknown][] = [];
  await readJsonStream(
    bytesIn(text, size),
    plan ?? ((path) => (path.length === 0 ? 'stream' : 'collect')),
    (path, value) => seen.push([[...path], value]),
  );
  return seen;
}

const DOCUMENT = JSON.stringify({
  'src/a.js': {
    path: 'C:\\work\\src\\a.js',
    quote: 'say "hi"\n\ttabbed / slash \b\f\r',
    unicode: 'café ☕ 𝄞 \u0001 \u2028',
    numbers: [0, -0, 1, -17, 3.25, -0.5, 1e21, 1.5e-7, 123456789012345, 2.5e300],
    literals: [true, false, null],
    nested: { s: { '0': 1, '1': 0, '10': 7 }, empty: {}, list: [[], [{}], [[1, [2]]]] },
  },
  'ünï/çödé.js': { s: {}, note: '' },
  '': [],
  '\\u escape in key "x"': 'value',
});

describe('readJsonStream', () => {
  test.each([1, 2, 3, 5, 7, 64, 100000])(
    'in chunks of %i bytes, each member equals what JSON.parse builds',
    async (size) => {
      const expected = Object.entries(JSON.parse(DOCUMENT) as Record<string, unknown>);
      const seen = await members(DOCUMENT, size);
      expect(seen.map(([path]) => path)).toEqual(expected.map(([key]) => [key]));
      expect(seen.map(([, value]) => value)).toEqual(expected.map(([, value]) => value));
    },
  );

  test('escapes written by hand, split at every position, decode as JSON.parse decodes them', async () => {
    const text =
      '{"k\\u00e9y": "a\\"b\\\\c\\/d\\u0041\\ud834\\udd1e\\n", "n": [-1.5E+3, 0.0e-0, 10E2, 12345678901234567890], "t": true}';
    const expected = JSON.parse(text) as Record<string, unknown>;
    for (let cut = 1; cut < text.length; cut++) {
      const chunks = [text.slice(0, cut), text.slice(cut)];
      const seen: Record<string, unknown> = {};
      await readJsonStream(
        chunks,
        (path) => (path.length === 0 ? 'stream' : 'collect'),
        (path, value) => (seen[path[0] as string] = value),
      );
      expect(seen).toEqual(expected);
    }
  });

  test('a BOM is dropped and whitespace of every JSON kind is allowed', async () => {
    const seen = await members('\uFEFF \t\r\n{ "a" :\n[ 1 ,\t2 ] }\r\n', 1);
    expect(seen).toEqual([[['a'], [1, 2]]]);
  });

  test('streamed members are asked for one by one with their paths; skipped ones are not built', async () => {
    const text = JSON.stringify({
      meta: { version: '7' },
      files: { 'a.py': { lines: [1, 2] }, 'b.py': { lines: [3] } },
      totals: { n: 3 },
      other: [1, 2, { deep: true }],
    });
    const asked: string[] = [];
    const seen = await members(text, 4, (path, kind) => {
      asked.push(`${path.join('/')}:${kind}`);
      if (path.length === 0 || (path.length === 1 && path[0] === 'files')) return 'stream';
      return path[0] === 'other' ? 'skip' : 'collect';
    });
    expect(seen).toEqual([
      [['meta'], { version: '7' }],
      [['files', 'a.py'], { lines: [1, 2] }],
      [['files', 'b.py'], { lines: [3] }],
      [['totals'], { n: 3 }],
    ]);
    expect(asked).toEqual([
      ':object',
      'meta:object',
      'files:object',
      'files/a.py:object',
      'files/b.py:object',
      'totals:object',
      'other:array',
    ]);
  });

  test('each streamed object or array is reported as it ends, with its path', async () => {
    const text = '{"files": {"a": {"x": [1], "y": {"z": 2}}, "b": []}, "skipped": {"c": {}}}';
    for (const size of [1, 4, 1000]) {
      const events: string[] = [];
      await readJsonStream(
        bytesIn(text, size),
        (path) => (path[0] === 'skipped' ? 'skip' : path.length < 3 ? 'stream' : 'collect'),
        (path, value) => events.push(`value ${path.join('/')} ${JSON.stringify(value)}`),
        (path) => events.push(`end ${path.join('/')}`),
      );
      expect(events).toEqual([
        'value files/a/x [1]',
        'value files/a/y {"z":2}',
        'end files/a',
        'end files/b',
        'end files',
        'end ',
      ]);
    }
  });

  test('streamed arrays give their items with their indexes; primitives are collected too', async () => {
    const seen = await members('{"list": [10, "x", {"y": null}], "n": 4}', 3, (path) =>
      path.length <= 1 && path[0] !== 'n' ? 'stream' : 'collect',
    );
    expect(seen).toEqual([
      [['list', 0], 10],
      [['list', 1], 'x'],
      [['list', 2], { y: null }],
      [['n'], 4],
    ]);
  });

  test('a key written with an escape reads as itself after shapes whose next key holds a backslash', async () => {
    // V8's own JSON.parse misreads these keys in this state (nodejs/node#63785): after
    // {"b": 1, "\\": 2}, it reads {"b": 1, "\u0061": 2} as {"b": 1, "\\": 2}. The reader must not.
    const text = '{"x": {"b": 1, "\\\\": 2}, "y": {"b": 1, "\\u0061": 2}, "z": {"b": 1, "\\n": 3}}';
    JSON.parse('{"b": 1, "\\\\": 2}');
    for (const size of [1, 3, 1000]) {
      const seen = await members(text, size);
      expect(seen).toEqual([
        [['x'], { b: 1, '\\': 2 }],
        [['y'], { b: 1, a: 2 }],
        [['z'], { b: 1, '\n': 3 }],
      ]);
      expect(seen.map(([, value]) => Object.keys(value as object))).toEqual([
        ['b', '\\'],
        ['b', 'a'],
        ['b', '\n'],
      ]);
    }
  });

  test('__proto__ becomes an own member, as with JSON.parse', async () => {
    const [[, value]] = await members('{"a": {"__proto__": {"polluted": 1}}}', 2);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value).toEqual(JSON.parse('{"__proto__": {"polluted": 1}}'));
    expect(Object.keys(value as object)).toEqual(['__proto__']);
  });

  test.each([
    '',
    '   ',
    '{',
    '{"a"',
    '{"a":',
    '{"a": 1',
    '{"a": 1,}',
    '{"a": [1,]}',
    '{"a": [1 2]}',
    '{"a" 1}',
    '{a: 1}',
    "{'a': 1}",
    '{"a": 01}',
    '{"a": 1.}',
    '{"a": .5}',
    '{"a": -}',
    '{"a": 1e}',
    '{"a": +1}',
    '{"a": tru}',
    '{"a": nul}',
    '{"a": True}',
    '{"a": "x\\q"}',
    '{"a": "\\u12g4"}',
    '{"a": "tab\there"}',
    '{"a": "open}',
    '{"a": [}',
    '{"a": {]}',
    '{"a": 1}}',
    '{"a": 1} x',
    '{"a": 1}{}',
    '{"a": NaN}',
  ])('%j is refused as JSON.parse refuses it', async (text) => {
    expect(() => {
      JSON.parse(text);
    }).toThrow();
    for (const size of [1, 4, 1000]) {
      await expect(members(text, size)).rejects.toThrow(/not valid JSON/);
    }
  });

  test.each(['[]', '[{"a": 1}]', '"text"', '42', 'null'])(
    '%j is refused: the root must be an object',
    async (text) => {
      await expect(members(text, 1)).rejects.toThrow('the JSON document is not an object');
    },
  );

  test('an error gives the position of the offending character across chunks', async () => {
    await expect(members('{"abc": [1, 2, @]}', 3)).rejects.toThrow(
      "not valid JSON (unexpected '@' at character 16)",
    );
  });
});
