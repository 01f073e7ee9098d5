import type { Logger } from '../../shared/logger';
import { inertInline } from '../../shared/outside-text';
import type { GitHubApi, IssueComment } from './github-client';

// One comment per pull request and comment-id (by default the workflow and job), found again
// by a hidden marker and edited in place. Only a comment the token's own identity wrote is
// ever edited: a marker in anyone else's comment is ignored, and a comment of our own written.

export interface CommentResult {
  action: 'created' | 'updated' | 'skipped';
  id?: number;
  url?: string;
}

/** GITHUB_TOKEN's identity, where neither GET /user nor GraphQL says who the token is. */
const ACTIONS_BOT = 'github-actions[bot]';

/**
 * The hidden line that marks the comment: the comment-id when given, else the workflow and
 * job, URL-encoded (so a comment-id never reads as another job's default marker).
 */
export function commentMarker(workflow: string, job: string, commentId?: string): string {
  if (commentId) return `<!-- coverage-gate: id=${encodeURIComponent(commentId)} -->`;
  return `<!-- coverage-gate: ${encodeURIComponent(workflow)}/${encodeURIComponent(job)} -->`;
}

/** The comment as posted: the text, then the marker that finds it again. */
export function markedBody(text: string, marker: string): string {
  return `${text}\n${marker}\n`;
}

/**
 * The token's login, as comments show their author: GET /user; where the token may not read
 * it (GITHUB_TOKEN gets 403), GraphQL's viewer; else github-actions[bot].
 */
export async function tokenLogin(api: GitHubApi, log: Logger): Promise<string> {
  const user = await api.userLogin();
  if (user) return user;
  try {
    return await api.viewerLogin();
  } catch (error) {
    log.debug(
      `GraphQL did not name the token's user (${inertInline(String(error))}); taking ${ACTIONS_BOT}.`,
    );
    return ACTIONS_BOT;
  }
}

/** The first comment that carries the marker and that `login` wrote. */
export function findOwnComment(
  comments: IssueComment[],
  marker: string,
  login: string,
): IssueComment | undefined {
  const own = login.toLowerCase();
  return comments.find(
    (comment) => comment.body?.includes(marker) && comment.user?.login?.toLowerCase() === own,
  );
}

/**
 * Writes the comment: updates our own marked comment where there is one, else creates it
 * unless `createNew` is false (comment: on-failure on a passing run only refreshes an old one).
 */
export async function upsertComment(
  api: GitHubApi,
  request: { pullRequest: number; marker: string; text: string; createNew: boolean },
  log: Logger,
): Promise<CommentResult> {
  const body = markedBody(request.text, request.marker);
  const login = await tokenLogin(api, log);
  const comments = await api.listComments(request.pullRequest);
  const existing = findOwnComment(comments, request.marker, login);
  const foreign = comments.filter(
    (comment) => comment !== existing && comment.body?.includes(request.marker),
  ).length;
  if (foreign > 0 && !existing) {
    log.info(
      `${foreign} comment(s) carry this step's marker but were not written by ${inertInline(login)}: left alone.`,
    );
  }
  if (existing) {
    const updated = await api.updateComment(existing.id, body);
    return { action: 'updated', id: updated.id ?? existing.id, url: updated.html_url };
  }
  if (!request.createNew) return { action: 'skipped' };
  const created = await api.createComment(request.pullRequest, body);
  return { action: 'created', id: created.id, url: created.html_url };
}
