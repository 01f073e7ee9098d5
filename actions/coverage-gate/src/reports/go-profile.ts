import {
  LineBuilder,
  saturate,
  type RecordSink,
  type ReportInfo,
  type StatementBlocks,
} from '../model';
import { ReportError } from './report-error';
import { detach, forEachLine, type Chunks } from './text-stream';

// Go cover profiles (`go test -coverprofile`): a `mode: set|count|atomic` line, then one line
// per block, `file.go:startLine.startCol,endLine.endCol statements count`. With -coverpkg or
// concatenated profiles a block appears several times: in set mode it ran if any copy ran,
// in count and atomic modes the counts add up. Go's own total (`go tool cover -func`) counts
// statements, so blocks are kept with their statement counts; a line's hits are those of the
// busiest block on it.

const BLOCK = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$/;

export async function parseGoProfile(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const files = new Map<string, StatementBlocks>();
  let mode: string | undefined;
  let lineNumber = 0;

  await forEachLine(chunks, (line) => {
    lineNumber++;
    if (line.trim() === '') return;
    if (line.startsWith('mode:')) {
      const value = line.slice(5).trim();
      if (!['set', 'count', 'atomic'].includes(value)) {
        throw new ReportError(
          `line ${lineNumber}: unknown mode '${value}' (expected set, count or atomic)`,
        );
      }
      if (mode !== undefined && mode !== value) {
        throw new ReportError(
          `line ${lineNumber}: mode ${value} after mode ${mode}; profiles of different modes cannot be merged`,
        );
      }
      mode = value;
      return;
    }
    if (mode === undefined)
      throw new ReportError(
        `line ${lineNumber}: a block before the mode line: this is not a Go cover profile`,
      );
    const match = BLOCK.exec(line);
    if (!match)
      throw new ReportError(
        `line ${lineNumber}: '${line}' is not file:line.col,line.col statements count`,
      );
    const [, file, startLine, startCol, endLine, endCol, statements, count] = match;
    let blocks = files.get(file);
    if (!blocks) files.set(detach(file), (blocks = new Map() as StatementBlocks));
    const key = detach(`${startLine}.${startCol},${endLine}.${endCol}`);
    const hits = Number(count);
    const known = blocks.get(key);
    if (!known) blocks.set(key, { statements: Number(statements), hits: saturate(hits) });
    else known.hits = mode === 'set' ? Math.max(known.hits, hits) : saturate(known.hits + hits);
  });
  if (mode === undefined)
    throw new ReportError('no mode line: this is not a Go cover profile, or it is empty');

  const lines = new LineBuilder();
  for (const [file, blocks] of files) {
    const busiest = new Map<number, number>();
    for (const [key, block] of blocks) {
      if (block.statements === 0) continue;
      const [start, end] = key.split(',').map((position) => Number(position.split('.')[0]));
      for (let line = start; line <= end; line++) {
        busiest.set(line, Math.max(busiest.get(line) ?? 0, block.hits));
      }
    }
    for (const [line, hits] of busiest) lines.add(line, hits);
    emit({ path: file.replace(/\\/g, '/'), lines: lines.take(), statements: blocks });
  }
  return { family: 'go' };
}
