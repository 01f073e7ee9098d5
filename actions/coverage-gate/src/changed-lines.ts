import type { CoverageSet } from './coverage-set';
import type { Ratio } from './percent';

/** Lines added or changed, by repository path, from `git diff --unified=0` output. */
export type ChangedLines = Map<string, number[]>;

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/** Git's C-style quoting of unusual paths ("caf\303\251.py"). */
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  const bytes: number[] = [];
  const body = text.slice(1, text.lastIndexOf('"'));
  const escapes: Record<string, number> = {
    n: 10,
    t: 9,
    '"': 34,
    '\\': 92,
    a: 7,
    b: 8,
    f: 12,
    r: 13,
    v: 11,
  };
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = body[i + 1];
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseUnifiedDiff(diff: string): ChangedLines {
  const changed: ChangedLines = new Map();
  let current: number[] | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = unquote(line.slice(4).replace(/\t.*$/, ''));
      if (target === '/dev/null') {
        current = undefined;
        continue;
      }
      const file = target.replace(/^"?b\//, '').replace(/^"/, '');
      current = changed.get(file) ?? [];
      changed.set(file, current);
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk && current) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      for (let n = start; n < start + count; n++) current.push(n);
    }
  }
  for (const [file, lines] of changed) {
    if (lines.length === 0) changed.delete(file);
  }
  return changed;
}

export interface UncoveredRange {
  path: string;
  start: number;
  end: number;
}

export interface ChangedFile {
  path: string;
  changed: Ratio;
}

export interface DiffCoverage {
  ratio: Ratio;
  files: ChangedFile[];
  uncovered: UncoveredRange[];
}

/**
 * Coverage of the changed lines that a report measures. Uncovered ones are grouped into
 * ranges: two uncovered changed lines share a range when no other measured line lies between
 * them, so a block of code with blank lines and comments inside reads as one range.
 */
export function diffCoverage(set: CoverageSet, changed: ChangedLines): DiffCoverage {
  const ratio: Ratio = { covered: 0, total: 0 };
  const files: ChangedFile[] = [];
  const uncovered: UncoveredRange[] = [];
  for (const [path, lines] of [...changed].sort(([a], [b]) => a.localeCompare(b))) {
    const measured = set.measuredLines(path);
    if (!measured) continue;
    const fileRatio: Ratio = { covered: 0, total: 0 };
    const changedSet = new Set(lines);
    let open: UncoveredRange | undefined;
    // Walk the measured lines in order, so ranges break at any measured line in between.
    for (let i = 0; i < measured.lines.length; i++) {
      const line = measured.lines[i];
      const isChanged = changedSet.has(line);
      if (isChanged) {
        fileRatio.total++;
        if (measured.hits[i] > 0) fileRatio.covered++;
      }
      if (isChanged && measured.hits[i] === 0) {
        if (open) open.end = line;
        else open = { path, start: line, end: line };
      } else if (open) {
        uncovered.push(open);
        open = undefined;
      }
    }
    if (open) uncovered.push(open);
    if (fileRatio.total > 0) {
      files.push({ path, changed: fileRatio });
      ratio.covered += fileRatio.covered;
      ratio.total += fileRatio.total;
    }
  }
  return { ratio, files, uncovered };
}
