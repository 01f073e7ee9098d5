// Each parser against reports the real tools wrote (action-tests/coverage-gate/fixtures, made
// by make-fixtures.sh), compared with the figures those tools print themselves, and against
// small hand-written reports for what the installed tools cannot produce.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CoverageSet } from '../coverage-set';
import { chooseHeadline, computeTotals } from '../metrics';
import type { FileRecord, ReportInfo } from '../model';
import { mergeLines } from '../packed-detail';
import { formatExact, type Ratio } from '../percent';
import { detectFormat, PARSERS, type Format } from './formats';

const REPORTS = path.resolve(__dirname, '../../../../action-tests/coverage-gate/fixtures/reports');
const fixture = (name: string) => readFileSync(path.join(REPORTS, name), 'utf8');

type Counts = Record<'lines' | 'branches' | 'functions', Ratio>;
interface CoveragePyTotals {
  covered_lines: number;
  num_statements: number;
  covered_branches?: number;
  num_branches?: number;
  percent_covered: number;
}
const istanbulTotals = () =>
  (JSON.parse(fixture('js/coverage-summary.json')) as { total: Counts }).total;
const coveragePyTotals = (name: string) =>
  (JSON.parse(fixture(name)) as { totals: CoveragePyTotals }).totals;
const pick = (ratio: Ratio): Ratio => ({ covered: ratio.covered, total: ratio.total });

/** Splits text into small chunks, so records, tags and lines straddle chunk boundaries. */
function chunked(text: string, size = 37): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

interface Parsed {
  records: FileRecord[];
  info: ReportInfo;
  set: CoverageSet;
}

async function parse(format: Format, text: string, chunkSize?: number): Promise<Parsed> {
  const records: FileRecord[] = [];
  const info = await PARSERS[format](chunkSize ? chunked(text, chunkSize) : [text], (record) =>
    records.push(record),
  );
  const set = new CoverageSet();
  for (const record of records) set.add(record.unnamed ? '(unnamed)' : record.path, record);
  return { records, info, set };
}

function totalsOf(parsed: Parsed) {
  return computeTotals(parsed.set);
}

/** `lines......: 75.0% (9 of 12 lines)` from `lcov --summary`. */
function lcovSummary(text: string, metric: string): Ratio {
  const match = new RegExp(`${metric}\\.*: [\\d.]+% \\((\\d+) of (\\d+)`).exec(text);
  if (!match) throw new Error(`no ${metric} in lcov's summary`);
  return { covered: Number(match[1]), total: Number(match[2]) };
}

describe('lcov', () => {
  const summary = fixture('c/lcov-summary.txt');

  test("gcov's tracefile gives lcov's own LH/LF, FNH/FNF and BRH/BRF", async () => {
    const totals = totalsOf(await parse('lcov', fixture('c/coverage.info'), 41));
    expect(totals.lines).toEqual(lcovSummary(summary, 'lines'));
    expect(totals.functions).toEqual(lcovSummary(summary, 'functions'));
    expect(totals.branches).toEqual(lcovSummary(summary, 'branches'));
  });

  test('the same tracefile concatenated twice counts each line once, with hits added', async () => {
    const once = await parse('lcov', fixture('c/coverage.info'));
    const twice = await parse('lcov', fixture('c/coverage.info') + fixture('c/coverage.info'));
    expect(twice.records).toHaveLength(2);
    expect(totalsOf(twice).lines).toEqual(totalsOf(once).lines);
    expect(totalsOf(twice).branches).toEqual(totalsOf(once).branches);
    expect(totalsOf(twice).functions).toEqual(totalsOf(once).functions);
    // Merged line by line, hits add up; the merged file keeps which lines ran.
    const merged = mergeLines(twice.records[0].lines, twice.records[1].lines);
    expect(Array.from(merged.hits)).toEqual(
      Array.from(once.records[0].lines.hits, (hits) => hits * 2),
    );
    const [file] = twice.set.figures();
    const [onceFile] = once.set.figures();
    expect(twice.set.measuredLines(file.path)).toEqual(once.set.measuredLines(onceFile.path));
  });

  test("Jest's lcov matches Istanbul's own totals", async () => {
    const istanbul = istanbulTotals();
    const totals = totalsOf(await parse('lcov', fixture('js/lcov.info')));
    expect(totals.lines).toEqual(pick(istanbul.lines));
    expect(totals.branches).toEqual(pick(istanbul.branches));
    expect(totals.functions).toEqual(pick(istanbul.functions));
  });

  test('lcov 2.x FNL/FNA records count a function once, whatever its aliases', async () => {
    // The layout of geninfo(1) from lcov 2.2: FNL:<index>,<line>[,<end>] and FNA:<index>,<hits>,<name>.
    const report = [
      'TN:',
      'SF:src/templates.cpp',
      'FNL:0,3,6',
      'FNA:0,2,_Z3maxIiET_S0_S0_',
      'FNA:0,1,_Z3maxIdET_S0_S0_',
      'FNL:1,9',
      'FNA:1,0,unused',
      'FNF:2',
      'FNH:1',
      'DA:3,3',
      'DA:4,3',
      'DA:9,0',
      'BRDA:4,0,(a > b) == True,2',
      'BRDA:4,0,(a > b) == False,-',
      'LF:3',
      'LH:2',
      'end_of_record',
      '',
    ].join('\n');
    const parsed = await parse('lcov', report);
    const totals = totalsOf(parsed);
    expect(totals.functions).toEqual({ covered: 1, total: 2 });
    expect(totals.branches).toEqual({ covered: 1, total: 2 });
    expect(totals.lines).toEqual({ covered: 2, total: 3 });
    const [record] = parsed.records;
    expect(record.functions!.names).toEqual(['_Z3maxIiET_S0_S0_', 'unused']);
    expect(Array.from(record.functions!.hits)).toEqual([3, 0]);
  });

  test('a record without branch or function lines does not measure them', async () => {
    const totals = totalsOf(await parse('lcov', 'SF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n'));
    expect(totals.lines).toEqual({ covered: 1, total: 2 });
    expect(totals.branches).toBeUndefined();
    expect(totals.functions).toBeUndefined();
  });

  test.each([
    ['DA:1,1\n', /line 1: DA outside a record/],
    ['SF:a.c\nDA:1,1\n', /record of a\.c has no end_of_record/],
    ['SF:a.c\nDA:x,1\nend_of_record\n', /line 2: 'DA:x,1' is not DA/],
    ['TN:\n', /no SF records/],
  ])('%j is refused with where and why', async (text, message) => {
    await expect(parse('lcov', text)).rejects.toThrow(message);
  });
});

describe('Cobertura', () => {
  test("coverage.py's XML over two source folders keeps both roots and its own counts", async () => {
    const text = fixture('py-branch/coverage.xml');
    const parsed = await parse('cobertura', text, 53);
    const root = /<coverage [^>]*>/.exec(text)![0];
    const attribute = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(root)![1]);
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual({
      covered: attribute('lines-covered'),
      total: attribute('lines-valid'),
    });
    expect(totals.branches).toEqual({
      covered: attribute('branches-covered'),
      total: attribute('branches-valid'),
    });
    expect(totals.functions).toBeUndefined();
    expect(parsed.info.family).toBe('coverage.py');
    expect(parsed.records.map((record) => record.path).sort()).toEqual(['calc.py', 'text.py']);
    expect(parsed.records[0].roots).toEqual([
      '/tmp/coverage-gate-fixtures/py-branch/src_a',
      '/tmp/coverage-gate-fixtures/py-branch/src_b',
    ]);
  });

  test("Jest's Cobertura matches Istanbul's line and branch totals", async () => {
    const istanbul = istanbulTotals();
    const parsed = await parse('cobertura', fixture('js/cobertura-coverage.xml'), 29);
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual(pick(istanbul.lines));
    expect(totals.branches).toEqual(pick(istanbul.branches));
    expect(totals.functions?.total).toBe(istanbul.functions.total);
    expect(parsed.info.family).toBe('other');
  });

  test('Windows paths, entities, a DOCTYPE, CDATA and ">" inside attributes are read', async () => {
    const report = `<?xml version="1.0"?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd" [ <!ENTITY x "y"> ]>
<coverage line-rate="0.5" branch-rate="0" lines-valid="4" lines-covered="2" version="1">
  <sources><source>C:\\agent\\_work\\1\\s\\src</source><source><![CDATA[D:\\other]]></source></sources>
  <packages><package name="App"><classes>
    <class name="A&amp;B" filename="App\\Models\\Order.cs" line-rate="0.5">
      <methods><method name="Total" signature="() =&gt; int" line-rate="1">
        <lines><line number="3" hits="1"/></lines></method></methods>
      <lines>
        <line number="3" hits="1" branch="true" condition-coverage="50% (1/2)"/>
        <line number="4" hits='0' note="a > b"/>
      </lines>
    </class>
    <class name="A&amp;B+Inner" filename="App\\Models\\Order.cs" line-rate="0.5">
      <methods/>
      <lines><line number="9" hits="2"/><line number="10" hits="0"/></lines>
    </class>
  </classes></package></packages>
</coverage>`;
    const parsed = await parse('cobertura', report, 11);
    expect(parsed.records.map((record) => record.path)).toEqual([
      'App/Models/Order.cs',
      'App/Models/Order.cs',
    ]);
    expect(parsed.records[0].roots).toEqual(['C:/agent/_work/1/s/src', 'D:/other']);
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual({ covered: 2, total: 4 });
    expect(totals.branches).toEqual({ covered: 1, total: 2 });
    expect(totals.functions).toEqual({ covered: 1, total: 1 });
  });

  test.each([
    ['<coverage><packages><package>', /ends inside|before its root element is closed/],
    ['<report></report>', /not a Cobertura report/],
    ['<coverage line-rate="1"></coverage>', /no <class> elements/],
    [
      '<coverage><class filename="a"><lines><line hits="1"/></lines></class></coverage>',
      /has no number/,
    ],
  ])('%j is refused', async (text, message) => {
    await expect(parse('cobertura', text)).rejects.toThrow(message);
  });
});

describe('Cobertura attribute values and header totals', () => {
  // Hand-written after the Cobertura DTD (coverage-04.dtd) and the values its writers put in it.
  const report = (root: string, branch: string, lines = '') => `<?xml version="1.0"?>
<coverage ${root} version="1">
  <packages><package name="p"><classes>
    <class name="C" filename="src/c.cs">
      <lines>${lines}
        <line number="1" hits="1" branch="${branch}" condition-coverage="50% (1/2)"/>
        <line number="2" hits="0" branch="${branch}" condition-coverage="25% (1/4)"/>
      </lines>
    </class>
  </classes></package></packages>
</coverage>`;

  test.each(['true', 'True', 'TRUE', '1', ' true '])(
    'branch="%s" is a branch line',
    async (value) => {
      const totals = totalsOf(await parse('cobertura', report('', value), 17));
      expect(totals.branches).toEqual({ covered: 2, total: 6 });
    },
  );

  test.each(['false', 'False', '0'])('branch="%s" is not', async (value) => {
    const totals = totalsOf(await parse('cobertura', report('', value)));
    expect(totals.branches).toBeUndefined();
  });

  test('a header that disagrees with the lines loses to them', async () => {
    const parsed = await parse(
      'cobertura',
      report('lines-valid="9" lines-covered="9" branches-valid="9" branches-covered="1"', 'True'),
    );
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual({ covered: 1, total: 2 });
    expect(totals.branches).toEqual({ covered: 2, total: 6 });
    expect(parsed.info.notices).toBeUndefined();
  });

  test('branch totals only in the header count for the report, with a notice', async () => {
    const parsed = await parse(
      'cobertura',
      report('lines-valid="2" lines-covered="1" branches-valid="7" branches-covered="3"', 'false'),
    );
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual({ covered: 1, total: 2 });
    expect(totals.branches).toEqual({ covered: 3, total: 7 });
    expect(parsed.info.notices).toEqual([
      expect.stringContaining('(3 of 7 branches) are used for the report as a whole'),
    ]);
  });

  test('line totals only in the header count when no class has a line', async () => {
    const text = `<coverage lines-valid="10" lines-covered="4" branches-valid="0" branches-covered="0">
  <packages><package name="p"><classes><class name="C" filename="c.php"/></classes></package></packages>
</coverage>`;
    const parsed = await parse('cobertura', text);
    expect(totalsOf(parsed).lines).toEqual({ covered: 4, total: 10 });
    expect(parsed.info.notices).toEqual([expect.stringContaining('4 of 10 lines')]);
  });
});

describe('coverage.py text', () => {
  test("the seed's `pytest -v --cov=.` output gives exact counts, not the rounded 80%", async () => {
    const parsed = await parse('coverage-py-text', fixture('py-seed/cov-report.txt'), 64);
    const json = coveragePyTotals('py-seed/coverage.json');
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual({ covered: json.covered_lines, total: json.num_statements });
    expect(formatExact(chooseHeadline(totals, [parsed.info]).value!)).toBe('79.96');
    expect(parsed.info).toEqual({ family: 'coverage.py', printedTotal: '80%' });
  });

  test('with branch columns, lines are exact and the printed total is the headline', async () => {
    const parsed = await parse('coverage-py-text', fixture('py-branch/cov-report.txt'));
    const json = coveragePyTotals('py-branch/coverage.json');
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual({ covered: json.covered_lines, total: json.num_statements });
    expect(totals.branches).toBeUndefined();
    expect(parsed.info).toEqual({
      family: 'coverage.py',
      printedTotal: '64%',
      inexactBranches: true,
    });
    const headline = chooseHeadline(totals, [parsed.info]);
    expect(headline.printed).toBe(true);
    expect(formatExact(headline.value!)).toBe('64.00');
  });

  test('a table printed with --precision=2 keeps its decimals', async () => {
    const parsed = await parse(
      'coverage-py-text',
      fixture('py-branch/coverage-report-precise.txt'),
    );
    expect(parsed.info.printedTotal).toBe('63.83%');
  });

  test('files skipped as fully covered still count, from the TOTAL row', async () => {
    const report = [
      'Name        Stmts   Miss  Cover   Missing',
      '-----------------------------------------',
      'pkg\\a.py       10      4    60%   3-6',
      '-----------------------------------------',
      'TOTAL          30      4    87%',
      '',
      '2 files skipped due to complete coverage.',
    ].join('\n');
    const parsed = await parse('coverage-py-text', report);
    expect(parsed.records.map((record) => [record.path, record.unnamed === true])).toEqual([
      ['pkg/a.py', false],
      ['', true],
    ]);
    expect(totalsOf(parsed).lines).toEqual({ covered: 26, total: 30 });
  });

  test("coverage 7's markdown table is read", async () => {
    const report = [
      '| Name | Stmts | Miss | Cover |',
      '|---|---:|---:|---:|',
      '| a.py | 10 | 1 | 90% |',
      '| b.py | 10 | 2 | 80% |',
      '| **TOTAL** | **20** | **3** | **85%** |',
    ].join('\n');
    expect(totalsOf(await parse('coverage-py-text', report)).lines).toEqual({
      covered: 17,
      total: 20,
    });
  });

  test('the last table of several is the one read', async () => {
    const table = (miss: number) =>
      `Name  Stmts  Miss  Cover\n------\na.py  10  ${miss}  x%\n`.replace(
        'x%',
        `${100 - miss * 10}%`,
      );
    const parsed = await parse('coverage-py-text', `${table(5)}\nmore output\n${table(1)}`);
    expect(totalsOf(parsed).lines).toEqual({ covered: 9, total: 10 });
  });

  test('output without a table is refused, saying what was looked for', async () => {
    await expect(parse('coverage-py-text', 'collected 3 items\n3 passed\n')).rejects.toThrow(
      /no coverage\.py table/,
    );
  });
});

describe('coverage.py JSON', () => {
  test.each(['py-seed', 'py-branch'])(
    '%s: the totals coverage.py computed itself',
    async (project) => {
      const text = fixture(`${project}/coverage.json`);
      const json = coveragePyTotals(`${project}/coverage.json`);
      const parsed = await parse('coverage-py-json', text, 97);
      const totals = totalsOf(parsed);
      expect(totals.lines).toEqual({ covered: json.covered_lines, total: json.num_statements });
      if (json.num_branches !== undefined) {
        expect(totals.branches).toEqual({
          covered: json.covered_branches,
          total: json.num_branches,
        });
      }
      const headline = chooseHeadline(totals, [parsed.info]);
      // coverage.py's percent_covered is the same fraction as a float.
      expect(
        Math.abs(Number(formatExact(headline.value!, 10)) - json.percent_covered),
      ).toBeLessThan(1e-9);
      expect(headline.ratio).toEqual({
        covered: json.covered_lines + (json.covered_branches ?? 0),
        total: json.num_statements + (json.num_branches ?? 0),
      });
    },
  );
  test('executed lines that are not statements never count as statements', async () => {
    // The shape Debian's coverage.py 6.5 writes for a module with a docstring (line 1) and a
    // class docstring (line 7): both executed, neither a statement.
    const file = (executed: number[], missing: number[], covered: number) => ({
      executed_lines: executed,
      missing_lines: missing,
      excluded_lines: [],
      summary: {
        covered_lines: covered,
        num_statements: covered + missing.length,
        missing_lines: missing.length,
      },
    });
    const report = (entry: object) =>
      JSON.stringify({
        meta: { version: '6.5.0', branch_coverage: false },
        files: { 'pkg/mod.py': entry, 'pkg/__init__.py': file([0], [], 0) },
      });
    const one = await parse(
      'coverage-py-json',
      report(file([1, 3, 6, 7, 9, 11, 14, 15, 16], [17], 7)),
    );
    expect(totalsOf(one).lines).toEqual({ covered: 7, total: 8 });
    // A second run that missed line 15 but ran 17: merged, only lines both missed stay missed.
    const two = await parse(
      'coverage-py-json',
      report(file([1, 3, 6, 7, 9, 11, 14, 16, 17], [15], 7)),
    );
    const set = new CoverageSet();
    for (const record of [...one.records, ...two.records]) set.add(record.path, record);
    expect(computeTotals(set).lines).toEqual({ covered: 8, total: 8 });
  });
});

describe('Istanbul', () => {
  const istanbul = { total: istanbulTotals() };

  test('null in a branch or statement array is an entry not taken, as istanbul-lib-coverage counts', async () => {
    const loc = (line: number) => ({ start: { line, column: 0 }, end: { line, column: 9 } });
    const report = JSON.stringify({
      'a.js': {
        path: 'a.js',
        statementMap: { '0': loc(1), '1': loc(2), '2': loc(3) },
        s: { '0': 1, '1': null, '2': 0 },
        fnMap: { '0': { name: 'f', decl: loc(1), loc: loc(1) } },
        f: { '0': null },
        branchMap: { '0': { type: 'if', loc: loc(2), locations: [loc(2), loc(2)] } },
        b: { '0': [2, null] },
      },
    });
    const totals = totalsOf(await parse('istanbul-final', report, 13));
    expect(totals.lines).toEqual({ covered: 1, total: 3 });
    expect(totals.branches).toEqual({ covered: 1, total: 2 });
    expect(totals.functions).toEqual({ covered: 0, total: 1 });
  });

  test("coverage-final.json gives Istanbul's own totals", async () => {
    const totals = totalsOf(await parse('istanbul-final', fixture('js/coverage-final.json'), 101));
    expect(totals.lines).toEqual(pick(istanbul.total.lines));
    expect(totals.branches).toEqual(pick(istanbul.total.branches));
    expect(totals.functions).toEqual(pick(istanbul.total.functions));
  });

  test('coverage-summary.json gives its totals from its files', async () => {
    const parsed = await parse('istanbul-summary', fixture('js/coverage-summary.json'));
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual(pick(istanbul.total.lines));
    expect(totals.branches).toEqual(pick(istanbul.total.branches));
    expect(parsed.records.every((record) => record.lines.lines.length === 0)).toBe(true);
  });

  test('Clover from Istanbul gives its project metrics', async () => {
    const text = fixture('js/clover.xml');
    const metrics = /<project[^>]*>\s*<metrics ([^>]*)\/>/.exec(text)![1];
    const value = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(metrics)![1]);
    const totals = totalsOf(await parse('clover', text, 23));
    expect(totals.lines).toEqual({
      covered: value('coveredstatements'),
      total: value('statements'),
    });
    expect(totals.branches).toEqual({
      covered: value('coveredconditionals'),
      total: value('conditionals'),
    });
    expect(totals.functions).toEqual({ covered: value('coveredmethods'), total: value('methods') });
  });

  test.each([
    ['{"a.js": {"s": {}}}', /has no statementMap and s/],
    ['{"a.js": ', /not valid JSON/],
    ['[]', /not an object/],
  ])('%j is refused', async (text, message) => {
    await expect(parse('istanbul-final', text)).rejects.toThrow(message);
  });
});

describe('JaCoCo', () => {
  test("the report's own LINE, BRANCH and METHOD counters", async () => {
    const text = fixture('java/jacoco.xml');
    // The report-level counters are the last ones, after the last </package>.
    const tail = text.slice(text.lastIndexOf('</package>'));
    const counter = (type: string): Ratio => {
      const match = new RegExp(`<counter type="${type}" missed="(\\d+)" covered="(\\d+)"`).exec(
        tail,
      )!;
      return { covered: Number(match[2]), total: Number(match[1]) + Number(match[2]) };
    };
    const parsed = await parse('jacoco', text, 31);
    const totals = totalsOf(parsed);
    expect(totals.lines).toEqual(counter('LINE'));
    expect(totals.branches).toEqual(counter('BRANCH'));
    expect(totals.functions).toEqual(counter('METHOD'));
    expect(parsed.records.map((record) => record.path)).toEqual(['com/acme/Calc.java']);
  });

  test('methods of the classes of one source file with the same name and descriptor each count', async () => {
    // Invoice and its nested class Invoice$Line each have <init>()V; only Invoice's ran.
    const method = (covered: number, line: number, name = '&lt;init&gt;') =>
      `<method name="${name}" desc="()V" line="${line}"><counter type="METHOD" missed="${1 - covered}" covered="${covered}"/></method>`;
    const text = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><report name="r">
<package name="com/acme">
<class name="com/acme/Invoice" sourcefilename="Invoice.java">${method(1, 3)}${method(1, 5, 'run')}</class>
<class name="com/acme/Invoice$Line" sourcefilename="Invoice.java">${method(0, 9)}${method(0, 10, 'run')}</class>
<sourcefile name="Invoice.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/><line nr="9" mi="3" ci="0" mb="0" cb="0"/></sourcefile>
<counter type="METHOD" missed="2" covered="2"/></package>
<counter type="METHOD" missed="2" covered="2"/></report>`;
    const totals = totalsOf(await parse('jacoco', text, 23));
    expect(totals.functions).toEqual({ covered: 2, total: 4 });
  });
});

describe('Go', () => {
  const func = fixture('go/cover-func.txt');
  const goTotal = /total:\s+\(statements\)\s+([\d.]+)%/.exec(func)![1];

  test('statement coverage equals `go tool cover -func` total', async () => {
    const parsed = await parse('go', fixture('go/cover.out'), 19);
    const totals = totalsOf(parsed);
    const headline = chooseHeadline(totals, [parsed.info]);
    expect(headline.basis).toBe('statements');
    // go prints one decimal, rounded; the exact fraction must round to it.
    const exact = Number(formatExact(headline.value!, 10));
    expect(exact.toFixed(1)).toBe(goTotal);
    expect(parsed.records[0].path).toBe('example.com/shapes/shapes.go');
  });

  test('duplicate blocks of concatenated profiles are merged, not counted twice', async () => {
    const once = totalsOf(await parse('go', fixture('go/cover.out')));
    const twice = totalsOf(await parse('go', fixture('go/cover-twice.out')));
    expect(twice.statements).toEqual(once.statements);
    expect(twice.lines).toEqual(once.lines);
  });

  test('set mode keeps a block run if any copy ran', async () => {
    const profile = 'mode: set\na.go:1.1,2.2 2 0\na.go:1.1,2.2 2 1\na.go:3.1,3.9 1 0\n';
    const parsed = await parse('go', profile);
    const file = [...parsed.set.figures()].find((figures) => figures.path === 'a.go');
    expect(file!.statements).toEqual({ covered: 2, total: 3 });
  });

  test.each([
    ['a.go:1.1,2.2 1 1\n', /before the mode line/],
    ['mode: set\nmode: count\n', /cannot be merged/],
    ['mode: set\nnot a block\n', /line 2/],
  ])('%j is refused', async (text, message) => {
    await expect(parse('go', text)).rejects.toThrow(message);
  });
});

describe('format detection', () => {
  test.each<[string, Format]>([
    ['c/coverage.info', 'lcov'],
    ['js/lcov.info', 'lcov'],
    ['py-branch/coverage.xml', 'cobertura'],
    ['js/cobertura-coverage.xml', 'cobertura'],
    ['java/jacoco.xml', 'jacoco'],
    ['js/clover.xml', 'clover'],
    ['go/cover.out', 'go'],
    ['py-seed/cov-report.txt', 'coverage-py-text'],
    ['py-branch/cov-report.txt', 'coverage-py-text'],
    ['py-seed/coverage.json', 'coverage-py-json'],
    ['js/coverage-final.json', 'istanbul-final'],
    ['js/coverage-summary.json', 'istanbul-summary'],
  ])('%s is %s', (file, format) => {
    expect(detectFormat(fixture(file))).toEqual({ format, guessed: false });
  });

  test('unknown text is guessed as coverage.py text; binary and empty files are not reports', () => {
    expect(detectFormat('just some log\n')).toEqual({ format: 'coverage-py-text', guessed: true });
    expect(detectFormat('')).toBeUndefined();
    expect(detectFormat('\u0000\u0001')).toBeUndefined();
    expect(detectFormat('<html></html>')).toBeUndefined();
  });
});
