import { readdirSync } from 'node:fs';
import path from 'node:path';

// The files of the workspace that report globs are matched against (see shared/glob.ts).

/** Folders no coverage report or source file of the project lives in. */
const SKIPPED = new Set(['.git', 'node_modules']);

/**
 * Every file under `root`/`start`, as paths relative to `root`, skipping .git and
 * node_modules; symbolic links to folders are not followed (they are listed as files). Each
 * folder walked is handed to `onFolder`.
 */
export function walkFiles(
  root: string,
  start = '',
  limit = 1_000_000,
  onFolder?: (relative: string) => void,
): string[] {
  const found: string[] = [];
  const pending = [start];
  while (pending.length > 0 && found.length < limit) {
    const relative = pending.pop()!;
    let entries;
    try {
      entries = readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) {
          pending.push(child);
          onFolder?.(child);
        }
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        found.push(child);
      }
    }
  }
  return found.sort();
}
