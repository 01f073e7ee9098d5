import type { ProcessResult, RunProcess } from '../../shared/process';
import { diffAgainst, gitIn } from './git';

const result = (code: number, stdout = '', stderr = ''): ProcessResult => ({
  code,
  signal: null,
  stdout,
  stderr,
  timedOut: false,
});

/** A git that answers each command by its first words, recording what it was asked. */
function fakeGit(answers: Record<string, ProcessResult>) {
  const calls: {
    args: string[];
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
  }[] = [];
  const exec: RunProcess = (file, args, options) => {
    expect(file).toBe('git');
    calls.push({ args, cwd: options?.cwd, env: options?.env, timeoutMs: options?.timeoutMs });
    const key = Object.keys(answers).find((words) => args.join(' ').startsWith(words));
    return Promise.resolve(key ? answers[key] : result(0));
  };
  return { git: gitIn(exec, '/work', { PATH: '/bin' }, 120_000), calls };
}

test('git runs in the workspace, never prompting, in English, within git-timeout', async () => {
  const { git, calls } = fakeGit({});
  await git(['status']);
  expect(calls).toEqual([
    {
      args: ['status'],
      cwd: '/work',
      env: { PATH: '/bin', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      timeoutMs: 120_000,
    },
  ]);
});

test('a base commit missing from a shallow checkout is fetched, then diffed', async () => {
  const { git, calls } = fakeGit({
    'cat-file': result(128),
    '-c core.quotePath=false diff': result(0, '+++ b/a.ts\n@@ -1 +1 @@\n'),
  });
  expect(await diffAgainst(git, 'abc123')).toEqual({ diff: '+++ b/a.ts\n@@ -1 +1 @@\n' });
  expect(calls.map((call) => call.args.slice(0, 2))).toEqual([
    ['cat-file', '-e'],
    ['fetch', '--no-tags'],
    ['-c', 'core.quotePath=false'],
  ]);
});

test("a base that cannot be fetched is a problem naming git's last line", async () => {
  const { git } = fakeGit({
    'cat-file': result(128),
    fetch: result(128, '', 'fatal: one\nfatal: remote error: no such commit\n'),
  });
  expect(await diffAgainst(git, 'abc123')).toEqual({
    problem:
      'the base commit abc123 is not in the checkout and could not be fetched (fatal: remote error: no such commit). Check out with fetch-depth: 0, or set diff-base to a commit that is present.',
  });
});

test('git that cannot start is an error, not a result', async () => {
  const missing = Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' });
  const git = gitIn(
    () => Promise.resolve({ ...result(0), code: null, error: missing }),
    '/work',
    {},
    120_000,
  );
  await expect(git(['status'])).rejects.toThrow('ENOENT');
});

test('git past git-timeout fails, saying so, and the base is then not measured', async () => {
  const killed: ProcessResult = { ...result(0), code: null, signal: 'SIGKILL', timedOut: true };
  const exec: RunProcess = (_file, args, options) => {
    expect(options?.timeoutMs).toBe(2_000);
    return Promise.resolve(args[0] === 'fetch' ? killed : result(1));
  };
  const outcome = await diffAgainst(gitIn(exec, '/work', {}, 2_000), 'abc123');
  expect(outcome).toEqual({
    problem:
      'the base commit abc123 is not in the checkout and could not be fetched (git fetch did not finish within git-timeout (2.0s)). Check out with fetch-depth: 0, or set diff-base to a commit that is present.',
  });
});
