import { ActionFailure } from '../../shared/errors';
import { neutraliseMentions } from './markdown';
import { COMMENT_LIMIT_CHARS } from './report';

// Fork pull requests, in two workflows. The pull request's workflow, whose token may not write,
// writes the comment to a file (comment: file); a workflow_run workflow of the base repository
// posts it (comment-from). The file is outside text to the poster: its body is posted as
// Markdown with every mention made inert, its pull request number only once the pull request is
// open at the head commit the workflow_run event names, and its marker never.

export interface CommentFile {
  /** The marker of the writing step, for people reading the file; the poster uses its own. */
  marker: string;
  pull_request: number;
  head_sha: string;
  body: string;
}

/** Bigger than any comment GitHub takes, with room for JSON escapes. */
const MAX_FILE_BYTES = 1024 * 1024;

export function commentFileText(file: CommentFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The file's pull request number and body, checked for shape; `name` says which file. */
export function parseCommentFile(
  text: string,
  name: string,
): { pullRequest: number; body: string } {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new ActionFailure(
      `The comment file ${name} is larger than ${MAX_FILE_BYTES} bytes: not a file coverage-gate wrote with comment: file.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionFailure(
      `The comment file ${name} is not JSON: expected the file coverage-gate wrote with comment: file.`,
    );
  }
  const file = (parsed ?? {}) as Partial<Record<keyof CommentFile, unknown>>;
  const pullRequest = file.pull_request;
  if (typeof pullRequest !== 'number' || !Number.isSafeInteger(pullRequest) || pullRequest < 1) {
    throw new ActionFailure(
      `The comment file ${name} names no pull request number: expected the file coverage-gate wrote with comment: file.`,
    );
  }
  if (typeof file.body !== 'string') {
    throw new ActionFailure(
      `The comment file ${name} holds no body text: expected the file coverage-gate wrote with comment: file.`,
    );
  }
  return { pullRequest, body: file.body };
}

const CUT_NOTE = `\n\n(Cut: the comment was longer than GitHub's limit of ${COMMENT_LIMIT_CHARS.toLocaleString('en-US')} characters.)\n`;

/**
 * The forwarded text as posted before `marker`: mentions made inert, no HTML comment (no forged
 * marker), cut so that text and marker fit GitHub's limit, with a note saying so.
 */
export function forwardedText(text: string, marker: string): string {
  const body = neutraliseMentions(text);
  // markedBody() adds a line break before and after the marker.
  const room = COMMENT_LIMIT_CHARS - marker.length - 2;
  if (body.length <= room) return body;
  let end = room - CUT_NOTE.length;
  // Never half a surrogate pair.
  const last = body.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${body.slice(0, end)}${CUT_NOTE}`;
}
