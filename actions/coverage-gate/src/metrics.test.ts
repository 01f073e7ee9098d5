import { ConfigurationError } from '../../shared/errors';
import { CoverageSet } from './coverage-set';
import {
  checkMeasurable,
  chooseHeadline,
  closeCalls,
  computeTotals,
  evaluate,
  type Totals,
} from './metrics';
import { EMPTY_LINES, type FileRecord } from './model';
import {
  exactOfRatio,
  formatExact,
  formatRatio,
  parsePercent,
  readPrintedPercent,
} from './percent';

const pct = (text: string) => parsePercent('min-coverage', text);

function lines(pairs: [number, number][]): FileRecord['lines'] {
  return {
    lines: Uint32Array.from(pairs, (p) => p[0]),
    hits: Uint32Array.from(pairs, (p) => p[1]),
  };
}

describe('percentages', () => {
  test.each([
    ['80', '80.00'],
    ['82.5', '82.50'],
    ['79.955%', '79.955'],
    ['0', '0.00'],
    ['100', '100.00'],
  ])('%s is read exactly', (text, shown) => {
    const percent = pct(text);
    expect(
      formatExact(
        { num: percent.digits, den: 10n ** BigInt(percent.scale) },
        Math.max(2, percent.scale),
      ),
    ).toBe(shown);
  });

  test.each(['', 'eighty', '101', '-1', '80.1234567', '1e2'])(
    '%j is refused, naming the input',
    (text) => {
      expect(() => pct(text)).toThrow(ConfigurationError);
      expect(() => pct(text)).toThrow(/^Input 'min-coverage': .* is not a percentage/);
    },
  );

  test('ratios are shown rounded down, never up to the threshold they miss', () => {
    expect(formatRatio({ covered: 1999, total: 2500 })).toBe('79.96');
    expect(formatRatio({ covered: 79999, total: 100000 })).toBe('79.99');
    expect(formatRatio({ covered: 2, total: 3 })).toBe('66.66');
    expect(formatRatio({ covered: 0, total: 0 })).toBe('');
    expect(formatExact({ num: -1n, den: 3n })).toBe('-0.34');
    expect(formatExact({ num: 1n, den: 3n }, 2, 'up')).toBe('0.34');
  });

  test('printed figures are read as written', () => {
    expect(readPrintedPercent('63.83%')).toMatchObject({ digits: 6383n, scale: 2 });
    expect(readPrintedPercent('n/a')).toBeUndefined();
  });
});

function totalsFor(records: FileRecord[]): Totals {
  const set = new CoverageSet();
  for (const record of records) set.add(record.path, record);
  return computeTotals(set);
}

describe('the gate', () => {
  const seed = totalsFor([
    { path: 'app.py', lines: EMPTY_LINES, counts: { lines: { covered: 1999, total: 2500 } } },
  ]);
  const seedHeadline = chooseHeadline(seed, [{ family: 'coverage.py', printedTotal: '80%' }]);

  test('79.96% fails 80 and says so with two decimals', () => {
    const [check] = evaluate({
      totals: seed,
      headline: seedHeadline,
      thresholds: { minCoverage: pct('80') },
    });
    expect(check.passed).toBe(false);
    expect(check.actual).toBe('79.96');
    expect(check.message).toBe(
      'Coverage 79.96% < 80.00% (min-coverage): 1999 of 2500 coverage.py total (statements) covered',
    );
  });

  test('exactly the threshold passes; a hair below fails', () => {
    const exact = totalsFor([
      { path: 'a', lines: EMPTY_LINES, counts: { lines: { covered: 4, total: 5 } } },
    ]);
    const below = totalsFor([
      { path: 'a', lines: EMPTY_LINES, counts: { lines: { covered: 799999, total: 1000000 } } },
    ]);
    const check = (totals: Totals) =>
      evaluate({
        totals,
        headline: chooseHeadline(totals, [{ family: 'other' }]),
        thresholds: { minLine: pct('80') },
      })[0];
    expect(check(exact).passed).toBe(true);
    expect(check(below).passed).toBe(false);
    expect(check(below).message).toMatch(/^Lines 79\.99% < 80\.00% \(min-line\)/);
  });

  test('each file against min-file, the worst named first', () => {
    const totals = totalsFor([
      {
        path: 'good.ts',
        lines: lines([
          [1, 1],
          [2, 1],
        ]),
      },
      {
        path: 'bad.ts',
        lines: lines([
          [1, 0],
          [2, 1],
          [3, 1],
        ]),
      },
      {
        path: 'worse.ts',
        lines: lines([
          [1, 0],
          [2, 0],
          [3, 1],
        ]),
      },
    ]);
    const [check] = evaluate({
      totals,
      headline: chooseHeadline(totals, [{ family: 'other' }]),
      thresholds: { minFile: pct('70') },
    });
    expect(check.passed).toBe(false);
    expect(check.message).toBe('2 files below 70.00% (min-file): worse.ts 33.33%, bad.ts 66.66%');
  });

  test('max-drop compares exact figures and rounds a failing drop up', () => {
    const totals = totalsFor([
      {
        path: 'a',
        lines: lines([
          [1, 1],
          [2, 1],
          [3, 0],
        ]),
      },
    ]);
    const headline = chooseHeadline(totals, [{ family: 'other' }]);
    const baseline = exactOfRatio({ covered: 6701, total: 10000 });
    const [fail] = evaluate({ totals, headline, thresholds: { maxDrop: pct('0.34') }, baseline });
    // 67.01 - 66.666... = 0.3433...: more than 0.34.
    expect(fail.passed).toBe(false);
    expect(fail.message).toBe('Coverage fell 0.35 points, from 67.01% to 66.66% (max-drop 0.34)');
    const [pass] = evaluate({ totals, headline, thresholds: { maxDrop: pct('0.35') }, baseline });
    expect(pass.passed).toBe(true);
  });

  test('a threshold on branches when no report measures them is a configuration error', () => {
    expect(() => checkMeasurable(seed, { minBranch: pct('50') })).toThrow(
      /^Input 'min-branch': no report measures branches/,
    );
    expect(() => checkMeasurable(seed, { minLine: pct('50') })).not.toThrow();
  });

  test('the printed coverage.py total warns within half a point of the threshold', () => {
    const headline = chooseHeadline(seed, [
      { family: 'coverage.py', printedTotal: '80%', inexactBranches: true },
    ]);
    expect(headline.printed).toBe(true);
    expect(closeCalls(headline, { minCoverage: pct('80.5') })).toEqual(['min-coverage']);
    expect(closeCalls(headline, { minCoverage: pct('80.51') })).toEqual([]);
    expect(closeCalls(seedHeadline, { minCoverage: pct('80') })).toEqual([]);
  });

  test('a mix of tools is judged on lines; Go alone on statements', () => {
    const totals = totalsFor([
      {
        path: 'a',
        lines: lines([
          [1, 1],
          [2, 0],
        ]),
      },
    ]);
    expect(chooseHeadline(totals, [{ family: 'coverage.py' }, { family: 'other' }]).basis).toBe(
      'lines',
    );
  });
});
