import { githubRunner } from './runner';

/** What the runner would read on stdout while `work` runs. */
function written(work: () => void): string {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    write.mockRestore();
  }
  return chunks.join('');
}

test('annotate ties a warning to a range of lines of a file', () => {
  expect(
    written(() =>
      githubRunner.annotate('warning', 'Changed lines 2-4 are not covered by tests.', {
        file: 'src/f1.ts',
        line: 2,
        endLine: 4,
        title: 'Not covered by tests',
      }),
    ),
  ).toBe(
    '::warning file=src/f1.ts,line=2,endLine=4,title=Not covered by tests::Changed lines 2-4 are not covered by tests.\n',
  );
});

test('annotate escapes what would end a property or the command', () => {
  expect(
    written(() =>
      githubRunner.annotate('error', 'line one\nline two: 100%', {
        file: 'a,b:c.ts',
        line: 7,
        title: 'x, y',
      }),
    ),
  ).toBe('::error file=a%2Cb%3Ac.ts,line=7,title=x%2C y::line one%0Aline two: 100%25\n');
});

test('without a line, annotate points at the file; warning points nowhere', () => {
  expect(written(() => githubRunner.annotate('notice', 'm', { file: 'README.md' }))).toBe(
    '::notice file=README.md::m\n',
  );
  expect(written(() => githubRunner.warning('m'))).toBe('::warning::m\n');
});
