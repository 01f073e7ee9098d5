import { logOf } from '../../shared/context';
import type { Runner } from '../../shared/runner';
import { PrefixedOutput } from './prefixed-output';

function collect(maxLine?: number): { output: PrefixedOutput; lines: string[] } {
  const lines: string[] = [];
  return {
    output: new PrefixedOutput('ghcr.io/org/app', (line) => lines.push(line), maxLine),
    lines,
  };
}

test('lines are cut at newlines across chunks, each stream on its own', () => {
  const { output, lines } = collect();
  output.add('abc: Prep', 'stdout');
  output.add('error: par', 'stderr');
  output.add('aring\r\nabc: Pushed\n', 'stdout');
  output.add('tial\n', 'stderr');
  output.add('digest: sha256:1', 'stdout');
  expect(lines).toEqual([
    'ghcr.io/org/app | abc: Preparing',
    'ghcr.io/org/app | abc: Pushed',
    'ghcr.io/org/app | error: partial',
  ]);
  output.end();
  expect(lines.at(-1)).toBe('ghcr.io/org/app | digest: sha256:1');
  output.end();
  expect(lines).toHaveLength(4);
});

test('a line that never ends is printed in pieces of at most maxLine characters', () => {
  const { output, lines } = collect(10);
  output.add('x'.repeat(25), 'stdout');
  expect(lines).toEqual([
    `ghcr.io/org/app | ${'x'.repeat(10)}`,
    `ghcr.io/org/app | ${'x'.repeat(10)}`,
  ]);
  output.end();
  expect(lines[2]).toBe('ghcr.io/org/app | xxxxx');
});

test("through the step's log, a registry's line is no workflow command, \\r included", () => {
  const printed: string[] = [];
  const runner = { info: (line: string) => printed.push(line) } as unknown as Runner;
  const log = logOf(runner);
  const output = new PrefixedOutput('r.example/app', (line) => log.info(line));
  output.add('ok\r::add-mask::secret\n##[error]x\n', 'stderr');
  expect(printed).toEqual([
    'r.example/app | ok',
    'r.example/app | ::add-mask::secret',
    'r.example/app | ##\u200b[error]x',
  ]);
});
