import type { ActionContext, Log } from '../../shared/context';
import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { runMainStep } from '../../shared/step';
import { findReports } from './discovery';
import { eventFacts } from './event';
import { gitIn } from './git';
import { getInputs } from './inputs';
import { measureChangedLines } from './measure-changed-lines';
import { measure } from './metrics';
import {
  writeAnnotations,
  writeComment,
  writeFiles,
  writeJobSummary,
  writeOutputs,
} from './publish';
import { readReports } from './read-reports';
import { readBaselineFile } from './summary-file';
import { judge, type Verdict } from './verdict';

export async function run(): Promise<void> {
  await runMainStep(main);
}

export async function main(ctx: ActionContext): Promise<void> {
  const inputs = getInputs(ctx.runner, ctx.env);
  const log = new CountingLog(ctx.log);
  const event = eventFacts(ctx.event);

  // Read every report into one set of files, their paths mapped onto the workspace.
  const reports = findReports(inputs.workspace, inputs.files, inputs.format, log);
  const { set, infos } = await readReports(
    reports,
    {
      workspace: inputs.workspace,
      prefixes: inputs.pathPrefixes,
      sourceRoots: inputs.sourceRoots,
      exclude: inputs.exclude,
    },
    log,
  );
  const figures = measure(set, infos, inputs.thresholds);
  for (const warning of figures.warnings) log.warning(warning);

  // What the gate compares with: the lines changed since the base commit, the baseline.
  const changed = await measureChangedLines(
    {
      workspace: inputs.workspace,
      base: inputs.diffBase ?? event.base,
      minDiff: inputs.thresholds.minDiff,
      wanted:
        inputs.thresholds.minDiff !== undefined || inputs.annotate || inputs.comment !== 'off',
    },
    set,
    gitIn(ctx.exec, inputs.workspace, ctx.env, inputs.gitTimeoutMs),
    log,
  );
  const baseline = readBaselineFile(inputs.baseline, log);

  // The verdict: everything the step says, decided before any of it is said.
  const verdict = judge({
    figures,
    thresholds: inputs.thresholds,
    changed,
    baseline,
    reports,
    warningsIssued: log.warnings,
    annotate: inputs.annotate,
    summaryFile: inputs.summaryFile,
    badge: inputs.badge,
    commit: ctx.env.GITHUB_SHA,
    comment: {
      mode: inputs.comment,
      pullRequest: event.pullRequest,
      workflow: ctx.env.GITHUB_WORKFLOW ?? '',
      job: ctx.env.GITHUB_JOB ?? '',
    },
  });
  await publish(ctx, log, verdict, inputs.githubToken);

  if (!verdict.passed) throw new ActionFailure(verdict.conclusion);
  log.info(verdict.conclusion);
}

/** Outputs and files first: they are what later steps use, whatever the verdict. */
async function publish(
  ctx: ActionContext,
  log: Logger,
  verdict: Verdict,
  token: string,
): Promise<void> {
  for (const note of verdict.notes) log.info(note);
  writeOutputs(ctx.runner, verdict);
  writeFiles(ctx.runner, verdict);
  await writeJobSummary(ctx.summary, verdict);
  writeAnnotations(ctx.runner, log, verdict);
  await writeComment(
    verdict,
    {
      apiUrl: ctx.env.GITHUB_API_URL || 'https://api.github.com',
      repository: ctx.env.GITHUB_REPOSITORY ?? '',
      token,
    },
    ctx,
    log,
  );
}

/** The step's log, counting warnings: GitHub's per-step limit counts them with the annotations. */
class CountingLog implements Logger {
  warnings = 0;
  constructor(private readonly log: Log) {}
  info = (message: string) => this.log.info(message);
  debug = (message: string) => this.log.debug(message);
  warning = (message: string) => {
    this.warnings++;
    this.log.warning(message);
  };
}
