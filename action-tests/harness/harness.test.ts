// The harness checks itself: what it parses, and that its secret check can fail.
import { findLeaks } from './leaks';
import path from 'node:path';
import { nodeBinary, postShouldRun, runAction } from './run-action';
import { parseFileCommands, parseWorkflowCommands } from './runner-files';

test('file commands: name=value lines and heredocs', () => {
  const text = 'a=1\nmulti<<ghadelimiter_1\nline one\nline=two\nghadelimiter_1\nb=x=y\n';
  expect(parseFileCommands(text)).toEqual({ a: '1', multi: 'line one\nline=two', b: 'x=y' });
  expect(() => parseFileCommands('x<<EOF\nno end\n')).toThrow('no closing delimiter');
});

test('workflow commands are unescaped', () => {
  const [warning, mask] = parseWorkflowCommands(
    'plain\n::warning file=a%3Ab.ts,line=3::50%25 done%0Anext\n::add-mask::s3cret\n',
  );
  expect(warning).toEqual({
    command: 'warning',
    properties: { file: 'a:b.ts', line: '3' },
    message: '50% done\nnext',
  });
  expect(mask).toEqual({ command: 'add-mask', properties: {}, message: 's3cret' });
});

test('workflow commands are read as the runner reads them', () => {
  const token = 'a1b2c3';
  const stdout = [
    'x\r::add-mask::after a carriage return',
    '  ::Warning::indented, any case',
    'text ##[error]the older form, mid-line',
    `::stop-commands::${token}`,
    '::error::inside stop-commands',
    `::${token}::`,
    '::notice::after the resume',
    ':\u200b:add-mask::made inert',
  ].join('\n');
  expect(parseWorkflowCommands(stdout).map((c) => [c.command, c.message])).toEqual([
    ['add-mask', 'after a carriage return'],
    ['warning', 'indented, any case'],
    ['error', 'the older form, mid-line'],
    ['stop-commands', token],
    ['notice', 'after the resume'],
  ]);
});

test.each([
  ['always()', false, true],
  ['${{ always() }}', true, true],
  ['success()', false, false],
  ['success()', true, true],
  ['failure()', false, true],
  ['failure()', true, false],
])('post-if %s after main succeeded=%p runs: %p', (condition, succeeded, runs) => {
  expect(postShouldRun(condition, succeeded)).toBe(runs);
});

test('a secret is found in any form and any text, except where it is masked', () => {
  const key = '-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END KEY-----';
  expect(findLeaks(['p@ss word'], { stdout: '::add-mask::p@ss word\nok\n' })).toEqual([]);
  expect(findLeaks(['p@ss word'], { stdout: 'ok\nurl?x=p%40ss%20word' })).toEqual([
    'stdout, line 2: a secret appears in it',
  ]);
  expect(findLeaks([key], { stderr: 'QUJDREVGR0hJSktMTU5PUA==' })).toEqual([
    'stderr, line 1: a secret appears in it',
  ]);
  expect(findLeaks(['hunter22'], { 'job summary': '<td>hunter22</td>' })).toHaveLength(1);
});

test('a run fails when the bundle prints a value declared secret', async () => {
  // The service id is printed on purpose by render-hook; declared secret here, it must be caught.
  const run = runAction({
    action: 'render-hook',
    inputs: { 'deploy-hook-url': 'http://127.0.0.1:9/deploy/srv-printedid?key=k', timeout: '1s' },
    secrets: ['srv-printedid'],
  });
  await expect(run).rejects.toThrow(/secret printed by the main step/);
});

test('inputs the action does not declare are refused, as typos', async () => {
  await expect(
    runAction({ action: 'render-hook', inputs: { 'deploy-hook': 'x' } }),
  ).rejects.toThrow('render-hook declares no input deploy-hook');
});

describe('a two-step action, as the runner runs it', () => {
  const fixture = { action: 'fixture', actionPath: path.join(__dirname, 'fixture-action') };

  test('main gets its inputs and context; post gets the state, env and path main left', async () => {
    const run = await runAction({ ...fixture, inputs: { word: 'hello' } });
    try {
      expect(run.main.exitCode).toBe(0);
      expect(run.main.outputs).toEqual({
        word: 'hello\nsecond line',
        version: expect.stringMatching(/^v\d/) as string,
      });
      expect(run.main.state).toEqual({ started: 'hello-state' });
      expect(run.main.exportedEnv).toEqual({ FROM_MAIN: 'exported' });
      expect(run.main.addedPath).toEqual(['/opt/fixture/bin']);
      expect(run.main.summary).toBe('### fixture summary\n');
      expect(run.main.notices).toEqual(['event push in workspace']);
      expect(run.post?.exitCode).toBe(0);
      expect(run.post?.outputs).toEqual({ seen: 'hello-state|exported|/opt/fixture/bin|hello' });
    } finally {
      run.cleanup();
    }
  });

  test('runs under the Node that runs node24 actions', async () => {
    const run = await runAction({ ...fixture, inputs: { word: 'x' } });
    run.cleanup();
    const expected = nodeBinary() === process.execPath ? process.version : /^v24\./;
    expect(run.main.outputs.version).toMatch(expected);
  });

  test('post-if: success() skips the post step after a failed main', async () => {
    const run = await runAction({ ...fixture, inputs: { word: 'x', 'exit-code': '1' } });
    run.cleanup();
    expect(run.main.exitCode).toBe(1);
    expect(run.post).toBeUndefined();
  });

  test('a test can look at the world between main and post', async () => {
    const seen: string[] = [];
    const run = await runAction({
      ...fixture,
      inputs: { word: 'between' },
      beforePost: (main, job) => {
        seen.push(main.state.started, job.runnerTemp, job.workspace);
      },
    });
    run.cleanup();
    expect(seen).toEqual(['between-state', run.runnerTemp, run.workspace]);
    expect(run.post?.outputs.seen).toContain('between-state');
  });
});
