import { failureMessage, fanOut, type HostOutcome } from './fan-out';

const targets = ['a', 'b', 'c', 'd'].map((label) => ({ label }));

function outcome(label: string, status: HostOutcome['status']): HostOutcome {
  return { host: label, status, exitCode: status === 'success' ? 0 : 1, durationMs: 1 };
}

test('never more than `parallel` hosts at once, and results in host order', async () => {
  let running = 0;
  let most = 0;
  const results = await fanOut(targets, { parallel: 2, failFast: false }, async (target) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, target.label === 'a' ? 30 : 5));
    running--;
    return outcome(target.label, 'success');
  });
  expect(most).toBe(2);
  expect(results.map((result) => result.host)).toEqual(['a', 'b', 'c', 'd']);
});

test('fail-fast starts no host after a failure; those running finish', async () => {
  const started: string[] = [];
  const results = await fanOut(targets, { parallel: 2, failFast: true }, async (target) => {
    started.push(target.label);
    await new Promise((resolve) => setTimeout(resolve, target.label === 'b' ? 20 : 1));
    return outcome(target.label, target.label === 'a' ? 'failed' : 'success');
  });
  expect(started).toEqual(['a', 'b']);
  expect(results.map((result) => result.status)).toEqual([
    'failed',
    'success',
    'skipped',
    'skipped',
  ]);
  expect(failureMessage(results, 'The script')).toBe(
    'The script failed on 1 of 4 hosts (2 not started, fail-fast): a: failed; c: skipped; d: skipped.',
  );
});

test('without fail-fast every host runs', async () => {
  const results = await fanOut(targets, { parallel: 1, failFast: false }, (target) =>
    Promise.resolve(outcome(target.label, target.label === 'b' ? 'failed' : 'success')),
  );
  expect(results.map((result) => result.status)).toEqual([
    'success',
    'failed',
    'success',
    'success',
  ]);
  expect(failureMessage(results.slice(0, 1), 'x')).toBeUndefined();
});

test('a single host fails with its own message', () => {
  expect(
    failureMessage([{ ...outcome('a', 'failed'), error: 'a: exit code 3' }], 'The script'),
  ).toBe('a: exit code 3');
});
