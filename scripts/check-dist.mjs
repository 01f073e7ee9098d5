// Fails when dist/ differs from a fresh build of the sources (a changed, added or removed file),
// or holds a binary: dist/ is JavaScript and text that reviewers can read.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from './build.mjs';
import { root } from './bundles.mjs';

function listFiles(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  let files = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const relative = path.join(prefix, name);
    files = statSync(full).isDirectory()
      ? files.concat(listFiles(full, relative))
      : files.concat(relative);
  }
  return files;
}

/** A NUL byte never occurs in UTF-8 text; it is how git tells binaries too. */
export function isBinary(content) {
  return content.includes(0);
}

export async function distDifferences(committed = path.join(root, 'dist')) {
  const fresh = mkdtempSync(path.join(tmpdir(), 'check-dist-'));
  try {
    await build(fresh);
    const want = new Set(listFiles(fresh));
    const have = new Set(listFiles(committed));
    const problems = [];
    for (const file of want) {
      if (!have.has(file)) problems.push(`missing from dist/: ${file}`);
      else if (
        !readFileSync(path.join(fresh, file)).equals(readFileSync(path.join(committed, file)))
      ) {
        problems.push(`out of date in dist/: ${file}`);
      }
    }
    for (const file of have)
      if (!want.has(file)) problems.push(`not built from any source: dist/${file}`);
    for (const file of new Set([...want, ...have])) {
      const copy = want.has(file) ? path.join(fresh, file) : path.join(committed, file);
      if (isBinary(readFileSync(copy))) problems.push(`a binary file in dist/: ${file}`);
    }
    return problems;
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  // `--dist DIR` checks a copy of dist/ elsewhere (the tests use it).
  const flag = process.argv.indexOf('--dist');
  const problems = await distDifferences(
    flag >= 0 ? path.resolve(process.argv[flag + 1]) : undefined,
  );
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error('dist/ does not match the sources: run `npm run build` and commit dist/.');
    process.exit(1);
  }
  console.log('dist/ matches the sources.');
}
