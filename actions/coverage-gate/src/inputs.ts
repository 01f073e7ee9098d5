import path from 'node:path';
import { ConfigurationError } from '../../shared/errors';
import { parseBoolean, parseList } from '../../shared/input-values';
import { maskSecret } from '../../shared/mask';
import { getInput, setSecret } from '../../shared/runner';
import { REVISION } from './git';
import type { Thresholds } from './metrics';
import { parsePrefixRules, type PrefixRule } from './path-mapping';
import { parsePercent } from './percent';
import { FORMATS, type Format } from './reports/formats';

export type CommentMode = 'off' | 'always' | 'on-failure';

export interface Inputs {
  workspace: string;
  /** Undefined: look in the usual places. */
  files?: string[];
  format?: Format;
  thresholds: Thresholds;
  baseline?: string;
  diffBase?: string;
  exclude: string[];
  pathPrefixes: PrefixRule[];
  sourceRoots: string[];
  comment: CommentMode;
  githubToken: string;
  annotate: boolean;
  badge?: string;
  summaryFile: string;
}

function optionalPercent(name: string, raw: string) {
  return raw === '' ? undefined : parsePercent(name, raw);
}

/** Reads and checks every input, before the step touches anything. The token is masked first. */
export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const githubToken = getInput('github-token');
  maskSecret(githubToken, setSecret);

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const inWorkspace = (file: string) => path.resolve(workspace, file);

  const formatText = getInput('format') || 'auto';
  if (formatText !== 'auto' && !(FORMATS as readonly string[]).includes(formatText)) {
    throw new ConfigurationError(
      'format',
      `'${formatText}' is not a format this action reads. Use auto or one of: ${FORMATS.join(', ')}.`,
    );
  }

  const thresholds: Thresholds = {
    minCoverage: optionalPercent('min-coverage', getInput('min-coverage')),
    minLine: optionalPercent('min-line', getInput('min-line')),
    minBranch: optionalPercent('min-branch', getInput('min-branch')),
    minFunction: optionalPercent('min-function', getInput('min-function')),
    minFile: optionalPercent('min-file', getInput('min-file')),
    minDiff: optionalPercent('min-diff', getInput('min-diff')),
    maxDrop: optionalPercent('max-drop', getInput('max-drop')),
  };

  const diffBase = getInput('diff-base') || undefined;
  if (diffBase !== undefined && !REVISION.test(diffBase)) {
    throw new ConfigurationError(
      'diff-base',
      `'${diffBase}' is not a git revision. Give a commit SHA or a ref such as origin/main.`,
    );
  }

  const comment = getInput('comment') || 'off';
  if (!['off', 'always', 'on-failure'].includes(comment)) {
    throw new ConfigurationError('comment', `'${comment}' is not one of off, always, on-failure.`);
  }
  if (comment !== 'off' && githubToken === '') {
    throw new ConfigurationError(
      'github-token',
      'is empty, and comment is on. Pass a token that may write pull request comments: github-token: ${{ github.token }} with permissions: pull-requests: write.',
    );
  }

  const baseline = getInput('baseline');
  const badge = getInput('badge');
  const summaryFile = getInput('summary-file');
  const files = parseList(getInput('files'), /\n/);
  const runnerTemp = env.RUNNER_TEMP || workspace;

  return {
    workspace,
    files: files.length > 0 ? files : undefined,
    format: formatText === 'auto' ? undefined : (formatText as Format),
    thresholds,
    baseline: baseline ? inWorkspace(baseline) : undefined,
    diffBase,
    exclude: parseList(getInput('exclude'), /\n/),
    pathPrefixes: parsePrefixRules(parseList(getInput('path-prefix'), /\n/)),
    sourceRoots: parseList(getInput('source-roots'), /\n/).map((root) =>
      root.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, ''),
    ),
    comment: comment as CommentMode,
    githubToken,
    annotate: parseBoolean('annotate', getInput('annotate') || 'true'),
    badge: badge ? inWorkspace(badge) : undefined,
    summaryFile: summaryFile
      ? inWorkspace(summaryFile)
      : path.join(runnerTemp, 'coverage-gate-summary.json'),
  };
}
