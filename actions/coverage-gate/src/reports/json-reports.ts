import {
  BranchBuilder,
  EMPTY_LINES,
  FunctionBuilder,
  LineBuilder,
  type RecordSink,
  type ReportInfo,
} from '../model';
import type { Ratio } from '../percent';
import { ReportError } from './report-error';
import { readJsonStream } from './json-stream';
import { detach, type Chunks } from './text-stream';

// The JSON reports: coverage.py's `coverage json`, Istanbul's coverage-final.json (the raw
// per-file counters) and coverage-summary.json (counts only). Each is one JSON document, read as
// a stream one file's entry at a time (json-stream.ts).

type Json = Record<string, unknown>;

/** The members of a coverage.py file entry that are read; the others are skipped unbuilt. */
const ENTRY_MEMBERS = new Set(['executed_lines', 'missing_lines', 'summary']);

/** The members of an Istanbul file entry that are read; the others are skipped unbuilt. */
const ISTANBUL_MEMBERS = new Set(['path', 'statementMap', 'fnMap', 'branchMap', 's', 'f', 'b']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The numbers of a JSON array; the array itself when it holds nothing else, as is usual. */
function numbers(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  const items: unknown[] = value;
  const isNumber = (item: unknown): item is number => typeof item === 'number';
  return items.every(isNumber) ? items : items.filter(isNumber);
}

/**
 * Adds the executed lines (hit once) and the missing ones (never hit), both sorted as coverage.py
 * writes them, in line order: the builder then has nothing to sort.
 */
function addMerged(lines: LineBuilder, executed: number[], missing: number[]): void {
  let e = 0;
  let m = 0;
  while (e < executed.length || m < missing.length) {
    if (m === missing.length || (e < executed.length && executed[e] <= missing[m])) {
      if (executed[e] > 0) lines.add(executed[e], 1);
      e++;
    } else {
      if (missing[m] > 0) lines.add(missing[m], 0);
      m++;
    }
  }
}

/** coverage.py's JSON report: executed and missing lines, executed and missing arcs. */
export async function parseCoveragePyJson(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const notCoveragePy = () =>
    new ReportError("no 'meta' and 'files' objects: this is not a coverage.py JSON report");
  let branchCoverage: boolean | undefined;
  let sawFiles = false;
  // coverage.py writes `meta` first; should another writer put it last, the files' records wait
  // for it, since whether branches were measured decides what they hold.
  const waiting: { path: string; data: Json }[] = [];
  const lines = new LineBuilder();
  const emitFile = (path: string, data: Json, branches: boolean) => {
    // `executed_lines` can hold lines coverage.py does not count as statements (a docstring's
    // line, line 0 of an empty module), so the statement count comes from the file's summary:
    // the coverage set counts a file's covered statements as that count less the lines every
    // report missed (coverage-set.ts). Line 0 is never a statement.
    addMerged(lines, numbers(data.executed_lines), numbers(data.missing_lines));
    // Branch counts come from the file's summary: the executed_branches list also holds arcs
    // that coverage.py does not count as branches (inside comprehensions, for instance).
    const summary = isObject(data.summary) ? data.summary : {};
    const ratio = ratioOf({ covered: summary.covered_branches, total: summary.num_branches });
    const statements = Number(summary.num_statements);
    emit({
      path: detach(path.replace(/\\/g, '/')),
      lines: lines.take(),
      statementCount: Number.isInteger(statements) && statements >= 0 ? statements : undefined,
      counts: branches ? { branches: ratio ?? { covered: 0, total: 0 } } : undefined,
    });
  };
  // A file's entry is streamed: only the members read above are built, the rest (branch arcs,
  // excluded lines, contexts, coverage.py 7.6's per-function and per-class regions) are skipped.
  // Duplicate members replace each other, as with JSON.parse.
  let entry: Json = {};
  await readJsonStream(
    chunks,
    (path, kind) => {
      if (path.length === 0) return 'stream';
      if (path[0] === 'files') {
        if (path.length === 1) {
          if (kind !== 'object') return 'collect';
          sawFiles = true;
          return 'stream';
        }
        if (path.length === 2) {
          if (kind !== 'object') return 'collect';
          entry = {};
          return 'stream';
        }
        return ENTRY_MEMBERS.has(path[2] as string) ? 'collect' : 'skip';
      }
      return path.length === 1 && path[0] === 'meta' ? 'collect' : 'skip';
    },
    (path, value) => {
      if (path.length === 1) {
        // `files` only arrives whole when it is not an object.
        if (path[0] === 'files' || !isObject(value)) throw notCoveragePy();
        branchCoverage = value.branch_coverage === true;
        for (const file of waiting.splice(0)) emitFile(file.path, file.data, branchCoverage);
        return;
      }
      // A file's entry only arrives whole when it is not an object.
      if (path.length === 2)
        throw new ReportError(`the entry of ${String(path[1])} is not an object`);
      // Only the names in ENTRY_MEMBERS arrive here: none is `__proto__`.
      entry[path[2] as string] = value;
    },
    (path) => {
      if (path.length !== 2 || path[0] !== 'files') return;
      const file = String(path[1]);
      if (branchCoverage === undefined) waiting.push({ path: file, data: entry });
      else emitFile(file, entry, branchCoverage);
      entry = {};
    },
  );
  if (branchCoverage === undefined || !sawFiles) throw notCoveragePy();
  return { family: 'coverage.py' };
}

interface Position {
  line?: number;
}
interface Location {
  start?: Position;
}

function startLine(location: unknown): number {
  return isObject(location) && isObject((location as Location).start)
    ? Number((location as Location).start!.line) || 0
    : 0;
}

/** Istanbul's coverage-final.json: statement, function and branch counters per file. */
export async function parseIstanbulFinal(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const lines = new LineBuilder();
  const functions = new FunctionBuilder();
  const branches = new BranchBuilder();
  let files = 0;
  // Each file's entry is built on its own and dropped once its record is out.
  const onEntry = (key: string, entry: unknown) => {
    // Some writers wrap each file's counters in a `data` object.
    const data = isObject(entry) && isObject(entry.data) ? entry.data : entry;
    if (!isObject(data) || !isObject(data.statementMap) || !isObject(data.s)) {
      throw new ReportError(
        `the entry of ${key} has no statementMap and s: this is not Istanbul's coverage-final.json`,
      );
    }
    // Counted as istanbul-lib-coverage counts (FileCoverage.toSummary): every entry of `s`, `f`
    // and `b` counts, the maps only place it; a count that is not a number (`null`) is an entry
    // that never ran. A line's count is that of its busiest statement starting there.
    const statementMap = isObject(data.statementMap) ? data.statementMap : {};
    const lineHits = new Map<number, number>();
    for (const [id, count] of Object.entries(data.s)) {
      const line = startLine(statementMap[id]);
      if (line === 0) continue;
      lineHits.set(line, Math.max(lineHits.get(line) ?? 0, hitsOf(count)));
    }
    for (const [line, hits] of lineHits) lines.add(line, hits);

    const fnMap = isObject(data.fnMap) ? data.fnMap : {};
    const f = isObject(data.f) ? data.f : {};
    for (const [id, count] of Object.entries(f)) {
      const fn = fnMap[id];
      const name = isObject(fn) && typeof fn.name === 'string' ? fn.name : `function ${id}`;
      const line = isObject(fn)
        ? startLine(fn.decl) || startLine(fn.loc) || Number(fn.line) || 0
        : 0;
      // Anonymous functions share names across files but not within one; the id keeps them apart.
      const key = detach(`${name}#${id}`);
      functions.declare(key, line);
      functions.hit(key, hitsOf(count));
    }

    const branchMap = isObject(data.branchMap) ? data.branchMap : {};
    const b = isObject(data.b) ? data.b : {};
    for (const [id, counts] of Object.entries(b)) {
      if (!Array.isArray(counts)) continue;
      const branch = branchMap[id];
      const firstLocation =
        isObject(branch) && Array.isArray(branch.locations)
          ? (branch.locations as unknown[])[0]
          : undefined;
      const line = isObject(branch)
        ? Number(branch.line) || startLine(branch.loc) || startLine(firstLocation) || 0
        : 0;
      for (const count of counts as unknown[]) branches.add(line, hitsOf(count));
    }
    emit({
      path: detach((typeof data.path === 'string' ? data.path : key).replace(/\\/g, '/')),
      lines: lines.take(),
      functions: functions.take(),
      branches: branches.take(),
    });
    files++;
  };
  // A file's entry is streamed: only the members read above are built, and the wrapping `data`
  // object some writers add; the rest (hashes, input source maps) is skipped unbuilt.
  let entry: Json = {};
  await readJsonStream(
    chunks,
    (path, kind) => {
      if (path.length === 0) return 'stream';
      if (path.length === 1) {
        if (kind !== 'object') return 'collect';
        entry = {};
        return 'stream';
      }
      return path[1] === 'data' || ISTANBUL_MEMBERS.has(path[1] as string) ? 'collect' : 'skip';
    },
    (path, value) => {
      // An entry only arrives whole when it is not an object.
      if (path.length === 1) onEntry(String(path[0]), value);
      // Only `data` and the names in ISTANBUL_MEMBERS arrive here: none is `__proto__`.
      else entry[path[1] as string] = value;
    },
    (path) => {
      if (path.length !== 1) return;
      onEntry(String(path[0]), entry);
      entry = {};
    },
  );
  if (files === 0) throw new ReportError('the report names no file');
  return { family: 'other' };
}

/** A hit count as Istanbul reads it: anything but a positive number is "not run". */
function hitsOf(count: unknown): number {
  return typeof count === 'number' && count > 0 ? count : 0;
}

function ratioOf(value: unknown): Ratio | undefined {
  if (!isObject(value)) return undefined;
  const total = Number(value.total);
  const covered = Number(value.covered);
  return Number.isInteger(total) && Number.isInteger(covered) ? { covered, total } : undefined;
}

/** Istanbul's coverage-summary.json: line, branch and function counts per file and in total. */
export async function parseIstanbulSummary(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  let sawTotal = false;
  await readJsonStream(
    chunks,
    (path) => (path.length === 0 ? 'stream' : 'collect'),
    (path, entry) => {
      const file = String(path[0]);
      if (file === 'total') {
        sawTotal ||= isObject(entry);
        return;
      }
      if (!isObject(entry)) throw new ReportError(`the entry of ${file} is not an object`);
      const lines = ratioOf(entry.lines);
      if (!lines)
        throw new ReportError(`the entry of ${file} has no lines.total and lines.covered`);
      emit({
        path: detach(file.replace(/\\/g, '/')),
        lines: EMPTY_LINES,
        counts: { lines, branches: ratioOf(entry.branches), functions: ratioOf(entry.functions) },
      });
    },
  );
  if (!sawTotal) {
    throw new ReportError("no 'total' object: this is not Istanbul's coverage-summary.json");
  }
  return { family: 'other' };
}
