import path from 'node:path';

// Report paths onto repository paths. Reports name files in many ways: relative to the
// project (lcov from Jest), absolute on the machine or container that ran the tests
// (/app/src/x.py, C:\agent\_work\1\s\src\x.cs), relative to a <source> root (Cobertura), by
// Go import path (example.com/shapes/shapes.go) or by Java package (com/acme/Calc.java).
// Each is matched against the files actually in the workspace.

export interface PrefixRule {
  from: string;
  to: string;
}

export interface GoModule {
  /** The module path from go.mod. */
  module: string;
  /** The folder of go.mod, relative to the workspace ('' at its root). */
  dir: string;
}

export interface PathMappingOptions {
  workspace: string;
  /** Every file in the workspace, relative, with forward slashes. */
  workspaceFiles: string[];
  prefixes: PrefixRule[];
  sourceRoots: string[];
  goModules: GoModule[];
}

export interface MappedPath {
  path: string;
  /** The path names a file in the workspace. */
  matched: boolean;
}

const DRIVE = /^[A-Za-z]:\//;
const UNTIDY = /\/\/|(?:^|\/)\.{1,2}(?:\/|$)/;

function normalizeSlashes(text: string): string {
  return text.replace(/\\/g, '/');
}

function isAbsolute(text: string): boolean {
  return text.startsWith('/') || DRIVE.test(text);
}

function join(root: string, relative: string): string {
  return `${root.replace(/\/+$/, '')}/${relative}`;
}

/** Removes `.` and `..` segments and doubled slashes, keeping a leading `/` or drive. */
function tidy(text: string): string {
  const drive = DRIVE.exec(text)?.[0] ?? '';
  const rest = text.slice(drive.length);
  // Most paths hold no `.`, `..` or `//`: they are left as they are, without a copy.
  const normalized = rest === '' ? '.' : UNTIDY.test(rest) ? path.posix.normalize(rest) : rest;
  return drive + (normalized === '.' ? '' : normalized.replace(/^\.\//, ''));
}

export class PathMapper {
  private readonly files: Set<string>;
  private readonly byName = new Map<string, string[]>();
  private readonly workspace: string;
  /** The length of the longest workspace path: no longer tail can name a workspace file. */
  private longest = 0;

  constructor(private readonly options: PathMappingOptions) {
    this.files = new Set(options.workspaceFiles);
    for (const file of options.workspaceFiles) {
      this.longest = Math.max(this.longest, file.length);
      const name = file.slice(file.lastIndexOf('/') + 1);
      const list = this.byName.get(name);
      if (list) list.push(file);
      else this.byName.set(name, [file]);
    }
    this.workspace = tidy(normalizeSlashes(options.workspace)).replace(/\/+$/, '');
  }

  map(reportPath: string, roots?: string[]): MappedPath {
    let text = tidy(normalizeSlashes(reportPath.trim()));
    for (const rule of this.options.prefixes) {
      if (text.startsWith(rule.from)) {
        text = tidy(rule.to + text.slice(rule.from.length));
        break;
      }
    }
    const candidates =
      roots && roots.length > 0 && !isAbsolute(text)
        ? [...roots.map((root) => tidy(join(normalizeSlashes(root), text))), text]
        : [text];
    for (const candidate of candidates) {
      const found = this.find(candidate);
      if (found !== undefined) return { path: found, matched: true };
    }
    return { path: this.relative(candidates[0]), matched: false };
  }

  /** Strips the workspace from an absolute path inside it. */
  private relative(text: string): string {
    if (text.startsWith(`${this.workspace}/`)) return text.slice(this.workspace.length + 1);
    return text;
  }

  private find(candidate: string): string | undefined {
    const text = this.relative(candidate);
    if (this.files.has(text)) return text;
    if (!isAbsolute(text)) {
      for (const { module, dir } of this.options.goModules) {
        if (text.startsWith(`${module}/`)) {
          const local =
            dir === '' ? text.slice(module.length + 1) : join(dir, text.slice(module.length + 1));
          if (this.files.has(local)) return local;
        }
      }
      for (const root of this.options.sourceRoots) {
        const local = tidy(join(root, text));
        if (this.files.has(local)) return local;
      }
    }
    // A path from another machine or a container: its longest tail that is a workspace path.
    const tail = longestTailIn(text, this.files, this.longest);
    if (tail !== undefined) return tail;
    // A path missing its leading folders (Java packages, Cobertura without sources): the one
    // workspace file that ends with it, when exactly one does.
    if (!isAbsolute(text) && text !== '') {
      const name = text.slice(text.lastIndexOf('/') + 1);
      const endings = (this.byName.get(name) ?? []).filter((file) => file.endsWith(`/${text}`));
      if (endings.length === 1) return endings[0];
    }
    return undefined;
  }
}

/**
 * The longest tail of `text` (its last segments, the first segment always left out) that is a
 * workspace file. Tails are tried from the end, and only while no longer than the longest
 * workspace path: the work per report path is bounded by the workspace, not by the path's
 * length (a path of 40,000 segments would otherwise cost 40,000 copies of itself).
 */
function longestTailIn(
  text: string,
  files: ReadonlySet<string>,
  longest: number,
): string | undefined {
  // `text` is tidy: one slash at most at either end.
  let bare = text.replace(DRIVE, '');
  if (bare.startsWith('/')) bare = bare.slice(1);
  if (bare.endsWith('/')) bare = bare.slice(0, -1);
  let found: string | undefined;
  for (let slash = bare.lastIndexOf('/'); slash > 0; slash = bare.lastIndexOf('/', slash - 1)) {
    if (bare.length - slash - 1 > longest) break;
    const tail = bare.slice(slash + 1);
    if (tail !== '' && files.has(tail)) found = tail;
  }
  return found;
}

/** `module example.com/x` from the text of a go.mod file. */
export function goModulePath(goMod: string): string | undefined {
  return /^\s*module\s+"?([^\s"]+)"?\s*$/m.exec(goMod)?.[1];
}

/** Lines of the `path-prefix` input: `FROM` (removed) or `FROM=TO` (replaced). */
export function parsePrefixRules(lines: string[]): PrefixRule[] {
  return lines.map((line) => {
    const equals = line.indexOf('=');
    const from = normalizeSlashes(equals < 0 ? line : line.slice(0, equals)).trim();
    const to = equals < 0 ? '' : normalizeSlashes(line.slice(equals + 1)).trim();
    // `/srv/checkout/=src` means src/ as well: the slash the prefix took is put back.
    return { from, to: to !== '' && from.endsWith('/') && !to.endsWith('/') ? `${to}/` : to };
  });
}
