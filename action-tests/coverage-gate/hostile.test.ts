// coverage-gate's bundle on hostile reports: a path of 40,000 segments (with and without
// `exclude` globs of several `**` and a `path-prefix`), a start tag of 16 MB with about a
// million attributes and an attribute value of 16 MB, each left unclosed and closed. Each run
// ends with a clear result. How long they take beside normal reports of the same size is
// measured by `npm run bench -- coverage-gate-hostile`, not here.
import { gateRuns, type Workspace } from './workspace';
import type { StepResult } from '../harness/run-action';

// Generous: the machine may be busy; the time figures come from the benchmark.
jest.setTimeout(180_000);

const runs = gateRuns('coverage-gate-hostile-', { timeoutMs: 170_000 });
const { workspace } = runs;

const gate = (ws: Workspace, inputs: Record<string, string>): Promise<StepResult> =>
  runs.gate(ws, { annotate: 'false', ...inputs });

const SEGMENTS = 40_000;
const deep = Array.from({ length: SEGMENTS }, () => 'gen').join('/');

/**
 * Two records: a path from another machine, 40,000 folders deep, whose tail is the
 * workspace's src/app.c (both lines run), and a relative path as deep that names no file
 * (neither of its two lines runs).
 */
function deepReport(ws: Workspace): void {
  ws.write('src/app.c', 'int main(void) {\n  return 0;\n}\n');
  ws.write(
    'lcov.info',
    `SF:/${deep}/src/app.c\nDA:1,1\nDA:2,3\nend_of_record\n` +
      `SF:${deep}/x.c\nDA:1,0\nDA:2,0\nend_of_record\n`,
  );
}

test('a path of 40,000 segments is mapped by its tail, and one that names no file is reported', async () => {
  const ws = workspace();
  deepReport(ws);
  const main = await gate(ws, { files: 'lcov.info', 'min-line': '40' });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.line).toBe('50.00');
  expect(main.warnings).toEqual([
    expect.stringMatching(/^1 path in the reports match no file in the workspace: gen\/gen\//),
  ]);
});

test('the same paths with exclude globs of several ** and a path-prefix', async () => {
  const ws = workspace();
  deepReport(ws);
  const main = await gate(ws, {
    files: 'lcov.info',
    'min-line': '100',
    exclude: '**/gen/**/gen/**/*.c\n**/gen/*/gen/**/gen/never.d',
    'path-prefix': '/gen/gen/=src/',
  });
  expect(main.exitCode).toBe(0);
  // The deep relative path is excluded; the other still maps onto src/app.c after the prefix.
  expect(main.outputs.line).toBe('100.00');
  expect(main.warnings).toEqual([]);
});

const HEAD =
  '<?xml version="1.0" ?>\n<coverage version="7.0" line-rate="0.5" branch-rate="0">\n' +
  '<sources><source>.</source></sources><packages><package name="p"><classes>\n';
const SIZE = 16 * 1024 * 1024;

/** About 16 MB of attributes: ` a0="v0" a1="v1" ...`. */
function manyAttributes(): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < SIZE; i++) {
    const attribute = ` a${i}="v${i}"`;
    parts.push(attribute);
    size += attribute.length;
  }
  return parts.join('');
}

/** About 16 MB of an attribute value full of markup characters. */
const longValue = () => `a>b<c/' `.repeat(SIZE / 8);

const LINES =
  '<lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class>\n' +
  '</classes></package></packages></coverage>\n';

test.each([
  ['with about a million attributes', manyAttributes],
  ['whose attribute value never closes', () => ` name="${longValue()}`],
])('a start tag of 16 MB %s, unclosed, is refused naming the problem', async (_, attributes) => {
  const ws = workspace();
  ws.write('src/app.py', 'x = 1\ny = 2\n');
  ws.write('coverage.xml', `${HEAD}<class filename="src/app.py"${attributes()}`);
  const main = await gate(ws, { files: 'coverage.xml' });
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    `coverage.xml: cannot be read as a Cobertura XML: not well-formed XML near character ${HEAD.length}: the file ends inside an unclosed start tag`,
  ]);
});

test.each([
  ['with about a million attributes', manyAttributes],
  ['with an attribute value of 16 MB', () => ` name="${longValue()}"`],
])('a start tag of 16 MB %s, closed, is read', async (_, attributes) => {
  const ws = workspace();
  ws.write('src/app.py', 'x = 1\ny = 2\n');
  ws.write('coverage.xml', `${HEAD}<class filename="src/app.py"${attributes()}>${LINES}`);
  const main = await gate(ws, { files: 'coverage.xml', 'min-line': '50' });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.line).toBe('50.00');
  expect(main.warnings).toEqual([]);
});
