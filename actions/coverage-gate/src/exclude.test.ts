import fc from 'fast-check';
import { globToRegExp } from '../../shared/glob';
import { excludeMatcher } from './exclude';

// The automaton must mean exactly what the regular expression of each glob means.

const globPiece = fc.constantFrom(
  'a',
  'b',
  '/',
  '.',
  '*',
  '**',
  '**/',
  '/**',
  '?',
  '[ab]',
  '[!a]',
  '{a,b/c}',
  '{,x*}',
  '{a,{b,c}}',
  '}',
  ',',
  '(',
  '\\',
);
const glob = fc.array(globPiece, { maxLength: 8 }).map((pieces) => pieces.join(''));
const path = fc
  .array(fc.constantFrom('a', 'b', 'c', 'x', '/', '.', '(', '\\', ',', '}', '\n'), {
    maxLength: 14,
  })
  .map((chars) => chars.join(''));

test('each glob matches what its regular expression matches', () => {
  fc.assert(
    fc.property(glob, path, (pattern, candidate) => {
      expect(excludeMatcher([pattern])(candidate)).toBe(globToRegExp(pattern).test(candidate));
    }),
    { numRuns: 20_000 },
  );
});

test('several globs match what any of them matches', () => {
  fc.assert(
    fc.property(fc.array(glob, { minLength: 1, maxLength: 4 }), path, (patterns, candidate) => {
      expect(excludeMatcher(patterns)(candidate)).toBe(
        patterns.some((pattern) => globToRegExp(pattern).test(candidate)),
      );
    }),
    { numRuns: 5_000 },
  );
});

test.each([
  ['tests/**', 'tests/unit/a.py', true],
  ['**/*_pb2.py', 'src/api/x_pb2.py', true],
  ['**/*_pb2.py', 'src/api/x_pb2.pyi', false],
  ['{gen,build}/**', 'build/x.js', true],
])('%s against %s: %s', (pattern, candidate, matches) => {
  expect(excludeMatcher([pattern])(candidate)).toBe(matches);
});

test('no globs match nothing; a glob that is not valid throws as a regular expression does', () => {
  expect(excludeMatcher([])('a')).toBe(false);
  expect(() => excludeMatcher(['{a,b'])).toThrow(SyntaxError);
});

test('a path of 40,000 segments against globs with several ** is read once, not once per split', () => {
  const deep = `${'gen/'.repeat(40_000)}x.c`;
  const matches = excludeMatcher(['**/gen/**/gen/**/*.py', '**/gen/*/gen/**/gen/x.d']);
  expect(matches(deep)).toBe(false);
  expect(matches(`${deep.slice(0, -2)}.py`)).toBe(true);
});
