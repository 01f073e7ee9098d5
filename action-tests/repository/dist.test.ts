// What consumers run is dist/: it must be exactly what the sources build to, and text only.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/run-action';

function checkDist(...args: string[]) {
  return spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'check-dist.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
}

test('dist/ matches a fresh build of the sources', () => {
  const check = checkDist();
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
}, 300_000);

test('check-dist fails on a binary in dist/, such as the Windows helper ssh2 ships', () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'dist-copy-'));
  try {
    cpSync(path.join(repoRoot, 'dist'), copy, { recursive: true });
    writeFileSync(path.join(copy, 'ssh-redeploy', 'pagent.exe'), Buffer.from([0x4d, 0x5a, 0, 0]));
    const check = checkDist('--dist', copy);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('a binary file in dist/: ssh-redeploy/pagent.exe');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}, 300_000);
