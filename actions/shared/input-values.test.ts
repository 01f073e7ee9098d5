import {
  parseBoolean,
  parseInteger,
  parseLines,
  parseList,
  parsePositiveDuration,
  parseUrl,
} from './input-values';

test.each([
  ['true', true],
  ['TRUE', true],
  ['yes', true],
  ['false', false],
  ['False', false],
  ['0', false],
])('parseBoolean(%p) is %p', (text, value) => {
  expect(parseBoolean('wait', text)).toBe(value);
});

test('a word that is no boolean is refused with the fix', () => {
  expect(() => parseBoolean('wait', 'maybe')).toThrow(
    "Input 'wait': 'maybe' is not a boolean. Use true or false.",
  );
});

test('a zero duration is refused where time must pass', () => {
  expect(() => parsePositiveDuration('timeout', '0s')).toThrow(
    "Input 'timeout': must be longer than zero.",
  );
});

test('parseInteger keeps to its bounds', () => {
  expect(parseInteger('retries', '3', 0, 10)).toBe(3);
  expect(() => parseInteger('retries', '11', 0, 10)).toThrow('from 0 to 10');
  expect(() => parseInteger('retries', '2.5', 0, 10)).toThrow('whole number');
});

test('parseList splits on new lines and commas and drops blanks', () => {
  expect(parseList('a, b\n\n c ,\n')).toEqual(['a', 'b', 'c']);
});

test('parseLines drops blanks and comments, keeps commas', () => {
  expect(parseLines('a=1,2\n\n  # note\n b = c \r\n')).toEqual(['a=1,2', 'b = c']);
});

test('parseUrl refuses what is not http(s), without echoing the value', () => {
  expect(parseUrl('api-url', 'https://api.render.com/v1').host).toBe('api.render.com');
  expect(() => parseUrl('api-url', 'ftp://host/x')).toThrow("Input 'api-url'");
  expect(() => parseUrl('api-url', 'not a url secret123')).toThrow(/^(?!.*secret123)/);
});
