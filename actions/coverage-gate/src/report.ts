import type { DiffCoverage } from './changed-lines';
import { markdownText } from './markdown';
import type { FileFigures } from './coverage-set';
import type { Check, Headline, Totals } from './metrics';
import {
  compareExact,
  formatExact,
  formatRatio,
  subtractExact,
  type Exact,
  type Ratio,
  compareRatios,
} from './percent';

// The job summary and the pull request comment: one Markdown text, cut to fit each place's
// limit (1 MiB for a step summary, 65,536 characters for a comment).

export interface ReportModel {
  passed: boolean;
  checks: Check[];
  totals: Totals;
  headline: Headline;
  diff?: DiffCoverage;
  diffBase?: string;
  /** Why changed lines were not measured, when they were not. */
  diffNote?: string;
  baseline?: Exact;
  reports: { name: string; format: string }[];
}

const SUMMARY_LIMIT_BYTES = 1024 * 1024;
export const COMMENT_LIMIT_CHARS = 65_536;

export const REPORT_HEADING = '### Coverage';

/**
 * Text in a table cell or list item: no pipes or line breaks; HTML, links, autolinks, mentions
 * and references in file names and anything else from a report shown as text (markdown.ts).
 */
const cell = markdownText;

/** The heading of a comment told apart by its comment-id (matrix legs, monorepo packages). */
export function commentHeading(commentId: string | undefined): string {
  return commentId ? `${REPORT_HEADING} of ${markdownText(commentId)}` : REPORT_HEADING;
}

function ratioText(ratio: Ratio | undefined): string {
  if (!ratio) return 'not measured';
  if (ratio.total === 0) return 'nothing to measure';
  return `${formatRatio(ratio)}% (${ratio.covered} / ${ratio.total})`;
}

function mark(check: Check | undefined): string {
  if (!check) return '';
  return check.passed ? '✅' : '❌';
}

/** How many entries each list shows at most, before any is shortened to fit. */
interface Lists {
  changedFiles: number;
  leastCovered: number;
  ranges: number;
}

const SUMMARY_LISTS: Lists = { changedFiles: 100, leastCovered: 25, ranges: 100 };
/** A comment is read on every push to the pull request: its lists are shorter. */
export const COMMENT_LISTS: Lists = { changedFiles: 50, leastCovered: 10, ranges: 50 };

function render(model: ReportModel, lists: Lists, heading: string): string {
  const out: string[] = [];
  const failed = model.checks.filter((check) => !check.passed);
  out.push(`${heading} ${model.passed ? '✅ passed' : '❌ failed'}`, '');
  for (const check of failed) out.push(`- ${cell(check.message ?? check.label)}`);
  if (failed.length > 0) out.push('');

  const byInput = new Map(model.checks.map((check) => [check.input, check]));
  const rows: [string, string, string, string][] = [];
  const threshold = (check: Check | undefined) => (check ? `≥ ${check.expected}` : '');
  const headlineText = model.headline.value
    ? model.headline.ratio
      ? `${formatExact(model.headline.value)}% (${model.headline.ratio.covered} / ${model.headline.ratio.total})`
      : `${formatExact(model.headline.value)}%`
    : 'nothing to measure';
  rows.push([
    mark(byInput.get('minCoverage')),
    `Coverage (${model.headline.basis})`,
    headlineText,
    threshold(byInput.get('minCoverage')),
  ]);
  rows.push([
    mark(byInput.get('minLine')),
    'Lines',
    ratioText(model.totals.lines),
    threshold(byInput.get('minLine')),
  ]);
  rows.push([
    mark(byInput.get('minBranch')),
    'Branches',
    ratioText(model.totals.branches),
    threshold(byInput.get('minBranch')),
  ]);
  rows.push([
    mark(byInput.get('minFunction')),
    'Functions',
    ratioText(model.totals.functions),
    threshold(byInput.get('minFunction')),
  ]);
  const fileCheck = byInput.get('minFile');
  if (fileCheck) {
    rows.push([
      mark(fileCheck),
      'Every file (lines)',
      fileCheck.actual ? `lowest ${fileCheck.actual}%` : 'all files',
      threshold(fileCheck),
    ]);
  }
  const diffCheck = byInput.get('minDiff');
  if (model.diff || diffCheck) {
    const measured =
      model.diff && model.diff.ratio.total > 0
        ? ratioText(model.diff.ratio)
        : (model.diffNote ?? 'no changed line measured');
    rows.push([
      mark(diffCheck),
      `Changed lines${model.diffBase ? ` (since ${model.diffBase.slice(0, 12)})` : ''}`,
      measured,
      threshold(diffCheck),
    ]);
  }
  if (model.baseline) {
    const dropCheck = byInput.get('maxDrop');
    const change = model.headline.value
      ? subtractExact(model.headline.value, model.baseline)
      : undefined;
    const changeText = change
      ? `${compareExact(change, { num: 0n, den: 1n }) >= 0 ? '+' : ''}${formatExact(change)} points (baseline ${formatExact(model.baseline)}%)`
      : '';
    rows.push([
      mark(dropCheck),
      'Change from baseline',
      changeText,
      dropCheck ? `drop ≤ ${dropCheck.expected}` : '',
    ]);
  }
  out.push('| | Metric | Measured | Threshold |', '|:-:|---|---|---|');
  for (const row of rows) out.push(`| ${row.map(cell).join(' | ')} |`);
  out.push('');

  if (model.diff && model.diff.files.length > 0 && lists.changedFiles > 0) {
    const files = [...model.diff.files].sort(
      (a, b) => a.changed.covered / a.changed.total - b.changed.covered / b.changed.total,
    );
    out.push(
      '<details open><summary>Changed files</summary>',
      '',
      '| File | Changed lines covered |',
      '|---|---|',
    );
    for (const file of files.slice(0, lists.changedFiles))
      out.push(`| ${cell(file.path)} | ${ratioText(file.changed)} |`);
    if (files.length > lists.changedFiles)
      out.push(`| … and ${files.length - lists.changedFiles} more | |`);
    out.push('', '</details>', '');
  }
  if (model.diff && model.diff.uncovered.length > 0 && lists.ranges > 0) {
    out.push('<details><summary>Uncovered changed lines</summary>', '');
    for (const range of model.diff.uncovered.slice(0, lists.ranges)) {
      out.push(
        `- ${cell(range.path)}: ${range.start === range.end ? range.start : `${range.start}-${range.end}`}`,
      );
    }
    if (model.diff.uncovered.length > lists.ranges)
      out.push(`- … and ${model.diff.uncovered.length - lists.ranges} more`);
    out.push('', '</details>', '');
  }

  const least = leastCovered(model.totals.files, lists.leastCovered);
  if (least.length > 0) {
    out.push(
      '<details><summary>Least covered files</summary>',
      '',
      '| File | Lines | Branches | Functions |',
      '|---|---|---|---|',
    );
    for (const file of least) {
      out.push(
        `| ${cell(file.path)} | ${ratioText(file.lines)} | ${ratioText(file.branches)} | ${ratioText(file.functions)} |`,
      );
    }
    out.push('', '</details>', '');
  }
  out.push(
    `<sub>Reports: ${model.reports.map((report) => `${cell(report.name)} (${report.format})`).join(', ')}</sub>`,
    '',
  );
  return out.join('\n');
}

/** The `count` files least covered, keeping no more than that many while walking them all. */
function leastCovered(files: Iterable<FileFigures>, count: number): FileFigures[] {
  const order = (a: FileFigures, b: FileFigures) =>
    compareRatios(a.lines, b.lines) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const least: FileFigures[] = [];
  for (const file of files) {
    if (file.unnamed || file.lines.total === 0 || file.lines.covered >= file.lines.total) continue;
    if (least.length === count && (count === 0 || order(file, least[count - 1]) >= 0)) continue;
    let at = least.length;
    while (at > 0 && order(file, least[at - 1]) < 0) at--;
    least.splice(at, 0, file);
    if (least.length > count) least.pop();
  }
  return least;
}

/**
 * The report, with its lists shortened until it fits `fits`. Lists shrink before anything
 * else; the table of metrics always stays.
 */
export function renderReport(
  model: ReportModel,
  heading: string,
  fits: (text: string) => boolean,
  lists: Lists = SUMMARY_LISTS,
): string {
  let current = { ...lists };
  for (;;) {
    const text = render(model, current, heading);
    if (fits(text)) return text;
    if (current.changedFiles === 0 && current.leastCovered === 0 && current.ranges === 0) {
      return text.slice(0, 1000) + '\n\n(cut to fit)\n';
    }
    current = {
      changedFiles: Math.floor(current.changedFiles / 2),
      leastCovered: Math.floor(current.leastCovered / 2),
      ranges: Math.floor(current.ranges / 2),
    };
  }
}

export const fitsSummary = (text: string) =>
  Buffer.byteLength(text, 'utf8') < SUMMARY_LIMIT_BYTES - 4096;
