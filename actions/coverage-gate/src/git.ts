import { runProcess } from '../../shared/process';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git without a shell: arguments reach it as they are, whatever they hold. */
export type Git = (args: string[]) => Promise<GitResult>;

export function gitIn(cwd: string): Git {
  return async (args) => {
    const result = await runProcess('git', args, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    });
    if (result.error) throw result.error;
    return { code: result.code ?? 1, stdout: result.stdout, stderr: result.stderr.trim() };
  };
}

/** A revision as git takes it, never an option: refused before git sees it. */
export const REVISION = /^[A-Za-z0-9_][A-Za-z0-9_./~^@{}+-]*$/;

export interface ChangedLinesResult {
  diff?: string;
  /** Why there is no diff. */
  problem?: string;
}

/**
 * The diff of the workspace's HEAD against `base`, fetching the base commit when the
 * checkout is shallow and lacks it.
 */
export async function diffAgainst(git: Git, base: string): Promise<ChangedLinesResult> {
  const has = await git(['cat-file', '-e', `${base}^{commit}`]);
  if (has.code !== 0) {
    const fetched = await git(['fetch', '--no-tags', '--depth=1', 'origin', base]);
    if (fetched.code !== 0) {
      return {
        problem: `the base commit ${base} is not in the checkout and could not be fetched (${fetched.stderr.split('\n').pop() ?? ''}). Check out with fetch-depth: 0, or set diff-base to a commit that is present.`,
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
  if (diff.code !== 0) return { problem: `git diff ${base} HEAD failed: ${diff.stderr}` };
  return { diff: diff.stdout };
}
