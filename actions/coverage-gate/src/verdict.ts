import { omittedNote, planAnnotations, type Annotation, type OmittedNote } from './annotations';
import { coverageBadge } from './badge';
import type { ReportFile } from './discovery';
import type { CommentMode } from './inputs';
import type { ChangedLinesCoverage } from './measure-changed-lines';
import { evaluate, type Check, type Figures, type Thresholds } from './metrics';
import { formatExact, formatRatio, type Exact } from './percent';
import {
  commentHeading,
  COMMENT_LIMIT_CHARS,
  COMMENT_LISTS,
  fitsSummary,
  renderReport,
  REPORT_HEADING,
  type ReportModel,
} from './report';
import { FORMAT_NAMES } from './reports/formats';
import { commentMarker, markedBody } from './sticky-comment';

// Everything the step says, decided before any of it is said: the checks, the outputs, the
// files, the job summary, the annotations and the pull request comment.

export interface VerdictInput {
  figures: Figures;
  thresholds: Thresholds;
  changed: ChangedLinesCoverage;
  /** The headline of the baseline summary; undefined when there is none. */
  baseline?: Exact;
  reports: ReportFile[];
  /** Warnings issued so far: they count against the same per-step limit as the annotations. */
  warningsIssued: number;
  annotate: boolean;
  summaryFile: string;
  badge?: string;
  /** The commit the figures are of, recorded in the summary file. */
  commit?: string;
  comment: CommentRequest;
}

interface CommentRequest {
  mode: CommentMode;
  pullRequest?: number;
  /** The workflow and job, which tell this job's comment from others' on the same pull request. */
  workflow: string;
  job: string;
  /** The comment-id input, which tells the comment apart instead of workflow and job. */
  id?: string;
}

type CommentPlan =
  | { kind: 'off' }
  | { kind: 'not-a-pull-request' }
  | {
      kind: 'write';
      pullRequest: number;
      marker: string;
      text: string;
      /** Whether to create the comment where there is none yet, or only refresh an old one. */
      createNew: boolean;
    };

export interface Verdict {
  passed: boolean;
  /** The failed checks, one a line, when the gate failed; what it passed with otherwise. */
  conclusion: string;
  /** What checks that passed have to say, for the log. */
  notes: string[];
  report: ReportModel;
  /** The figures as step outputs, in the order they are set. */
  outputs: Record<'coverage' | 'line' | 'branch' | 'function' | 'diff' | 'passed', string>;
  summaryFile: { path: string; commit?: string };
  badge?: { path: string; svg: string };
  jobSummary: string;
  annotations: Annotation[];
  /** What is said of uncovered ranges that are not annotated. */
  omitted?: OmittedNote;
  comment: CommentPlan;
}

export function judge(input: VerdictInput): Verdict {
  const { figures, changed } = input;
  const { totals, headline } = figures;
  const diff = changed.diff;
  const checks = evaluate({
    totals,
    headline,
    thresholds: input.thresholds,
    diff: diff?.ratio,
    diffUnavailable: changed.diffNote,
    baseline: input.baseline,
  });
  const passed = checks.every((check) => check.passed);
  const report: ReportModel = {
    passed,
    checks,
    totals,
    headline,
    diff,
    diffBase: changed.diffBase,
    diffNote: changed.diffNote,
    baseline: input.baseline,
    reports: input.reports.map((file) => ({ name: file.name, format: FORMAT_NAMES[file.format] })),
  };
  const plan =
    input.annotate && diff && diff.uncovered.length > 0
      ? planAnnotations(diff.uncovered, input.warningsIssued)
      : undefined;
  return {
    passed,
    conclusion: passed
      ? `Coverage gate passed: ${headline.value ? `${formatExact(headline.value)}%` : 'nothing measured'} (${headline.basis}).`
      : failureMessage(checks),
    notes: checks.flatMap((check) => (check.passed && check.message ? [check.message] : [])),
    report,
    outputs: {
      coverage: headline.value ? formatExact(headline.value) : '',
      line: formatRatio(totals.lines),
      branch: totals.branches ? formatRatio(totals.branches) : '',
      function: totals.functions ? formatRatio(totals.functions) : '',
      diff: diff && diff.ratio.total > 0 ? formatRatio(diff.ratio) : '',
      passed: String(passed),
    },
    summaryFile: { path: input.summaryFile, commit: input.commit },
    badge: input.badge ? { path: input.badge, svg: coverageBadge(headline.value) } : undefined,
    jobSummary: renderReport(report, REPORT_HEADING, fitsSummary),
    annotations: plan?.annotations ?? [],
    omitted: plan && omittedNote(plan, input.warningsIssued),
    comment: planComment(input.comment, report),
  };
}

function failureMessage(checks: Check[]): string {
  return checks
    .filter((check) => !check.passed)
    .map((check) => check.message ?? check.label)
    .join('\n');
}

function planComment(request: CommentRequest, report: ReportModel): CommentPlan {
  if (request.mode === 'off') return { kind: 'off' };
  if (!request.pullRequest) return { kind: 'not-a-pull-request' };
  const marker = commentMarker(request.workflow, request.job, request.id);
  const text = renderReport(
    report,
    commentHeading(request.id),
    (body) => markedBody(body, marker).length < COMMENT_LIMIT_CHARS,
    COMMENT_LISTS,
  );
  return {
    kind: 'write',
    pullRequest: request.pullRequest,
    marker,
    text,
    // comment: on-failure only refreshes an old comment while the gate passes.
    createNew: request.mode !== 'on-failure' || !report.passed,
  };
}
