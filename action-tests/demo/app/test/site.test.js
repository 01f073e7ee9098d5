/* global describe, test, expect, afterEach */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const site = require('../src/site');
const { build } = require('../src/build');

const release = { version: '0.1.42', commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' };
const folders = [];

function temporaryFolder() {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-site-'));
  folders.push(folder);
  return folder;
}

afterEach(() => {
  folders.splice(0).forEach((folder) => fs.rmSync(folder, { recursive: true, force: true }));
});

describe('checkRelease', () => {
  test('accepts a version and a commit', () => {
    expect(site.checkRelease(release)).toEqual(release);
  });

  test('names the commit unknown when none is given', () => {
    expect(site.checkRelease({ version: '1.0.0' }).commit).toBe('unknown');
  });

  test.each([[{}], [{ version: 'latest' }], [{ version: '0.1' }]])(
    'refuses a release without a semantic version: %j',
    (bad) => {
      expect(() => site.checkRelease(bad)).toThrow(/version must look like 1.2.3/);
    },
  );

  test('refuses a commit that is not a sha', () => {
    expect(() => site.checkRelease({ version: '1.0.0', commit: 'main' })).toThrow(/commit/);
  });
});

test('escapeHtml leaves no markup', () => {
  expect(site.escapeHtml(`<a href="x">'&'</a>`)).toBe(
    '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
  );
});

test('the index names the release and the short commit', () => {
  const html = site.renderIndex(release);
  expect(html).toContain('<title>Dashboard 0.1.42</title>');
  expect(html).toContain('Release 0.1.42, built from commit a1b2c3d.');
});

test('the health page starts with ok and names the version', () => {
  expect(site.renderHealth(release)).toBe('ok 0.1.42\n');
});

test('version.json holds the release', () => {
  expect(JSON.parse(site.renderVersion(release))).toEqual(release);
});

test('writeSite writes every page', () => {
  const folder = path.join(temporaryFolder(), 'site');
  const written = site.writeSite(folder, release);
  expect(written.map((file) => path.basename(file)).sort()).toEqual([
    'health',
    'index.html',
    'version.json',
  ]);
  expect(fs.readFileSync(path.join(folder, 'health'), 'utf8')).toBe('ok 0.1.42\n');
});

describe('build', () => {
  test('writes the site for VERSION into the folder given', () => {
    const folder = temporaryFolder();
    expect(build([folder], { VERSION: '0.1.43', COMMIT: 'abcdef0' })).toBe(
      `3 files for release 0.1.43 in ${folder}`,
    );
    expect(fs.readFileSync(path.join(folder, 'index.html'), 'utf8')).toContain('Release 0.1.43');
  });

  test('needs a folder', () => {
    expect(() => build([], { VERSION: '0.1.43' })).toThrow(/usage/);
  });

  test('writes nothing for a bad version', () => {
    const folder = path.join(temporaryFolder(), 'site');
    expect(() => build([folder], { VERSION: 'next' })).toThrow(/version/);
    expect(fs.existsSync(folder)).toBe(false);
  });
});
