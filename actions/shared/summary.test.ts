import { summary } from '@actions/core/lib/summary';
import { escapeHtml, tableRows } from './summary';

/** The HTML @actions/core writes for these rows, without touching any summary file. */
function tableHtml(rows: Parameters<typeof tableRows>[0]): string {
  return summary.emptyBuffer().addTable(tableRows(rows)).stringify();
}

afterEach(() => {
  summary.emptyBuffer();
});

test('escapeHtml turns markup into text', () => {
  expect(escapeHtml('<img src=x onerror=alert(1)> & </td>')).toBe(
    '&lt;img src=x onerror=alert(1)&gt; &amp; &lt;/td&gt;',
  );
  expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  expect(escapeHtml('plain text: ✅ 1.2s')).toBe('plain text: ✅ 1.2s');
  // Quotes too, for attributes: the value cannot close the attribute and open another.
  expect(`<a href="${escapeHtml('x" onmouseover="alert(1)')}">`).toBe(
    '<a href="x&quot; onmouseover=&quot;alert(1)">',
  );
  expect(escapeHtml("it's")).toBe('it&#39;s');
});

test('the first row is the header, the others are cells', () => {
  expect(
    tableHtml([
      ['Host', 'Result'],
      ['a', 'ok'],
      ['b', 'failed'],
    ]),
  ).toBe(
    '<table><tr><th>Host</th><th>Result</th></tr><tr><td>a</td><td>ok</td></tr>' +
      '<tr><td>b</td><td>failed</td></tr></table>\n',
  );
});

test('an empty cell is a dash, so that every cell is closed', () => {
  expect(
    tableRows([
      ['A', ''],
      ['', 'x'],
    ]),
  ).toEqual([
    [
      { data: 'A', header: true },
      { data: '-', header: true },
    ],
    ['-', 'x'],
  ]);
  expect(
    tableHtml([
      ['A', 'B'],
      ['', 'x'],
    ]),
  ).toContain('<tr><td>-</td><td>x</td></tr>');
  // What the builder does with an empty cell, which the dash avoids.
  expect(
    summary
      .emptyBuffer()
      .addTable([['', 'x']])
      .stringify(),
  ).toContain('<tr><td><td>x</td>');
});

test('text in cells is escaped; markup cells are kept as they are', () => {
  const html = tableHtml([
    ['Name', 'Tags'],
    ['<b>web</b> & co', { html: 'a:1<br>a:latest' }],
  ]);
  expect(html).toContain('<td>&lt;b&gt;web&lt;/b&gt; &amp; co</td>');
  expect(html).toContain('<td>a:1<br>a:latest</td>');
  expect(tableRows([['H'], [{ html: '' }]])[1]).toEqual(['-']);
});
