import { CoverageSet } from './coverage-set';
import { chooseHeadline, computeTotals, evaluate } from './metrics';
import { parsePercent } from './percent';
import { renderReport, type ReportModel } from './report';

function model(files: number): ReportModel {
  const set = new CoverageSet();
  for (let i = 0; i < files; i++) {
    set.add(`src/pkg_${i}/module|${i}.py`, {
      path: '',
      lines: { lines: Uint32Array.from([1, 2, 3]), hits: Uint32Array.from([1, 0, i % 2]) },
    });
  }
  const totals = computeTotals(set);
  const headline = chooseHeadline(totals, [{ family: 'other' }]);
  const checks = evaluate({
    totals,
    headline,
    thresholds: { minLine: parsePercent('min-line', '60') },
  });
  return {
    passed: false,
    checks,
    totals,
    headline,
    reports: [{ name: 'lcov.info', format: 'lcov tracefile' }],
  };
}

test('the metrics table shows each figure, its threshold and a mark', () => {
  const text = renderReport(model(4), '### Coverage', () => true);
  expect(text).toContain('### Coverage ❌ failed');
  expect(text).toContain('- Lines 50.00% \\< 60.00% (min-line): 6 of 12 lines covered');
  expect(text).toContain('| ❌ | Lines | 50.00% (6 / 12) | ≥ 60.00% |');
  expect(text).toContain('|  | Branches | not measured |  |');
  // Pipes in file names would break the table.
  expect(text).toContain('src/pkg\\_0/module\\|0.py');
});

test('lists shrink until the text fits the limit, the table staying', () => {
  const full = renderReport(model(200), '### Coverage', () => true);
  const limited = renderReport(model(200), '### Coverage', (text) => text.length < 2_000);
  expect(full.length).toBeGreaterThan(2_000);
  expect(limited.length).toBeLessThan(2_000);
  expect(limited).toContain('| ❌ | Lines |');
});
