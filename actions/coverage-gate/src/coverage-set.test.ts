import { CoverageSet } from './coverage-set';
import { pack, unpackBranches, unpackFunctions, unpackLines } from './packed-detail';

const hits = (pairs: [number, number][]) => ({
  lines: Uint32Array.from(pairs, (pair) => pair[0]),
  hits: Uint32Array.from(pairs, (pair) => pair[1]),
});

test.each([
  [
    'dense lines',
    [
      [1, 3],
      [2, 0],
      [3, 1],
      [40, 0],
    ] as [number, number][],
  ],
  [
    'sparse lines',
    [
      [5, 1],
      [100_000, 0],
      [2_000_000, 7],
    ] as [number, number][],
  ],
  ['no lines', [] as [number, number][]],
])('%s survive packing, as covered or not', (_, pairs) => {
  const branches = {
    lines: Uint32Array.of(2, 2),
    slots: Uint32Array.of(0, 1),
    hits: Uint32Array.of(0, 4),
  };
  const functions = {
    hashes: Uint32Array.of(12345, 67),
    lines: Uint32Array.of(1, 30),
    hits: Uint32Array.of(2, 0),
  };
  const packed = pack(hits(pairs), branches, functions);
  expect(unpackLines(packed)).toEqual(
    hits(pairs.map(([line, count]) => [line, count > 0 ? 1 : 0])),
  );
  expect(unpackBranches(packed)).toEqual({ ...branches, hits: Uint32Array.of(0, 1) });
  expect(unpackFunctions(packed)).toEqual({ ...functions, hits: Uint32Array.of(1, 0) });
  expect(unpackBranches(pack(hits(pairs)))).toBeUndefined();
});

test('the same file from two reports: lines unite, a line covered in either is covered', () => {
  const set = new CoverageSet();
  set.add('a.ts', {
    path: 'a.ts',
    lines: hits([
      [1, 0],
      [2, 1],
      [3, 0],
    ]),
  });
  set.add('a.ts', {
    path: 'a.ts',
    lines: hits([
      [3, 2],
      [4, 0],
    ]),
    functions: { names: ['main'], lines: Uint32Array.of(1), hits: Uint32Array.of(1) },
  });
  set.add('a.ts', {
    path: 'a.ts',
    lines: hits([[1, 0]]),
    functions: { names: ['main'], lines: Uint32Array.of(1), hits: Uint32Array.of(0) },
  });
  expect([...set.figures()].find((file) => file.path === 'a.ts')).toMatchObject({
    lines: { covered: 2, total: 4 },
    functions: { covered: 1, total: 1 },
    branches: undefined,
  });
});
