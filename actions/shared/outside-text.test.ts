import { inertInline, inertLines } from './outside-text';

/** What the runner would take for a command in a line: `::` after white space, or `##[`. */
const looksLikeCommand = (line: string) => /^\s*::/.test(line) || /##\[/.test(line);

const HOSTILE = [
  '::add-mask::web1',
  '  ::set-output name=x::y',
  '::ERROR::case does not matter',
  'x\r::add-mask::web1',
  'x\r\n::warning::after CRLF',
  'before\n\t::notice::tabbed',
  'in a line ##[error]older form',
  '##[group]at the start',
];

test.each(HOSTILE)('%j prints as lines none of which is a command', (text) => {
  const lines = inertLines(text);
  for (const line of lines) {
    expect(line).not.toMatch(/[\r\n]/);
    expect(looksLikeCommand(line)).toBe(false);
  }
  // Nothing is lost: without the zero-width spaces, the lines are the text's own.
  expect(lines.map((line) => line.replace(/\u200b/g, '')).join('\n')).toBe(
    text.replace(/\r\n|\r/g, '\n'),
  );
});

test.each(HOSTILE)('%j fits in one line, and is no command there either', (text) => {
  const line = inertInline(text);
  expect(line).not.toMatch(/[\r\n]/);
  expect(looksLikeCommand(line)).toBe(false);
  expect(looksLikeCommand(`Deploy ${line} is live`)).toBe(false);
});

test('ordinary text is left as it is', () => {
  expect(inertLines('web: 2/3 tasks on sha256:ab12…\nok: a::b')).toEqual([
    'web: 2/3 tasks on sha256:ab12…',
    'ok: a::b',
  ]);
  expect(inertInline('dep-cj0pf3a9u7m2b4s')).toBe('dep-cj0pf3a9u7m2b4s');
});
