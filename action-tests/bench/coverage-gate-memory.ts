// coverage-gate's peak memory on lcov tracefiles of about 248 MB naming 100,000 source files,
// read by the action's bundle end to end: one where each file has one record, and one where
// each file has two (one section per test, as `lcov -a` of two runs or a concatenation writes
// it), merged line by line. The two run side by side in the same rounds, each in a process of
// its own, whose peak resident memory (VmHWM) is its own. Target: under 250 MB for both.
// Generated files live under /tmp and are deleted at the end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary } from '../harness/run-action';
import { runCoverageGate, writePeakReporter } from './lib/coverage-gate-run';
import { figuresTable, sideBySide } from './lib/measure';
import { ReportWriter } from './lib/report-writers';

const FILES = 100_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const node = nodeBinary();
interface Expected {
  covered: number;
  total: number;
}

/**
 * An lcov tracefile: `sections` sections, each with a record of every file (4 functions,
 * `lines` lines, 16 branches); a line counts as covered when any section ran it.
 */
function writeLcov(file: string, sections: number, lines: number): Expected {
  const out = new ReportWriter(file);
  const write = (text: string) => out.write(text);
  let covered = 0;
  for (let section = 0; section < sections; section++) {
    for (let f = 0; f < FILES; f++) {
      write(
        `TN:test_${section}\nSF:/home/runner/work/big/big/src/package_${f % 997}/module_${f}.ts\n`,
      );
      for (let fn = 0; fn < 4; fn++) write(`FN:${fn * 20 + 1},function_${fn}_of_${f}\n`);
      for (let fn = 0; fn < 4; fn++)
        write(`FNDA:${(f + fn + section) % 3},function_${fn}_of_${f}\n`);
      write('FNF:4\n');
      const records: string[] = [];
      let hit = 0;
      for (let line = 1; line <= lines; line++) {
        // Each section misses other lines: a line is covered when one of them ran it.
        const hits = (line * 7 + f + section) % 5 === 0 ? 0 : ((line * 13 + f) % 40) + 1;
        if (hits > 0) hit++;
        if (section === sections - 1) {
          let ranAny = false;
          for (let other = 0; other < sections; other++)
            if ((line * 7 + f + other) % 5 !== 0) ranAny = true;
          if (ranAny) covered++;
        }
        records.push(`DA:${line},${hits}\n`);
      }
      write(records.join(''));
      for (let b = 0; b < 16; b++)
        write(
          `BRDA:${b * 5 + 2},${b >> 1},${b & 1},${(b + f + section) % 4 === 0 ? '-' : b % 3}\n`,
        );
      write(`BRF:16\nLF:${lines}\nLH:${hit}\nend_of_record\n`);
    }
  }
  out.close();
  return { covered, total: FILES * lines };
}

/** Runs the bundle on `file` and returns its peak memory in MB; checks its line figure. */
function runBundle(file: string, expected: Expected, dir: string, preload: string): number {
  const { result, peakMb } = runCoverageGate(file, {}, dir, preload);
  const line = (Math.floor((expected.covered * 10000) / expected.total) / 100).toFixed(2);
  if (
    result.status !== 0 ||
    peakMb === undefined ||
    !result.stdout.includes(`Coverage gate passed: ${line}%`)
  ) {
    throw new Error(
      `${path.basename(file)}: exit ${result.status}, expected ${line}%:\n${result.stdout.slice(-1500)}${result.stderr.slice(-1500)}`,
    );
  }
  return peakMb;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coverage-gate-memory-bench-'));
  try {
    const workspace = path.join(dir, 'workspace');
    mkdirSync(workspace);
    const preload = writePeakReporter(dir);
    const cases = [
      { name: 'each file once', file: path.join(workspace, 'once.info'), sections: 1, lines: 210 },
      {
        name: 'each file twice, merged',
        file: path.join(workspace, 'twice.info'),
        sections: 2,
        lines: 81,
      },
    ].map((c) => ({
      ...c,
      expected: writeLcov(c.file, c.sections, c.lines),
      peaks: [] as number[],
    }));
    const figures = await sideBySide(
      cases.map((c) => ({
        name: `${c.name} (${(statSync(c.file).size / 1e6).toFixed(0)} MB)`,
        run: () => {
          c.peaks.push(runBundle(c.file, c.expected, dir, preload));
        },
      })),
      ROUNDS,
      0,
    );
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    process.stdout.write(
      `coverage-gate on lcov of ${FILES} source files, Node ${version}, ${ROUNDS} interleaved rounds\n\n` +
        `${figuresTable(figures)}\n\n` +
        cases
          .map(
            (c) =>
              `Peak memory (VmHWM), ${c.name}: ${Math.max(...c.peaks).toFixed(0)} MB (target: under 250 MB)`,
          )
          .join('\n') +
        '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
