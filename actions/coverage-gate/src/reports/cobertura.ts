import {
  BranchBuilder,
  EMPTY_LINES,
  FunctionBuilder,
  LineBuilder,
  takeIf,
  type RecordSink,
  type ReportInfo,
} from '../model';
import type { Ratio } from '../percent';
import { ReportError } from './report-error';
import { detach, type Chunks } from './text-stream';
import { scanXml, type Tag } from './xml-scanner';

// Cobertura XML, as written by coverage.py (`coverage xml`), gcovr, Istanbul, coverlet,
// ReportGenerator and others. File names are relative to one of the <source> folders.
// Only a class's own <lines> count: the <lines> under its <method> elements repeat them.
// Attribute values are read as their writers mean them: coverlet writes `branch="True"`, others
// `true` (or `1`). The root's totals (`lines-valid`, `branches-covered` ...) are a header: the
// <line> elements are the data, and where they disagree the data wins, as lcov follows its DA
// records. Only where no line carries the detail (php-code-coverage, for instance, puts branch
// totals in the header alone) does the header stand in, as counts of the report as a whole.

/** A boolean attribute as the tools write it: `true`, `True`, `TRUE` or `1`. */
function isTrueValue(value: string | undefined): boolean {
  const text = value?.trim().toLowerCase();
  return text === 'true' || text === '1';
}

function headerRatio(tag: Tag, covered: string, valid: string): Ratio | undefined {
  const total = Number(tag.attr(valid));
  const done = Number(tag.attr(covered));
  return Number.isInteger(total) && Number.isInteger(done) && total > 0 && done >= 0
    ? { covered: Math.min(done, total), total }
    : undefined;
}

const CONDITION = /\((\d+)\s*\/\s*(\d+)\)/;

export async function parseCobertura(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const sources: string[] = [];
  const lines = new LineBuilder();
  const branches = new BranchBuilder();
  const functions = new FunctionBuilder();
  let family: ReportInfo['family'] = 'other';
  let rootSeen = false;
  // A report made with branch measurement on says so at its root; its files without a
  // branch then have zero branches, not unmeasured ones.
  let reportBranches = false;
  let inSource = false;
  let sourceText = '';
  let file: string | undefined;
  let hasBranches = false;
  let hasMethods = false;
  let method: { key: string; line: number; hits: number } | undefined;
  let classes = 0;
  let header: { lines?: Ratio; branches?: Ratio } = {};
  let lineSeen = false;
  let branchSeen = false;

  await scanXml(chunks, {
    comment(text) {
      if (classes === 0 && file === undefined && /coverage\.py/i.test(text)) family = 'coverage.py';
    },
    open(tag: Tag) {
      switch (tag.name) {
        case 'coverage':
          if (rootSeen) return;
          rootSeen = true;
          reportBranches = Number(tag.attr('branches-valid') ?? 0) > 0;
          header = {
            lines: headerRatio(tag, 'lines-covered', 'lines-valid'),
            branches: headerRatio(tag, 'branches-covered', 'branches-valid'),
          };
          return;
        case 'source':
          inSource = true;
          sourceText = '';
          return;
        case 'class': {
          const filename = tag.attr('filename');
          if (filename === undefined) throw new ReportError('a <class> element has no filename');
          file = detach(filename.replace(/\\/g, '/'));
          hasBranches = false;
          hasMethods = false;
          return;
        }
        case 'method':
          if (file === undefined) return;
          hasMethods = true;
          method = {
            key: detach(`${tag.attr('name') ?? ''}${tag.attr('signature') ?? ''}`),
            line: 0,
            hits: 0,
          };
          return;
        case 'line': {
          if (file === undefined) return;
          const number = Number(tag.attr('number'));
          const hits = Number(tag.attr('hits'));
          if (!Number.isInteger(number) || Number.isNaN(hits)) {
            throw new ReportError(`a <line> of ${file} has no number or hits: <${tag.raw}>`);
          }
          if (method) {
            if (method.line === 0 || number < method.line) method.line = number;
            if (hits > method.hits) method.hits = hits;
            return;
          }
          lines.add(number, hits);
          lineSeen = true;
          if (isTrueValue(tag.attr('branch'))) {
            const condition = CONDITION.exec(tag.attr('condition-coverage') ?? '');
            if (condition) {
              hasBranches = true;
              branchSeen = true;
              const covered = Number(condition[1]);
              const total = Number(condition[2]);
              // Cobertura says how many of a line's branches ran, not which: the first ones stand in.
              for (let slot = 0; slot < total; slot++) branches.add(number, slot < covered ? 1 : 0);
            }
          }
          return;
        }
        default:
          return;
      }
    },
    text(text) {
      if (inSource) sourceText += text;
    },
    close(name) {
      switch (name) {
        case 'source':
          inSource = false;
          if (sourceText.trim() !== '') sources.push(detach(sourceText.trim().replace(/\\/g, '/')));
          return;
        case 'method':
          if (method) {
            functions.declare(method.key, method.line);
            functions.hit(method.key, method.hits);
          }
          method = undefined;
          return;
        case 'class':
          if (file === undefined) return;
          classes++;
          emit({
            path: file,
            roots: sources,
            lines: lines.take(),
            branches: takeIf(hasBranches || reportBranches, branches),
            functions: takeIf(hasMethods, functions),
          });
          file = undefined;
          return;
        default:
          return;
      }
    },
  });
  if (!rootSeen)
    throw new ReportError('the root element is not <coverage>: this is not a Cobertura report');
  if (classes === 0) throw new ReportError('no <class> elements: the report covers no file');
  const fromHeader: string[] = [];
  if (!lineSeen && header.lines) fromHeader.push('lines');
  if (!branchSeen && header.branches) fromHeader.push('branches');
  if (fromHeader.length === 0) return { family };
  const counts = {
    lines: lineSeen ? undefined : header.lines,
    branches: branchSeen ? undefined : header.branches,
  };
  emit({ path: '', lines: EMPTY_LINES, counts, unnamed: true });
  return {
    family,
    notices: [
      `no <line> carries the ${fromHeader.join(' or ')} detail, so the totals in the root <coverage> element (${fromHeader
        .map(
          (metric) =>
            `${header[metric as 'lines' | 'branches']!.covered} of ${header[metric as 'lines' | 'branches']!.total} ${metric}`,
        )
        .join(', ')}) are used for the report as a whole`,
    ],
  };
}
