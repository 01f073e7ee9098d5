// Properties of the streaming XML scanner on generated well-formed documents: elements with
// attributes (either quote, spaces around `=`, entities and character references in values),
// text with entities, CDATA sections, comments, processing instructions and a DOCTYPE, fed in
// random chunks of UTF-8 bytes. The reference is the generated tree itself, read as the
// scanner's contract says (xml-scanner.ts).
import fc from 'fast-check';
import { scanXml, type Tag } from './xml-scanner';

type Node =
  | { kind: 'element'; name: string; attributes: [string, string][]; children: Node[] }
  | { kind: 'text'; value: string }
  | { kind: 'cdata'; value: string }
  | { kind: 'comment'; value: string }
  | { kind: 'pi'; value: string };

type Event =
  | { open: string; attributes: Record<string, string | undefined> }
  | { close: string }
  | { text: string }
  | { comment: string };

// ---- generators

const nameStart = fc.constantFrom('a', 'b', 'line', 'x', 'É', 'ü', '_', 'L');
const nameRest = fc.constantFrom('a', 'z', '0', '9', '-', '.', '_', ':', 'é');
const elementName = fc
  .tuple(nameStart, fc.array(nameRest, { maxLength: 6 }))
  .map(([first, rest]) => first + rest.join(''));
/** Names that are prefixes and suffixes of each other, as coverage reports' are. */
const ATTRIBUTE_NAMES = ['a', 'ab', 'b', 'number', 'hits', 'rate', 'line-rate', 'x:y', 'é'];

// Characters of text and attribute values as they are meant, before escaping. No raw CR, tab
// or newline in values and no CR in text: XML would normalise them, the scanner does not.
const character = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", ']', '-', '?', ' ') },
  { weight: 1, arbitrary: fc.constantFrom('é', '☕', '𝄞', '\u00a0', '\u2028') },
);
const value = fc.array(character, { maxLength: 10 }).map((list) => list.join(''));
const textValue = fc
  .array(fc.oneof(character, fc.constantFrom('\n', '\t')), { minLength: 1, maxLength: 10 })
  .map((list) => list.join(''));
/** Content that cannot end the construct it sits in: `--` in comments, `]]>`, `?>`. */
const rawContent = (forbidden: RegExp) =>
  fc
    .array(fc.oneof(character, fc.constantFrom('\n', '\t')), { maxLength: 10 })
    .map((list) => list.join(''))
    .filter((text) => !forbidden.test(text));

const { element } = fc.letrec<{ element: Node; node: Node }>((tie) => ({
  element: fc
    .record({
      name: elementName,
      attributes: fc.uniqueArray(fc.tuple(fc.constantFrom(...ATTRIBUTE_NAMES), value), {
        maxLength: 4,
        selector: ([name]) => name,
      }),
      children: fc.array(tie('node'), { maxLength: 5 }),
    })
    .map((fields): Node => ({ kind: 'element', ...fields })),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    textValue.map((text): Node => ({ kind: 'text', value: text })),
    tie('element'),
    rawContent(/\]\]>/).map((text): Node => ({ kind: 'cdata', value: text })),
    rawContent(/--|-$/).map((text): Node => ({ kind: 'comment', value: text })),
    rawContent(/\?>/).map((text): Node => ({ kind: 'pi', value: text })),
  ),
}));

interface Document {
  prolog: Node[];
  root: Node;
  epilogue: Node[];
  declaration: boolean;
  doctype: boolean;
}

const misc = fc.array(
  fc.oneof(
    rawContent(/--|-$/).map((text): Node => ({ kind: 'comment', value: text })),
    rawContent(/\?>/).map((text): Node => ({ kind: 'pi', value: text })),
  ),
  { maxLength: 2 },
);
const xmlDocument = fc.record({
  prolog: misc,
  root: element,
  epilogue: misc,
  declaration: fc.boolean(),
  doctype: fc.boolean(),
});

// ---- writing

function choices(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

/** Escapes what must be escaped, and escapes other characters now and then, in every form. */
function escape(text: string, quote: string, pick: (n: number) => number): string {
  let out = '';
  for (const char of text) {
    const must = char === '<' || char === '&' || char === quote;
    const named = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[char];
    const choice = pick(must ? 3 : 8);
    const code = char.codePointAt(0)!;
    if (choice === 0) out += `&#${code};`;
    else if (choice === 1)
      out += `&#x${pick(2) ? code.toString(16) : code.toString(16).toUpperCase()};`;
    else if (named && (must || choice === 2)) out += named;
    else out += char;
  }
  return out;
}

/** The document as text, and where its root element ends; spaces and escapes chosen by `seed`. */
function write(doc: Document, seed: number): { text: string; rootEnd: number } {
  const pick = choices(seed);
  const space = () => ['', '', ' ', '\n', '\t', '  \r\n'][pick(6)];
  const someSpace = () => [' ', '\n', '\t', ' \r\n '][pick(4)];
  const out = (node: Node): string => {
    switch (node.kind) {
      case 'text':
        return escape(node.value, '', pick);
      case 'cdata':
        return `<![CDATA[${node.value}]]>`;
      case 'comment':
        return `<!--${node.value}-->`;
      case 'pi':
        return `<?pi${node.value === '' ? '' : ` ${node.value}`}?>`;
      case 'element': {
        const attributes = node.attributes
          .map(([name, text]) => {
            const quote = pick(2) ? '"' : "'";
            return `${someSpace()}${name}${space()}=${space()}${quote}${escape(text, quote, pick)}${quote}`;
          })
          .join('');
        const start = `<${node.name}${attributes}${space()}`;
        if (node.children.length === 0 && pick(2)) return `${start}/>`;
        return `${start}>${node.children.map(out).join('')}</${node.name}${space()}>`;
      }
    }
  };
  const before = [
    doc.declaration ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '',
    ...doc.prolog.map((node) => out(node) + space()),
    doc.doctype ? `<!DOCTYPE ${nameOf(doc.root)} SYSTEM "report.dtd">${space()}` : '',
    out(doc.root),
  ].join('');
  const after = [...doc.epilogue.map((node) => space() + out(node)), space()].join('');
  return { text: before + after, rootEnd: before.length };
}

function nameOf(node: Node): string {
  return node.kind === 'element' ? node.name : '';
}

// ---- reading

function expectedEvents(doc: Document, withText: boolean): Event[] {
  const events: Event[] = [];
  const visit = (node: Node) => {
    switch (node.kind) {
      case 'text':
      case 'cdata':
        if (withText) events.push({ text: node.value });
        return;
      case 'comment':
        events.push({ comment: node.value });
        return;
      case 'pi':
        return;
      case 'element':
        events.push({ open: node.name, attributes: attributesOf(node.attributes) });
        node.children.forEach(visit);
        events.push({ close: node.name });
    }
  };
  doc.prolog.forEach(visit);
  visit(doc.root);
  doc.epilogue.forEach(visit);
  return normalise(events);
}

/** Every attribute name asked for: those present give their value, the others undefined. */
function attributesOf(present: [string, string][]): Record<string, string | undefined> {
  const values = new Map(present);
  return Object.fromEntries(ATTRIBUTE_NAMES.map((name) => [name, values.get(name)]));
}

/** Adjacent text joined, empty text dropped: how text is cut into calls is not the contract. */
function normalise(events: Event[]): Event[] {
  const out: Event[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if ('text' in event && last && 'text' in last) last.text += event.text;
    else out.push('text' in event ? { text: event.text } : event);
  }
  return out.filter((event) => !('text' in event) || event.text !== '');
}

async function scan(chunks: Buffer[], withText: boolean): Promise<Event[]> {
  const events: Event[] = [];
  await scanXml(chunks, {
    open: (tag: Tag) => {
      const attributes = Object.fromEntries(ATTRIBUTE_NAMES.map((name) => [name, tag.attr(name)]));
      events.push({ open: tag.name, attributes });
    },
    close: (name) => events.push({ close: name }),
    comment: (text) => events.push({ comment: text }),
    ...(withText && { text: (text: string) => events.push({ text }) }),
  });
  return normalise(events);
}

function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((point) => point % Math.max(1, bytes.length)))]
    .filter((point) => point > 0)
    .sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of [...at, bytes.length]) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  return pieces;
}

const seed = fc.integer();
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('scanXml on generated well-formed documents', () => {
  test('elements, attributes, text, CDATA and comments arrive as written, in any chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        xmlDocument,
        seed,
        cuts,
        fc.boolean(),
        async (doc, style, points, withText) => {
          const bytes = Buffer.from(write(doc, style).text, 'utf8');
          expect(await scan(cut(bytes, points), withText)).toEqual(expectedEvents(doc, withText));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a document cut before its root element closes is refused', async () => {
    await fc.assert(
      fc.asyncProperty(xmlDocument, seed, fc.nat(), cuts, async (doc, style, at, points) => {
        const { text, rootEnd } = write(doc, style);
        const truncated = Buffer.from(text.slice(0, at % rootEnd), 'utf8');
        await expect(scan(cut(truncated, points), true)).rejects.toThrow(/not well-formed XML/);
      }),
      { numRuns: 300 },
    );
  });
});
