import type { ActionContext, Log } from '../../shared/context';
import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { runMainStep } from '../../shared/step';
import { findReports } from './discovery';
import { eventFacts } from './event';
import { gitIn } from './git';
import type { GitHubAccess } from './github-client';
import { getInputs } from './inputs';
import { measureChangedLines } from './measure-changed-lines';
import { measure } from './metrics';
import {
  writeAnnotations,
  writeComment,
  writeCommentFile,
  writeFiles,
  writeJobSummary,
  writeOutputs,
} from './publish';
import { postCommentFile } from './post-comment';
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
  const access = githubAccess(ctx, inputs.githubToken);

  // A fork's comment, written by the pull request's workflow, posted from workflow_run.
  if (inputs.commentFrom) {
    await postCommentFile(
      {
        file: inputs.commentFrom,
        commentId: inputs.commentId,
        workflow: ctx.env.GITHUB_WORKFLOW ?? '',
        job: ctx.env.GITHUB_JOB ?? '',
      },
      access,
      ctx,
      log,
    );
    return;
  }

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
      id: inputs.commentId,
    },
  });
  // comment: file writes the comment for another workflow to post, never through the API.
  await publish(ctx, log, verdict, inputs.comment === 'file' ? undefined : access);
  if (inputs.comment === 'file') {
    writeCommentFile(ctx.runner, verdict, inputs.commentFile, event.headSha, log);
  }

  if (!verdict.passed) throw new ActionFailure(verdict.conclusion);
  log.info(verdict.conclusion);
}

/** Outputs and files first: they are what later steps use, whatever the verdict. */
async function publish(
  ctx: ActionContext,
  log: Logger,
  verdict: Verdict,
  access: GitHubAccess | undefined,
): Promise<void> {
  for (const note of verdict.notes) log.info(note);
  writeOutputs(ctx.runner, verdict);
  writeFiles(ctx.runner, verdict);
  await writeJobSummary(ctx.summary, verdict);
  writeAnnotations(ctx.runner, log, verdict);
  if (access) await writeComment(verdict, access, ctx, log);
}

/** The API of the server the workflow runs on (GitHub Enterprise Server sets GITHUB_API_URL). */
function githubAccess(ctx: ActionContext, token: string): GitHubAccess {
  return {
    apiUrl: ctx.env.GITHUB_API_URL || 'https://api.github.com',
    repository: ctx.env.GITHUB_REPOSITORY ?? '',
    token,
  };
}

/** The step's log, counting warnings: GitHub's per-step limit counts them with the annotations. */
class CountingLog implements Logger {
  warnings = 0;
  constructor(private readonly log: Log) {}
  info = (message: string) => this.log.info(message);
  debug = (message: string) => this.log.debug(message);
  notice = (message: string) => this.log.notice(message);
  warning = (message: string) => {
    this.warnings++;
    this.log.warning(message);
  };
}
