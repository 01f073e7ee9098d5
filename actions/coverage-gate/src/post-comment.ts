import { existsSync, readFileSync } from 'node:fs';
import type { ActionContext } from '../../shared/context';
import { ActionFailure, errorMessage } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { inertInline } from '../../shared/outside-text';
import { forwardedText, parseCommentFile } from './comment-file';
import { connectGitHub, type GitHubAccess } from './github-client';
import { commentMarker, upsertComment } from './sticky-comment';

// comment-from: posts the comment a fork's pull request workflow wrote (comment: file), from a
// workflow_run workflow of the base repository, whose token may write. The file is not
// trusted: its pull request must be open with the head commit the workflow_run event names.

interface WorkflowRunEvent {
  workflow_run?: { head_sha?: unknown };
}

export interface PostRequest {
  file: string;
  commentId?: string;
  workflow: string;
  job: string;
}

export async function postCommentFile(
  request: PostRequest,
  access: GitHubAccess,
  ctx: Pick<ActionContext, 'event' | 'clock'>,
  log: Logger,
): Promise<void> {
  const headSha = (ctx.event as WorkflowRunEvent).workflow_run?.head_sha;
  if (typeof headSha !== 'string' || !/^[0-9a-f]{40,64}$/.test(headSha)) {
    throw new ActionFailure(
      'The workflow_run event names no head commit (workflow_run.head_sha): nothing posted.',
    );
  }
  const name = inertInline(request.file);
  if (!existsSync(request.file)) {
    throw new ActionFailure(
      `No comment file at ${name}: download the artifact the pull request's workflow uploaded (actions/download-artifact with run-id: \${{ github.event.workflow_run.id }}) before this step. Nothing posted.`,
    );
  }
  const { pullRequest, body } = parseCommentFile(readFileSync(request.file, 'utf8'), name);
  const marker = commentMarker(request.workflow, request.job, request.commentId);
  try {
    const api = await connectGitHub(access, ctx.clock);
    const pull = await api.pullRequest(pullRequest);
    if (pull.state !== 'open') {
      throw new ActionFailure(
        `Pull request #${pullRequest} named by ${name} is ${inertInline(pull.state)}, not open: nothing posted.`,
      );
    }
    if (pull.headSha !== headSha) {
      throw new ActionFailure(
        `Pull request #${pullRequest} named by ${name} is at ${inertInline(pull.headSha)}, not at the workflow run's head commit ${headSha}: the file is not this pull request's, or the pull request has moved on. Nothing posted.`,
      );
    }
    const result = await upsertComment(
      api,
      { pullRequest, marker, text: forwardedText(body, marker), createNew: true },
      log,
    );
    log.info(
      `Pull request #${pullRequest} comment ${result.action}${result.url ? `: ${result.url}` : ''}.`,
    );
  } catch (error) {
    if (error instanceof ActionFailure) throw error;
    throw new ActionFailure(`Could not post the comment: ${errorMessage(error)}`);
  }
}
