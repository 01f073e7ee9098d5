import {
  countHits,
  saturate,
  type BranchHits,
  type CountsOnly,
  type FileRecord,
  type LineHits,
  type StatementBlocks,
} from './model';
import {
  hashFunctionNames,
  mergeBranches,
  mergeFunctions,
  mergeLines,
  pack,
  unpackBranches,
  unpackFunctions,
  unpackLines,
  type FunctionHashes,
} from './packed-detail';
import type { Ratio } from './percent';

// Several reports merged file by file and line by line: a line is measured when any report
// measures it and covered when any report saw it run; so is a branch (by line and slot) and a
// function (by name). Counts are integers added together; no percentage is ever averaged.
//
// In: records as the parsers hand them over (model.ts), under paths already mapped.
// Out: each file's figures, and the lines measured in a file, each covered or not.
// Limits: line numbers and branch slots below 2^31; function names are told apart by a 32-bit
// hash, so two names of one file that collide count as one function. Counts a report gives
// without detail cannot be merged line by line: of two for one file, the one that measured more
// stands. A file whose statement count a report gives (coverage.py JSON) has that many statements,
// covered unless every report missed them: its executed lines may name lines coverage.py does not
// count, so they are never counted as statements. Statement blocks (Go) merge by position. A file is unnamed or not as its first record
// says.

export interface FileFigures {
  path: string;
  lines: Ratio;
  branches?: Ratio;
  functions?: Ratio;
  statements?: Ratio;
  /** Line numbers are known, so changed lines can be looked up. */
  lineDetail: boolean;
  unnamed: boolean;
}

/**
 * A file's merged coverage. Its detail is kept packed in one Uint32Array (packed-detail.ts): a
 * report of 100,000 files would not fit in a runner's memory with arrays of counts per file.
 */
interface MergedFile {
  path: string;
  /** Undefined: no report gave detail (line numbers, branches, functions) for this file. */
  packed?: Uint32Array;
  /** Counts from the detail; undefined where there is none. */
  lines?: Ratio;
  branches?: Ratio;
  functions?: Ratio;
  statements?: StatementBlocks;
  /** The file's statement count as a report gave it (the largest, should reports disagree). */
  statementCount?: number;
  /** Counts a report gave without detail; absent when none did. */
  counts?: CountsOnly;
  unnamed: boolean;
}

export class CoverageSet {
  private readonly files = new Map<string, MergedFile>();

  /** Adds a record under its repository path (already mapped). */
  add(path: string, record: FileRecord): void {
    const known = this.files.get(path);
    const functions = record.functions && hashFunctionNames(record.functions);
    if (!known) {
      const file: MergedFile = {
        path,
        counts: record.counts && { ...record.counts },
        statements: record.statements,
        statementCount: record.statementCount,
        unnamed: record.unnamed === true,
      };
      store(file, record.lines, record.branches, functions);
      this.files.set(path, file);
      return;
    }
    const old = known.packed;
    const lines = old ? mergeLines(unpackLines(old), record.lines) : record.lines;
    const oldBranches = old && unpackBranches(old);
    const branches =
      oldBranches && record.branches
        ? mergeBranches(oldBranches, record.branches)
        : (oldBranches ?? record.branches);
    const oldFunctions = old && unpackFunctions(old);
    const mergedFunctions =
      oldFunctions && functions
        ? mergeFunctions(oldFunctions, functions)
        : (oldFunctions ?? functions);
    store(known, lines, branches, mergedFunctions);
    if (record.statementCount !== undefined) {
      known.statementCount = Math.max(known.statementCount ?? 0, record.statementCount);
    }
    if (record.statements) {
      known.statements = known.statements
        ? mergeStatements(known.statements, record.statements)
        : record.statements;
    }
    if (record.counts) {
      const counts = (known.counts ??= {});
      for (const metric of ['lines', 'branches', 'functions'] as const) {
        counts[metric] = larger(counts[metric], record.counts[metric]);
      }
    }
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /**
   * The lines measured in the file, in order, with hits 1 for covered and 0 for not; undefined
   * when no report gave the file's line numbers.
   */
  measuredLines(path: string): LineHits | undefined {
    const file = this.files.get(path);
    if (!file?.packed || file.lines === undefined) return undefined;
    return unpackLines(file.packed);
  }

  /** Every file's figures, in the order the files were first added. */
  figures(): FileFigures[] {
    return [...this.files.values()].map(fileFigures);
  }
}

function store(
  file: MergedFile,
  lines: LineHits,
  branches: BranchHits | undefined,
  functions: FunctionHashes | undefined,
): void {
  const hasDetail = lines.lines.length > 0 || branches !== undefined || functions !== undefined;
  file.packed = hasDetail ? pack(lines, branches, functions) : undefined;
  file.lines = lines.lines.length > 0 ? countHits(lines.hits) : undefined;
  file.branches = branches && countHits(branches.hits);
  file.functions = functions && countHits(functions.hits);
}

/**
 * Counts without detail cannot be merged line by line: two of them for one file are two views
 * of the same code, and the one that measured more stands.
 */
function larger(a: Ratio | undefined, b: Ratio | undefined): Ratio | undefined {
  if (!a || !b) return a ?? b;
  if (b.total > a.total || (b.total === a.total && b.covered > a.covered)) return b;
  return a;
}

function mergeStatements(a: StatementBlocks, b: StatementBlocks): StatementBlocks {
  const merged: StatementBlocks = new Map();
  for (const [key, block] of a) merged.set(key, { ...block });
  for (const [key, block] of b) {
    const known = merged.get(key);
    if (known) known.hits = saturate(known.hits + block.hits);
    else merged.set(key, { ...block });
  }
  return merged;
}

/**
 * Lines of a file whose statement count a report gave: that many statements, of which those
 * missed by every report (the lines whose merged hits are 0) are not covered.
 */
function statementLines(file: MergedFile): Ratio | undefined {
  if (file.statementCount === undefined) return undefined;
  const missed = file.lines ? file.lines.total - file.lines.covered : 0;
  const total = Math.max(file.statementCount, missed);
  return { covered: total - missed, total };
}

/** A file's counts: from its detail where it has some, else from the counts a report gave. */
function fileFigures(file: MergedFile): FileFigures {
  const figures: FileFigures = {
    path: file.path,
    lines: statementLines(file) ?? file.lines ?? file.counts?.lines ?? { covered: 0, total: 0 },
    branches: file.branches ?? file.counts?.branches,
    functions: file.functions ?? file.counts?.functions,
    lineDetail: file.lines !== undefined,
    unnamed: file.unnamed,
  };
  if (file.statements) {
    let covered = 0;
    let total = 0;
    for (const block of file.statements.values()) {
      total += block.statements;
      if (block.hits > 0) covered += block.statements;
    }
    figures.statements = { covered, total };
  }
  return figures;
}
