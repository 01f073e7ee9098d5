// coverage-gate on large reports: generated lcov, Cobertura and Istanbul coverage-final.json
// files of about 200 MB (100,000 source files each), read by the action's bundle end to end
// (start-up, parsing, merging, path mapping, summary files) and, side by side in the same rounds,
// by the npm libraries lcov-parse and cobertura-parse reading the same lcov and Cobertura files
// and adding up their line totals (no npm library reads coverage-final.json: its case gives the
// action's own figures only). Each contender runs in a process of its own, so each one's peak memory (VmHWM) is
// its own. Targets: the action at least 3x faster than each library, its peak below 300 MB.
// Generated files live under /tmp and are deleted at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, repoRoot } from '../harness/run-action';
import { peakMbOf, REPORT_RSS, runCoverageGate, writePeakReporter } from './lib/coverage-gate-run';
import { figuresTable, sideBySide, type Figures } from './lib/measure';
import { ReportWriter, writeIstanbulFinal } from './lib/report-writers';

const FILES = Number(process.env.BENCH_FILES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
type Kind = 'lcov' | 'cobertura' | 'istanbul-final';
/** BENCH_REPORTS=istanbul-final (comma-separated) runs only those cases. */
const KINDS = (process.env.BENCH_REPORTS ?? 'lcov,cobertura,istanbul-final').split(',');
const node = nodeBinary();

interface Expected {
  covered: number;
  total: number;
}

/** An lcov tracefile: per file 4 functions, 150 lines, 16 branches (about 2 KB). */
function writeLcov(file: string): Expected {
  const out = new ReportWriter(file);
  let covered = 0;
  let total = 0;
  for (let f = 0; f < FILES; f++) {
    out.write(`TN:\nSF:/home/runner/work/big/big/src/package_${f % 997}/module_${f}.ts\n`);
    for (let fn = 0; fn < 4; fn++) out.write(`FN:${fn * 40 + 1},function_${fn}_of_${f}\n`);
    for (let fn = 0; fn < 4; fn++) out.write(`FNDA:${(f + fn) % 3},function_${fn}_of_${f}\n`);
    out.write('FNF:4\n');
    let hit = 0;
    const lines: string[] = [];
    for (let line = 1; line <= 150; line++) {
      const hits = (line * 7 + f) % 5 === 0 ? 0 : ((line * 13 + f) % 40) + 1;
      if (hits > 0) hit++;
      lines.push(`DA:${line},${hits}\n`);
    }
    out.write(lines.join(''));
    for (let b = 0; b < 16; b++)
      out.write(`BRDA:${b * 9 + 2},${b >> 1},${b & 1},${(b + f) % 4 === 0 ? '-' : b % 3}\n`);
    out.write(`BRF:16\nLF:150\nLH:${hit}\nend_of_record\n`);
    covered += hit;
    total += 150;
  }
  out.close();
  return { covered, total };
}

/** A Cobertura report: per file one class with 52 lines, every eighth a branch (about 2 KB). */
function writeCobertura(file: string): Expected {
  const out = new ReportWriter(file);
  let covered = 0;
  let total = 0;
  out.write(
    '<?xml version="1.0" ?>\n<coverage version="7.0" timestamp="1" lines-valid="0" lines-covered="0" line-rate="0" branches-valid="1" branches-covered="0" branch-rate="0" complexity="0">\n',
  );
  out.write(
    '\t<sources>\n\t\t<source>/home/runner/work/big/big/src</source>\n\t</sources>\n\t<packages>\n',
  );
  for (let f = 0; f < FILES; f++) {
    if (f % 1000 === 0) {
      if (f > 0) out.write('\t\t\t</classes>\n\t\t</package>\n');
      out.write(
        `\t\t<package name="package_${f / 1000}" line-rate="0.8" branch-rate="0.5" complexity="0">\n\t\t\t<classes>\n`,
      );
    }
    out.write(
      `\t\t\t\t<class name="module_${f}.py" filename="package_${Math.floor(f / 1000)}/module_${f}.py" complexity="0" line-rate="0.8" branch-rate="0.5">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n`,
    );
    const lines: string[] = [];
    for (let line = 1; line <= 52; line++) {
      const hits = (line * 7 + f) % 5 === 0 ? 0 : ((line * 13 + f) % 9) + 1;
      if (hits > 0) covered++;
      total++;
      lines.push(
        line % 8 === 0
          ? `\t\t\t\t\t\t<line number="${line}" hits="${hits}" branch="true" condition-coverage="50% (1/2)" missing-branches="${line + 2}"/>\n`
          : `\t\t\t\t\t\t<line number="${line}" hits="${hits}"/>\n`,
      );
    }
    out.write(lines.join(''));
    out.write('\t\t\t\t\t</lines>\n\t\t\t\t</class>\n');
  }
  out.write('\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n');
  out.close();
  return { covered, total };
}

/**
 * Istanbul's coverage-final.json: per file 24 statements on lines of their own, 3 functions and
 * 4 two-way branches, in the shape Istanbul writes (about 2 KB per file).
 */
function writeIstanbul(file: string): Expected {
  return writeIstanbulFinal(file, {
    files: FILES,
    statements: 24,
    functions: 3,
    functionStep: 24,
    branches: 4,
    schemaAndHash: false,
    finalNewline: true,
  });
}

interface Run {
  ms: number[];
  maxRssMb: number[];
  failures: string[];
}

/** Runs node with `args`; the script prints `PEAKRSS <kB>` on stderr as it exits. */
function runMeasured(
  args: string[],
  env: NodeJS.ProcessEnv,
  check: (stdout: string) => void,
  run: Run,
): void {
  const result = spawnSync(node, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const peakMb = peakMbOf(result.stderr);
  if (result.status !== 0 || peakMb === undefined) {
    run.failures.push(
      `${args.join(' ').slice(0, 80)}: exit ${result.status}: ${result.stderr.slice(-400)}`,
    );
    throw new Error(run.failures.at(-1));
  }
  check(result.stdout);
  run.maxRssMb.push(peakMb);
}

function libraryScript(kind: 'lcov' | 'cobertura', file: string): string {
  const sum =
    'let hit = 0, found = 0; for (const item of data) { hit += item.lines.hit; found += item.lines.found; } process.stdout.write(`${hit} ${found}\\n`);';
  return kind === 'lcov'
    ? `${REPORT_RSS} require('lcov-parse')(${JSON.stringify(file)}, (error, data) => { if (error) throw new Error(String(error)); ${sum} });`
    : `${REPORT_RSS} require('cobertura-parse').parseFile(${JSON.stringify(file)}, (error, data) => { if (error) throw error; ${sum} });`;
}

function available(name: string): boolean {
  try {
    require.resolve(name, { paths: [repoRoot] });
    return true;
  } catch {
    return false;
  }
}

async function compare(kind: Kind, file: string, expected: Expected, dir: string): Promise<string> {
  const library =
    kind === 'lcov' ? 'lcov-parse' : kind === 'cobertura' ? 'cobertura-parse' : undefined;
  const actionRun: Run = { ms: [], maxRssMb: [], failures: [] };
  const libraryRun: Run = { ms: [], maxRssMb: [], failures: [] };
  const expectedLine = (Math.floor((expected.covered * 10000) / expected.total) / 100).toFixed(2);
  const contenders = [
    {
      name: `coverage-gate bundle, ${kind}`,
      run: () => {
        const { result, peakMb, outputsFile } = runCoverageGate(
          file,
          { format: 'auto', comment: 'off', 'git-timeout': '2m' },
          dir,
          preload,
        );
        if (result.status !== 0 || peakMb === undefined) {
          actionRun.failures.push(`exit ${result.status}: ${result.stderr.slice(-400)}`);
          throw new Error(actionRun.failures.at(-1));
        }
        if (!result.stdout.includes(`Read ${path.basename(file)}`))
          throw new Error(`the action did not read the report:\n${result.stdout.slice(-2000)}`);
        actionRun.maxRssMb.push(peakMb);
        const outputs = readFileSync(outputsFile, 'utf8');
        if (!outputs.includes(`line<<`) || !outputs.includes(`\n${expectedLine}\n`)) {
          throw new Error(`the action's line figure is not ${expectedLine}:\n${outputs}`);
        }
      },
    },
  ];
  if (library && available(library)) {
    contenders.push({
      name: `${library} (npm), ${kind}`,
      run: () =>
        runMeasured(
          ['--max-old-space-size=16384', '-e', libraryScript(kind as 'lcov' | 'cobertura', file)],
          { PATH: process.env.PATH, NODE_PATH: path.join(repoRoot, 'node_modules') },
          (stdout) => {
            if (stdout.trim() !== `${expected.covered} ${expected.total}`) {
              throw new Error(
                `${library} counted ${stdout.trim()}, expected ${expected.covered} ${expected.total}`,
              );
            }
          },
          libraryRun,
        ),
    });
  }
  let figures: Figures[];
  try {
    figures = await sideBySide(
      contenders.map((contender, index) => ({
        name: contender.name,
        run: () => {
          const started = process.hrtime.bigint();
          contender.run();
          (index === 0 ? actionRun : libraryRun).ms.push(
            Number(process.hrtime.bigint() - started) / 1e6,
          );
        },
      })),
      ROUNDS,
      0,
    );
  } catch (error) {
    return `${kind}: a contender failed: ${String(error)}\n`;
  }
  const peak = (run: Run) => (run.maxRssMb.length ? Math.max(...run.maxRssMb).toFixed(0) : 'n/a');
  const lines = [
    `${kind}: ${(statSync(file).size / 1e6).toFixed(0)} MB, ${FILES} files, ${expected.total} lines; ${ROUNDS} interleaved rounds`,
    '',
    figuresTable(figures),
    '',
    `Peak memory (VmHWM): coverage-gate ${peak(actionRun)} MB (target: under 300 MB)` +
      (library && available(library) ? `, ${library} ${peak(libraryRun)} MB` : ''),
  ];
  if (figures.length === 2) {
    lines.push(
      `Speed-up of medians: ${(figures[1].medianMs / figures[0].medianMs).toFixed(1)}x (target: at least 3x)`,
    );
  } else if (library) {
    lines.push(
      `${library} is not installed: add it as a devDependency to compare (npm i -D ${library}).`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}

let preload = '';

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coverage-gate-bench-'));
  try {
    preload = writePeakReporter(dir);
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    let report = `coverage-gate on large reports, Node ${version}\n\n`;

    const cases: [Kind, string, (file: string) => Expected][] = [
      ['lcov', 'lcov.info', writeLcov],
      ['cobertura', 'coverage.xml', writeCobertura],
      ['istanbul-final', 'coverage-final.json', writeIstanbul],
    ];
    for (const [kind, name, write] of cases) {
      if (!KINDS.includes(kind)) continue;
      const file = path.join(dir, name);
      report += await compare(kind, file, write(file), dir);
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
