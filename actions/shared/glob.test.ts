import { globToRegExp, literalPrefix } from './glob';

test.each([
  ['**/coverage/lcov.info', 'coverage/lcov.info', true],
  ['**/coverage/lcov.info', 'packages/a/coverage/lcov.info', true],
  ['**/coverage/lcov.info', 'packages/a/coverage/lcov.info.bak', false],
  ['reports/*.xml', 'reports/a.xml', true],
  ['reports/*.xml', 'reports/x/a.xml', false],
  ['reports/**', 'reports/x/a.xml', true],
  ['{cover,coverage}.out', 'cover.out', true],
  ['{cover,coverage}.out', 'coverage.out', true],
  ['{cover,coverage}.out', 'covers.out', false],
  ['target/site/jacoco?/jacoco.xml', 'target/site/jacoco1/jacoco.xml', true],
  ['[ab].info', 'b.info', true],
  ['[!ab].info', 'b.info', false],
  ['a+b (1).txt', 'a+b (1).txt', true],
])('%s against %s: %s', (glob, file, matches) => {
  expect(globToRegExp(glob).test(file)).toBe(matches);
});

test('a walk starts at the folder before the first wildcard', () => {
  expect(literalPrefix('build/reports/**/*.xml')).toBe('build/reports');
  expect(literalPrefix('**/lcov.info')).toBe('');
  expect(literalPrefix('cover.out')).toBe('');
});
