// coverage-gate's counts, format by format, against the figures the real tools print for the
// same data. Where the tool runs here (Debian's python3-coverage and lcov, istanbul-lib-coverage
// and istanbul-lib-instrument from node_modules) the test makes the report with it; where it
// cannot (coverlet, php-code-coverage), the report is written after the format's document and
// the writer's own output, and the expected figures are counted from the report's own data.
// JaCoCo, Go and Clover are compared with their tools in tool-counts.test.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fixtureText, gateRuns, shown, type Ratio, type Workspace } from './workspace';

jest.setTimeout(60_000);

const { workspace, gate } = gateRuns('coverage-gate-counts-');

describe('coverage.py JSON: executed lines that are not statements (Debian python3-coverage)', () => {
  // A package whose executed_lines hold a module docstring's line and a class docstring's
  // line, which coverage.py does not count as statements, and an empty __init__.py.
  const MODULE = `"""Shapes, measured by coverage.py."""


class Square:
    """A square."""

    def __init__(self, side):
        self.side = side

    def area(self):
        """The area."""
        return self.side * self.side


def classify(n):
    """Says what n is."""
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    if n > 1000:
        return "large"
    return "positive"


def unused(a, b):
    total = 0
    for i in range(a):
        total += i * b
    return total
`;
  const DRIVER = `import sys
from pkg import shapes

for arg in sys.argv[1:]:
    print(shapes.classify(int(arg)))
print(shapes.Square(3).area())
`;

  interface Totals {
    covered_lines: number;
    num_statements: number;
    covered_branches?: number;
    num_branches?: number;
    percent_covered: number;
  }

  function coverage(ws: Workspace, dataFile: string, ...args: string[]): string {
    return execFileSync('/usr/bin/python3-coverage', args, {
      cwd: ws.dir,
      env: { ...process.env, COVERAGE_FILE: dataFile },
      encoding: 'utf8',
    });
  }

  function project(branch: boolean): Workspace {
    const ws = workspace();
    ws.write('pkg/__init__.py', '');
    ws.write('pkg/shapes.py', MODULE);
    ws.write('run.py', DRIVER);
    const mode = branch ? ['--branch'] : [];
    coverage(ws, '.coverage.a', 'run', ...mode, '--source=pkg', 'run.py', '5');
    coverage(ws, '.coverage.b', 'run', ...mode, '--source=pkg', 'run.py', '-1', '0');
    coverage(ws, '.coverage.a', 'json', '-o', 'a.json');
    coverage(ws, '.coverage.b', 'json', '-o', 'b.json');
    coverage(ws, '.coverage', 'combine', '--keep', '.coverage.a', '.coverage.b');
    coverage(ws, '.coverage', 'json', '-o', 'combined.json');
    return ws;
  }

  const totalsOf = (ws: Workspace, file: string) =>
    (JSON.parse(readFileSync(path.join(ws.dir, file), 'utf8')) as { totals: Totals }).totals;

  function executedBeyondStatements(ws: Workspace, file: string): number {
    const report = JSON.parse(readFileSync(path.join(ws.dir, file), 'utf8')) as {
      files: Record<string, { executed_lines: number[]; summary: Totals }>;
    };
    return Object.values(report.files).reduce(
      (sum, entry) => sum + entry.executed_lines.length - entry.summary.covered_lines,
      0,
    );
  }

  test.each([false, true])(
    'branch=%s: one report gives coverage.py totals, and a gate just above them fails',
    async (branch) => {
      const ws = project(branch);
      // The class of report this is about: executed_lines longer than the covered statements.
      expect(executedBeyondStatements(ws, 'a.json')).toBeGreaterThan(0);
      const totals = totalsOf(ws, 'a.json');
      const covered = totals.covered_lines + (totals.covered_branches ?? 0);
      const total = totals.num_statements + (totals.num_branches ?? 0);
      const text = coverage(ws, '.coverage.a', 'report', '--precision=2');
      const printed = /^TOTAL\s.*\s(\d+\.\d\d)%$/m.exec(text)![1];

      const threshold = (Math.floor(totals.percent_covered * 100) / 100 + 0.01).toFixed(2);
      const main = await gate(ws, { files: 'a.json', 'min-coverage': threshold });
      expect(main.outputs.coverage).toBe(shown(covered, total));
      expect(Math.abs(Number(main.outputs.coverage) - Number(printed))).toBeLessThan(0.01);
      expect(main.outputs.line).toBe(shown(totals.covered_lines, totals.num_statements));
      if (branch) {
        expect(main.outputs.branch).toBe(shown(totals.covered_branches!, totals.num_branches!));
      }
      expect(main.exitCode).toBe(1);
      expect(main.outputs.passed).toBe('false');
    },
  );

  test.each([false, true])(
    'branch=%s: two runs merged line by line equal `coverage combine`',
    async (branch) => {
      const ws = project(branch);
      const combined = totalsOf(ws, 'combined.json');
      const main = await gate(ws, { files: 'a.json\nb.json' });
      expect(main.exitCode).toBe(0);
      expect(main.outputs.line).toBe(shown(combined.covered_lines, combined.num_statements));
      if (!branch) {
        // Branches cannot be merged from counts alone; lines are exact.
        expect(main.outputs.coverage).toBe(shown(combined.covered_lines, combined.num_statements));
      }
    },
  );
});

describe("Istanbul coverage-final.json with null counts (istanbul-lib-coverage's summary)", () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createInstrumenter } = require('istanbul-lib-instrument') as {
    createInstrumenter: (options: object) => {
      instrumentSync: (code: string, file: string) => string;
    };
  };
  const { createCoverageMap } = require('istanbul-lib-coverage') as {
    createCoverageMap: (data: object) => {
      getCoverageSummary: () => { data: Record<string, Ratio> };
    };
  };
  /* eslint-enable @typescript-eslint/no-require-imports */

  const SOURCE = `function pick(a, b) {
  if (a > b) { return a; }
  return b || 0;
}
function never(x) { return x ? 1 : 2; }
module.exports = pick(2, 1) + pick(0, 3);
`;

  /** coverage-final.json of SOURCE, made by istanbul-lib-instrument and a run of the code. */
  function istanbulReport(file: string): Record<string, { b: Record<string, unknown[]> }> {
    const code = createInstrumenter({ coverageVariable: '__coverage__' }).instrumentSync(
      SOURCE,
      file,
    );
    const context: Record<string, unknown> = { module: { exports: {} } };
    vm.runInNewContext(code, context);
    return JSON.parse(JSON.stringify(context.__coverage__)) as Record<
      string,
      { b: Record<string, unknown[]> }
    >;
  }

  test('a null in a branch array is a branch not taken; the gate fails where Istanbul is below it', async () => {
    const ws = workspace();
    ws.write('src/pick.js', SOURCE);
    const file = path.join(ws.dir, 'src/pick.js');
    const report = istanbulReport(file);
    // Every branch array gets a null in place of its last count, as merged reports have it.
    for (const counts of Object.values(report[file].b)) counts[counts.length - 1] = null;
    ws.write('coverage/coverage-final.json', JSON.stringify(report));
    const summary = createCoverageMap(report).getCoverageSummary().data;
    expect(summary.branches.total).toBeGreaterThan(summary.branches.covered);

    const threshold = (
      Math.floor((summary.branches.covered * 10000) / summary.branches.total) / 100 +
      0.01
    ).toFixed(2);
    const main = await gate(ws, {
      files: 'coverage/coverage-final.json',
      'min-branch': threshold,
    });
    expect(main.outputs.branch).toBe(shown(summary.branches.covered, summary.branches.total));
    expect(main.outputs.line).toBe(shown(summary.lines.covered, summary.lines.total));
    expect(main.outputs.function).toBe(shown(summary.functions.covered, summary.functions.total));
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      `Branches ${shown(summary.branches.covered, summary.branches.total)}% < ${threshold}% (min-branch): ${summary.branches.covered} of ${summary.branches.total} branches covered`,
    ]);
  });
});

describe('lcov: LF/LH that contradict the DA lines (Debian lcov --summary)', () => {
  test('the DA lines count, as lcov --summary counts them', async () => {
    const ws = workspace();
    ws.addSources('c');
    // gcov's tracefile (fixtures/make-fixtures.sh) with its LF/LH records made wrong.
    ws.write(
      'coverage.info',
      fixtureText('c/coverage.info')
        .replace(/^LF:\d+$/gm, 'LF:99')
        .replace(/^LH:\d+$/gm, 'LH:98'),
    );
    const summary = execFileSync(
      'lcov',
      ['--summary', 'coverage.info', '--rc', 'lcov_branch_coverage=1'],
      { cwd: ws.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const match = /lines\.*: [\d.]+% \((\d+) of (\d+) lines\)/.exec(summary)!;
    const main = await gate(ws, { files: 'coverage.info' });
    expect(Number(match[2])).not.toBe(99);
    expect(main.outputs.line).toBe(shown(Number(match[1]), Number(match[2])));
  });
});

describe('Cobertura as its writers mean it', () => {
  // After coverlet's Cobertura writer (coverlet.core's CoberturaReporter): booleans written by
  // .NET's ToString(), `branch="True"`, and condition-coverage "percent (covered/total)".
  const COVERLET = `<?xml version="1.0" encoding="utf-8"?>
<coverage line-rate="0.75" branch-rate="0.3333" version="1.9" timestamp="1700000000" lines-covered="3" lines-valid="4" branches-covered="2" branches-valid="6">
  <sources>
    <source>SOURCES/</source>
  </sources>
  <packages>
    <package name="Shop" line-rate="0.75" branch-rate="0.3333" complexity="4">
      <classes>
        <class name="Shop.Cart" filename="src/Cart.cs" line-rate="0.75" branch-rate="0.3333" complexity="4">
          <methods>
            <method name="Total" signature="()" line-rate="0.75" branch-rate="0.3333" complexity="4">
              <lines>
                <line number="3" hits="4" branch="True" condition-coverage="50% (1/2)" />
              </lines>
            </method>
          </methods>
          <lines>
            <line number="3" hits="4" branch="True" condition-coverage="50% (1/2)">
              <conditions>
                <condition number="7" type="jump" coverage="50%" />
              </conditions>
            </line>
            <line number="4" hits="4" branch="False" />
            <line number="5" hits="0" branch="True" condition-coverage="25% (1/4)">
              <conditions>
                <condition number="12" type="switch" coverage="25%" />
              </conditions>
            </line>
            <line number="6" hits="1" branch="False" />
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
`;

  /** Branches counted from the report's own condition-coverage attributes. */
  function conditions(xml: string): Ratio {
    const classLines = xml.replace(/<methods>[\s\S]*?<\/methods>/g, '');
    let covered = 0;
    let total = 0;
    for (const match of classLines.matchAll(/condition-coverage="\d+% \((\d+)\/(\d+)\)"/g)) {
      covered += Number(match[1]);
      total += Number(match[2]);
    }
    return { covered, total };
  }

  test('coverlet\'s branch="True" lines count, and a branch gate above them fails', async () => {
    const ws = workspace();
    ws.write('src/Cart.cs', 'class Cart {}\n');
    ws.write('coverage.cobertura.xml', COVERLET);
    const branches = conditions(COVERLET);
    expect(branches).toEqual({ covered: 2, total: 6 });
    const main = await gate(ws, { files: 'coverage.cobertura.xml', 'min-branch': '34' });
    expect(main.outputs.branch).toBe(shown(branches.covered, branches.total));
    expect(main.outputs.line).toBe(shown(3, 4));
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      `Branches ${shown(2, 6)}% < 34.00% (min-branch): 2 of 6 branches covered`,
    ]);
  });

  // After php-code-coverage's Cobertura writer with path coverage: the branch totals are in the
  // root element only, every <line> says branch="false".
  const PHP = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage line-rate="0.8" branch-rate="0.4" lines-covered="4" lines-valid="5" branches-covered="2" branches-valid="5" complexity="3" version="0.4" timestamp="1700000000">
  <sources>
    <source>/app</source>
  </sources>
  <packages>
    <package name="" line-rate="0.8" branch-rate="0.4" complexity="3">
      <classes>
        <class name="App\\Price" filename="src/Price.php" line-rate="0.8" branch-rate="0.4" complexity="3">
          <methods>
            <method name="net" signature="" line-rate="0.8" branch-rate="0.4" complexity="3">
              <lines>
                <line number="9" hits="3"/>
              </lines>
            </method>
          </methods>
          <lines>
            <line number="9" hits="3"/>
            <line number="10" hits="3"/>
            <line number="11" hits="0"/>
            <line number="13" hits="3"/>
            <line number="14" hits="3"/>
          </lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
`;

  test('branch totals only in the header are gated on, with a notice naming the report', async () => {
    const ws = workspace();
    ws.write('src/Price.php', '<?php\n');
    ws.write('build/cobertura.xml', PHP);
    const failing = await gate(ws, { files: 'build/cobertura.xml', 'min-branch': '40.01' });
    expect(failing.exitCode).toBe(1);
    expect(failing.outputs.branch).toBe('40.00');
    expect(failing.outputs.line).toBe('80.00');
    expect(failing.notices).toEqual([
      expect.stringMatching(/^build\/cobertura\.xml: no <line> carries the branches detail/),
    ]);

    const passing = await gate(ws, { files: 'build/cobertura.xml', 'min-branch': '40' });
    expect(passing.exitCode).toBe(0);
    expect(passing.outputs.branch).toBe('40.00');
  });
});
