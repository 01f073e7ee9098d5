import { backoffDelay, parseRetryAfter, withRetry, type Clock, type RetryDecision } from './retry';

function fakeClock(start = 1_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
    slept,
  };
}

const always: (error: unknown) => RetryDecision = () => ({ retry: true, reason: 'flaky' });

describe('backoffDelay', () => {
  const policy = { initialMs: 1_000, maxMs: 8_000 };
  test('doubles, stays between half and all of its ceiling, and is capped', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(500);
    expect(backoffDelay(0, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(3_000);
    expect(backoffDelay(10, policy, () => 1)).toBe(8_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  test.each([
    ['5', 5_000],
    ['0', 0],
    ['Sun, 22 Nov 2026 10:00:30 GMT', 30_000],
    ['Sun, 22 Nov 2026 09:00:00 GMT', 0],
  ])('%p waits %d ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
  test.each([null, undefined, '', 'soon'])('%p is no instruction', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});

describe('withRetry', () => {
  test('returns the first success, after backing off', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await withRetry(
      () => (++calls < 3 ? Promise.reject(new Error('no')) : Promise.resolve('yes')),
      {
        attempts: 5,
        backoff: { initialMs: 100, maxMs: 1_000 },
        clock,
        classify: always,
        random: () => 1,
      },
    );
    expect(result).toBe('yes');
    expect(clock.slept).toEqual([100, 200]);
  });

  test('honours the delay the server asked for', async () => {
    const clock = fakeClock();
    let calls = 0;
    await withRetry(() => (++calls < 2 ? Promise.reject(new Error('busy')) : Promise.resolve()), {
      attempts: 3,
      backoff: { initialMs: 100, maxMs: 1_000 },
      clock,
      classify: () => ({ retry: true, reason: 'busy', afterMs: 7_000 }),
    });
    expect(clock.slept).toEqual([7_000]);
  });

  test('gives up after the last attempt with the last error', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(() => Promise.reject(new Error(`failure ${++calls}`)), {
        attempts: 3,
        backoff: { initialMs: 10, maxMs: 10 },
        clock,
        classify: always,
      }),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  test('never retries what is not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(() => Promise.reject(new Error(`denied ${++calls}`)), {
        attempts: 5,
        backoff: { initialMs: 10, maxMs: 10 },
        clock: fakeClock(),
        classify: () => ({ retry: false }),
      }),
    ).rejects.toThrow('denied 1');
  });

  test('does not wait past the deadline', async () => {
    const clock = fakeClock(0);
    let calls = 0;
    await expect(
      withRetry(() => Promise.reject(new Error(`busy ${++calls}`)), {
        attempts: 10,
        backoff: { initialMs: 100, maxMs: 100 },
        clock,
        deadline: 1_000,
        classify: () => ({ retry: true, reason: 'busy', afterMs: 5_000 }),
      }),
    ).rejects.toThrow('busy 1');
    expect(clock.slept).toEqual([]);
  });
});
