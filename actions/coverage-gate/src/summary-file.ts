import { existsSync, readFileSync } from 'node:fs';
import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { Headline, Totals } from './metrics';
import { exactOfRatio, formatExact, readPrintedPercent, type Exact, type Ratio } from './percent';

/** The JSON summary a run writes and a later run reads back as its baseline. */
export interface CoverageSummary {
  version: 1;
  /** The headline, two decimals, rounded down. */
  coverage: string;
  headline: { basis: string; covered?: number; total?: number; percent: string };
  line: Ratio;
  branch?: Ratio;
  function?: Ratio;
  diff?: Ratio;
  passed: boolean;
  commit?: string;
  files: Record<
    string,
    { lines: [number, number]; branches?: [number, number]; functions?: [number, number] }
  >;
}

const pair = (ratio: Ratio): [number, number] => [ratio.covered, ratio.total];

/**
 * Writes the summary as JSON through `write`, a file at a time, so that the text of a report
 * of 100,000 files is never held whole in memory. Same content as JSON.stringify(buildSummary()).
 */
export function writeSummary(
  write: (text: string) => void,
  totals: Totals,
  headline: Headline,
  diff: Ratio | undefined,
  passed: boolean,
  commit: string | undefined,
): void {
  const head: Partial<CoverageSummary> = buildSummary(
    { ...totals, files: [] },
    headline,
    diff,
    passed,
    commit,
  );
  delete head.files;
  write(`${JSON.stringify(head).slice(0, -1)},"files":{`);
  let first = true;
  let batch: string[] = [];
  for (const file of totals.files) {
    if (file.unnamed) continue;
    const entry: CoverageSummary['files'][string] = { lines: pair(file.lines) };
    if (file.branches) entry.branches = pair(file.branches);
    if (file.functions) entry.functions = pair(file.functions);
    batch.push(`${first ? '' : ','}${JSON.stringify(file.path)}:${JSON.stringify(entry)}`);
    first = false;
    if (batch.length === 1000) {
      write(batch.join(''));
      batch = [];
    }
  }
  write(`${batch.join('')}}}\n`);
}

export function buildSummary(
  totals: Totals,
  headline: Headline,
  diff: Ratio | undefined,
  passed: boolean,
  commit: string | undefined,
): CoverageSummary {
  const files: CoverageSummary['files'] = {};
  for (const file of totals.files) {
    if (file.unnamed) continue;
    files[file.path] = {
      lines: pair(file.lines),
      ...(file.branches && { branches: pair(file.branches) }),
      ...(file.functions && { functions: pair(file.functions) }),
    };
  }
  return {
    version: 1,
    coverage: headline.value ? formatExact(headline.value) : '',
    headline: {
      basis: headline.basis,
      ...(headline.ratio && { covered: headline.ratio.covered, total: headline.ratio.total }),
      // Enough places that a baseline compares almost as exactly as the counts would.
      percent: headline.value ? formatExact(headline.value, 6) : '',
    },
    line: totals.lines,
    ...(totals.branches && { branch: totals.branches }),
    ...(totals.functions && { function: totals.functions }),
    ...(diff && diff.total > 0 && { diff }),
    passed,
    commit,
    files,
  };
}

/** The baseline's headline; a missing file is a warning, as the first run on a branch has none. */
export function readBaselineFile(file: string | undefined, log: Logger): Exact | undefined {
  if (!file) return undefined;
  if (!existsSync(file)) {
    log.warning(
      `No baseline at ${file}: max-drop is not checked on this run (the first run on a branch has none).`,
    );
    return undefined;
  }
  return readBaseline(readFileSync(file, 'utf8'), file);
}

/** The headline of a baseline summary, exactly: from its counts, else its printed percent. */
export function readBaseline(text: string, name: string): Exact {
  let summary: Partial<CoverageSummary>;
  try {
    summary = JSON.parse(text) as Partial<CoverageSummary>;
  } catch {
    throw new ActionFailure(
      `The baseline ${name} is not JSON: expected the summary file a previous run of coverage-gate wrote.`,
    );
  }
  const headline = summary?.headline;
  if (
    headline &&
    Number.isInteger(headline.covered) &&
    Number.isInteger(headline.total) &&
    headline.total! > 0
  ) {
    return exactOfRatio({ covered: headline.covered!, total: headline.total! });
  }
  const printed = readPrintedPercent(String(headline?.percent ?? summary?.coverage ?? ''));
  if (!printed) {
    throw new ActionFailure(
      `The baseline ${name} holds no coverage figure: expected the summary file a previous run of coverage-gate wrote.`,
    );
  }
  return { num: printed.digits, den: 10n ** BigInt(printed.scale) };
}
