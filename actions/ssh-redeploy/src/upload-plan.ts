// What `upload` copies where: the mappings as written (parseUploadMappings, pure), then the
// workspace walked into a list of remote folders, files and links (planUpload), with every
// user mistake (a missing file, a link out of the workspace) found before any connection.
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/errors';
import { globToRegExp, isGlob, literalPrefix } from '../../shared/glob';

/** One `LOCAL => REMOTE` line of `upload`. */
export interface UploadMapping {
  local: string;
  remote: string;
}

export interface UploadSettings {
  mappings: UploadMapping[];
  /** `upload-mode`: the mode every file gets instead of its own. */
  fileMode?: number;
  /** `upload-delete`: mirror the folder mappings' targets. */
  mirror: boolean;
}

export interface PlannedFile {
  /** Absolute local path of the content. */
  local: string;
  remote: string;
  mode: number;
  size: number;
}

export interface PlannedLink {
  remote: string;
  /** What the link on the server points to. */
  target: string;
}

export interface UploadPlan {
  /** Folders that must exist (created when missing, with the server's default mode). */
  parents: string[];
  /** Folders inside a folder mapping, parents first, with their local mode. */
  folders: Array<{ remote: string; mode: number }>;
  files: PlannedFile[];
  links: PlannedLink[];
  /** Remote folders that `upload-delete` mirrors (the folder mappings' targets). */
  mirrors: string[];
  /** Every remote path the upload brings, for the mirror. */
  brought: Set<string>;
  bytes: number;
}

/** Reads `upload`: one `LOCAL => REMOTE` a line; blank lines and `#` comments are skipped. */
export function parseUploadMappings(text: string): UploadMapping[] {
  const mappings: UploadMapping[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(.*?)\s*=>\s*(.*)$/.exec(line);
    if (!match || match[1] === '' || match[2] === '') {
      throw new ConfigurationError(
        'upload',
        `'${line}' is not a mapping: write LOCAL => REMOTE, one a line (dist/ => /srv/app/, compose.yml => /srv/app/compose.yml).`,
      );
    }
    const [, local, remoteText] = match;
    if (remoteText.includes('\0') || local.includes('\0')) {
      throw new ConfigurationError('upload', `'${line}' holds a NUL character.`);
    }
    // sftp paths without a leading / are relative to the login's home, as ~/ says.
    const remote = remoteText === '~' ? '.' : remoteText.replace(/^~\//, '');
    if (remote.includes('=>')) {
      throw new ConfigurationError('upload', `'${line}' has more than one =>: one mapping a line.`);
    }
    mappings.push({ local, remote });
  }
  return mappings;
}

/** Reads `upload-mode`: an octal mode such as 0640. */
export function parseFileMode(text: string): number | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (!/^0?[0-7]{3,4}$/.test(value)) {
    throw new ConfigurationError(
      'upload-mode',
      `'${value}' is not an octal file mode: write it as chmod takes it, e.g. 0640 or 0755.`,
    );
  }
  return Number.parseInt(value, 8);
}

const posix = path.posix;

/** A remote path in its plain form; a trailing / kept apart. */
function remotePath(text: string): string {
  return posix.normalize(text).replace(/(.)\/$/, '$1');
}

/** The fixed folder of a glob and a matcher for the paths below it. */
export function splitGlob(pattern: string): {
  base: string;
  matches: (relative: string) => boolean;
} {
  const base = literalPrefix(pattern);
  const regex = globToRegExp(base === '' ? pattern : pattern.slice(base.length + 1));
  return { base: base || '.', matches: (relative) => regex.test(relative) };
}

interface Collected {
  local: string;
  remote: string;
  stats: Stats;
}

/**
 * Walks the workspace for the mappings. Throws a ConfigurationError naming `upload` for a
 * missing file, a mapping whose sides do not fit, or a link that leaves the workspace.
 */
export function planUpload(settings: UploadSettings, workspace: string): UploadPlan {
  const root = realpathSync(workspace);
  const parents = new Set<string>();
  const folders = new Map<string, number>();
  /** Local paths (files, folders, links) and where they land. */
  const remoteOf = new Map<string, string>();
  const entries: Collected[] = [];
  const mirrors: string[] = [];
  const byRemote = new Map<string, string>();

  const add = (local: string, remote: string, stats: Stats) => {
    const earlier = byRemote.get(remote);
    if (earlier !== undefined && earlier !== local) {
      throw new ConfigurationError(
        'upload',
        `${relative(root, earlier)} and ${relative(root, local)} would both land on ${remote}: change one mapping.`,
      );
    }
    byRemote.set(remote, local);
    remoteOf.set(local, remote);
    if (stats.isDirectory()) folders.set(remote, stats.mode & 0o7777);
    else entries.push({ local, remote, stats });
  };

  const walk = (localFolder: string, remoteFolder: string) => {
    for (const name of readdirSync(localFolder).sort()) {
      const local = path.join(localFolder, name);
      const remote = posix.join(remoteFolder, name);
      const stats = lstatSync(local);
      if (stats.isDirectory()) {
        add(local, remote, stats);
        walk(local, remote);
      } else if (stats.isFile() || stats.isSymbolicLink()) add(local, remote, stats);
    }
  };

  for (const { local: given, remote: givenRemote } of settings.mappings) {
    const describe = `'${given} => ${givenRemote}'`;
    const remoteIsFolder = givenRemote.endsWith('/');
    const remote = remotePath(givenRemote);
    if (isGlob(given)) {
      if (!remoteIsFolder) {
        throw new ConfigurationError(
          'upload',
          `${describe}: a glob copies files into a folder: end REMOTE with / (${given} => ${givenRemote}/).`,
        );
      }
      const glob = splitGlob(given);
      const base = inWorkspace(root, glob.base, describe);
      const matched: Collected[] = [];
      const visit = (folder: string) => {
        for (const name of readdirSync(folder).sort()) {
          const local = path.join(folder, name);
          const stats = lstatSync(local);
          if (stats.isDirectory()) visit(local);
          else if (
            (stats.isFile() || stats.isSymbolicLink()) &&
            glob.matches(path.relative(base, local).split(path.sep).join('/'))
          ) {
            matched.push({ local, remote: '', stats });
          }
        }
      };
      if (isFolder(base)) visit(base);
      if (matched.length === 0) {
        throw new ConfigurationError('upload', `${describe}: ${given} matches no file.`);
      }
      for (const { local, stats } of matched) {
        const below = path.relative(base, local).split(path.sep).join('/');
        const target = posix.join(remote, below);
        parents.add(posix.dirname(target));
        add(local, target, stats);
      }
      continue;
    }
    const local = inWorkspace(root, given, describe);
    let stats: Stats;
    try {
      stats = statSync(local);
    } catch {
      throw new ConfigurationError(
        'upload',
        `${describe}: ${given} does not exist in the workspace (after actions/checkout and the build?).`,
      );
    }
    if (stats.isDirectory()) {
      const contentOnly = given.endsWith('/');
      if (!remoteIsFolder) {
        throw new ConfigurationError(
          'upload',
          `${describe}: ${given} is a folder: end REMOTE with / too (${contentOnly ? given : `${given}/`} => ${givenRemote}/ copies its content there${contentOnly ? '' : `, ${given} => ${givenRemote}/ copies the folder into it`}).`,
        );
      }
      const target = contentOnly ? remote : posix.join(remote, path.basename(local));
      if (contentOnly) parents.add(target);
      else {
        parents.add(remote);
        add(local, target, stats);
      }
      remoteOf.set(local, target);
      mirrors.push(target);
      walk(local, target);
    } else if (given.endsWith('/')) {
      throw new ConfigurationError('upload', `${describe}: ${given} is not a folder.`);
    } else {
      const target = remoteIsFolder ? posix.join(remote, path.basename(local)) : remote;
      parents.add(posix.dirname(target));
      add(local, target, stats);
    }
  }

  const files: PlannedFile[] = [];
  const links: PlannedLink[] = [];
  for (const entry of entries) {
    if (!entry.stats.isSymbolicLink()) {
      files.push(fileOf(entry.local, entry.remote, entry.stats, settings.fileMode));
      continue;
    }
    const link = resolveLink(root, entry.local, remoteOf);
    if (link.kind === 'link') {
      links.push({ remote: entry.remote, target: linkTarget(entry.remote, link.remote) });
    } else {
      files.push(fileOf(link.local, entry.remote, statSync(link.local), settings.fileMode));
    }
  }

  const orderedFolders = [...folders]
    .sort(([a], [b]) => depth(a) - depth(b))
    .map(([remote, mode]) => ({ remote, mode }));
  const brought = new Set<string>([
    ...folders.keys(),
    ...files.map((file) => file.remote),
    ...links.map((link) => link.remote),
  ]);
  return {
    parents: [...parents].filter((folder) => !folders.has(folder)),
    folders: orderedFolders,
    files,
    links,
    mirrors: settings.mirror ? mirrors : [],
    brought,
    bytes: files.reduce((sum, file) => sum + file.size, 0),
  };
}

function fileOf(local: string, remote: string, stats: Stats, fileMode?: number): PlannedFile {
  return { local, remote, mode: fileMode ?? stats.mode & 0o7777, size: stats.size };
}

function depth(remote: string): number {
  return remote.split('/').length;
}

function relative(root: string, local: string): string {
  return path.relative(root, local).split(path.sep).join('/') || '.';
}

function isFolder(local: string): boolean {
  try {
    return statSync(local).isDirectory();
  } catch {
    return false;
  }
}

function isInside(root: string, local: string): boolean {
  const between = path.relative(root, local);
  return between === '' || (!between.startsWith('..') && !path.isAbsolute(between));
}

/** A LOCAL path resolved in the workspace; refused when it (or a link on its way) leaves it. */
function inWorkspace(root: string, given: string, describe: string): string {
  const local = path.resolve(root, given);
  let real = local;
  try {
    real = realpathSync(local);
  } catch {
    // A missing path is reported by the caller.
  }
  if (!isInside(root, local) || !isInside(root, real)) {
    throw new ConfigurationError(
      'upload',
      `${describe}: ${given} is outside the workspace. LOCAL is a path in the workspace.`,
    );
  }
  return real;
}

/**
 * A link is copied as a link when it points inside what is uploaded, and as the file it points
 * to when that file is elsewhere in the workspace. A link out of the workspace is refused.
 */
function resolveLink(
  root: string,
  local: string,
  remoteOf: Map<string, string>,
): { kind: 'link'; remote: string } | { kind: 'file'; local: string } {
  const text = readlinkSync(local);
  const lexical = path.resolve(path.dirname(local), text);
  let real: string | undefined;
  try {
    real = realpathSync(lexical);
  } catch {
    real = undefined;
  }
  const name = relative(root, local);
  if (!isInside(root, lexical) || (real !== undefined && !isInside(root, real))) {
    throw new ConfigurationError(
      'upload',
      `${name} is a symbolic link to ${text}, outside the workspace: refused, so that nothing else on the runner is sent. Remove the link, or copy what it points to into the workspace.`,
    );
  }
  const landing = remoteOf.get(lexical) ?? (real === undefined ? undefined : remoteOf.get(real));
  if (landing !== undefined) return { kind: 'link', remote: landing };
  if (real === undefined) {
    throw new ConfigurationError(
      'upload',
      `${name} is a symbolic link to ${text}, which does not exist. Remove it or build what it points to.`,
    );
  }
  if (!statSync(real).isFile()) {
    throw new ConfigurationError(
      'upload',
      `${name} is a symbolic link to the folder ${text}, which is not uploaded: add that folder to upload, or replace the link.`,
    );
  }
  return { kind: 'file', local: real };
}

/** What a remote link points to: relative when both sides are, so the tree can move. */
function linkTarget(linkRemote: string, targetRemote: string): string {
  if (posix.isAbsolute(targetRemote) !== posix.isAbsolute(linkRemote)) return targetRemote;
  return posix.relative(posix.dirname(linkRemote), targetRemote) || '.';
}
