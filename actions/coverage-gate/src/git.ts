import { formatDuration } from '../../shared/duration';
import type { ProcessResult, RunProcess } from '../../shared/process';

/** Runs git without a shell: arguments reach it as they are, whatever they hold. */
export type Git = (args: string[]) => Promise<ProcessResult>;

/**
 * Git in `cwd`, never prompting for credentials, its messages in English for the log. A
 * command past `timeoutMs` (git-timeout) is killed, and fails with stderr saying so.
 */
export function gitIn(
  exec: RunProcess,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Git {
  return async (args) => {
    const result = await exec('git', args, {
      cwd,
      env: { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      timeoutMs,
    });
    if (result.error) throw result.error;
    if (result.timedOut) {
      return {
        ...result,
        code: result.code ?? 1,
        stderr: `git ${args[0] === '-c' ? args[2] : args[0]} did not finish within git-timeout (${formatDuration(timeoutMs)})`,
      };
    }
    return result;
  };
}

/** A revision as git takes it, never an option: refused before git sees it. */
export const REVISION = /^[A-Za-z0-9_][A-Za-z0-9_./~^@{}+-]*$/;

/** The diff, or why there is none. */
type BaseDiff = { diff: string } | { problem: string };

/**
 * The diff of the workspace's HEAD against `base`, fetching the base commit when the
 * checkout is shallow and lacks it.
 */
export async function diffAgainst(git: Git, base: string): Promise<BaseDiff> {
  const has = await git(['cat-file', '-e', `${base}^{commit}`]);
  if (has.code !== 0) {
    const fetched = await git(['fetch', '--no-tags', '--depth=1', 'origin', base]);
    if (fetched.code !== 0) {
      return {
        problem: `the base commit ${base} is not in the checkout and could not be fetched (${fetched.stderr.trim().split('\n').pop() ?? ''}). Check out with fetch-depth: 0, or set diff-base to a commit that is present.`,
      };
    }
  }
  const diff = await git([
    '-c',
    'core.quotePath=false',
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--unified=0',
    '--relative',
    base,
    'HEAD',
    '--',
  ]);
  if (diff.code !== 0) return { problem: `git diff ${base} HEAD failed: ${diff.stderr.trim()}` };
  return { diff: diff.stdout };
}

export async function isInsideWorkTree(git: Git): Promise<boolean> {
  const result = await git(['rev-parse', '--is-inside-work-tree']);
  return result.code === 0 && result.stdout.trim() === 'true';
}
