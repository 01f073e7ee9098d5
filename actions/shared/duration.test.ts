import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    [' 10s ', 10_000],
    ['0', 0],
    ['596h', 596 * 3_600_000],
    ['2147483.647', 2 ** 31 - 1],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration('timeout', text)).toBe(ms);
  });

  test.each(['', 'soon', '10x', 's10', '10 s', '-5', '1m 30s', '10sm'])(
    '%p is refused, naming the input',
    (text) => {
      expect(() => parseDuration('poll-interval', text)).toThrow(
        /^Input 'poll-interval': .* is not a duration/,
      );
    },
  );
});

test.each(['597h', '2147484', '30000000s', '596h32m'])(
  '%p, longer than a timer can hold, is refused, naming the input',
  (text) => {
    expect(() => parseDuration('command-timeout', text)).toThrow(
      /^Input 'command-timeout': '.*' is longer than a step can wait: give at most 596h/,
    );
  },
);

describe('formatDuration', () => {
  test.each([
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m 05s'],
    [3_720_000, '1h 02m'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
