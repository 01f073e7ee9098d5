import { BoundedText, LineSplitter } from './output';

test('lines are cut at newlines, across chunks, with split UTF-8 characters joined', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  const bytes = Buffer.from('one\r\ntw✓o\nthree');
  const cut = bytes.indexOf(Buffer.from('✓')) + 1;
  splitter.push(bytes.subarray(0, cut));
  splitter.push(bytes.subarray(cut));
  expect(lines).toEqual(['one', 'tw✓o']);
  splitter.end();
  expect(lines).toEqual(['one', 'tw✓o', 'three']);
});

test('bounded text keeps the start and says it was cut', () => {
  const text = new BoundedText(5);
  text.append('abc');
  text.append('defg');
  expect(text.toString()).toBe('abcde');
  expect(text.truncated).toBe(true);
});
