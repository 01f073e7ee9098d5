import {
  countHits,
  saturate,
  type BranchHits,
  type CountsOnly,
  type FileRecord,
  type FunctionHits,
  type LineHits,
  type StatementBlocks,
} from './model';
import type { Ratio } from './percent';

// Several reports merged file by file and line by line: a line is measured when any report
// measures it and covered when any report saw it run. Counts are integers added together;
// no percentage is ever averaged.

/**
 * A file's merged coverage. Its detail is kept packed in one Uint32Array (see pack()): a
 * report of 100,000 files would not fit in a runner's memory with arrays of counts per file.
 */
export interface MergedFile {
  path: string;
  /** Undefined: no report gave detail (line numbers, branches, functions) for this file. */
  packed?: Uint32Array;
  /** Counts from the detail; undefined where there is none. */
  lines?: Ratio;
  branches?: Ratio;
  functions?: Ratio;
  statements?: StatementBlocks;
  /** Counts a report gave without detail; absent when none did. */
  counts?: CountsOnly;
  unnamed: boolean;
}

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

export class CoverageSet {
  readonly files = new Map<string, MergedFile>();

  /** Adds a record under its repository path (already mapped). */
  add(path: string, record: FileRecord): void {
    const known = this.files.get(path);
    const functions = record.functions && hashNames(record.functions);
    if (!known) {
      const file: MergedFile = {
        path,
        counts: record.counts && { ...record.counts },
        statements: record.statements,
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

  get size(): number {
    return this.files.size;
  }
}

function store(
  file: MergedFile,
  lines: LineHits,
  branches: BranchHits | undefined,
  functions: FunctionHits | undefined,
): void {
  const hasDetail = lines.lines.length > 0 || branches !== undefined || functions !== undefined;
  file.packed = hasDetail ? pack(lines, branches, functions) : undefined;
  file.lines = lines.lines.length > 0 ? countHits(lines.hits) : undefined;
  file.branches = branches && countHits(branches.hits);
  file.functions = functions && countHits(functions.hits);
}

/** Function names stand in as 32-bit hashes (FNV-1a): only their identity matters for merging. */
function hashNames(functions: FunctionHits): FunctionHits {
  return { ...functions, names: functions.names.map((name) => String(hashName(name))) };
}

function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

// The packed layout, in 32-bit words:
//   [0] first line, [1] span of lines (bit 31 set: a sparse list instead of a bitmap),
//   [2] branch count or NONE, [3] function count or NONE, [4] measured line count;
//   lines: a bitmap of 2 bits a line from the first line on (measured, covered), or, when the
//   lines are few and far apart, one word a line: line << 1 | covered;
//   branches: two words each, line and slot << 1 | covered;
//   functions: two words each, name hash and line << 1 | covered.
// Hit counts are reduced to covered or not once merged, which is all a figure or an
// annotation uses; hits are added up before that, while records are merged.
const NONE = 0xffffffff;
const SPARSE = 0x80000000;
const HEADER = 5;

export function pack(
  lines: LineHits,
  branches?: BranchHits,
  functions?: FunctionHits,
): Uint32Array {
  const count = lines.lines.length;
  const first = count > 0 ? lines.lines[0] : 0;
  const span = count > 0 ? lines.lines[count - 1] - first + 1 : 0;
  const bitmapWords = Math.ceil(span / 16);
  const sparse = bitmapWords > count;
  const lineWordCount = sparse ? count : bitmapWords;
  const branchCount = branches ? branches.lines.length : 0;
  const functionCount = functions ? functions.names.length : 0;
  const packed = new Uint32Array(HEADER + lineWordCount + 2 * branchCount + 2 * functionCount);
  packed[0] = first;
  packed[1] = sparse ? (span | SPARSE) >>> 0 : span;
  packed[2] = branches ? branchCount : NONE;
  packed[3] = functions ? functionCount : NONE;
  packed[4] = count;
  let at = HEADER;
  for (let i = 0; i < count; i++) {
    const covered = lines.hits[i] > 0 ? 1 : 0;
    if (sparse) {
      packed[at + i] = ((lines.lines[i] << 1) | covered) >>> 0;
    } else {
      const offset = (lines.lines[i] - first) * 2;
      packed[at + (offset >>> 5)] |= (1 | (covered << 1)) << (offset & 31);
    }
  }
  at += lineWordCount;
  for (let i = 0; i < branchCount; i++) {
    packed[at++] = branches!.lines[i];
    packed[at++] = ((branches!.slots[i] << 1) | (branches!.hits[i] > 0 ? 1 : 0)) >>> 0;
  }
  for (let i = 0; i < functionCount; i++) {
    packed[at++] = Number(functions!.names[i]) >>> 0;
    packed[at++] = ((functions!.lines[i] << 1) | (functions!.hits[i] > 0 ? 1 : 0)) >>> 0;
  }
  return packed;
}

function lineWords(packed: Uint32Array): number {
  return packed[1] & SPARSE ? packed[4] : Math.ceil(packed[1] / 16);
}

/** The measured lines of a packed file, with hits 1 for covered and 0 for not. */
export function unpackLines(packed: Uint32Array): LineHits {
  const count = packed[4];
  const lines = new Uint32Array(count);
  const hits = new Uint32Array(count);
  if (packed[1] & SPARSE) {
    for (let i = 0; i < count; i++) {
      lines[i] = packed[HEADER + i] >>> 1;
      hits[i] = packed[HEADER + i] & 1;
    }
    return { lines, hits };
  }
  const span = packed[1];
  let n = 0;
  for (let offset = 0; offset < span; offset++) {
    const bits = (packed[HEADER + (offset >>> 4)] >>> ((offset & 15) * 2)) & 3;
    if (bits & 1) {
      lines[n] = packed[0] + offset;
      hits[n++] = bits >>> 1;
    }
  }
  return { lines, hits };
}

export function unpackBranches(packed: Uint32Array): BranchHits | undefined {
  if (packed[2] === NONE) return undefined;
  const count = packed[2];
  const at = HEADER + lineWords(packed);
  const lines = new Uint32Array(count);
  const slots = new Uint32Array(count);
  const hits = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    lines[i] = packed[at + 2 * i];
    slots[i] = packed[at + 2 * i + 1] >>> 1;
    hits[i] = packed[at + 2 * i + 1] & 1;
  }
  return { lines, slots, hits };
}

export function unpackFunctions(packed: Uint32Array): FunctionHits | undefined {
  if (packed[3] === NONE) return undefined;
  const count = packed[3];
  const at = HEADER + lineWords(packed) + 2 * (packed[2] === NONE ? 0 : packed[2]);
  const names: string[] = [];
  const lines = new Uint32Array(count);
  const hits = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    names.push(String(packed[at + 2 * i]));
    lines[i] = packed[at + 2 * i + 1] >>> 1;
    hits[i] = packed[at + 2 * i + 1] & 1;
  }
  return { names, lines, hits };
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

export function mergeLines(a: LineHits, b: LineHits): LineHits {
  if (b.lines.length === 0) return a;
  if (a.lines.length === 0) return b;
  const lines = new Uint32Array(a.lines.length + b.lines.length);
  const hits = new Uint32Array(lines.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.lines.length || j < b.lines.length) {
    const left = i < a.lines.length ? a.lines[i] : Infinity;
    const right = j < b.lines.length ? b.lines[j] : Infinity;
    if (left === right) {
      lines[n] = left;
      hits[n++] = saturate(a.hits[i++] + b.hits[j++]);
    } else if (left < right) {
      lines[n] = left;
      hits[n++] = a.hits[i++];
    } else {
      lines[n] = right;
      hits[n++] = b.hits[j++];
    }
  }
  return { lines: lines.slice(0, n), hits: hits.slice(0, n) };
}

export function mergeBranches(a: BranchHits, b: BranchHits): BranchHits {
  if (b.lines.length === 0) return a;
  if (a.lines.length === 0) return b;
  const size = a.lines.length + b.lines.length;
  const lines = new Uint32Array(size);
  const slots = new Uint32Array(size);
  const hits = new Uint32Array(size);
  let i = 0;
  let j = 0;
  let n = 0;
  const order = (x: number, y: number) =>
    i >= a.lines.length
      ? 1
      : j >= b.lines.length
        ? -1
        : a.lines[x] - b.lines[y] || a.slots[x] - b.slots[y];
  while (i < a.lines.length || j < b.lines.length) {
    const sign = order(i, j);
    if (sign === 0) {
      lines[n] = a.lines[i];
      slots[n] = a.slots[i];
      hits[n++] = saturate(a.hits[i++] + b.hits[j++]);
    } else if (sign < 0) {
      lines[n] = a.lines[i];
      slots[n] = a.slots[i];
      hits[n++] = a.hits[i++];
    } else {
      lines[n] = b.lines[j];
      slots[n] = b.slots[j];
      hits[n++] = b.hits[j++];
    }
  }
  return { lines: lines.slice(0, n), slots: slots.slice(0, n), hits: hits.slice(0, n) };
}

export function mergeFunctions(a: FunctionHits, b: FunctionHits): FunctionHits {
  const byName = new Map<string, { line: number; hits: number }>();
  for (const source of [a, b]) {
    source.names.forEach((name, index) => {
      const known = byName.get(name);
      if (known) {
        known.hits = saturate(known.hits + source.hits[index]);
        if (known.line === 0) known.line = source.lines[index];
      } else {
        byName.set(name, { line: source.lines[index], hits: source.hits[index] });
      }
    });
  }
  const values = [...byName.values()];
  return {
    names: [...byName.keys()],
    lines: Uint32Array.from(values, (value) => value.line),
    hits: Uint32Array.from(values, (value) => value.hits),
  };
}

export function mergeStatements(a: StatementBlocks, b: StatementBlocks): StatementBlocks {
  const merged: StatementBlocks = new Map();
  for (const [key, block] of a) merged.set(key, { ...block });
  for (const [key, block] of b) {
    const known = merged.get(key);
    if (known) known.hits = saturate(known.hits + block.hits);
    else merged.set(key, { ...block });
  }
  return merged;
}

/** A file's counts: from its detail where it has some, else from the counts a report gave. */
export function fileFigures(file: MergedFile): FileFigures {
  const figures: FileFigures = {
    path: file.path,
    lines: file.lines ?? file.counts?.lines ?? { covered: 0, total: 0 },
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
