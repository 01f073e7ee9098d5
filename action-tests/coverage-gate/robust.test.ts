// coverage-gate's report discovery on workspaces with symbolic links and folders named like
// reports: a link out of the workspace is never followed, a dangling link or a folder is skipped,
// each with a warning naming it, never a crash.
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fixtureText, gateRuns } from './workspace';

jest.setTimeout(60_000);

const { workspace, gate } = gateRuns('coverage-gate-robust-');

/** A folder outside the workspace holding a report that must never be read. */
function outside(): string {
  const away = workspace('coverage-gate-outside-');
  // A report that would fail any gate, should it be read.
  away.write('lcov.info', 'SF:/secret/x.c\nDA:1,0\nDA:2,0\nend_of_record\n');
  return away.dir;
}

test('discovery skips a link out of the workspace, a dangling link and a folder, naming each', async () => {
  const ws = workspace();
  const away = outside();
  ws.addSources('c');
  ws.addReport('c/coverage.info', 'build/lcov.info');
  mkdirSync(path.join(ws.dir, 'linked'));
  symlinkSync(path.join(away, 'lcov.info'), path.join(ws.dir, 'linked/lcov.info'));
  mkdirSync(path.join(ws.dir, 'dangling'));
  symlinkSync(path.join(ws.dir, 'gone.xml'), path.join(ws.dir, 'dangling/coverage.xml'));
  mkdirSync(path.join(ws.dir, 'odd/coverage.json'), { recursive: true });

  const main = await gate(ws, { 'min-line': '50' });
  expect(main.exitCode).toBe(0);
  expect(main.warnings.sort()).toEqual([
    expect.stringMatching(/^Skipping dangling\/coverage\.xml: a symbolic link to nothing/),
    expect.stringMatching(
      new RegExp(
        `^Skipping linked/lcov\\.info: a symbolic link to ${away}/lcov\\.info, outside the workspace`,
      ),
    ),
    expect.stringMatching(/^Skipping odd\/coverage\.json: not a file/),
  ]);
  const lcov = /lines\.*: [\d.]+% \((\d+) of (\d+)/.exec(fixtureText('c/lcov-summary.txt'))!;
  expect(main.outputs.line).toBe(
    (Math.floor((Number(lcov[1]) * 10000) / Number(lcov[2])) / 100).toFixed(2),
  );
  expect(main.stdout).not.toContain('/secret/x.c');
});

test('a link inside the workspace is read; one listed in files that leads out is refused', async () => {
  const ws = workspace();
  const away = outside();
  ws.addSources('c');
  ws.addReport('c/coverage.info', 'reports/coverage.info');
  symlinkSync(path.join(ws.dir, 'reports/coverage.info'), path.join(ws.dir, 'inside.info'));
  symlinkSync(path.join(away, 'lcov.info'), path.join(ws.dir, 'out.info'));

  const inside = await gate(ws, { files: 'inside.info' });
  expect(inside.exitCode).toBe(0);
  expect(inside.warnings).toEqual([]);

  const out = await gate(ws, { files: 'out.info' });
  expect(out.exitCode).toBe(1);
  expect(out.warnings).toEqual([
    expect.stringMatching(/^Skipping out\.info: a symbolic link to .*, outside the workspace/),
  ]);
  expect(out.errors).toEqual([expect.stringMatching(/^No coverage report found/)]);
});
