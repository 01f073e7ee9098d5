import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { ActionFailure, errorMessage } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { CoverageSet } from './coverage-set';
import type { ReportFile } from './discovery';
import { excludeMatcher } from './exclude';
import { walkFiles } from './glob';
import type { ReportInfo } from './model';
import { goModulePath, PathMapper, type PrefixRule } from './path-mapping';
import { FORMAT_NAMES, PARSERS } from './reports/formats';
import { ReportError } from './reports/report-error';

// Every report read as a stream and merged into one set of files, each path mapped onto the
// workspace's files and dropped when `exclude` matches it.

interface PathOptions {
  workspace: string;
  prefixes: PrefixRule[];
  sourceRoots: string[];
  exclude: string[];
}

interface ReadReports {
  set: CoverageSet;
  /** What each parser learned about its report, in the order of `reports`. */
  infos: ReportInfo[];
}

const MAX_LISTED_UNMATCHED = 10;

/** How many report paths matched nothing, and the first few, for the warning. */
interface Unmatched {
  count: number;
  first: Set<string>;
}

export async function readReports(
  reports: ReportFile[],
  options: PathOptions,
  log: Logger & { notice(message: string): void },
): Promise<ReadReports> {
  const mapper = mapperFor(options);
  const excluded = excludeMatcher(options.exclude);
  const set = new CoverageSet();
  const infos: ReportInfo[] = [];
  const unmatched: Unmatched = { count: 0, first: new Set() };
  for (const report of reports) {
    const info = await readReport(report, set, mapper, excluded, unmatched);
    infos.push(info);
    log.info(`Read ${report.name} (${FORMAT_NAMES[report.format]}).`);
    for (const notice of info.notices ?? []) log.notice(`${report.name}: ${notice}.`);
  }
  if (unmatched.count > 0) {
    const listed = [...unmatched.first];
    log.warning(
      `${unmatched.count} path${unmatched.count === 1 ? '' : 's'} in the reports match no file in the workspace: ` +
        `${listed.join(', ')}${unmatched.count > listed.length ? `, and ${unmatched.count - listed.length} more` : ''}. ` +
        'Their coverage still counts, but changed lines and annotations cannot reach them. Make the reports in this checkout, or map their paths with path-prefix or source-roots.',
    );
  }
  return { set, infos };
}

function mapperFor(options: PathOptions): PathMapper {
  const workspaceFiles = walkFiles(options.workspace);
  return new PathMapper({
    workspace: options.workspace,
    workspaceFiles,
    prefixes: options.prefixes,
    sourceRoots: options.sourceRoots,
    goModules: goModules(options.workspace, workspaceFiles),
  });
}

function goModules(workspace: string, files: string[]) {
  return files
    .filter((file) => file === 'go.mod' || file.endsWith('/go.mod'))
    .flatMap((file) => {
      const module = goModulePath(readFileSync(path.join(workspace, file), 'utf8'));
      return module
        ? [{ module, dir: path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file) }]
        : [];
    });
}

async function readReport(
  report: ReportFile,
  set: CoverageSet,
  mapper: PathMapper,
  excluded: (path: string) => boolean,
  unmatched: Unmatched,
): Promise<ReportInfo> {
  let records = 0;
  const stream = createReadStream(report.file, { highWaterMark: 64 * 1024 });
  try {
    const info = await PARSERS[report.format](stream, (record) => {
      records++;
      if (record.unnamed) {
        set.add(`\u0000unnamed ${report.name}`, record);
        return;
      }
      const mapped = mapper.map(record.path, record.roots);
      if (excluded(mapped.path)) return;
      if (!mapped.matched && !set.has(mapped.path)) {
        unmatched.count++;
        if (unmatched.first.size < MAX_LISTED_UNMATCHED) unmatched.first.add(mapped.path);
      }
      set.add(mapped.path, record);
    });
    if (records === 0) {
      throw new ActionFailure(
        `${report.name}: the report is empty (it covers no file). Expected a ${FORMAT_NAMES[report.format]} with at least one file in it.`,
      );
    }
    return info;
  } catch (error) {
    if (error instanceof ReportError) {
      const what = report.guessed
        ? `not a coverage report this action recognises (expected one of: ${Object.values(FORMAT_NAMES).join(', ')}); read as a coverage.py text report: ${error.message}. Set 'format' if it is one of these.`
        : `cannot be read as a ${FORMAT_NAMES[report.format]}: ${error.message}`;
      throw new ActionFailure(`${report.name}: ${what}`);
    }
    if (error instanceof ActionFailure) throw error;
    throw new ActionFailure(`${report.name}: could not be read (${errorMessage(error)}).`);
  } finally {
    stream.destroy();
  }
}
