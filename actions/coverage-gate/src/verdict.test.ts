import { CoverageSet } from './coverage-set';
import type { DiffCoverage } from './changed-lines';
import { measure } from './metrics';
import { parsePercent } from './percent';
import { judge, type VerdictInput } from './verdict';

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  const set = new CoverageSet();
  set.add('src/a.ts', {
    path: 'src/a.ts',
    lines: { lines: Uint32Array.of(1, 2, 3, 4), hits: Uint32Array.of(1, 1, 1, 0) },
  });
  const thresholds = { minLine: parsePercent('min-line', '80') };
  return {
    figures: measure(set, [{ family: 'other' }], thresholds),
    thresholds,
    changed: {},
    reports: [{ file: '/w/lcov.info', name: 'lcov.info', format: 'lcov', guessed: false }],
    warningsIssued: 0,
    annotate: true,
    summaryFile: '/tmp/summary.json',
    comment: { mode: 'off', workflow: 'CI', job: 'test' },
    ...overrides,
  };
}

const uncovered = (count: number): DiffCoverage => ({
  ratio: { covered: 0, total: count },
  files: [{ path: 'src/a.ts', changed: { covered: 0, total: count } }],
  uncovered: Array.from({ length: count }, (_, i) => ({
    path: 'src/a.ts',
    start: 2 * i + 1,
    end: 2 * i + 1,
  })),
});

test('a failing gate says which check failed, and its outputs carry the figures', () => {
  const verdict = judge(input());
  expect(verdict.passed).toBe(false);
  expect(verdict.conclusion).toBe('Lines 75.00% < 80.00% (min-line): 3 of 4 lines covered');
  expect(verdict.outputs).toEqual({
    coverage: '75.00',
    line: '75.00',
    branch: '',
    function: '',
    diff: '',
    passed: 'false',
  });
  expect(verdict.jobSummary).toContain('### Coverage ❌ failed');
  expect(verdict.badge).toBeUndefined();
  expect(verdict.comment).toEqual({ kind: 'off' });
});

test('a passing gate concludes with its headline, and draws the badge asked for', () => {
  const verdict = judge(
    input({ thresholds: { minLine: parsePercent('min-line', '75') }, badge: '/tmp/badge.svg' }),
  );
  expect(verdict.passed).toBe(true);
  expect(verdict.conclusion).toBe('Coverage gate passed: 75.00% (lines).');
  expect(verdict.badge?.svg).toContain('coverage: 75%');
});

test.each([
  ['always', 7, true],
  ['on-failure', 7, true],
  ['on-failure', undefined, false],
] as const)('comment %s on pull request %s', (mode, pullRequest, written) => {
  const verdict = judge(
    input({ comment: { mode, pullRequest, workflow: 'CI / main', job: 'test' } }),
  );
  if (!written) {
    expect(verdict.comment).toEqual({ kind: 'not-a-pull-request' });
    return;
  }
  expect(verdict.comment).toMatchObject({
    kind: 'write',
    pullRequest: 7,
    marker: '<!-- coverage-gate: CI%20%2F%20main/test -->',
    createNew: true,
  });
});

test('on-failure only refreshes an old comment while the gate passes', () => {
  const verdict = judge(
    input({
      thresholds: {},
      comment: { mode: 'on-failure', pullRequest: 7, workflow: 'CI', job: 'test' },
    }),
  );
  expect(verdict.comment).toMatchObject({ kind: 'write', createNew: false });
});

test.each([
  [0, 9, 'warning'],
  [3, 6, 'warning'],
  [10, 0, 'info'],
])(
  'after %i warnings, %i ranges are annotated and the rest is said as %s',
  (warningsIssued, annotated, level) => {
    const verdict = judge(input({ changed: { diff: uncovered(14) }, warningsIssued }));
    expect(verdict.annotations).toHaveLength(annotated);
    expect(verdict.omitted).toEqual({
      level,
      text: `${14 - annotated} more ranges of uncovered changed lines, listed in the job summary (GitHub shows at most 10 warnings per step).`,
    });
  },
);

test('no annotation when annotate is off', () => {
  const verdict = judge(input({ changed: { diff: uncovered(3) }, annotate: false }));
  expect(verdict.annotations).toEqual([]);
  expect(verdict.omitted).toBeUndefined();
});
