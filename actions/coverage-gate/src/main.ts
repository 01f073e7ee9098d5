import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { ActionFailure, errorMessage } from '../../shared/errors';
import { fetchHttpClient, HttpStatusError } from '../../shared/http';
import type { Logger } from '../../shared/logger';
import { systemClock } from '../../shared/retry';
import * as runner from '../../shared/runner';
import { planAnnotations } from './annotations';
import { badgeColor, badgeSvg } from './badge';
import { diffCoverage, parseUnifiedDiff, type DiffCoverage } from './changed-lines';
import { CoverageSet } from './coverage-set';
import { findReports, type ReportFile } from './discovery';
import { diffAgainst, gitIn, REVISION } from './git';
import { globToRegExp, walkFiles } from './glob';
import { getInputs, type Inputs } from './inputs';
import {
  checkMeasurable,
  chooseHeadline,
  closeCalls,
  computeTotals,
  evaluate,
  type Check,
} from './metrics';
import type { ReportInfo } from './model';
import { goModulePath, PathMapper } from './path-mapping';
import { formatExact, formatRatio, type Exact } from './percent';
import { COMMENT_LIMIT_CHARS, fitsSummary, renderReport, type ReportModel } from './report';
import { FORMAT_NAMES, PARSERS } from './reports/formats';
import { ReportError } from './reports/report-error';
import { CommentsApi, commentMarker, upsertComment } from './sticky-comment';
import { readBaseline, writeSummary } from './summary-file';

/** Counts the warnings issued, which share GitHub's per-step limit with the annotations. */
class CountingLog implements Logger {
  warnings = 0;
  info = (message: string) => runner.info(message);
  debug = (message: string) => runner.debug(message);
  warning = (message: string) => {
    this.warnings++;
    runner.warning(message);
  };
}

interface EventPayload {
  before?: string;
  pull_request?: { number?: number; base?: { sha?: string } };
}

const MAX_LISTED_UNMATCHED = 10;

/** How many report paths matched nothing, and the first few, for the warning. */
interface Unmatched {
  count: number;
  first: Set<string>;
}

export async function main(): Promise<void> {
  const inputs = getInputs();
  const log = new CountingLog();
  const event = readEvent();

  const reports = findReports(inputs.workspace, inputs.files, inputs.format, log);
  const workspaceFiles = walkFiles(inputs.workspace);
  const mapper = new PathMapper({
    workspace: inputs.workspace,
    workspaceFiles,
    prefixes: inputs.pathPrefixes,
    sourceRoots: inputs.sourceRoots,
    goModules: goModules(inputs.workspace, workspaceFiles),
  });
  const excluded = inputs.exclude.map(globToRegExp);
  const set = new CoverageSet();
  const infos: ReportInfo[] = [];
  const unmatched: Unmatched = { count: 0, first: new Set() };
  for (const report of reports) {
    infos.push(await readReport(report, set, mapper, excluded, unmatched));
    log.info(`Read ${report.name} (${FORMAT_NAMES[report.format]}).`);
  }
  if (unmatched.count > 0) {
    const listed = [...unmatched.first];
    log.warning(
      `${unmatched.count} path${unmatched.count === 1 ? '' : 's'} in the reports match no file in the workspace: ` +
        `${listed.join(', ')}${unmatched.count > listed.length ? `, and ${unmatched.count - listed.length} more` : ''}. ` +
        'Their coverage still counts, but changed lines and annotations cannot reach them. Make the reports in this checkout, or map their paths with path-prefix or source-roots.',
    );
  }

  const totals = computeTotals(set);
  checkMeasurable(totals, inputs.thresholds);
  const headline = chooseHeadline(totals, infos);
  if (infos.some((info) => info.inexactBranches) && !headline.printed) {
    log.warning(
      'A coverage.py text report with branch columns cannot be merged exactly with other reports: the headline is line coverage. Use `coverage json` for exact figures.',
    );
  }
  for (const input of closeCalls(headline, inputs.thresholds)) {
    log.warning(
      `The coverage.py total ${formatExact(headline.value!)}% is the figure coverage.py printed, rounded, and lies within half a point of ${input}: the verdict may be off by the rounding. Gate on \`coverage json\` (or a report without branch columns) for exact counts.`,
    );
  }

  const { diff, diffBase, diffNote } = await measureChangedLines(inputs, event, set, log);
  const baseline = readBaselineFile(inputs.baseline, log);
  const checks = evaluate({
    totals,
    headline,
    thresholds: inputs.thresholds,
    diff: diff?.ratio,
    diffUnavailable: diffNote,
    baseline,
  });
  const passed = checks.every((check) => check.passed);
  for (const check of checks) if (check.passed && check.message) log.info(check.message);

  // Outputs and files first: they are what later steps use, whatever the verdict.
  runner.setOutput('coverage', headline.value ? formatExact(headline.value) : '');
  runner.setOutput('line', formatRatio(totals.lines));
  runner.setOutput('branch', totals.branches ? formatRatio(totals.branches) : '');
  runner.setOutput('function', totals.functions ? formatRatio(totals.functions) : '');
  runner.setOutput('diff', diff && diff.ratio.total > 0 ? formatRatio(diff.ratio) : '');
  runner.setOutput('passed', String(passed));

  mkdirSync(path.dirname(inputs.summaryFile), { recursive: true });
  const summaryFd = openSync(inputs.summaryFile, 'w');
  try {
    writeSummary(
      (text) => writeSync(summaryFd, text),
      totals,
      headline,
      diff?.ratio,
      passed,
      process.env.GITHUB_SHA,
    );
  } finally {
    closeSync(summaryFd);
  }
  runner.setOutput('summary-file', inputs.summaryFile);
  if (inputs.badge) {
    const value = headline.value ? `${formatExact(headline.value, 0)}%` : 'unknown';
    const percent = headline.value ? Number(formatExact(headline.value)) : NaN;
    writeFileEnsuringFolder(inputs.badge, badgeSvg('coverage', value, badgeColor(percent)));
  }
  runner.setOutput('badge', inputs.badge ?? '');

  const model: ReportModel = {
    passed,
    checks,
    totals,
    headline,
    diff,
    diffBase,
    diffNote,
    baseline,
    reports: reports.map((report) => ({ name: report.name, format: FORMAT_NAMES[report.format] })),
  };
  await runner.summary.addRaw(renderReport(model, '### Coverage', fitsSummary)).write();

  if (inputs.annotate && diff && diff.uncovered.length > 0) {
    const plan = planAnnotations(diff.uncovered, log.warnings);
    for (const annotation of plan.annotations)
      runner.annotate('warning', annotation.message, annotation);
    if (plan.omitted > 0) {
      const text = `${plan.omitted} more range${plan.omitted === 1 ? '' : 's'} of uncovered changed lines, listed in the job summary (GitHub shows at most 10 warnings per step).`;
      if (log.warnings + plan.annotations.length < 10) log.warning(text);
      else log.info(text);
    }
  }

  await comment(inputs, event, model, log);

  if (!passed) {
    throw new ActionFailure(failureMessage(checks));
  }
  log.info(
    `Coverage gate passed: ${headline.value ? `${formatExact(headline.value)}%` : 'nothing measured'} (${headline.basis}).`,
  );
}

function failureMessage(checks: Check[]): string {
  return checks
    .filter((check) => !check.passed)
    .map((check) => check.message ?? check.label)
    .join('\n');
}

function readEvent(): EventPayload {
  const file = process.env.GITHUB_EVENT_PATH;
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

function goModules(workspace: string, files: string[]) {
  return files
    .filter((file) => file === 'go.mod' || file.endsWith('/go.mod'))
    .flatMap((file) => {
      const module = goModulePath(readFileSync(path.join(workspace, file), 'utf8'));
      return module
        ? [{ module, dir: path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file) }]
        : [];
    });
}

async function readReport(
  report: ReportFile,
  set: CoverageSet,
  mapper: PathMapper,
  excluded: RegExp[],
  unmatched: Unmatched,
): Promise<ReportInfo> {
  let records = 0;
  const stream = createReadStream(report.file, { highWaterMark: 64 * 1024 });
  try {
    const info = await PARSERS[report.format](stream, (record) => {
      records++;
      if (record.unnamed) {
        set.add(`\u0000unnamed ${report.name}`, record);
        return;
      }
      const mapped = mapper.map(record.path, record.roots);
      if (excluded.some((pattern) => pattern.test(mapped.path))) return;
      if (!mapped.matched && !set.files.has(mapped.path)) {
        unmatched.count++;
        if (unmatched.first.size < MAX_LISTED_UNMATCHED) unmatched.first.add(mapped.path);
      }
      set.add(mapped.path, record);
    });
    if (records === 0) {
      throw new ActionFailure(
        `${report.name}: the report is empty (it covers no file). Expected a ${FORMAT_NAMES[report.format]} with at least one file in it.`,
      );
    }
    return info;
  } catch (error) {
    if (error instanceof ReportError) {
      const what = report.guessed
        ? `not a coverage report this action recognises (expected one of: ${Object.values(FORMAT_NAMES).join(', ')}); read as a coverage.py text report: ${error.message}. Set 'format' if it is one of these.`
        : `cannot be read as a ${FORMAT_NAMES[report.format]}: ${error.message}`;
      throw new ActionFailure(`${report.name}: ${what}`);
    }
    if (error instanceof ActionFailure) throw error;
    throw new ActionFailure(`${report.name}: could not be read (${errorMessage(error)}).`);
  } finally {
    stream.destroy();
  }
}

const NO_COMMIT = /^0+$/;

async function measureChangedLines(
  inputs: Inputs,
  event: EventPayload,
  set: CoverageSet,
  log: Logger,
): Promise<{ diff?: DiffCoverage; diffBase?: string; diffNote?: string }> {
  const wanted =
    inputs.thresholds.minDiff !== undefined || inputs.annotate || inputs.comment !== 'off';
  if (!wanted) return {};
  const base = inputs.diffBase ?? event.pull_request?.base?.sha ?? event.before;
  if (!base || NO_COMMIT.test(base)) {
    const diffNote =
      'No base commit to compare with (not a pull request, or the first push of a branch): changed lines not measured.';
    if (inputs.thresholds.minDiff) log.info(diffNote);
    return { diffNote };
  }
  if (!REVISION.test(base)) {
    return {
      diffNote: `The event's base '${base}' is not a git revision: changed lines not measured.`,
    };
  }
  if (!existsSync(path.join(inputs.workspace, '.git')) && !(await isInsideGit(inputs.workspace))) {
    const problem = 'the workspace is not a git checkout (run actions/checkout before this step)';
    if (inputs.thresholds.minDiff)
      throw new ActionFailure(`min-diff cannot be checked: ${problem}.`);
    log.warning(`Changed lines not measured: ${problem}.`);
    return { diffNote: `Not measured: ${problem}.` };
  }
  const result = await diffAgainst(gitIn(inputs.workspace), base);
  if (result.problem !== undefined || result.diff === undefined) {
    if (inputs.thresholds.minDiff)
      throw new ActionFailure(`min-diff cannot be checked: ${result.problem}`);
    log.warning(`Changed lines not measured: ${result.problem}`);
    return { diffNote: `Not measured: ${result.problem}` };
  }
  const diff = diffCoverage(set, parseUnifiedDiff(result.diff));
  return { diff, diffBase: base };
}

async function isInsideGit(workspace: string): Promise<boolean> {
  const result = await gitIn(workspace)(['rev-parse', '--is-inside-work-tree']);
  return result.code === 0 && result.stdout.trim() === 'true';
}

function readBaselineFile(file: string | undefined, log: Logger): Exact | undefined {
  if (!file) return undefined;
  if (!existsSync(file)) {
    log.warning(
      `No baseline at ${file}: max-drop is not checked on this run (the first run on a branch has none).`,
    );
    return undefined;
  }
  return readBaseline(readFileSync(file, 'utf8'), file);
}

function writeFileEnsuringFolder(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

async function comment(
  inputs: Inputs,
  event: EventPayload,
  model: ReportModel,
  log: Logger,
): Promise<void> {
  if (inputs.comment === 'off') return;
  const number = event.pull_request?.number;
  if (!number) {
    log.info('Not a pull request: no comment written.');
    return;
  }
  const marker = commentMarker(process.env.GITHUB_WORKFLOW ?? '', process.env.GITHUB_JOB ?? '');
  const text = renderReport(
    model,
    '### Coverage',
    (body) => body.length + marker.length + 2 < COMMENT_LIMIT_CHARS,
    {
      changedFiles: 50,
      leastCovered: 10,
      ranges: 50,
    },
  );
  const api = new CommentsApi(
    {
      apiUrl: process.env.GITHUB_API_URL || 'https://api.github.com',
      token: inputs.githubToken,
      repository: process.env.GITHUB_REPOSITORY ?? '',
      pullRequest: number,
      marker,
    },
    fetchHttpClient,
    systemClock,
  );
  try {
    const createNew = inputs.comment === 'always' || !model.passed;
    const result = await upsertComment(api, marker, text, createNew);
    if (result.action !== 'skipped')
      log.info(`Pull request comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);
  } catch (error) {
    // Commenting is a courtesy: the gate's verdict never depends on it.
    if (error instanceof HttpStatusError && error.status === 403) {
      log.warning(
        `Could not write the pull request comment: ${error.message}. Pull requests from forks get a read-only token; comment from a workflow_run workflow, or give the job permissions: pull-requests: write.`,
      );
    } else {
      log.warning(`Could not write the pull request comment: ${errorMessage(error)}`);
    }
  }
}
