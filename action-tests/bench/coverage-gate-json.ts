// coverage-gate's JSON report readers against JSON.parse, side by side in the same rounds:
// - a coverage.py JSON report (format 3, as `coverage json` writes it with branch coverage) of
//   100,000 source files, about 53 MB;
// - an Istanbul coverage-final.json (as istanbul-lib-coverage writes it) of about the same size.
// Each round runs, each in a process of its own: (a) the action's reader (the parsers of
// actions/coverage-gate/src/reports, bundled with ncc as the action is) fed the file in the
// chunks the action reads, counting covered lines from the records it emits; (b)
// `JSON.parse(readFileSync(file, 'utf8'))` and a plain walk of the tree counting the same lines.
// Both must count what the generator wrote. Throughput is the file's size over the time each
// process spends reading (start-up excluded); peak memory is each process's own VmHWM.
// Targets: the reader at least 0.8x JSON.parse's throughput, with a lower peak memory.
// Generated files live under /tmp and are deleted at the end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, repoRoot } from '../harness/run-action';
import { peakMbOf, writePeakReporter } from './lib/coverage-gate-run';
import { ReportWriter, writeIstanbulFinal } from './lib/report-writers';
import { figuresTable, sideBySide } from './lib/measure';

const FILES = Number(process.env.BENCH_FILES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const node = nodeBinary();
/** The size of the chunks read-reports.ts reads a report in. */
const CHUNK = 64 * 1024;

const indentList = (items: readonly unknown[]) => `[${items.join(', ')}]`;

/**
 * coverage.py's JSON report, format 3, with branch coverage, written as `coverage json` writes
 * it (json.dump with indent=None): per file 18 statements, of which some missed, 4 arcs.
 * Returns the number of covered statement lines.
 */
function writeCoveragePy(file: string): number {
  const out = new ReportWriter(file);
  let covered = 0;
  out.write(
    '{"meta": {"format": 3, "version": "7.6.1", "timestamp": "2026-12-05T20:00:00.000000", "branch_coverage": true, "show_contexts": false}, "files": {',
  );
  for (let f = 0; f < FILES; f++) {
    const executed: number[] = [];
    const missing: number[] = [];
    for (let st = 0; st < 18; st++) {
      const line = st * 2 + 1;
      if ((line * 7 + f) % 5 === 0) missing.push(line);
      else executed.push(line);
    }
    covered += executed.length;
    const total = executed.length + missing.length;
    const partial = f % 3;
    const summary =
      `{"covered_lines": ${executed.length}, "num_statements": ${total}, ` +
      `"percent_covered": ${((100 * (executed.length + 4 - partial)) / (total + 4)).toFixed(12)}, ` +
      `"percent_covered_display": "${Math.round((100 * executed.length) / total)}", ` +
      `"missing_lines": ${missing.length}, "excluded_lines": 1, "num_branches": 4, ` +
      `"num_partial_branches": ${partial}, "covered_branches": ${4 - partial}, "missing_branches": ${partial}}`;
    const arcs = [
      [3, 5],
      [3, 9],
      [11, 13],
      [11, -1],
    ];
    out.write(
      `${f > 0 ? ', ' : ''}"src/package_${f % 997}/module_${f}.py": {"executed_lines": ${indentList(executed)}, ` +
        `"summary": ${summary}, "missing_lines": ${indentList(missing)}, "excluded_lines": [40], ` +
        `"executed_branches": ${indentList(arcs.slice(partial).map((arc) => indentList(arc)))}, ` +
        `"missing_branches": ${indentList(arcs.slice(0, partial).map((arc) => indentList(arc)))}}`,
    );
  }
  out.write(
    `}, "totals": {"covered_lines": ${covered}, "num_statements": ${FILES * 18}, "percent_covered": 80.0, "percent_covered_display": "80", "missing_lines": ${FILES * 18 - covered}, "excluded_lines": ${FILES}, "num_branches": ${FILES * 4}, "num_partial_branches": 0, "covered_branches": 0, "missing_branches": 0}}`,
  );
  out.close();
  return covered;
}

/**
 * Istanbul's coverage-final.json as istanbul-lib-coverage writes it (JSON.stringify, no spaces):
 * per file 12 statements on lines of their own, 2 functions and 2 two-way branches. A quarter as
 * many files as the coverage.py report, for about the same size. Returns the covered lines.
 */
function writeIstanbul(file: string): number {
  return writeIstanbulFinal(file, {
    files: FILES / 4,
    statements: 12,
    functions: 2,
    functionStep: 18,
    branches: 2,
    schemaAndHash: true,
    finalNewline: false,
  }).covered;
}

type Format = 'coverage-py-json' | 'istanbul-final';

/**
 * The program each contender runs: argv is [mode, format, file, reader bundle]. It prints the
 * milliseconds spent reading and the covered lines it counted.
 */
const DRIVER = `
const { createReadStream, readFileSync } = require('node:fs');
const [mode, format, file, reader] = process.argv.slice(2);
const started = process.hrtime.bigint();
const done = (covered) => process.stdout.write(
  (Number(process.hrtime.bigint() - started) / 1e6) + ' ' + covered + '\\n');
if (mode === 'action') {
  const { PARSERS } = require(reader);
  let covered = 0;
  PARSERS[format](createReadStream(file, { highWaterMark: ${CHUNK} }), (record) => {
    for (let i = 0; i < record.lines.hits.length; i++) if (record.lines.hits[i] > 0) covered++;
  }).then(() => done(covered), (error) => { console.error(error); process.exit(1); });
} else {
  const tree = JSON.parse(readFileSync(file, 'utf8'));
  let covered = 0;
  if (format === 'coverage-py-json') {
    for (const entry of Object.values(tree.files))
      for (const line of entry.executed_lines) if (line > 0) covered++;
  } else {
    for (const entry of Object.values(tree)) {
      const lines = new Map();
      for (const [id, count] of Object.entries(entry.s)) {
        const line = entry.statementMap[id].start.line;
        lines.set(line, Math.max(lines.get(line) || 0, count));
      }
      for (const hits of lines.values()) if (hits > 0) covered++;
    }
  }
  done(covered);
}
`;

interface Side {
  ms: number[];
  peakMb: number[];
}

async function compare(format: Format, file: string, expected: number, dir: string) {
  const driver = path.join(dir, 'driver.js');
  const preload = path.join(dir, 'report-rss.js');
  const reader = path.join(dir, 'reader', 'index.js');
  const sides: Record<'action' | 'parse', Side> = {
    action: { ms: [], peakMb: [] },
    parse: { ms: [], peakMb: [] },
  };
  const run = (mode: 'action' | 'parse') => {
    const result = spawnSync(node, ['--require', preload, driver, mode, format, file, reader], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    const peak = peakMbOf(result.stderr);
    const [ms, covered] = result.stdout.trim().split(' ').map(Number);
    if (result.status !== 0 || peak === undefined || !(ms > 0)) {
      throw new Error(`${mode}, ${format}: exit ${result.status}: ${result.stderr.slice(-1500)}`);
    }
    if (covered !== expected) {
      throw new Error(`${mode}, ${format}: counted ${covered} covered lines, expected ${expected}`);
    }
    sides[mode].ms.push(ms);
    sides[mode].peakMb.push(peak);
  };
  const figures = await sideBySide(
    [
      { name: `coverage-gate reader, ${format}`, run: () => run('action') },
      { name: `JSON.parse + walk, ${format}`, run: () => run('parse') },
    ],
    ROUNDS,
    1,
  );
  const size = statSync(file).size;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
  const rate = (side: Side) => size / 1e6 / (median(side.ms) / 1000);
  const peak = (side: Side) => Math.max(...side.peakMb);
  return [
    `${format}: ${(size / 1e6).toFixed(1)} MB, ${expected} covered lines; ${ROUNDS} interleaved rounds`,
    '',
    'Whole processes, start-up included:',
    '',
    figuresTable(figures),
    '',
    '| contender | reading, median ms | MB/s | peak memory (VmHWM) MB |',
    '|---|---|---|---|',
    `| coverage-gate reader | ${median(sides.action.ms).toFixed(0)} | ${rate(sides.action).toFixed(1)} | ${peak(sides.action).toFixed(0)} |`,
    `| JSON.parse + walk | ${median(sides.parse.ms).toFixed(0)} | ${rate(sides.parse).toFixed(1)} | ${peak(sides.parse).toFixed(0)} |`,
    '',
    `Throughput, reader / JSON.parse: ${(rate(sides.action) / rate(sides.parse)).toFixed(2)}x (target: at least 0.8x); ` +
      `peak memory, reader / JSON.parse: ${(peak(sides.action) / peak(sides.parse)).toFixed(2)}x (target: below 1x)`,
    '',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coverage-gate-json-bench-'));
  try {
    writePeakReporter(dir);
    writeFileSync(path.join(dir, 'driver.js'), DRIVER);
    // The readers as the action runs them: bundled by ncc from the sources, as the build does.
    const ncc = createRequire(path.join(repoRoot, 'package.json'))('@vercel/ncc') as (
      entry: string,
      options: object,
    ) => Promise<{ code: string }>;
    const { code } = await ncc(
      path.join(repoRoot, 'actions', 'coverage-gate', 'src', 'reports', 'formats.ts'),
      { cache: false, minify: false, sourceMap: false, quiet: true, transpileOnly: true },
    );
    mkdirSync(path.join(dir, 'reader'));
    writeFileSync(path.join(dir, 'reader', 'index.js'), code);
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    let report = `coverage-gate's JSON readers against JSON.parse, Node ${version}\n\n`;
    const cases: [Format, string, (file: string) => number][] = [
      ['coverage-py-json', 'coverage.json', writeCoveragePy],
      ['istanbul-final', 'coverage-final.json', writeIstanbul],
    ];
    for (const [format, name, write] of cases) {
      const file = path.join(dir, name);
      report += await compare(format, file, write(file), dir);
      rmSync(file, { force: true });
    }
    process.stdout.write(report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
