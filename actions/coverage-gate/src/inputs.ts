import path from 'node:path';
import { ConfigurationError } from '../../shared/errors';
import { parseBoolean, parseList, parsePositiveDuration } from '../../shared/input-values';
import { maskSecret } from '../../shared/mask';
import type { Runner } from '../../shared/runner';
import { REVISION } from './git';
import type { Thresholds } from './metrics';
import { parsePrefixRules, type PrefixRule } from './path-mapping';
import { parsePercent } from './percent';
import { FORMATS, type Format } from './reports/formats';

export type CommentMode = 'off' | 'always' | 'on-failure' | 'file';

export interface Inputs {
  workspace: string;
  /** Undefined: look in the usual places. */
  files?: string[];
  format?: Format;
  thresholds: Thresholds;
  baseline?: string;
  diffBase?: string;
  /** Longest one git command may take. */
  gitTimeoutMs: number;
  exclude: string[];
  pathPrefixes: PrefixRule[];
  sourceRoots: string[];
  comment: CommentMode;
  /** Tells this step's comment from others' on the same pull request; undefined: workflow/job. */
  commentId?: string;
  /** Where comment: file writes the comment. */
  commentFile: string;
  /** A comment file to post (workflow_run): no report is read. */
  commentFrom?: string;
  githubToken: string;
  annotate: boolean;
  badge?: string;
  summaryFile: string;
}

function optionalPercent(name: string, raw: string) {
  return raw === '' ? undefined : parsePercent(name, raw);
}

/** Reads and checks every input, before the step touches anything. The token is masked first. */
export function getInputs(runner: Runner, env: NodeJS.ProcessEnv): Inputs {
  const githubToken = runner.getInput('github-token');
  maskSecret(githubToken, (value) => runner.setSecret(value));

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const inWorkspace = (file: string) => path.resolve(workspace, file);

  const formatText = runner.getInput('format') || 'auto';
  if (formatText !== 'auto' && !(FORMATS as readonly string[]).includes(formatText)) {
    throw new ConfigurationError(
      'format',
      `'${formatText}' is not a format this action reads. Use auto or one of: ${FORMATS.join(', ')}.`,
    );
  }

  const thresholds: Thresholds = {
    minCoverage: optionalPercent('min-coverage', runner.getInput('min-coverage')),
    minLine: optionalPercent('min-line', runner.getInput('min-line')),
    minBranch: optionalPercent('min-branch', runner.getInput('min-branch')),
    minFunction: optionalPercent('min-function', runner.getInput('min-function')),
    minFile: optionalPercent('min-file', runner.getInput('min-file')),
    minDiff: optionalPercent('min-diff', runner.getInput('min-diff')),
    maxDrop: optionalPercent('max-drop', runner.getInput('max-drop')),
  };

  const diffBase = runner.getInput('diff-base') || undefined;
  if (diffBase !== undefined && !REVISION.test(diffBase)) {
    throw new ConfigurationError(
      'diff-base',
      `'${diffBase}' is not a git revision. Give a commit SHA or a ref such as origin/main.`,
    );
  }

  const comment = runner.getInput('comment') || 'off';
  if (!['off', 'always', 'on-failure', 'file'].includes(comment)) {
    throw new ConfigurationError(
      'comment',
      `'${comment}' is not one of off, always, on-failure, file.`,
    );
  }
  const commentFrom = runner.getInput('comment-from') || undefined;
  if (commentFrom !== undefined && env.GITHUB_EVENT_NAME !== 'workflow_run') {
    throw new ConfigurationError(
      'comment-from',
      `posts a comment file from a workflow_run workflow, and this run's event is ${env.GITHUB_EVENT_NAME || 'unknown'}. Run it in a workflow "on: workflow_run", after the pull request's workflow wrote the file with comment: file.`,
    );
  }
  if (commentFrom !== undefined && comment === 'file') {
    throw new ConfigurationError(
      'comment',
      'is file, and comment-from is set: a step either writes the comment file or posts one. Leave comment out of the step that posts.',
    );
  }
  const commentId = runner.getInput('comment-id') || undefined;
  if (commentId !== undefined && (commentId.length > 200 || /[\r\n]/.test(commentId))) {
    throw new ConfigurationError(
      'comment-id',
      'must be one line of at most 200 characters (e.g. py${{ matrix.python }}).',
    );
  }
  if (((comment !== 'off' && comment !== 'file') || commentFrom) && githubToken === '') {
    throw new ConfigurationError(
      'github-token',
      'is empty, and comment is on. Pass a token that may write pull request comments: github-token: ${{ github.token }} with permissions: pull-requests: write.',
    );
  }

  const baseline = runner.getInput('baseline');
  const badge = runner.getInput('badge');
  const summaryFile = runner.getInput('summary-file');
  const commentFile = runner.getInput('comment-file');
  const files = parseList(runner.getInput('files'), /\n/);
  const runnerTemp = env.RUNNER_TEMP || workspace;

  return {
    workspace,
    files: files.length > 0 ? files : undefined,
    format: formatText === 'auto' ? undefined : (formatText as Format),
    thresholds,
    baseline: baseline ? inWorkspace(baseline) : undefined,
    diffBase,
    gitTimeoutMs: parsePositiveDuration('git-timeout', runner.getInput('git-timeout')),
    exclude: parseList(runner.getInput('exclude'), /\n/),
    pathPrefixes: parsePrefixRules(parseList(runner.getInput('path-prefix'), /\n/)),
    sourceRoots: parseList(runner.getInput('source-roots'), /\n/).map((root) =>
      root.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, ''),
    ),
    comment: comment as CommentMode,
    commentId,
    commentFile: commentFile
      ? inWorkspace(commentFile)
      : path.join(runnerTemp, 'coverage-comment.json'),
    commentFrom: commentFrom ? inWorkspace(commentFrom) : undefined,
    githubToken,
    annotate: parseBoolean('annotate', runner.getInput('annotate') || 'true'),
    badge: badge ? inWorkspace(badge) : undefined,
    summaryFile: summaryFile
      ? inWorkspace(summaryFile)
      : path.join(runnerTemp, 'coverage-gate-summary.json'),
  };
}
