import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ActionContext } from '../../shared/context';
import { errorMessage } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { inertInline } from '../../shared/outside-text';
import type { Runner, Summary } from '../../shared/runner';
import { commentFileText } from './comment-file';
import { connectGitHub, GitHubApiError, type GitHubAccess } from './github-client';
import { upsertComment } from './sticky-comment';
import { writeSummary } from './summary-file';
import type { Verdict } from './verdict';

// The writers that publish a verdict, each to one place.

export function writeOutputs(runner: Runner, verdict: Verdict): void {
  for (const [name, value] of Object.entries(verdict.outputs)) runner.setOutput(name, value);
}

/** The summary file and the badge, each output set once its file is written. */
export function writeFiles(runner: Runner, verdict: Verdict): void {
  const { path: file, commit } = verdict.summaryFile;
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    const { totals, headline, diff, passed } = verdict.report;
    writeSummary((text) => writeSync(fd, text), totals, headline, diff?.ratio, passed, commit);
  } finally {
    closeSync(fd);
  }
  runner.setOutput('summary-file', file);
  if (verdict.badge) {
    mkdirSync(path.dirname(verdict.badge.path), { recursive: true });
    writeFileSync(verdict.badge.path, verdict.badge.svg);
  }
  runner.setOutput('badge', verdict.badge?.path ?? '');
}

export async function writeJobSummary(summary: Summary, verdict: Verdict): Promise<void> {
  await summary.addRaw(verdict.jobSummary).write();
}

export function writeAnnotations(runner: Runner, log: Logger, verdict: Verdict): void {
  for (const annotation of verdict.annotations) {
    runner.annotate('warning', annotation.message, annotation);
  }
  if (verdict.omitted) log[verdict.omitted.level](verdict.omitted.text);
}

/** Writes the pull request comment; a failure is a warning, never the gate's verdict. */
export async function writeComment(
  verdict: Verdict,
  access: GitHubAccess,
  ports: Pick<ActionContext, 'clock'>,
  log: Logger,
): Promise<void> {
  const plan = verdict.comment;
  if (plan.kind === 'off') return;
  if (plan.kind === 'not-a-pull-request') {
    log.info('Not a pull request: no comment written.');
    return;
  }
  try {
    const api = await connectGitHub(access, ports.clock);
    const result = await upsertComment(api, plan, log);
    if (result.action !== 'skipped')
      log.info(`Pull request comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);
  } catch (error) {
    if (error instanceof GitHubApiError && error.status === 403) {
      log.warning(
        `Could not write the pull request comment: ${error.message}. Pull requests from forks get a read-only token: write the comment with comment: file and post it from a workflow_run workflow with comment-from (see the README), or give the job permissions: pull-requests: write.`,
      );
    } else {
      log.warning(`Could not write the pull request comment: ${errorMessage(error)}`);
    }
  }
}

/**
 * comment: file: the comment as JSON, for a workflow_run workflow to post (the comment-file
 * output set once it is written). Not on a pull request, no file is written.
 */
export function writeCommentFile(
  runner: Runner,
  verdict: Verdict,
  file: string,
  headSha: string | undefined,
  log: Logger,
): void {
  const plan = verdict.comment;
  if (plan.kind !== 'write' || !headSha) {
    log.info('Not a pull request: no comment file written.');
    runner.setOutput('comment-file', '');
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    commentFileText({
      marker: plan.marker,
      pull_request: plan.pullRequest,
      head_sha: headSha,
      body: plan.text,
    }),
  );
  runner.setOutput('comment-file', file);
  log.info(`Comment for pull request #${plan.pullRequest} written to ${inertInline(file)}.`);
}
