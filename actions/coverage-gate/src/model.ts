import type { Ratio } from './percent';

// What every parser hands over for one source file. Line data is kept in typed arrays rather
// than Maps or objects: a 200 MB report holds tens of millions of lines, and an object per line
// would not fit in the memory a runner has.

/** Hit counts by line number, sorted by line, one entry a line. Counts saturate at 2^32 - 1. */
export interface LineHits {
  lines: Uint32Array;
  hits: Uint32Array;
}

/** Branch outcomes: `lines[i]` is the branch's line, `hits[i]` how often it was taken. */
export interface BranchHits {
  lines: Uint32Array;
  /** The branch's position among those of its line in one report, to merge repeats. */
  slots: Uint32Array;
  hits: Uint32Array;
}

/**
 * Functions by their names as the report writes them, each name once: `lines[i]` is where
 * `names[i]` starts (0 when the report does not say), `hits[i]` how often it ran. The coverage
 * set keeps hashes of the names instead (FunctionHashes in packed-detail.ts).
 */
export interface FunctionHits {
  names: string[];
  lines: Uint32Array;
  hits: Uint32Array;
}

/** Statements as Go counts them: blocks by position, each with its statement count. */
export type StatementBlocks = Map<string, { statements: number; hits: number }>;

/**
 * Counts without the detail behind them, from reports that carry no line numbers (coverage.py
 * text, Istanbul summary) or no usable branch detail (Clover). Each stands in for a metric the
 * record has no detail for.
 */
export interface CountsOnly {
  lines?: Ratio;
  branches?: Ratio;
  functions?: Ratio;
}

export interface FileRecord {
  /** The path as the report wrote it, backslashes turned to slashes. */
  path: string;
  /** Folders the path may be relative to (Cobertura's <source> elements), in report order. */
  roots?: string[];
  lines: LineHits;
  /** Absent: the report does not measure branches. */
  branches?: BranchHits;
  /** Absent: the report does not measure functions. */
  functions?: FunctionHits;
  statements?: StatementBlocks;
  /**
   * How many statements the file has, where the tool says so apart from its line lists
   * (coverage.py JSON's summary): its line detail may then name lines that are not statements.
   */
  statementCount?: number;
  /** Counts for the metrics the record has no detail for. */
  counts?: CountsOnly;
  /** Counts the report gives for files it does not name (coverage.py's skipped covered files). */
  unnamed?: boolean;
}

/** Which tool's own definition of "the coverage" a report follows. */
export type Family = 'coverage.py' | 'go' | 'other';

/** What a parser learned about the report as a whole. */
export interface ReportInfo {
  family: Family;
  /** The total the tool printed, when its exact counts cannot be rebuilt (coverage.py text with branch columns). */
  printedTotal?: string;
  /** Branch columns were present but their counts cannot be rebuilt. */
  inexactBranches?: boolean;
  /** Things people should know about how the report was read; read-reports.ts names the report. */
  notices?: string[];
}

export type RecordSink = (record: FileRecord) => void;

const MAX_HITS = 0xffffffff;

export function saturate(hits: number): number {
  return hits > MAX_HITS ? MAX_HITS : hits < 0 ? 0 : Math.floor(hits);
}

/**
 * Collects one file's line hits in reusable buffers, then hands them over sorted, with
 * repeated lines summed. One builder serves a whole report, file after file.
 */
export class LineBuilder {
  private lineBuffer = new Uint32Array(1024);
  private hitBuffer = new Uint32Array(1024);
  private length = 0;
  private sorted = true;

  add(line: number, hits: number): void {
    if (this.length === this.lineBuffer.length) this.grow();
    const index = this.length++;
    if (index > 0 && this.lineBuffer[index - 1] >= line) this.sorted = false;
    this.lineBuffer[index] = line;
    this.hitBuffer[index] = saturate(hits);
  }

  get size(): number {
    return this.length;
  }

  /** The collected hits, and the builder emptied for the next file. */
  take(): LineHits {
    const count = this.length;
    let lines: Uint32Array = this.lineBuffer.slice(0, count);
    let hits: Uint32Array = this.hitBuffer.slice(0, count);
    if (!this.sorted) [lines, hits] = sortAndSum(lines, hits);
    this.length = 0;
    this.sorted = true;
    return { lines, hits };
  }

  private grow(): void {
    const lines = new Uint32Array(this.lineBuffer.length * 2);
    const hits = new Uint32Array(this.hitBuffer.length * 2);
    lines.set(this.lineBuffer);
    hits.set(this.hitBuffer);
    this.lineBuffer = lines;
    this.hitBuffer = hits;
  }
}

function sortAndSum(lines: Uint32Array, hits: Uint32Array): [Uint32Array, Uint32Array] {
  const order = Array.from(lines.keys()).sort((a, b) => lines[a] - lines[b]);
  const outLines: number[] = [];
  const outHits: number[] = [];
  for (const index of order) {
    const last = outLines.length - 1;
    if (last >= 0 && outLines[last] === lines[index]) {
      outHits[last] = saturate(outHits[last] + hits[index]);
    } else {
      outLines.push(lines[index]);
      outHits.push(hits[index]);
    }
  }
  return [Uint32Array.from(outLines), Uint32Array.from(outHits)];
}

/** Collects branches of one file; each branch is placed by its line and its slot on that line. */
export class BranchBuilder {
  private entries: number[] = [];
  private nextSlot = new Map<number, number>();

  /** Adds the next branch of `line`; its slot is its order among the line's branches. */
  add(line: number, hits: number): void {
    const slot = this.nextSlot.get(line) ?? 0;
    this.nextSlot.set(line, slot + 1);
    this.entries.push(line, slot, saturate(hits));
  }

  /** Adds a branch whose slot the report itself names (lcov's block and branch numbers). */
  addAt(line: number, slot: number, hits: number): void {
    this.entries.push(line, slot, saturate(hits));
  }

  take(): BranchHits {
    const entries = this.entries;
    this.entries = [];
    this.nextSlot.clear();
    const count = entries.length / 3;
    const order = Array.from({ length: count }, (_, i) => i).sort(
      (a, b) => entries[a * 3] - entries[b * 3] || entries[a * 3 + 1] - entries[b * 3 + 1],
    );
    const lines: number[] = [];
    const slots: number[] = [];
    const hits: number[] = [];
    for (const i of order) {
      const last = lines.length - 1;
      if (last >= 0 && lines[last] === entries[i * 3] && slots[last] === entries[i * 3 + 1]) {
        hits[last] = saturate(hits[last] + entries[i * 3 + 2]);
      } else {
        lines.push(entries[i * 3]);
        slots.push(entries[i * 3 + 1]);
        hits.push(entries[i * 3 + 2]);
      }
    }
    return {
      lines: Uint32Array.from(lines),
      slots: Uint32Array.from(slots),
      hits: Uint32Array.from(hits),
    };
  }
}

/** Collects functions of one file by name; a name seen twice has its hits summed. */
export class FunctionBuilder {
  private byName = new Map<string, { line: number; hits: number }>();

  declare(name: string, line: number): void {
    const known = this.byName.get(name);
    if (known) {
      if (known.line === 0) known.line = line;
    } else {
      this.byName.set(name, { line, hits: 0 });
    }
  }

  hit(name: string, hits: number, line = 0): void {
    const known = this.byName.get(name);
    if (known) known.hits = saturate(known.hits + hits);
    else this.byName.set(name, { line, hits: saturate(hits) });
  }

  get size(): number {
    return this.byName.size;
  }

  take(): FunctionHits {
    const names = [...this.byName.keys()];
    const values = [...this.byName.values()];
    this.byName = new Map();
    return {
      names,
      lines: Uint32Array.from(values, (value) => value.line),
      hits: Uint32Array.from(values, (value) => value.hits),
    };
  }
}

/** The builder's content when the report measures it; the builder is emptied either way. */
export function takeIf<T>(measured: boolean, builder: { take(): T }): T | undefined {
  const taken = builder.take();
  return measured ? taken : undefined;
}

export const EMPTY_LINES: LineHits = { lines: new Uint32Array(0), hits: new Uint32Array(0) };
