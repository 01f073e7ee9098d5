import { saturate, type BranchHits, type FunctionHits, type LineHits } from './model';
import type { Ratio } from './percent';

// One file's merged detail, for coverage-set.ts alone (exported for it and for tests): line
// hits, branch outcomes and function hashes packed into one Uint32Array, and the merges that
// add two records' hits together before they are packed.
//
// In: line hits sorted by line without repeats, branches sorted by line then slot without
// repeats (what LineBuilder and BranchBuilder hand over), functions with distinct hashes.
// Out: the same detail with every hit count reduced to 1 (covered) or 0 (not).
// Limits: line numbers and branch slots below 2^31 (one bit of their word says covered).

/** Functions as the set keeps them: by a 32-bit hash of the name (FNV-1a), not the name. */
export interface FunctionHashes {
  hashes: Uint32Array;
  lines: Uint32Array;
  hits: Uint32Array;
}

/** Only a name's identity matters for merging; a hash of it costs no string per function. */
export function hashFunctionNames(functions: FunctionHits): FunctionHashes {
  // A loop: Uint32Array.from with a map function is several times slower, once a file.
  const hashes = new Uint32Array(functions.names.length);
  for (let i = 0; i < hashes.length; i++) hashes[i] = hashName(functions.names[i]);
  return { hashes, lines: functions.lines, hits: functions.hits };
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
  functions?: FunctionHashes,
): Uint32Array {
  const count = lines.lines.length;
  const first = count > 0 ? lines.lines[0] : 0;
  const span = count > 0 ? lines.lines[count - 1] - first + 1 : 0;
  const bitmapWords = Math.ceil(span / 16);
  const sparse = bitmapWords > count;
  const lineWordCount = sparse ? count : bitmapWords;
  const branchCount = branches ? branches.lines.length : 0;
  const functionCount = functions ? functions.hashes.length : 0;
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
    packed[at++] = functions!.hashes[i];
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

export function unpackFunctions(packed: Uint32Array): FunctionHashes | undefined {
  if (packed[3] === NONE) return undefined;
  const count = packed[3];
  const at = HEADER + lineWords(packed) + 2 * (packed[2] === NONE ? 0 : packed[2]);
  const hashes = new Uint32Array(count);
  const lines = new Uint32Array(count);
  const hits = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    hashes[i] = packed[at + 2 * i];
    lines[i] = packed[at + 2 * i + 1] >>> 1;
    hits[i] = packed[at + 2 * i + 1] & 1;
  }
  return { hashes, lines, hits };
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

export function mergeFunctions(a: FunctionHashes, b: FunctionHashes): FunctionHashes {
  const byHash = new Map<number, { line: number; hits: number }>();
  for (const source of [a, b]) {
    source.hashes.forEach((hash, index) => {
      const known = byHash.get(hash);
      if (known) {
        known.hits = saturate(known.hits + source.hits[index]);
        if (known.line === 0) known.line = source.lines[index];
      } else {
        byHash.set(hash, { line: source.lines[index], hits: source.hits[index] });
      }
    });
  }
  const hashes = new Uint32Array(byHash.size);
  const lines = new Uint32Array(byHash.size);
  const hits = new Uint32Array(byHash.size);
  let i = 0;
  for (const [hash, value] of byHash) {
    hashes[i] = hash;
    lines[i] = value.line;
    hits[i++] = value.hits;
  }
  return { hashes, lines, hits };
}

/**
 * Adds a record's detail to a packed file in place, when it fits the packed shape: its lines
 * within the bitmap's span, its branches the same (line, slot) pairs in the same order, its
 * functions the same hashes in the same order (or it has none of either). The result is the
 * one unpacking, merging and packing would give, without a new array; false, and nothing
 * changed, when the record does not fit. A report that lists each file more than once (one
 * section per test) merges this way.
 */
export function mergeInPlace(
  packed: Uint32Array,
  lines: LineHits,
  branches?: BranchHits,
  functions?: FunctionHashes,
): boolean {
  const first = packed[0];
  const span = packed[1];
  const count = lines.lines.length;
  if (
    count > 0 &&
    (span & SPARSE || lines.lines[0] < first || lines.lines[count - 1] - first >= span)
  )
    return false;
  const branchAt = HEADER + lineWords(packed);
  const branchCount = packed[2] === NONE ? 0 : packed[2];
  if (branches) {
    if (packed[2] === NONE || branches.lines.length !== branchCount) return false;
    for (let i = 0; i < branchCount; i++) {
      if (
        packed[branchAt + 2 * i] !== branches.lines[i] ||
        packed[branchAt + 2 * i + 1] >>> 1 !== branches.slots[i]
      )
        return false;
    }
  }
  const functionAt = branchAt + 2 * branchCount;
  if (functions) {
    if (packed[3] === NONE || functions.hashes.length !== packed[3]) return false;
    for (let i = 0; i < packed[3]; i++)
      if (packed[functionAt + 2 * i] !== functions.hashes[i]) return false;
  }
  for (let i = 0; i < count; i++) {
    const offset = (lines.lines[i] - first) * 2;
    const word = HEADER + (offset >>> 5);
    const shift = offset & 31;
    if (((packed[word] >>> shift) & 1) === 0) packed[4]++;
    packed[word] = (packed[word] | ((1 | ((lines.hits[i] > 0 ? 1 : 0) << 1)) << shift)) >>> 0;
  }
  if (branches) {
    for (let i = 0; i < branchCount; i++)
      if (branches.hits[i] > 0) packed[branchAt + 2 * i + 1] |= 1;
  }
  if (functions) {
    for (let i = 0; i < packed[3]; i++) {
      const at = functionAt + 2 * i;
      // A function whose line was unknown (0) takes the record's, as mergeFunctions does.
      if (packed[at + 1] >>> 1 === 0 && functions.lines[i] !== 0)
        packed[at + 1] = ((functions.lines[i] << 1) | (packed[at + 1] & 1)) >>> 0;
      if (functions.hits[i] > 0) packed[at + 1] |= 1;
    }
  }
  return true;
}

/** How many lines, branches and functions a packed file measures, and how many are covered. */
export function packedCounts(packed: Uint32Array): {
  lines?: Ratio;
  branches?: Ratio;
  functions?: Ratio;
} {
  const words = lineWords(packed);
  let covered = 0;
  for (let i = HEADER; i < HEADER + words; i++) {
    // Sparse: one line a word, bit 0 its cover; bitmap: bit 1 of each pair.
    covered += packed[1] & SPARSE ? packed[i] & 1 : bitCount(packed[i] & 0xaaaaaaaa);
  }
  const branchCount = packed[2] === NONE ? 0 : packed[2];
  const flags = (at: number, count: number): Ratio => {
    let done = 0;
    for (let i = 0; i < count; i++) done += packed[at + 2 * i + 1] & 1;
    return { covered: done, total: count };
  };
  return {
    lines: packed[4] > 0 ? { covered, total: packed[4] } : undefined,
    branches: packed[2] === NONE ? undefined : flags(HEADER + words, branchCount),
    functions: packed[3] === NONE ? undefined : flags(HEADER + words + 2 * branchCount, packed[3]),
  };
}

function bitCount(word: number): number {
  let value = word - ((word >>> 1) & 0x55555555);
  value = (value & 0x33333333) + ((value >>> 2) & 0x33333333);
  return (Math.imul((value + (value >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
