// coverage-gate's counts for JaCoCo XML, Go profiles and Clover XML against the figures the real
// tools give for the same data, made live here: Debian's JaCoCo agent and report API on the JDK
// (libjacoco-java, default-jdk-headless), Debian's Go (golang-go: go test -coverprofile, go tool
// cover -func), and Jest's Clover report (Istanbul's writer, from node_modules). A missing tool
// fails the tests, naming the package to install; CI installs them (action-tests/setup).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gateRuns, shown, type Ratio, type Workspace } from './workspace';

jest.setTimeout(60_000);

const { workspace, gate } = gateRuns('coverage-gate-tools-');
const SOURCES = path.join(__dirname, 'fixtures', 'sources');

/** Fails, naming the Debian package, when a tool these tests run is not installed. */
function need(file: string, debianPackage: string): void {
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: install Debian's ${debianPackage} (apt-get install --no-install-recommends ${debianPackage}; .ci/run installs action-tests/setup/apt-packages.txt)`,
    );
  }
}

function run(program: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(program, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The bundle's headline, exact, from the summary file it wrote. */
function headline(outputs: Record<string, string>): Ratio & { basis: string } {
  const summary = JSON.parse(readFileSync(outputs['summary-file'], 'utf8')) as {
    headline: Ratio & { basis: string };
  };
  return summary.headline;
}

describe("JaCoCo: the report's counters (Debian's agent and report API)", () => {
  // fixtures/sources/java-modules: two modules, billing (packages com.acme.billing and
  // com.acme.billing.tax) and shipping, run by check/Drive.java under the agent. They hold
  // branches, a string switch and an enum switch (which JaCoCo filters in part), methods
  // never called, a class never loaded (Discount), lambdas (each a method of its own), an
  // anonymous class, and a nested class whose constructor has its outer class's name and
  // descriptor. tools/ModuleReport.java writes the XML and CSV reports with JaCoCo's report
  // API, a group per module when there are two, and prints the bundles' counters.
  const PROJECT = path.join(SOURCES, 'java-modules');
  const JARS = '/usr/share/java';
  const TYPES = ['LINE', 'BRANCH', 'METHOD'] as const;
  type Counters = Record<(typeof TYPES)[number], Ratio>;
  interface JacocoReport {
    xml: string;
    csv: string;
    /** The counters JaCoCo's API gives, printed by ModuleReport: not read from the XML. */
    api: Counters;
  }
  let build: string;
  const reports: Record<'billing' | 'modules', JacocoReport> = {} as never;

  beforeAll(() => {
    need(path.join(JARS, 'org.jacoco.agent.jar'), 'libjacoco-java');
    need('/usr/bin/javac', 'default-jdk-headless');
    build = mkdtempSync(path.join(tmpdir(), 'coverage-gate-jacoco-'));
    const javac = (out: string, classpath: string, files: string[]) =>
      run('javac', ['--release', '11', '-g', '-cp', classpath, '-d', out, ...files], build);
    const javaFiles = (folder: string): string[] =>
      (readdirSync(path.join(PROJECT, folder), { recursive: true }) as string[])
        .filter((file) => file.endsWith('.java'))
        .map((file) => path.join(PROJECT, folder, file));
    javac('billing', '.', javaFiles('billing'));
    javac('shipping', '.', javaFiles('shipping'));
    javac('check', 'billing:shipping', javaFiles('check'));
    // Debian's org.jacoco.agent.jar carries the runnable agent inside it, as Maven's does.
    run('jar', ['xf', path.join(JARS, 'org.jacoco.agent.jar'), 'jacocoagent.jar'], build);
    run(
      'java',
      [
        '-javaagent:jacocoagent.jar=destfile=jacoco.exec',
        '-cp',
        'billing:shipping:check',
        'com.acme.check.Drive',
      ],
      build,
    );
    const tools = ['org.jacoco.core', 'org.jacoco.report', 'asm', 'asm-commons', 'asm-tree']
      .concat('asm-analysis')
      .map((jar) => path.join(JARS, `${jar}.jar`))
      .join(':');
    javac('tool', tools, [path.join(PROJECT, 'tools', 'ModuleReport.java')]);
    const report = (name: 'billing' | 'modules', modules: string[]): JacocoReport => {
      const printed = run(
        'java',
        [
          '-cp',
          `${tools}:tool`,
          'ModuleReport',
          'jacoco.exec',
          `${name}.xml`,
          `${name}.csv`,
          ...modules.map((m) => `${m}=${m}=${path.join(PROJECT, m, 'src', 'main', 'java')}`),
        ],
        build,
      );
      const api = {} as Counters;
      for (const type of TYPES) {
        const [, missed, covered] = new RegExp(`^${type} (\\d+) (\\d+)$`, 'm').exec(printed)!;
        api[type] = { covered: Number(covered), total: Number(missed) + Number(covered) };
      }
      const read = (file: string) => readFileSync(path.join(build, file), 'utf8');
      return { xml: read(`${name}.xml`), csv: read(`${name}.csv`), api };
    };
    reports.billing = report('billing', ['billing']);
    reports.modules = report('modules', ['billing', 'shipping']);
  }, 180_000);

  afterAll(() => {
    if (build) rmSync(build, { recursive: true, force: true });
  });

  /** The <counter> elements of the <report> element itself, after its last package or group. */
  function reportCounters(xml: string): Counters {
    const tail = /((?:<counter [^>]*\/>\s*)+)<\/report>\s*$/.exec(xml)![1];
    const counters = {} as Counters;
    for (const type of TYPES) {
      const match = new RegExp(`<counter type="${type}" missed="(\\d+)" covered="(\\d+)"`).exec(
        tail,
      )!;
      counters[type] = { covered: Number(match[2]), total: Number(match[1]) + Number(match[2]) };
    }
    return counters;
  }

  /** A counter summed over the CSV report's rows, one per class. */
  function csvSum(csv: string, type: string): Ratio {
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.split(',');
    const missed = columns.indexOf(`${type}_MISSED`);
    const covered = columns.indexOf(`${type}_COVERED`);
    let sum = { covered: 0, total: 0 };
    for (const row of rows.map((line) => line.split(','))) {
      sum = {
        covered: sum.covered + Number(row[covered]),
        total: sum.total + Number(row[missed]) + Number(row[covered]),
      };
    }
    return sum;
  }

  function expectJacocoFigures(report: JacocoReport, outputs: Record<string, string>): void {
    const counters = reportCounters(report.xml);
    // JaCoCo's own figures, found twice: the XML's report counters and the API's.
    expect(counters).toEqual(report.api);
    // Branches and methods also add up over the CSV's classes. Lines do not: a line that two
    // classes share (the anonymous class's `new Runnable() {`) is one line of its file.
    expect(csvSum(report.csv, 'BRANCH')).toEqual(counters.BRANCH);
    expect(csvSum(report.csv, 'METHOD')).toEqual(counters.METHOD);
    expect(outputs.line).toBe(shown(counters.LINE.covered, counters.LINE.total));
    expect(outputs.branch).toBe(shown(counters.BRANCH.covered, counters.BRANCH.total));
    expect(outputs.function).toBe(shown(counters.METHOD.covered, counters.METHOD.total));
    expect(outputs.coverage).toBe(outputs.line);
  }

  test('one module of two packages: LINE, BRANCH and METHOD counters', async () => {
    const report = reports.billing;
    // The sample is what it says: a class never loaded, lambdas, two <init>()V in one file.
    expect(report.csv).toMatch(/^[^,]*,com\.acme\.billing,Discount,\d+,0,/m);
    expect(report.xml).toContain('<method name="lambda$countAbove$0"');
    expect(report.xml).toContain('<method name="lambda$largest$1"');
    expect(report.xml.match(/<method name="&lt;init&gt;" desc="\(\)V"/g)).toHaveLength(3);
    const ws = workspace();
    ws.addSources('java-modules/billing');
    ws.write('target/site/jacoco/jacoco.xml', report.xml);
    const main = await gate(ws, {});
    expect(main.exitCode).toBe(0);
    expectJacocoFigures(report, main.outputs);
    expect(main.warnings).toEqual([]);
  });

  test("two modules, a group each (report-aggregate): the report's counters, and min-function just above them fails", async () => {
    const report = reports.modules;
    expect(report.xml).toMatch(/<group name="billing">[\s\S]*<group name="shipping">/);
    const methods = reportCounters(report.xml).METHOD;
    const threshold = (Math.floor((methods.covered * 10000) / methods.total) / 100 + 0.01).toFixed(
      2,
    );
    const ws = workspace();
    ws.addSources('java-modules');
    ws.write('build/reports/jacoco/aggregate/jacoco.xml', report.xml);
    const main = await gate(ws, { 'min-function': threshold });
    expectJacocoFigures(report, main.outputs);
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      `Functions ${shown(methods.covered, methods.total)}% < ${threshold}% (min-function): ${methods.covered} of ${methods.total} functions covered`,
    ]);
    expect(main.warnings).toEqual([]);
  });
});

describe('Go: `go tool cover -func` total (Debian golang-go)', () => {
  // fixtures/sources/go-packages: module example.com/geo, packages shapes and units with
  // tests, and internal/format without: only -coverpkg measures it, through units' tests.
  let goHome: string;
  const goEnv = () => ({
    GOPATH: path.join(goHome, 'gopath'),
    GOCACHE: path.join(goHome, 'cache'),
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
  });

  beforeAll(() => {
    need('/usr/bin/go', 'golang-go');
    goHome = mkdtempSync(path.join(tmpdir(), 'coverage-gate-go-'));
  });

  afterAll(() => {
    // The module has no dependencies: no read-only module cache to make writable first.
    if (goHome) rmSync(goHome, { recursive: true, force: true });
  });

  /**
   * A share as go prints it: `%.1f` of 100 * covered / total, which rounds the double's exact
   * value, a tie to even. toFixed rounds the exact value too but breaks a tie upwards; a tie is
   * a double that ends in .25 or .75 exactly (scaling by 4 is exact).
   */
  function goPercent(covered: number, total: number): string {
    const value = (100 * covered) / total;
    if (Number.isInteger(value * 4) && !Number.isInteger(value * 2)) {
      const down = Math.floor(value * 10);
      return ((down % 2 === 0 ? down : down + 1) / 10).toFixed(1);
    }
    return value.toFixed(1);
  }

  function goTest(ws: Workspace, profile: string, ...flags: string[]): string {
    run('go', ['test', ...flags, `-coverprofile=${profile}`, './...'], ws.dir, goEnv());
    return readFileSync(path.join(ws.dir, profile), 'utf8');
  }

  /** The same block listed more than once: what makes the counts add up (or, in set mode, OR). */
  function duplicateBlocks(profile: string): number {
    const blocks = profile.split('\n').filter((line) => /:\d+\.\d+,\d+\.\d+ /.test(line));
    const places = blocks.map((line) => line.replace(/ \d+$/, ''));
    return places.length - new Set(places).size;
  }

  test.each([
    ['count', ['-covermode=count'], false],
    ['atomic', ['-covermode=atomic'], false],
    [
      'count, -coverpkg=./... (every block once per test binary)',
      ['-covermode=count', '-coverpkg=./...'],
      true,
    ],
    ['set, -coverpkg=./...', ['-covermode=set', '-coverpkg=./...'], true],
  ])('%s', async (_, flags, duplicates) => {
    const ws = workspace();
    ws.addSources('go-packages');
    const profile = goTest(ws, 'cover.out', ...flags);
    expect(duplicateBlocks(profile) > 0).toBe(duplicates);
    const func = run('go', ['tool', 'cover', '-func=cover.out'], ws.dir, goEnv());
    const goTotal = /^total:\s+\(statements\)\s+([\d.]+)%$/m.exec(func)![1];
    const main = await gate(ws, { files: 'cover.out' });
    expect(main.exitCode).toBe(0);
    const ratio = headline(main.outputs);
    expect(ratio.basis).toBe('statements');
    expect(goPercent(ratio.covered, ratio.total)).toBe(goTotal);
    expect(main.outputs.coverage).toBe(shown(ratio.covered, ratio.total));
    expect(main.warnings).toEqual([]);
  });

  test('two runs concatenated into one profile: their counts add up, as go tool cover adds them', async () => {
    const ws = workspace();
    ws.addSources('go-packages');
    const first = goTest(ws, 'first.out', '-covermode=count', '-coverpkg=./...');
    const second = goTest(ws, 'second.out', '-covermode=count', '-coverpkg=./...');
    // go tool cover takes one mode line, at the top.
    ws.write('cover.out', first + second.slice(second.indexOf('\n') + 1));
    const func = run('go', ['tool', 'cover', '-func=cover.out'], ws.dir, goEnv());
    const goTotal = /^total:\s+\(statements\)\s+([\d.]+)%$/m.exec(func)![1];
    const single = run('go', ['tool', 'cover', '-func=first.out'], ws.dir, goEnv());
    expect(/^total:.*$/m.exec(single)![0]).toBe(/^total:.*$/m.exec(func)![0]);
    const main = await gate(ws, { files: 'cover.out' });
    const ratio = headline(main.outputs);
    expect(goPercent(ratio.covered, ratio.total)).toBe(goTotal);
    const alone = await gate(ws, { files: 'first.out' });
    expect(headline(alone.outputs)).toEqual(ratio);
    expect(main.warnings).toEqual([]);
  });
});

describe("Clover: the project's <metrics> (Jest's Clover report, Istanbul's writer)", () => {
  // What the action counts in a Clover report, against the <project><metrics> element:
  //   line     = coveredstatements of statements: the stmt and cond <line> elements (Istanbul
  //              writes one per line that holds a statement, and counts them as statements);
  //   branch   = coveredconditionals of conditionals, summed over the files' <metrics>;
  //   function = coveredmethods of methods, summed over the files' <metrics> (Istanbul writes
  //              no type="method" lines).
  // The report is written by the repository's Jest (coverageReporters clover and json), as a
  // JavaScript project's CI writes it.
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const { createCoverageMap } = require('istanbul-lib-coverage') as {
    createCoverageMap: (data: object) => {
      getCoverageSummary: () => { data: Record<string, Ratio> };
    };
  };

  // Three files in two folders: two run (two statements on one line, a default argument, a
  // logical expression), one never loaded, which collectCoverageFrom still reports.
  const FILES: Record<string, string> = {
    'src/cart.js': `function total(items, discount = 0) {
  let sum = 0; for (const item of items) { sum += item.price * (item.count || 1); }
  if (discount > 0 && discount < 100) {
    sum -= (sum * discount) / 100;
  }
  return sum;
}
function empty(items) { return items.length === 0 ? 'empty' : 'full'; }
module.exports = { total, empty };
`,
    'src/util/money.js': `const rates = { EUR: 1, USD: 0.9 };
function convert(amount, currency) {
  const rate = rates[currency];
  if (rate === undefined) throw new Error('unknown currency ' + currency);
  return amount * rate;
}
module.exports = { convert };
`,
    'src/util/unused.js': `module.exports = function round(value, places) {
  return places ? Math.round(value * 10 ** places) / 10 ** places : Math.round(value);
};
`,
    'test/cart.test.js': `const { total, empty } = require('../src/cart');
const { convert } = require('../src/util/money');
test('cart', () => {
  expect(total([{ price: 10 }, { price: 5, count: 2 }], 10)).toBe(18);
  expect(empty([])).toBe('empty');
  expect(convert(10, 'USD')).toBe(9);
});
`,
  };

  test('lines, branches and functions equal the project metrics, over two folders and a file never run', async () => {
    const ws = workspace();
    for (const [file, source] of Object.entries(FILES)) ws.write(file, source);
    const config = {
      rootDir: ws.dir,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/*.test.js'],
      collectCoverageFrom: ['src/**/*.js'],
      coverageReporters: ['clover', 'json'],
      coverageDirectory: 'coverage',
      cacheDirectory: path.join(ws.dir, '.jest-cache'),
    };
    run(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--coverage', '--ci'],
      ws.dir,
    );
    const xml = readFileSync(path.join(ws.dir, 'coverage', 'clover.xml'), 'utf8');
    expect(xml.match(/<file /g)).toHaveLength(3);

    const metrics = /<project [^>]*>\s*<metrics ([^>]*)\/>/.exec(xml)![1];
    const metric = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(metrics)![1]);
    const project = {
      statements: { covered: metric('coveredstatements'), total: metric('statements') },
      conditionals: { covered: metric('coveredconditionals'), total: metric('conditionals') },
      methods: { covered: metric('coveredmethods'), total: metric('methods') },
    };
    // The same figures from istanbul-lib-coverage's summary of Jest's coverage-final.json, not
    // from the XML's text.
    const final = JSON.parse(
      readFileSync(path.join(ws.dir, 'coverage', 'coverage-final.json'), 'utf8'),
    ) as object;
    const summary = createCoverageMap(final).getCoverageSummary().data;
    expect(project).toEqual({
      statements: { covered: summary.lines.covered, total: summary.lines.total },
      conditionals: { covered: summary.branches.covered, total: summary.branches.total },
      methods: { covered: summary.functions.covered, total: summary.functions.total },
    });
    // Two statements on one line: statements are lines here, and fewer than Istanbul's.
    expect(summary.statements.total).toBeGreaterThan(project.statements.total);
    expect(project.methods.total - project.methods.covered).toBeGreaterThan(0);

    const main = await gate(ws, { files: 'coverage/clover.xml' });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.line).toBe(shown(project.statements.covered, project.statements.total));
    expect(main.outputs.branch).toBe(
      shown(project.conditionals.covered, project.conditionals.total),
    );
    expect(main.outputs.function).toBe(shown(project.methods.covered, project.methods.total));
    expect(main.outputs.coverage).toBe(main.outputs.line);
    expect(main.warnings).toEqual([]);
  });
});
