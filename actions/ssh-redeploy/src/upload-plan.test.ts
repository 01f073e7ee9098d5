import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFileMode, parseUploadMappings, planUpload, splitGlob } from './upload-plan';

describe('parseUploadMappings', () => {
  test('reads LOCAL => REMOTE lines, skipping blanks and comments; ~/ is the home', () => {
    expect(parseUploadMappings('dist/ => /srv/app/\n\n# note\nconf.yml=>~/conf.yml\n')).toEqual([
      { local: 'dist/', remote: '/srv/app/' },
      { local: 'conf.yml', remote: 'conf.yml' },
    ]);
  });

  test.each(['dist/', 'dist/ =>', '=> /srv/'])('%j is refused, naming upload', (line) => {
    expect(() => parseUploadMappings(line)).toThrow(/^Input 'upload': .*LOCAL => REMOTE/);
  });
});

test('parseFileMode reads octal modes and refuses others', () => {
  expect(parseFileMode('0640')).toBe(0o640);
  expect(parseFileMode('755')).toBe(0o755);
  expect(parseFileMode('')).toBeUndefined();
  expect(() => parseFileMode('0999')).toThrow(/^Input 'upload-mode'/);
});

test('splitGlob keeps the fixed part apart and matches below it', () => {
  const glob = splitGlob('build/**/*.js');
  expect(glob.base).toBe('build');
  expect(['a.js', 'lib/b.js', 'lib/deep/c.js', 'a.css', 'lib/b.jsx'].map(glob.matches)).toEqual([
    true,
    true,
    true,
    false,
    false,
  ]);
  expect(splitGlob('*.[ch]').matches('x.h')).toBe(true);
});

describe('planUpload', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'upload-plan-'));
    mkdirSync(path.join(root, 'dist', 'sub'), { recursive: true });
    writeFileSync(path.join(root, 'dist', 'a.txt'), 'aaa');
    writeFileSync(path.join(root, 'dist', 'sub', 'b.txt'), 'b');
    writeFileSync(path.join(root, 'other.txt'), 'other');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('a folder content mapping, with links inside kept and links elsewhere followed', () => {
    symlinkSync('../a.txt', path.join(root, 'dist', 'sub', 'up'));
    symlinkSync('../other.txt', path.join(root, 'dist', 'copied'));
    const plan = planUpload(
      { mappings: [{ local: 'dist/', remote: '/srv/' }], mirror: true },
      root,
    );
    expect(plan.folders.map((folder) => folder.remote)).toEqual(['/srv/sub']);
    expect(plan.files.map((file) => file.remote).sort()).toEqual([
      '/srv/a.txt',
      '/srv/copied',
      '/srv/sub/b.txt',
    ]);
    expect(plan.links).toEqual([{ remote: '/srv/sub/up', target: '../a.txt' }]);
    expect(plan.mirrors).toEqual(['/srv']);
    expect(plan.bytes).toBe(3 + 1 + 5);
  });

  test('a link out of the workspace and a folder without / on REMOTE are refused', () => {
    symlinkSync('/etc/passwd', path.join(root, 'dist', 'leak'));
    expect(() =>
      planUpload({ mappings: [{ local: 'dist/', remote: '/srv/' }], mirror: false }, root),
    ).toThrow(/dist\/leak is a symbolic link to \/etc\/passwd, outside the workspace/);
    expect(() =>
      planUpload({ mappings: [{ local: 'dist', remote: '/srv' }], mirror: false }, root),
    ).toThrow(/is a folder: end REMOTE with \/ too/);
    expect(() =>
      planUpload({ mappings: [{ local: '../x', remote: '/srv/' }], mirror: false }, root),
    ).toThrow(/outside the workspace/);
  });
});
