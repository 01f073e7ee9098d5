import { commentFileText, forwardedText, parseCommentFile } from './comment-file';
import { markedBody } from './sticky-comment';

test('a written file reads back', () => {
  const text = commentFileText({
    marker: '<!-- coverage-gate: id=py3.12 -->',
    pull_request: 42,
    head_sha: 'a'.repeat(40),
    body: '### Coverage ✅ passed',
  });
  expect(parseCommentFile(text, 'c.json')).toEqual({
    pullRequest: 42,
    body: '### Coverage ✅ passed',
  });
});

test.each([
  ['not json', /is not JSON/],
  ['{"pull_request": "42", "body": "x"}', /names no pull request number/],
  ['{"pull_request": 0, "body": "x"}', /names no pull request number/],
  ['{"pull_request": 1.5, "body": "x"}', /names no pull request number/],
  ['{"pull_request": 4}', /holds no body text/],
  ['null', /names no pull request number/],
])('a malformed file (%s) is refused', (text, message) => {
  expect(() => parseCommentFile(text, 'c.json')).toThrow(message);
});

test("a long body is cut to GitHub's limit with a note, the marker kept", () => {
  const marker = '<!-- coverage-gate: id=x -->';
  const posted = markedBody(forwardedText('x'.repeat(70_000), marker), marker);
  expect(posted.length).toBeLessThanOrEqual(65_536);
  expect(posted.length).toBeGreaterThan(65_400);
  expect(posted).toContain(
    "(Cut: the comment was longer than GitHub's limit of 65,536 characters.)",
  );
  expect(posted.endsWith(`\n${marker}\n`)).toBe(true);
});

test('a body that fits is posted whole, a cut never splits a surrogate pair', () => {
  const marker = '<!-- m -->';
  expect(forwardedText('short', marker)).toBe('short');
  const emoji = '😀'.repeat(40_000);
  const cut = forwardedText(emoji, marker);
  expect(cut.replace(/\n\n\(Cut:[^)]*\)\n$/, '')).toMatch(/^(?:😀)+$/u);
});
