import type { SummaryTableRow } from '@actions/core/lib/summary';

// The job summary is HTML, and @actions/core's table builder writes each cell as it is given:
// a host name, a service name or an error message holding `<` or `&` would be read as markup.
// It also writes an empty cell as a lone `<td>` with no `</td>`, which shifts the rest of the row.

/**
 * Text made safe to place in HTML, in an element or a quoted attribute (`href="..."`), where
 * it then reads exactly as written.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Markup the caller built from values it has checked, placed in a cell as it is. */
export interface HtmlCell {
  html: string;
}

/** A cell's content: text, escaped when written, or markup. */
export type TableCell = string | HtmlCell;

/** Stands for a value that is not known or does not apply. */
export const EMPTY_CELL = '-';

/**
 * The rows for `summary.addTable`: the first row is the header; text is escaped and an empty
 * cell is written as a dash, so that every cell is closed.
 */
export function tableRows(rows: TableCell[][]): SummaryTableRow[] {
  return rows.map((row, index) =>
    row.map((cell) => {
      const html = typeof cell === 'string' ? escapeHtml(cell) : cell.html;
      const data = html === '' ? EMPTY_CELL : html;
      return index === 0 ? { data, header: true } : data;
    }),
  );
}
