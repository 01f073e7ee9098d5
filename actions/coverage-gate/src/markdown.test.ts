import { markdownText, neutraliseMentions } from './markdown';

const ZWJ = '\u200d';

test('a mention in a path notifies nobody', () => {
  expect(markdownText('src/@team/x.py')).toBe(`src/@${ZWJ}team/x.py`);
  expect(markdownText('a@b.example')).toBe(`a@${ZWJ}b.example`);
});

test('HTML, code, emphasis, links and table pipes show as text', () => {
  expect(markdownText('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert(1)\\>');
  expect(markdownText('[x](javascript:y) `z` *a* _b_ ~c~ $d$ |e|')).toBe(
    '\\[x\\](javascript:y) \\`z\\` \\*a\\* \\_b\\_ \\~c\\~ \\$d\\$ \\|e\\|',
  );
  expect(markdownText('a&amp;b.py')).toBe('a\\&amp;b.py');
});

test('autolinks and references are broken, line breaks become spaces', () => {
  expect(markdownText('https://evil.example/x www.evil.example #12')).toBe(
    `https:${ZWJ}//evil.example/x www${ZWJ}.evil.example \\#${ZWJ}12`,
  );
  expect(markdownText('a\nb\r\nc')).toBe('a b c');
});

test('a leading list marker is escaped, figures are left alone', () => {
  expect(markdownText('1. x.py')).toBe('1\\. x.py');
  expect(markdownText('- x.py')).toBe('\\- x.py');
  expect(markdownText('50.00% (6 / 12)')).toBe('50.00% (6 / 12)');
  expect(markdownText('-0.50 points')).toBe('-0.50 points');
});

test('forwarded Markdown keeps its form, with mentions and HTML comments inert', () => {
  expect(neutraliseMentions('**Hi** @octocat and @org/team <!-- coverage-gate: x -->')).toBe(
    `**Hi** @${ZWJ}octocat and @${ZWJ}org/team &lt;!-- coverage-gate: x -->`,
  );
});
