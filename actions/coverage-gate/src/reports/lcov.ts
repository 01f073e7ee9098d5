import {
  BranchBuilder,
  FunctionBuilder,
  LineBuilder,
  type RecordSink,
  type ReportInfo,
} from '../model';
import { ReportError } from './report-error';
import { detach, forEachLine, readUnsigned, type Chunks } from './text-stream';

// lcov tracefiles (geninfo(1)): one record per source file from SF: to end_of_record, with
// DA (lines), BRDA (branches), FN/FNDA (functions) and, since lcov 2.x, FNL/FNA (functions by
// index with aliases). A file listed twice (reports concatenated) gives two records, which
// the merge adds up.

const D = 68;
const A = 65;
const COLON = 58;

export async function parseLcov(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const lines = new LineBuilder();
  const functions = new FunctionBuilder();
  let branches = new BranchBuilder();
  let branchSlots = new Map<string, number>();
  let path: string | undefined;
  let hasBranches = false;
  let hasFunctions = false;
  let lineCount = -1;
  let linesHit = -1;
  // lcov 2.x: FNL gives an index's line, FNA its names; the first name stands for the rest.
  let indexed = new Map<string, { line: number; name?: string }>();
  let lineNumber = 0;
  let records = 0;

  const fail = (problem: string): never => {
    throw new ReportError(`line ${lineNumber}: ${problem}`);
  };

  const finish = () => {
    if (path === undefined) return;
    const lineHits = lines.take();
    emit({
      path,
      lines: lineHits,
      branches: hasBranches ? branches.take() : undefined,
      functions: hasFunctions ? functions.take() : undefined,
      // A record with LF/LH but no DA lines still says how many lines it has.
      counts:
        lineHits.lines.length === 0 && lineCount > 0
          ? { lines: { covered: Math.max(0, linesHit), total: lineCount } }
          : undefined,
    });
    records++;
    path = undefined;
  };

  await forEachLine(chunks, (line) => {
    lineNumber++;
    // DA lines are the bulk of any tracefile: recognise them before anything else.
    if (line.charCodeAt(0) === D && line.charCodeAt(1) === A && line.charCodeAt(2) === COLON) {
      if (path === undefined) fail('DA outside a record (no SF line before it)');
      const comma = line.indexOf(',', 3);
      if (comma < 0) fail(`'${line}' is not DA:<line>,<hits>`);
      const next = line.indexOf(',', comma + 1);
      const number = readUnsigned(line, 3, comma);
      let hits = readUnsigned(line, comma + 1, next < 0 ? line.length : next);
      if (hits < 0) hits = Number(line.slice(comma + 1, next < 0 ? undefined : next));
      if (number < 0 || Number.isNaN(hits)) fail(`'${line}' is not DA:<line>,<hits>`);
      lines.add(number, hits > 0 ? hits : 0);
      return;
    }
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line.trim() : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    switch (tag) {
      case 'SF':
        if (path !== undefined) finish();
        path = detach(value.trim().replace(/\\/g, '/'));
        hasBranches = false;
        hasFunctions = false;
        lineCount = -1;
        linesHit = -1;
        indexed = new Map();
        branches = new BranchBuilder();
        branchSlots = new Map();
        return;
      case 'end_of_record':
        finish();
        return;
      case 'TN':
      case 'VER':
      case '':
        return;
    }
    if (path === undefined) fail(`${tag} outside a record (no SF line before it)`);
    switch (tag) {
      case 'LF':
        lineCount = Number(value);
        return;
      case 'LH':
        linesHit = Number(value);
        return;
      case 'FN': {
        hasFunctions = true;
        // FN:<line>[,<end line>],<name>; names may hold commas (C++ signatures).
        const match = /^(\d+),(?:(\d+),)?(.*)$/.exec(value);
        if (!match) fail(`'${line}' is not FN:<line>,<name>`);
        functions.declare(detach(match![3]), Number(match![1]));
        return;
      }
      case 'FNDA': {
        hasFunctions = true;
        const comma = value.indexOf(',');
        if (comma < 0) fail(`'${line}' is not FNDA:<hits>,<name>`);
        functions.hit(
          detach(value.slice(comma + 1)),
          Math.max(0, Number(value.slice(0, comma)) || 0),
        );
        return;
      }
      case 'FNL': {
        hasFunctions = true;
        const [index, start] = value.split(',');
        indexed.set(index, { line: Number(start) || 0 });
        return;
      }
      case 'FNA': {
        hasFunctions = true;
        const first = value.indexOf(',');
        const second = value.indexOf(',', first + 1);
        if (first < 0 || second < 0) fail(`'${line}' is not FNA:<index>,<hits>,<name>`);
        const index = value.slice(0, first);
        const hits = Math.max(0, Number(value.slice(first + 1, second)) || 0);
        const entry = indexed.get(index) ?? { line: 0 };
        indexed.set(index, entry);
        if (entry.name === undefined) {
          entry.name = detach(value.slice(second + 1));
          functions.declare(entry.name, entry.line);
        }
        functions.hit(entry.name, hits);
        return;
      }
      case 'BRDA': {
        hasBranches = true;
        // BRDA:<line>,<block>,<branch>,<taken>; lcov 2.x branch names may hold commas.
        const first = value.indexOf(',');
        const second = value.indexOf(',', first + 1);
        const last = value.lastIndexOf(',');
        if (first < 0 || second < 0 || last <= second)
          fail(`'${line}' is not BRDA:<line>,<block>,<branch>,<taken>`);
        const lineNo = Number(value.slice(0, first));
        const taken = value.slice(last + 1).trim();
        const key = value.slice(0, last);
        let slot = branchSlots.get(key);
        if (slot === undefined) {
          slot = branchSlots.size;
          branchSlots.set(key, slot);
        }
        branches.addAt(lineNo, slot, taken === '-' ? 0 : Math.max(0, Number(taken) || 0));
        return;
      }
      case 'BRF':
      case 'BRH':
        hasBranches = true;
        return;
      case 'FNF':
      case 'FNH':
        hasFunctions = true;
        return;
      default:
        // Other records (checksums, MC/DC of lcov 2.2) are not coverage we gate on.
        return;
    }
  });
  if (path !== undefined) fail(`the record of ${path} has no end_of_record`);
  if (records === 0)
    throw new ReportError('no SF records: this is not an lcov tracefile, or it is empty');
  return { family: 'other' };
}
