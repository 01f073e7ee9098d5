import { diffCoverage, parseUnifiedDiff } from './changed-lines';
import { CoverageSet } from './coverage-set';

const diff = [
  'diff --git a/src/a.py b/src/a.py',
  'index 1..2 100644',
  '--- a/src/a.py',
  '+++ b/src/a.py',
  '@@ -3,0 +4,3 @@ def f():',
  '+    x = 1',
  '+',
  '+    y = 2',
  '@@ -10 +13 @@',
  '-old',
  '+new',
  '@@ -20,2 +22,0 @@',
  '-gone',
  '-gone',
  'diff --git a/old.py b/old.py',
  'deleted file mode 100644',
  '--- a/old.py',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-x',
  'diff --git "a/caf\\303\\251 \\"q\\".py" "b/caf\\303\\251 \\"q\\".py"',
  '--- "a/caf\\303\\251 \\"q\\".py"',
  '+++ "b/caf\\303\\251 \\"q\\".py"',
  '@@ -0,0 +1 @@',
  '+print(1)',
  '',
].join('\n');

test('added and changed lines by file; deletions and removed files add nothing', () => {
  expect(parseUnifiedDiff(diff)).toEqual(
    new Map([
      ['src/a.py', [4, 5, 6, 13]],
      ['café "q".py', [1]],
    ]),
  );
});

test('changed measured lines are counted, uncovered ones grouped across unmeasured lines', () => {
  const set = new CoverageSet();
  const lines: [number, number][] = [
    [4, 0],
    [6, 0],
    [7, 1],
    [13, 0],
    [14, 0],
    [30, 5],
  ];
  set.add('src/a.py', {
    path: 'src/a.py',
    lines: {
      lines: Uint32Array.from(lines, (l) => l[0]),
      hits: Uint32Array.from(lines, (l) => l[1]),
    },
  });
  const changed = new Map([
    ['src/a.py', [4, 5, 6, 7, 13, 14]],
    ['README.md', [1, 2]],
  ]);
  const result = diffCoverage(set, changed);
  expect(result.ratio).toEqual({ covered: 1, total: 5 });
  expect(result.files).toEqual([{ path: 'src/a.py', changed: { covered: 1, total: 5 } }]);
  expect(result.uncovered).toEqual([
    { path: 'src/a.py', start: 4, end: 6 },
    { path: 'src/a.py', start: 13, end: 14 },
  ]);
});
