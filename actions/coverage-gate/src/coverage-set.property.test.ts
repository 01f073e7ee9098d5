// Properties of the coverage set against a plain reference: each file kept as maps of line,
// branch, function and block to "covered", merged by the rule the set follows (measured when
// any report measures it, covered when any saw it run; counts without detail: the larger
// stands), on generated sequences of records for a few files.
import fc from 'fast-check';
import { CoverageSet, type FileFigures } from './coverage-set';
import {
  BranchBuilder,
  FunctionBuilder,
  LineBuilder,
  type CountsOnly,
  type FileRecord,
  type StatementBlocks,
} from './model';
import {
  hashFunctionNames,
  mergeBranches,
  mergeFunctions,
  mergeInPlace,
  mergeLines,
  pack,
  packedCounts,
  unpackBranches,
  unpackFunctions,
  unpackLines,
} from './packed-detail';
import type { Ratio } from './percent';

const PATHS = ['a.ts', 'src/b.py', 'c.go'];
/** Fixed names, so that no two of them share a hash in any run. */
const FUNCTION_NAMES = ['main', 'f', 'g', '_Z3maxIiET_S0_S0_', '(anonymous_0)', 'é', ''];

const lineNumber = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 80 }) },
  // Far apart, for the packing that lists lines rather than mapping them.
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** 31 - 1 }) },
);
const hits = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(0xffffffff) },
);
const ratio = fc
  .tuple(fc.nat(50), fc.nat(50))
  .map(([a, b]): Ratio => ({ covered: Math.min(a, b), total: Math.max(a, b) }));

interface Raw {
  lines: [number, number][];
  branches?: [number, number, number][];
  functions?: [string, number][];
  blocks?: [string, number, number][];
  counts?: CountsOnly;
  unnamed: boolean;
}

const raw: fc.Arbitrary<Raw> = fc.record({
  lines: fc.array(fc.tuple(lineNumber, hits), { maxLength: 30 }),
  branches: fc.option(fc.array(fc.tuple(lineNumber, fc.nat(3), hits), { maxLength: 10 }), {
    nil: undefined,
  }),
  functions: fc.option(fc.array(fc.tuple(fc.constantFrom(...FUNCTION_NAMES), hits)), {
    nil: undefined,
  }),
  blocks: fc.option(
    fc.array(fc.tuple(fc.constantFrom('1.1,2.9', '3.1,3.5', '4.2,9.1'), fc.nat(4), hits)),
    { nil: undefined },
  ),
  counts: fc.option(
    fc.record({ lines: ratio, branches: ratio, functions: ratio }, { requiredKeys: [] }),
    { nil: undefined },
  ),
  unnamed: fc.boolean(),
});

/** The record a parser would hand over for the raw figures, built as the parsers build them. */
function recordOf(path: string, figures: Raw): FileRecord {
  const lines = new LineBuilder();
  for (const [line, count] of figures.lines) lines.add(line, count);
  const record: FileRecord = { path, lines: lines.take(), unnamed: figures.unnamed };
  if (figures.branches) {
    const branches = new BranchBuilder();
    for (const [line, slot, count] of figures.branches) branches.addAt(line, slot, count);
    record.branches = branches.take();
  }
  if (figures.functions) {
    const functions = new FunctionBuilder();
    for (const [name, count] of figures.functions) functions.hit(name, count);
    record.functions = functions.take();
  }
  if (figures.blocks) {
    const blocks: StatementBlocks = new Map();
    for (const [key, statements, count] of figures.blocks) {
      const known = blocks.get(key);
      if (known) known.hits += count;
      else blocks.set(key, { statements, hits: count });
    }
    record.statements = blocks;
  }
  if (figures.counts) record.counts = figures.counts;
  return record;
}

/** One file as the reference keeps it: what is measured, and whether it ran. */
interface Reference {
  lines: Map<number, boolean>;
  branches?: Map<string, boolean>;
  functions?: Map<string, boolean>;
  blocks?: Map<string, { statements: number; ran: boolean }>;
  counts: CountsOnly;
  unnamed: boolean;
}

function unite<K>(into: Map<K, boolean> | undefined, entries: [K, number][]): Map<K, boolean> {
  const map = into ?? new Map<K, boolean>();
  for (const [key, count] of entries) map.set(key, (map.get(key) ?? false) || count > 0);
  return map;
}

function larger(a: Ratio | undefined, b: Ratio | undefined): Ratio | undefined {
  if (!a || !b) return a ?? b;
  return b.total > a.total || (b.total === a.total && b.covered > a.covered) ? b : a;
}

function addToReference(files: Map<string, Reference>, path: string, figures: Raw): void {
  let file = files.get(path);
  if (!file) {
    file = { lines: new Map(), counts: {}, unnamed: figures.unnamed };
    files.set(path, file);
  }
  unite(file.lines, figures.lines);
  if (figures.branches) {
    file.branches = unite(
      file.branches,
      figures.branches.map(([line, slot, count]) => [`${line}:${slot}`, count]),
    );
  }
  if (figures.functions) file.functions = unite(file.functions, figures.functions);
  if (figures.blocks) {
    const blocks = (file.blocks ??= new Map<string, { statements: number; ran: boolean }>());
    for (const [key, statements, count] of figures.blocks) {
      const known = blocks.get(key);
      if (known) known.ran ||= count > 0;
      else blocks.set(key, { statements, ran: count > 0 });
    }
  }
  for (const metric of ['lines', 'branches', 'functions'] as const) {
    file.counts[metric] = larger(file.counts[metric], figures.counts?.[metric]);
  }
}

function countOf(map: Map<unknown, boolean>): Ratio {
  return { covered: [...map.values()].filter(Boolean).length, total: map.size };
}

function referenceFigures(path: string, file: Reference): FileFigures {
  const figures: FileFigures = {
    path,
    lines:
      file.lines.size > 0 ? countOf(file.lines) : (file.counts.lines ?? { covered: 0, total: 0 }),
    branches: file.branches ? countOf(file.branches) : file.counts.branches,
    functions: file.functions ? countOf(file.functions) : file.counts.functions,
    lineDetail: file.lines.size > 0,
    unnamed: file.unnamed,
  };
  if (file.blocks) {
    const blocks = [...file.blocks.values()];
    figures.statements = {
      covered: blocks.reduce((sum, block) => sum + (block.ran ? block.statements : 0), 0),
      total: blocks.reduce((sum, block) => sum + block.statements, 0),
    };
  }
  return figures;
}

function referenceLines(file: Reference | undefined) {
  if (!file || file.lines.size === 0) return undefined;
  const lines = [...file.lines.keys()].sort((a, b) => a - b);
  return {
    lines: Uint32Array.from(lines),
    hits: Uint32Array.from(lines, (line) => (file.lines.get(line) ? 1 : 0)),
  };
}

test('merged records give the figures and the measured lines of a plain merge', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...PATHS), raw), { maxLength: 12 }),
      (additions) => {
        const set = new CoverageSet();
        const reference = new Map<string, Reference>();
        for (const [path, figures] of additions) {
          set.add(path, recordOf(path, figures));
          addToReference(reference, path, figures);
        }
        expect([...set.figures()]).toEqual(
          [...reference].map(([path, file]) => referenceFigures(path, file)),
        );
        for (const path of PATHS) {
          expect(set.has(path)).toBe(reference.has(path));
          expect(set.measuredLines(path)).toEqual(referenceLines(reference.get(path)));
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('packed detail unpacks to what went in, each count reduced to covered or not', () => {
  fc.assert(
    fc.property(
      raw,
      fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(2 ** 31 - 1), hits)),
      (figures, named) => {
        const record = recordOf('x', figures);
        const functions = {
          hashes: Uint32Array.from(named, ([hash]) => hash),
          lines: Uint32Array.from(named, ([, line]) => line),
          hits: Uint32Array.from(named, ([, , count]) => count),
        };
        const covered = (counts: Uint32Array) => counts.map((count) => (count > 0 ? 1 : 0));
        const packed = pack(record.lines, record.branches, functions);
        expect(unpackLines(packed)).toEqual({ ...record.lines, hits: covered(record.lines.hits) });
        expect(unpackBranches(packed)).toEqual(
          record.branches && { ...record.branches, hits: covered(record.branches.hits) },
        );
        expect(unpackFunctions(packed)).toEqual({ ...functions, hits: covered(functions.hits) });
      },
    ),
    { numRuns: 500 },
  );
});

/**
 * The same file again with other hits, as a report with one section per test lists it: the
 * same lines (some left out), branches and functions. Such records merge in place.
 */
const again = fc
  .tuple(
    raw,
    fc.array(hits, { minLength: 64, maxLength: 64 }),
    fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
  )
  .map(([figures, counts, keep]): [Raw, Raw] => {
    const count = (i: number) => counts[i % counts.length];
    return [
      figures,
      {
        ...figures,
        lines: figures.lines
          .filter((_, i) => keep[i % keep.length])
          .map(([line], i) => [line, count(i)]),
        branches: figures.branches?.map(([line, slot], i) => [line, slot, count(i + 7)]),
        functions: figures.functions?.map(([name], i) => [name, count(i + 13)]),
        counts: undefined,
      },
    ];
  });

test('a file listed again with the same shape merges as a plain merge', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...PATHS), again), { maxLength: 6 }),
      (additions) => {
        const set = new CoverageSet();
        const reference = new Map<string, Reference>();
        for (const [path, pair] of additions) {
          for (const figures of pair) {
            set.add(path, recordOf(path, figures));
            addToReference(reference, path, figures);
          }
        }
        expect([...set.figures()]).toEqual(
          [...reference].map(([path, file]) => referenceFigures(path, file)),
        );
        for (const path of PATHS)
          expect(set.measuredLines(path)).toEqual(referenceLines(reference.get(path)));
      },
    ),
    { numRuns: 500 },
  );
});

test('merging in place gives what unpacking, merging and packing give, or changes nothing', () => {
  let inPlace = 0;
  fc.assert(
    fc.property(fc.oneof(again, fc.tuple(raw, raw)), ([first, second]) => {
      const a = recordOf('x', first);
      const b = recordOf('x', second);
      const aFunctions = a.functions && hashFunctionNames(a.functions);
      const bFunctions = b.functions && hashFunctionNames(b.functions);
      const packed = pack(a.lines, a.branches, aFunctions);
      const before = packed.slice();
      if (!mergeInPlace(packed, b.lines, b.branches, bFunctions)) {
        expect(packed).toEqual(before);
        return;
      }
      inPlace++;
      const oldBranches = unpackBranches(before);
      const oldFunctions = unpackFunctions(before);
      const merged = pack(
        mergeLines(unpackLines(before), b.lines),
        oldBranches && b.branches
          ? mergeBranches(oldBranches, b.branches)
          : (oldBranches ?? b.branches),
        oldFunctions && bFunctions
          ? mergeFunctions(oldFunctions, bFunctions)
          : (oldFunctions ?? bFunctions),
      );
      expect(unpackLines(packed)).toEqual(unpackLines(merged));
      expect(unpackBranches(packed)).toEqual(unpackBranches(merged));
      expect(unpackFunctions(packed)).toEqual(unpackFunctions(merged));
      expect(packedCounts(packed)).toEqual(packedCounts(merged));
    }),
    { numRuns: 1000 },
  );
  // The generated pairs do reach the in-place merge, not only its refusal.
  expect(inPlace).toBeGreaterThan(100);
});
