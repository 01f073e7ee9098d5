import {
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
  mergeInPlace,
  mergeLines,
  pack,
  packedCounts,
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
 * A file's merged coverage. Its detail is kept packed (packed-detail.ts) in the set's blocks:
 * a report of 100,000 files would not fit in a runner's memory with arrays of counts per file,
 * and even one small array and its counts per file, kept for the whole run, make V8 grow its
 * young generation to its largest (about 100 MB more memory on Node 24).
 */
interface MergedFile {
  path: string;
  /** The block holding the file's packed detail; -1: no report gave detail for this file. */
  block: number;
  offset: number;
  size: number;
  statements?: StatementBlocks;
  /** The file's statement count as a report gave it (the largest, should reports disagree). */
  statementCount?: number;
  /** Counts a report gave without detail; absent when none did. */
  counts?: CountsOnly;
  unnamed: boolean;
}

/** Words in one block of packed detail (4 MB). */
const BLOCK_WORDS = 1 << 20;

export class CoverageSet {
  private readonly files = new Map<string, MergedFile>();
  /** Every file's packed detail, one after the other; a larger one has a block of its own. */
  private readonly blocks: Uint32Array[] = [];
  private used = BLOCK_WORDS;

  /** Adds a record under its repository path (already mapped). */
  add(path: string, record: FileRecord): void {
    const known = this.files.get(path);
    const functions = record.functions && hashFunctionNames(record.functions);
    if (!known) {
      const file: MergedFile = {
        path,
        block: -1,
        offset: 0,
        size: 0,
        counts: record.counts && { ...record.counts },
        statements: record.statements,
        statementCount: record.statementCount,
        unnamed: record.unnamed === true,
      };
      this.store(file, record.lines, record.branches, functions);
      this.files.set(path, file);
      return;
    }
    const old = this.packed(known);
    if (!old || !mergeInPlace(old, record.lines, record.branches, functions)) {
      this.store(known, ...mergeByUnpacking(old, record.lines, record.branches, functions));
    }
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
    const packed = this.files.has(path) ? this.packed(this.files.get(path)!) : undefined;
    if (!packed || packedCounts(packed).lines === undefined) return undefined;
    return unpackLines(packed);
  }

  /**
   * Every file's figures, in the order the files were first added, made as they are read (each
   * time the result is walked): 100,000 files' figures held at once would cost more memory than
   * the detail they come from.
   */
  figures(): Iterable<FileFigures> {
    return { [Symbol.iterator]: () => this.eachFigures() };
  }

  private *eachFigures(): Generator<FileFigures> {
    for (const file of this.files.values()) {
      const packed = this.packed(file);
      yield fileFigures(file, packed ? packedCounts(packed) : {});
    }
  }

  /** A view of the file's packed detail (writes go to the store); undefined when it has none. */
  private packed(file: MergedFile): Uint32Array | undefined {
    return file.block < 0
      ? undefined
      : this.blocks[file.block].subarray(file.offset, file.offset + file.size);
  }

  /** Packs the detail into the store: over the file's old detail when it fits there. */
  private store(
    file: MergedFile,
    lines: LineHits,
    branches: BranchHits | undefined,
    functions: FunctionHashes | undefined,
  ): void {
    const hasDetail = lines.lines.length > 0 || branches !== undefined || functions !== undefined;
    if (!hasDetail) {
      file.block = -1;
      return;
    }
    const packed = pack(lines, branches, functions);
    if (file.block < 0 || packed.length > file.size) {
      if (packed.length > BLOCK_WORDS - this.used) {
        this.blocks.push(new Uint32Array(Math.max(BLOCK_WORDS, packed.length)));
        this.used = 0;
      }
      file.block = this.blocks.length - 1;
      file.offset = this.used;
      this.used += packed.length;
    }
    file.size = packed.length;
    this.blocks[file.block].set(packed, file.offset);
  }
}

/** A file's detail unpacked and the record's merged into it, for packing anew. */
function mergeByUnpacking(
  old: Uint32Array | undefined,
  recordLines: LineHits,
  recordBranches: BranchHits | undefined,
  functions: FunctionHashes | undefined,
): [LineHits, BranchHits | undefined, FunctionHashes | undefined] {
  const lines = old ? mergeLines(unpackLines(old), recordLines) : recordLines;
  const oldBranches = old && unpackBranches(old);
  const branches =
    oldBranches && recordBranches
      ? mergeBranches(oldBranches, recordBranches)
      : (oldBranches ?? recordBranches);
  const oldFunctions = old && unpackFunctions(old);
  const mergedFunctions =
    oldFunctions && functions
      ? mergeFunctions(oldFunctions, functions)
      : (oldFunctions ?? functions);
  return [lines, branches, mergedFunctions];
}

/** Counts from a file's detail; undefined where there is none. */
type DetailCounts = ReturnType<typeof packedCounts>;

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
function statementLines(file: MergedFile, detail: DetailCounts): Ratio | undefined {
  if (file.statementCount === undefined) return undefined;
  const missed = detail.lines ? detail.lines.total - detail.lines.covered : 0;
  const total = Math.max(file.statementCount, missed);
  return { covered: total - missed, total };
}

/** A file's counts: from its detail where it has some, else from the counts a report gave. */
function fileFigures(file: MergedFile, detail: DetailCounts): FileFigures {
  const figures: FileFigures = {
    path: file.path,
    lines: statementLines(file, detail) ??
      detail.lines ??
      file.counts?.lines ?? { covered: 0, total: 0 },
    branches: detail.branches ?? file.counts?.branches,
    functions: detail.functions ?? file.counts?.functions,
    lineDetail: detail.lines !== undefined,
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
