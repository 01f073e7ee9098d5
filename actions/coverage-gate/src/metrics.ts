import { ConfigurationError } from '../../shared/errors';
import type { CoverageSet, FileFigures } from './coverage-set';
import type { ReportInfo } from './model';
import {
  compareExact,
  compareRatios,
  exactOfPercent,
  exactOfRatio,
  formatExact,
  formatPercent,
  readPrintedPercent,
  subtractExact,
  type Exact,
  type Percent,
  type Ratio,
} from './percent';

export interface Totals {
  lines: Ratio;
  /** Undefined: no report measures it. */
  branches?: Ratio;
  functions?: Ratio;
  statements?: Ratio;
  /** Walked as often as needed; made afresh each time (CoverageSet.figures). */
  files: Iterable<FileFigures>;
}

export interface Figures {
  totals: Totals;
  headline: Headline;
  /** How far the headline can be trusted, where it is a figure a tool rounded. */
  warnings: string[];
}

/**
 * The merged reports' figures. A threshold on a metric no report measures is refused here,
 * before anything else is looked at.
 */
export function measure(set: CoverageSet, reports: ReportInfo[], thresholds: Thresholds): Figures {
  const totals = computeTotals(set);
  checkMeasurable(totals, thresholds);
  const headline = chooseHeadline(totals, reports);
  const warnings: string[] = [];
  if (reports.some((report) => report.inexactBranches) && !headline.printed) {
    warnings.push(
      'A coverage.py text report with branch columns cannot be merged exactly with other reports: the headline is line coverage. Use `coverage json` for exact figures.',
    );
  }
  for (const input of closeCalls(headline, thresholds)) {
    warnings.push(
      `The coverage.py total ${formatExact(headline.value!)}% is the figure coverage.py printed, rounded, and lies within half a point of ${input}: the verdict may be off by the rounding. Gate on \`coverage json\` (or a report without branch columns) for exact counts.`,
    );
  }
  return { totals, headline, warnings };
}

export interface Headline {
  /** What the figure counts, for people. */
  basis: string;
  value?: Exact;
  /** The counts behind it; absent when it is a figure a tool printed. */
  ratio?: Ratio;
  /** A coverage.py total taken as printed, which cannot be rebuilt exactly. */
  printed: boolean;
}

function add(sum: Ratio | undefined, part: Ratio | undefined): Ratio | undefined {
  if (!part) return sum;
  return { covered: (sum?.covered ?? 0) + part.covered, total: (sum?.total ?? 0) + part.total };
}

export function computeTotals(set: CoverageSet): Totals {
  const files = set.figures();
  let lines: Ratio = { covered: 0, total: 0 };
  let branches: Ratio | undefined;
  let functions: Ratio | undefined;
  let statements: Ratio | undefined;
  for (const file of files) {
    lines = add(lines, file.lines)!;
    branches = add(branches, file.branches);
    functions = add(functions, file.functions);
    statements = add(statements, file.statements);
  }
  return { lines, branches, functions, statements, files };
}

/**
 * The headline figure is the producing tool's own: coverage.py's total (statements and
 * branches together) for coverage.py reports, Go's statement coverage for Go profiles, line
 * coverage for everything else and for mixes of tools.
 */
export function chooseHeadline(totals: Totals, reports: ReportInfo[]): Headline {
  const families = new Set(reports.map((report) => report.family));
  const only = families.size === 1 ? reports[0].family : undefined;
  if (only === 'coverage.py') {
    const inexact = reports.filter((report) => report.inexactBranches);
    if (inexact.length > 0) {
      const printed =
        reports.length === 1 ? readPrintedPercent(reports[0].printedTotal ?? '') : undefined;
      if (printed) {
        return {
          basis: 'coverage.py total (as printed)',
          value: exactOfPercent(printed),
          printed: true,
        };
      }
      return { basis: 'lines', ratio: totals.lines, value: valueOf(totals.lines), printed: false };
    }
    const ratio = {
      covered: totals.lines.covered + (totals.branches?.covered ?? 0),
      total: totals.lines.total + (totals.branches?.total ?? 0),
    };
    return {
      basis: totals.branches
        ? 'coverage.py total (statements and branches)'
        : 'coverage.py total (statements)',
      ratio,
      value: valueOf(ratio),
      printed: false,
    };
  }
  if (only === 'go' && totals.statements) {
    return {
      basis: 'statements',
      ratio: totals.statements,
      value: valueOf(totals.statements),
      printed: false,
    };
  }
  return { basis: 'lines', ratio: totals.lines, value: valueOf(totals.lines), printed: false };
}

function valueOf(ratio: Ratio | undefined): Exact | undefined {
  return ratio && ratio.total > 0 ? exactOfRatio(ratio) : undefined;
}

export interface Thresholds {
  minCoverage?: Percent;
  minLine?: Percent;
  minBranch?: Percent;
  minFunction?: Percent;
  minFile?: Percent;
  minDiff?: Percent;
  maxDrop?: Percent;
}

export interface Check {
  input: keyof typeof INPUT_NAMES;
  /** What is measured, for people: "Coverage", "Lines"... */
  label: string;
  /** The figure measured, two decimals; empty when nothing could be measured. */
  actual: string;
  /** The threshold as shown: `80.00%` or `1.00 points`. */
  expected: string;
  passed: boolean;
  /** One line saying why it failed, or a note on a pass. */
  message?: string;
}

export const INPUT_NAMES = {
  minCoverage: 'min-coverage',
  minLine: 'min-line',
  minBranch: 'min-branch',
  minFunction: 'min-function',
  minFile: 'min-file',
  minDiff: 'min-diff',
  maxDrop: 'max-drop',
} as const;

export interface GateInput {
  totals: Totals;
  headline: Headline;
  thresholds: Thresholds;
  /** Coverage of the changed lines; undefined when no diff was taken. */
  diff?: Ratio;
  /** Why the diff could not be measured, when it could not. */
  diffUnavailable?: string;
  /** The headline of the baseline summary; undefined when there is none. */
  baseline?: Exact;
}

/** A threshold on a metric no report measures is a mistake in the workflow. */
export function checkMeasurable(totals: Totals, thresholds: Thresholds): void {
  const missing: ['minBranch' | 'minFunction', string, unknown][] = [
    ['minBranch', 'branches', totals.branches],
    ['minFunction', 'functions', totals.functions],
  ];
  for (const [key, metric, value] of missing) {
    if (thresholds[key] && value === undefined) {
      throw new ConfigurationError(
        INPUT_NAMES[key],
        `no report measures ${metric}. Turn on ${metric} measurement in the coverage tool (coverage.py: --cov-branch or branch = true), or remove the threshold.`,
      );
    }
  }
}

function percentText(value: Exact | undefined): string {
  return value === undefined ? '' : formatExact(value);
}

function below(
  label: string,
  input: string,
  actual: Exact,
  threshold: Percent,
  detail = '',
): string {
  return `${label} ${formatExact(actual)}% < ${formatPercent(threshold)}% (${input})${detail}`;
}

function counted(ratio: Ratio | undefined, noun: string): string {
  return ratio ? `: ${ratio.covered} of ${ratio.total} ${noun} covered` : '';
}

/** Each threshold set, checked on exact counts. */
export function evaluate(input: GateInput): Check[] {
  const { totals, headline, thresholds } = input;
  const checks: Check[] = [];
  const ratioCheck = (
    key: 'minCoverage' | 'minLine' | 'minBranch' | 'minFunction',
    label: string,
    value: Exact | undefined,
    detail: string,
  ) => {
    const threshold = thresholds[key];
    if (!threshold) return;
    const name = INPUT_NAMES[key];
    if (value === undefined) {
      checks.push({
        input: key,
        label,
        actual: '',
        expected: `${formatPercent(threshold)}%`,
        passed: true,
        message: `${label}: nothing to measure (no line of that kind in the reports).`,
      });
      return;
    }
    const passed = compareExact(value, exactOfPercent(threshold)) >= 0;
    checks.push({
      input: key,
      label,
      actual: percentText(value),
      expected: `${formatPercent(threshold)}%`,
      passed,
      message: passed ? undefined : below(label, name, value, threshold, detail),
    });
  };
  ratioCheck(
    'minCoverage',
    'Coverage',
    headline.value,
    headline.ratio ? counted(headline.ratio, headline.basis) : ` (${headline.basis})`,
  );
  ratioCheck('minLine', 'Lines', valueOf(totals.lines), counted(totals.lines, 'lines'));
  ratioCheck(
    'minBranch',
    'Branches',
    valueOf(totals.branches),
    counted(totals.branches, 'branches'),
  );
  ratioCheck(
    'minFunction',
    'Functions',
    valueOf(totals.functions),
    counted(totals.functions, 'functions'),
  );

  if (thresholds.minFile) {
    const threshold = thresholds.minFile;
    const failing: FileFigures[] = [];
    for (const file of totals.files) {
      if (file.unnamed || file.lines.total === 0) continue;
      if (compareExact(exactOfRatio(file.lines), exactOfPercent(threshold)) < 0) failing.push(file);
    }
    failing.sort((a, b) => compareRatios(a.lines, b.lines));
    const worst = failing[0];
    checks.push({
      input: 'minFile',
      label: 'Every file',
      actual: worst ? formatExact(exactOfRatio(worst.lines)) : '',
      expected: `${formatPercent(threshold)}%`,
      passed: failing.length === 0,
      message:
        failing.length === 0
          ? undefined
          : `${failing.length} file${failing.length === 1 ? '' : 's'} below ${formatPercent(threshold)}% (min-file): ` +
            failing
              .slice(0, 5)
              .map((file) => `${file.path} ${formatExact(exactOfRatio(file.lines))}%`)
              .join(', ') +
            (failing.length > 5 ? `, and ${failing.length - 5} more` : ''),
    });
  }

  if (thresholds.minDiff) {
    const threshold = thresholds.minDiff;
    const value = valueOf(input.diff);
    if (value === undefined) {
      checks.push({
        input: 'minDiff',
        label: 'Changed lines',
        actual: '',
        expected: `${formatPercent(threshold)}%`,
        passed: true,
        message: input.diffUnavailable ?? 'No changed line is measured by the reports.',
      });
    } else {
      const passed = compareExact(value, exactOfPercent(threshold)) >= 0;
      checks.push({
        input: 'minDiff',
        label: 'Changed lines',
        actual: formatExact(value),
        expected: `${formatPercent(threshold)}%`,
        passed,
        message: passed
          ? undefined
          : below(
              'Changed lines',
              'min-diff',
              value,
              threshold,
              counted(input.diff, 'changed lines'),
            ),
      });
    }
  }

  if (thresholds.maxDrop) {
    const threshold = thresholds.maxDrop;
    const current = headline.value;
    if (input.baseline === undefined || current === undefined) {
      checks.push({
        input: 'maxDrop',
        label: 'Drop from baseline',
        actual: '',
        expected: `${formatPercent(threshold)} points`,
        passed: true,
        message:
          input.baseline === undefined
            ? 'No baseline to compare with: max-drop not checked.'
            : 'Nothing measured.',
      });
    } else {
      const drop = subtractExact(input.baseline, current);
      const passed = compareExact(drop, exactOfPercent(threshold)) <= 0;
      const dropText = formatExact(drop, 2, passed ? 'down' : 'up');
      checks.push({
        input: 'maxDrop',
        label: 'Drop from baseline',
        actual: `${dropText} points`,
        expected: `${formatPercent(threshold)} points`,
        passed,
        message: passed
          ? undefined
          : `Coverage fell ${dropText} points, from ${formatExact(input.baseline)}% to ${formatExact(current)}% (max-drop ${formatPercent(threshold)})`,
      });
    }
  }
  return checks;
}

/**
 * A printed coverage.py total is rounded by coverage.py: within half a point of a threshold
 * the verdict may differ from the exact one. Returns the thresholds that close.
 */
export function closeCalls(headline: Headline, thresholds: Thresholds): string[] {
  if (!headline.printed || headline.value === undefined) return [];
  const half: Exact = { num: 1n, den: 2n };
  return (['minCoverage'] as const)
    .filter((key) => {
      const threshold = thresholds[key];
      if (!threshold) return false;
      const gap = subtractExact(headline.value!, exactOfPercent(threshold));
      const distance = gap.num < 0n ? { num: -gap.num, den: gap.den } : gap;
      return compareExact(distance, half) <= 0;
    })
    .map((key) => INPUT_NAMES[key]);
}
