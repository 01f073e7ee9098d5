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

export type CommentMode = 'off' | 'always' | 'on-failure';

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
  if (!['off', 'always', 'on-failure'].includes(comment)) {
    throw new ConfigurationError('comment', `'${comment}' is not one of off, always, on-failure.`);
  }
  if (comment !== 'off' && githubToken === '') {
    throw new ConfigurationError(
      'github-token',
      'is empty, and comment is on. Pass a token that may write pull request comments: github-token: ${{ github.token }} with permissions: pull-requests: write.',
    );
  }

  const baseline = runner.getInput('baseline');
  const badge = runner.getInput('badge');
  const summaryFile = runner.getInput('summary-file');
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
    githubToken,
    annotate: parseBoolean('annotate', runner.getInput('annotate') || 'true'),
    badge: badge ? inWorkspace(badge) : undefined,
    summaryFile: summaryFile
      ? inWorkspace(summaryFile)
      : path.join(runnerTemp, 'coverage-gate-summary.json'),
  };
}
