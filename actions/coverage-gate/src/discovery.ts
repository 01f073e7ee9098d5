import { closeSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ActionFailure } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { globToRegExp, isGlob, literalPrefix } from '../../shared/glob';
import { walkFiles } from './glob';
import { detectFormat, FORMAT_NAMES, RICHNESS, type Format } from './reports/formats';

export interface ReportFile {
  /** Absolute path. */
  file: string;
  /** The path as people read it: relative to the workspace where it lies inside it. */
  name: string;
  format: Format;
  /** No signature identified it; it is tried as coverage.py text. */
  guessed: boolean;
}

/** Where coverage tools write their reports by default, looked for in every folder. */
const DEFAULT_PATTERNS = [
  '**/coverage.xml',
  '**/coverage.json',
  '**/cobertura.xml',
  '**/cobertura-coverage.xml',
  '**/lcov.info',
  '**/coverage-final.json',
  '**/coverage-summary.json',
  '**/clover.xml',
  '**/jacoco.xml',
  '**/jacocoTestReport.xml',
  '**/cover.out',
  '**/coverage.out',
];

const HEAD_BYTES = 64 * 1024;

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const read = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    // A cut in the middle of a UTF-8 sequence only spoils the last character.
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function display(workspace: string, file: string): string {
  const relative = path.relative(workspace, file);
  return relative.startsWith('..') || path.isAbsolute(relative)
    ? file
    : relative.split(path.sep).join('/');
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The paths the pattern names, files and links alike, and the folders it names (a folder named
 * like a report, `coverage.json/`, is not one).
 */
function matchPattern(workspace: string, pattern: string): { files: string[]; folders: string[] } {
  const absolute = path.isAbsolute(pattern);
  const base = absolute ? path.parse(pattern).root : workspace;
  const relativePattern = absolute ? pattern.slice(base.length) : pattern.replace(/^\.\//, '');
  if (!isGlob(relativePattern)) {
    const file = path.join(base, relativePattern);
    return { files: exists(file) ? [file] : [], folders: [] };
  }
  const regex = globToRegExp(relativePattern);
  const folders: string[] = [];
  const files = walkFiles(base, literalPrefix(relativePattern), undefined, (folder) => {
    if (regex.test(folder)) folders.push(path.join(base, folder));
  })
    .filter((file) => regex.test(file))
    .map((file) => path.join(base, file));
  return { files, folders };
}

function inside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Whether a matched path can be read as a report: a regular file, or a symbolic link to one
 * inside the workspace. Anything else is skipped with a warning that names it: a link never
 * takes the action out of the workspace, and a dangling link or a folder is no report.
 */
function readable(workspace: string, file: string, log: Logger): boolean {
  const name = display(workspace, file);
  if (lstatSync(file).isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(file);
    } catch {
      log.warning(`Skipping ${name}: a symbolic link to nothing (its target does not exist).`);
      return false;
    }
    let root = workspace;
    try {
      root = realpathSync(workspace);
    } catch {
      // The workspace itself is checked elsewhere; compare with it as given.
    }
    if (!inside(root, target)) {
      log.warning(
        `Skipping ${name}: a symbolic link to ${target}, outside the workspace; reports are only read inside it.`,
      );
      return false;
    }
  }
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile)
    log.warning(`Skipping ${name}: not a file (a folder, or a device), so not a report.`);
  return isFile;
}

/**
 * The reports to read. Listed in `files`, every match is read; with no list, the usual
 * places are searched and each folder gives its richest report, so that one run's lcov.info
 * and coverage-final.json are not counted twice.
 */
export function findReports(
  workspace: string,
  patterns: string[] | undefined,
  forced: Format | undefined,
  log: Logger,
): ReportFile[] {
  const identify = (file: string): ReportFile | undefined => {
    if (forced) return { file, name: display(workspace, file), format: forced, guessed: false };
    const detection = detectFormat(readHead(file));
    return detection && { file, name: display(workspace, file), ...detection };
  };

  if (patterns) {
    const seen = new Set<string>();
    const reports: ReportFile[] = [];
    for (const pattern of patterns) {
      const matched = matchPattern(workspace, pattern);
      for (const folder of matched.folders) readable(workspace, folder, log);
      const matches: string[] = [];
      let fresh = 0;
      for (const file of matched.files) {
        if (seen.has(file)) continue;
        seen.add(file);
        fresh++;
        if (readable(workspace, file, log)) matches.push(file);
      }
      if (fresh === 0 && matched.folders.length === 0) {
        log.warning(
          `No file matches '${pattern}' (from the 'files' input), looked for under ${workspace}.`,
        );
      }
      for (const file of matches) {
        seen.add(file);
        const report = identify(file);
        if (!report) {
          throw new ActionFailure(
            `${display(workspace, file)} is empty or not text: expected a coverage report (${Object.values(FORMAT_NAMES).join(', ')}).`,
          );
        }
        reports.push(report);
      }
    }
    if (reports.length === 0) {
      throw new ActionFailure(
        `No coverage report found: nothing matches ${patterns.map((p) => `'${p}'`).join(', ')} in ${workspace}. ` +
          'Check that the test step wrote its report there, and that both steps use the same working directory.',
      );
    }
    return reports;
  }

  const byFolder = new Map<string, ReportFile>();
  for (const pattern of DEFAULT_PATTERNS) {
    const matched = matchPattern(workspace, pattern);
    for (const folder of matched.folders) readable(workspace, folder, log);
    for (const file of matched.files) {
      if (!readable(workspace, file, log)) continue;
      const report = identify(file);
      if (!report || report.guessed) {
        log.debug(`Skipping ${file}: not a coverage report.`);
        continue;
      }
      const folder = path.dirname(file);
      const known = byFolder.get(folder);
      if (!known || RICHNESS.indexOf(report.format) < RICHNESS.indexOf(known.format)) {
        if (known)
          log.info(`Using ${report.name} rather than ${known.name} (same folder, more detail).`);
        byFolder.set(folder, report);
      } else {
        log.info(`Using ${known.name} rather than ${report.name} (same folder, more detail).`);
      }
    }
  }
  if (byFolder.size === 0) {
    throw new ActionFailure(
      `No coverage report found in ${workspace}: looked for ${DEFAULT_PATTERNS.join(', ')}. ` +
        "Name the report in the 'files' input, or write it to one of these places.",
    );
  }
  return [...byFolder.values()].sort((a, b) => a.name.localeCompare(b.name));
}
