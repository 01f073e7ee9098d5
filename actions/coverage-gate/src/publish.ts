import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ActionContext } from '../../shared/context';
import { errorMessage } from '../../shared/errors';
import { HttpStatusError } from '../../shared/http';
import type { Logger } from '../../shared/logger';
import type { Runner, Summary } from '../../shared/runner';
import { CommentsApi, upsertComment } from './sticky-comment';
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

interface CommentAccess {
  apiUrl: string;
  /** owner/name */
  repository: string;
  token: string;
}

/** Writes the pull request comment; a failure is a warning, never the gate's verdict. */
export async function writeComment(
  verdict: Verdict,
  access: CommentAccess,
  ports: Pick<ActionContext, 'http' | 'clock'>,
  log: Logger,
): Promise<void> {
  const plan = verdict.comment;
  if (plan.kind === 'off') return;
  if (plan.kind === 'not-a-pull-request') {
    log.info('Not a pull request: no comment written.');
    return;
  }
  const api = new CommentsApi(
    { ...access, pullRequest: plan.pullRequest, marker: plan.marker },
    ports.http,
    ports.clock,
  );
  try {
    const result = await upsertComment(api, plan.marker, plan.text, plan.createNew);
    if (result.action !== 'skipped')
      log.info(`Pull request comment ${result.action}${result.url ? `: ${result.url}` : ''}.`);
  } catch (error) {
    if (error instanceof HttpStatusError && error.status === 403) {
      log.warning(
        `Could not write the pull request comment: ${error.message}. Pull requests from forks get a read-only token; comment from a workflow_run workflow, or give the job permissions: pull-requests: write.`,
      );
    } else {
      log.warning(`Could not write the pull request comment: ${errorMessage(error)}`);
    }
  }
}
