// coverage-gate on hostile reports, each side by side in the same rounds with a normal report
// of the same size and format, read by the action's bundle end to end with the same inputs:
// - lcov whose 64 MB are one line without a newline;
// - lcov of 100 records whose paths are 40,000 segments deep, with `exclude` globs of several
//   `**` and a `path-prefix` set (for both contenders);
// - Cobertura ending in an unclosed start tag of 16 MB with about a million attributes;
// - Cobertura ending in an unclosed attribute value of 16 MB full of markup characters;
// - coverage.py JSON ending in a file name of 64 MB that never closes (a key the reader builds).
// Target: each hostile report read in time proportional to its size, i.e. about as fast as
// the normal one (a quadratic reader takes seconds to minutes on these). Each run must end with
// a clear result: the normal report passes, the hostile one passes or fails with an error
// naming the report. Generated files live under /tmp and are deleted at the end.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary } from '../harness/run-action';
import { runCoverageGate } from './lib/coverage-gate-run';
import { figuresTable, sideBySide } from './lib/measure';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MB = 1024 * 1024;
const node = nodeBinary();

/** Writes `pieces()` to a file until it holds at least `size` characters. */
function writeUntil(file: string, size: number, head: string, piece: (i: number) => string) {
  const fd = openSync(file, 'w');
  let written = head.length;
  writeSync(fd, head);
  let batch: string[] = [];
  let batchSize = 0;
  for (let i = 0; written < size; i++) {
    const text = piece(i);
    batch.push(text);
    batchSize += text.length;
    written += text.length;
    if (batchSize > 4 * MB || written >= size) {
      writeSync(fd, batch.join(''));
      batch = [];
      batchSize = 0;
    }
  }
  closeSync(fd);
}

/** A normal lcov record of about 2 KB. */
function lcovRecord(i: number, name = `src/module_${i}.c`): string {
  const lines: string[] = [`SF:${name}\n`];
  for (let line = 1; line <= 150; line++) lines.push(`DA:${line},${(line + i) % 5}\n`);
  lines.push('end_of_record\n');
  return lines.join('');
}

const COBERTURA_HEAD =
  '<?xml version="1.0" ?>\n<coverage version="7.0" line-rate="0.5" branch-rate="0">\n' +
  '<sources><source>.</source></sources><packages><package name="p"><classes>\n';

function coberturaClass(i: number): string {
  const lines: string[] = [`<class name="m${i}" filename="src/module_${i}.py"><lines>\n`];
  for (let line = 1; line <= 40; line++)
    lines.push(`<line number="${line}" hits="${(line + i) % 5}"/>\n`);
  lines.push('</lines></class>\n');
  return lines.join('');
}
const COBERTURA_TAIL = '</classes></package></packages></coverage>\n';

const COVERAGE_PY_HEAD = '{"meta": {"format": 3, "branch_coverage": false}, "files": {';

/** A normal coverage.py JSON file entry of about 500 bytes. */
function coveragePyEntry(i: number): string {
  const lines = Array.from({ length: 40 }, (_, line) => line + 1);
  return (
    `${i > 0 ? ', ' : ''}"src/module_${i}.py": {"executed_lines": [${lines.slice(0, 36).join(', ')}], ` +
    `"summary": {"covered_lines": 36, "num_statements": 40}, "missing_lines": [37, 38, 39, 40], "excluded_lines": []}`
  );
}

interface Case {
  name: string;
  extension: string;
  inputs: Record<string, string>;
  /** Writes the hostile report and the normal one. */
  write(hostile: string, normal: string): void;
}

const deepPath = (i: number) => `/${'gen/'.repeat(40_000)}src/deep_${i}.c`;

const CASES: Case[] = [
  {
    name: 'lcov, one line of 64 MB without a newline',
    extension: 'info',
    inputs: {},
    write(hostile, normal) {
      writeUntil(hostile, 64 * MB, 'SF:src/a.c\nDA:1,1\nend_of_record\nTN:', () => 'x'.repeat(MB));
      writeUntil(normal, 64 * MB, '', (i) => lcovRecord(i));
    },
  },
  {
    name: 'lcov, 100 paths of 40,000 segments, with exclude and path-prefix',
    extension: 'info',
    inputs: {
      exclude: '**/gen/**/gen/**/*.py\n**/gen/*/gen/**/gen/never.d\ntests/**',
      'path-prefix': '/gen/gen/=src/',
    },
    write(hostile, normal) {
      const fd = openSync(hostile, 'w');
      for (let i = 0; i < 100; i++) writeSync(fd, lcovRecord(i, deepPath(i)));
      closeSync(fd);
      writeUntil(normal, statSync(hostile).size, '', (i) => lcovRecord(i));
    },
  },
  {
    name: 'Cobertura, unclosed start tag of 16 MB with about a million attributes',
    extension: 'xml',
    inputs: {},
    write(hostile, normal) {
      writeUntil(
        hostile,
        16 * MB,
        `${COBERTURA_HEAD}<class filename="src/a.py"`,
        (i) => ` a${i}="v${i}"`,
      );
      writeUntil(normal, 16 * MB - COBERTURA_TAIL.length, COBERTURA_HEAD, coberturaClass);
      const fd = openSync(normal, 'a');
      writeSync(fd, COBERTURA_TAIL);
      closeSync(fd);
    },
  },
  {
    name: 'Cobertura, unclosed attribute value of 16 MB',
    extension: 'xml',
    inputs: {},
    write(hostile, normal) {
      writeUntil(hostile, 16 * MB, `${COBERTURA_HEAD}<class filename="src/a.py" name="`, () =>
        `a>b<c/' `.repeat(8192),
      );
      writeUntil(normal, 16 * MB - COBERTURA_TAIL.length, COBERTURA_HEAD, coberturaClass);
      const fd = openSync(normal, 'a');
      writeSync(fd, COBERTURA_TAIL);
      closeSync(fd);
    },
  },
  {
    name: 'coverage.py JSON, a file name of 64 MB that never closes',
    extension: 'json',
    inputs: {},
    write(hostile, normal) {
      writeUntil(hostile, 64 * MB, `${COVERAGE_PY_HEAD}${coveragePyEntry(0)}, "src/`, () =>
        'x/'.repeat(MB / 2),
      );
      writeUntil(normal, 64 * MB - 2, COVERAGE_PY_HEAD, coveragePyEntry);
      const fd = openSync(normal, 'a');
      writeSync(fd, '}}');
      closeSync(fd);
    },
  },
];

/** Runs the bundle on `file`; returns how the run ended, throwing if it gave no clear result. */
function runBundle(file: string, given: Record<string, string>, dir: string): string {
  const { result } = runCoverageGate(file, given, dir);
  const error = /^::error::(.*)$/m.exec(result.stdout)?.[1];
  if (result.status === 0) return 'read, gate passed';
  if (result.status === 1 && error?.startsWith(path.basename(file)))
    return `refused: ${error.slice(0, 160)}`;
  throw new Error(
    `${path.basename(file)}: exit ${result.status}, no clear result:\n${result.stdout.slice(-1500)}${result.stderr.slice(-1500)}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coverage-gate-hostile-bench-'));
  try {
    const workspace = path.join(dir, 'workspace');
    mkdirSync(workspace);
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    let report = `coverage-gate on hostile reports beside normal ones of the same size, Node ${version}, ${ROUNDS} interleaved rounds each\n\n`;
    for (const [index, testCase] of CASES.entries()) {
      const hostile = path.join(workspace, `hostile-${index}.${testCase.extension}`);
      const normal = path.join(workspace, `normal-${index}.${testCase.extension}`);
      testCase.write(hostile, normal);
      const outcomes: Record<string, string> = {};
      const contender = (label: string, file: string) => ({
        name: `${label} (${(statSync(file).size / MB).toFixed(1)} MB)`,
        run: () => {
          outcomes[label] = runBundle(file, testCase.inputs, dir);
          if (label === 'normal' && outcomes[label] !== 'read, gate passed')
            throw new Error(`the normal report was not read: ${outcomes[label]}`);
        },
      });
      const figures = await sideBySide(
        [contender('hostile', hostile), contender('normal', normal)],
        ROUNDS,
        1,
      );
      report +=
        `${testCase.name}\n\n${figuresTable(figures)}\n\n` +
        `Hostile / normal, medians: ${(figures[0].medianMs / figures[1].medianMs).toFixed(2)}x ` +
        `(target: about 1x, proportional to size). Hostile run: ${outcomes.hostile}.\n\n`;
      rmSync(hostile);
      rmSync(normal);
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
