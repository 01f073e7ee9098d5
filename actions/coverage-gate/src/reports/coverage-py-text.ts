import { EMPTY_LINES, type RecordSink, type ReportInfo } from '../model';
import { ReportError } from './report-error';
import { forEachLine, type Chunks } from './text-stream';

// coverage.py's text report (`coverage report`, pytest-cov's terminal report), alone or amid
// other output (`pytest -v --cov=. > cov-report.txt`). Stmts and Miss give exact line counts.
// With branch columns, Branch is the number of branches but BrPart counts partial lines, not
// missed branches, so the exact total cannot be rebuilt: the TOTAL figure printed is kept.
// The last table in the text is the one read. The markdown form of coverage 7 is read too.

const HEADER = /^Name\s+Stmts\s+Miss(\s+Branch\s+BrPart)?\s+Cover\b/;
const ROW = /^(.+?)\s+(\d+)\s+(\d+)(?:\s+(\d+)\s+(\d+))?\s+(\d{1,3}(?:\.\d+)?%)(?:\s+.*)?$/;

interface Row {
  name: string;
  statements: number;
  missed: number;
  branches?: number;
  cover: string;
}

interface Table {
  branchColumns: boolean;
  rows: Row[];
  total?: Row;
}

/** A markdown table row turned into the plain layout: `| **a** | 1 |` -> `a 1`. */
function plain(line: string): string {
  const trimmed = line.trim();
  if (!trimmed.startsWith('|')) return line;
  return trimmed
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => cell.trim().replace(/^\*\*(.*)\*\*$/, '$1'))
    .join('  ');
}

export async function parseCoveragePyText(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  let table: Table | undefined;
  let last: Table | undefined;
  await forEachLine(chunks, (raw) => {
    const line = plain(raw);
    const header = HEADER.exec(line);
    if (header) {
      table = { branchColumns: header[1] !== undefined, rows: [] };
      return;
    }
    if (!table) return;
    const trimmed = line.trim();
    if (/^[-|: ]+$/.test(trimmed) && trimmed.includes('-')) return;
    const row = ROW.exec(line);
    if (!row || table.branchColumns !== (row[4] !== undefined)) {
      // Anything else ends the table: output after it, or a table of another kind.
      if (table.rows.length > 0) last = table;
      table = undefined;
      return;
    }
    const parsed: Row = {
      name: row[1].trim(),
      statements: Number(row[2]),
      missed: Number(row[3]),
      branches: row[4] === undefined ? undefined : Number(row[4]),
      cover: row[6],
    };
    if (parsed.name === 'TOTAL') {
      table.total = parsed;
      last = table;
      table = undefined;
    } else {
      table.rows.push(parsed);
    }
  });
  if (table && table.rows.length > 0) last = table;
  if (!last) {
    throw new ReportError(
      "no coverage.py table (a 'Name  Stmts  Miss ... Cover' header followed by rows) was found",
    );
  }

  for (const row of last.rows) {
    emit({
      path: row.name.replace(/\\/g, '/'),
      lines: EMPTY_LINES,
      counts: { lines: { covered: row.statements - row.missed, total: row.statements } },
    });
  }
  const total = last.total ?? (last.rows.length === 1 ? last.rows[0] : undefined);
  if (!total) throw new ReportError('the coverage.py table has no TOTAL row');
  // Files left out of the table (skip_covered, skip_empty) are still in TOTAL.
  const listedStatements = last.rows.reduce((sum, row) => sum + row.statements, 0);
  const listedMissed = last.rows.reduce((sum, row) => sum + row.missed, 0);
  const unlistedStatements = total.statements - listedStatements;
  if (unlistedStatements > 0) {
    emit({
      path: '',
      unnamed: true,
      lines: EMPTY_LINES,
      counts: {
        lines: {
          covered: unlistedStatements - (total.missed - listedMissed),
          total: unlistedStatements,
        },
      },
    });
  }
  return last.branchColumns
    ? { family: 'coverage.py', printedTotal: total.cover, inexactBranches: true }
    : { family: 'coverage.py', printedTotal: total.cover };
}
