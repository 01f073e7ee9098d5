// Fails when dist/ differs from a fresh build of the sources: a changed, added or removed file.
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

export async function distDifferences() {
  const fresh = mkdtempSync(path.join(tmpdir(), 'check-dist-'));
  try {
    await build(fresh);
    const committed = path.join(root, 'dist');
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
    return problems;
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const problems = await distDifferences();
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error('dist/ does not match the sources: run `npm run build` and commit dist/.');
    process.exit(1);
  }
  console.log('dist/ matches the sources.');
}
