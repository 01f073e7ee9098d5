// The dashboard's pages, rendered at build time into static files: the image only needs a web
// server (busybox httpd), and a release's pages cannot change after its tests have passed.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const VERSION = /^\d+\.\d+\.\d+$/;
const COMMIT = /^[0-9a-f]{7,40}$/;

/** Checks a release before anything is written, so a bad one fails the build, not the server. */
function checkRelease(release) {
  if (!VERSION.test(release.version ?? '')) {
    throw new Error(`version must look like 1.2.3, got '${release.version ?? ''}'`);
  }
  if (release.commit !== undefined && !COMMIT.test(release.commit)) {
    throw new Error(`commit must be a hexadecimal git sha, got '${release.commit}'`);
  }
  return { version: release.version, commit: release.commit ?? 'unknown' };
}

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character],
  );
}

function renderIndex(release) {
  const { version, commit } = checkRelease(release);
  return [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>Dashboard ${escapeHtml(version)}</title></head>`,
    '<body>',
    '<h1>Dashboard</h1>',
    `<p>Release ${escapeHtml(version)}, built from commit ${escapeHtml(commit.slice(0, 7))}.</p>`,
    '<p><a href="/starts.txt">Starts of the app</a>, kept in its data volume.</p>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** What a health check reads: one line, starting with ok. */
function renderHealth(release) {
  return `ok ${checkRelease(release).version}\n`;
}

function renderVersion(release) {
  return `${JSON.stringify(checkRelease(release))}\n`;
}

/** Every file of the site, by path relative to the web root. */
function siteFiles(release) {
  return {
    'index.html': renderIndex(release),
    health: renderHealth(release),
    'version.json': renderVersion(release),
  };
}

/** Writes the site into `directory` (created if needed); returns the paths written. */
function writeSite(directory, release) {
  const files = siteFiles(release);
  fs.mkdirSync(directory, { recursive: true });
  return Object.entries(files).map(([name, content]) => {
    const file = path.join(directory, name);
    fs.writeFileSync(file, content);
    return file;
  });
}

module.exports = {
  checkRelease,
  escapeHtml,
  renderIndex,
  renderHealth,
  renderVersion,
  siteFiles,
  writeSite,
};
