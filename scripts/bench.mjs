// Runs a benchmark from action-tests/bench/: `npm run bench -- cold-start`. The test support
// code is compiled to .action-tests/ first, so benchmarks use the same harness and services
// as the tests.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { root } from './bundles.mjs';

const names = process.argv.slice(2);
const available = readdirSync(path.join(root, 'action-tests', 'bench'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));
if (names.length === 0 || names.some((name) => !available.includes(name))) {
  console.error(`usage: npm run bench -- <name>...; benchmarks: ${available.join(', ')}`);
  process.exit(2);
}
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'action-tests/tsconfig.build.json',
  ],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
for (const name of names) {
  const script = path.join(root, '.action-tests', 'bench', `${name}.js`);
  if (!existsSync(script)) throw new Error(`${script} was not built`);
  execFileSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
}
