// What the sources of an action read from the runner, found by reading the sources as text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

export interface InputReads {
  /** Input names read with a literal: getInput('name'). */
  names: Set<string>;
  /** Files that call getInput at all. */
  files: Set<string>;
  /** Calls whose argument is not a literal, which no check could follow. */
  dynamic: string[];
}

export function inputReads(files: string[]): InputReads {
  const reads: InputReads = { names: new Set(), files: new Set(), dynamic: [] };
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const call of text.matchAll(/\bgetInput\(([^)]*)\)/g)) {
      reads.files.add(file);
      const literal = /^\s*'([^']+)'\s*$/.exec(call[1]);
      if (literal) reads.names.add(literal[1]);
      else reads.dynamic.push(`${file}: getInput(${call[1]})`);
    }
  }
  return reads;
}
