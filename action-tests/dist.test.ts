// What consumers run is dist/: it must be exactly what the sources build to.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './harness/run-action';

test('dist/ matches a fresh build of the sources', () => {
  const check = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'check-dist.mjs')], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
}, 300_000);
