import { existsSync } from 'node:fs';
import path from 'node:path';
import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { diffCoverage, parseUnifiedDiff, type DiffCoverage } from './changed-lines';
import type { CoverageSet } from './coverage-set';
import { diffAgainst, isInsideWorkTree, REVISION, type Git } from './git';
import type { Percent } from './percent';

interface ChangedLinesRequest {
  workspace: string;
  /** The diff-base input, else the event's base commit. */
  base?: string;
  minDiff?: Percent;
  /** Whether anything uses the changed lines: min-diff, annotations or the comment. */
  wanted: boolean;
}

export interface ChangedLinesCoverage {
  diff?: DiffCoverage;
  diffBase?: string;
  /** Why changed lines were not measured, when they were not. */
  diffNote?: string;
}

const NO_COMMIT = /^0+$/;

/**
 * Coverage of the lines changed since the base commit. Without a base or a git checkout they
 * are not measured, and that is said; min-diff fails only where git could have answered.
 */
export async function measureChangedLines(
  request: ChangedLinesRequest,
  set: CoverageSet,
  git: Git,
  log: Logger,
): Promise<ChangedLinesCoverage> {
  if (!request.wanted) return {};
  const { base, minDiff } = request;
  if (!base || NO_COMMIT.test(base)) {
    const diffNote =
      'No base commit to compare with (not a pull request, or the first push of a branch): changed lines not measured.';
    if (minDiff) log.info(diffNote);
    return { diffNote };
  }
  if (!REVISION.test(base)) {
    return {
      diffNote: `The event's base '${base}' is not a git revision: changed lines not measured.`,
    };
  }
  if (!existsSync(path.join(request.workspace, '.git')) && !(await isInsideWorkTree(git))) {
    const problem = 'the workspace is not a git checkout (run actions/checkout before this step)';
    if (minDiff) throw new ActionFailure(`min-diff cannot be checked: ${problem}.`);
    log.warning(`Changed lines not measured: ${problem}.`);
    return { diffNote: `Not measured: ${problem}.` };
  }
  const result = await diffAgainst(git, base);
  if ('problem' in result) {
    if (minDiff) throw new ActionFailure(`min-diff cannot be checked: ${result.problem}`);
    log.warning(`Changed lines not measured: ${result.problem}`);
    return { diffNote: `Not measured: ${result.problem}` };
  }
  const diff = diffCoverage(set, parseUnifiedDiff(result.diff));
  return { diff, diffBase: base };
}
