import { FunctionBuilder, LineBuilder, type RecordSink, type ReportInfo } from '../model';
import type { Ratio } from '../percent';
import { ReportError } from './report-error';
import { detach, type Chunks } from './text-stream';
import { scanXml, type Tag } from './xml-scanner';

// Clover XML (OpenClover, PHPUnit, Istanbul): <file path> elements holding <metrics> and one
// <line num count type> per statement, condition or method. Lines come from the stmt and cond
// entries. Branch counts come from each file's <metrics conditionals coveredconditionals>,
// because the producers disagree on what a cond line's truecount/falsecount mean (OpenClover:
// how often the condition was true or false; Istanbul: branches covered and not).

export async function parseClover(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const lines = new LineBuilder();
  const functions = new FunctionBuilder();
  let rootSeen = false;
  let file: string | undefined;
  let fileMetricsSeen = false;
  let branches: Ratio | undefined;
  let methods: Ratio | undefined;
  let methodLines = 0;
  let files = 0;

  const count = (tag: Tag, name: string) => Number(tag.attr(name) ?? NaN);

  await scanXml(chunks, {
    open(tag) {
      switch (tag.name) {
        case 'coverage':
          rootSeen = true;
          return;
        case 'file': {
          const path = tag.attr('path') ?? tag.attr('name');
          if (path === undefined)
            throw new ReportError('a <file> element has neither path nor name');
          file = detach(path.replace(/\\/g, '/'));
          fileMetricsSeen = false;
          branches = undefined;
          methods = undefined;
          methodLines = 0;
          return;
        }
        case 'metrics': {
          if (file === undefined || fileMetricsSeen) return;
          fileMetricsSeen = true;
          const conditionals = count(tag, 'conditionals');
          const coveredConditionals = count(tag, 'coveredconditionals');
          if (Number.isInteger(conditionals) && Number.isInteger(coveredConditionals)) {
            branches = { covered: coveredConditionals, total: conditionals };
          }
          const methodCount = count(tag, 'methods');
          const coveredMethods = count(tag, 'coveredmethods');
          if (Number.isInteger(methodCount) && Number.isInteger(coveredMethods)) {
            methods = { covered: coveredMethods, total: methodCount };
          }
          return;
        }
        case 'line': {
          if (file === undefined) return;
          const number = count(tag, 'num');
          const hits = count(tag, 'count');
          if (!Number.isInteger(number))
            throw new ReportError(`a <line> of ${file} has no num: <${tag.raw}>`);
          const type = (tag.attr('type') ?? 'stmt').trim().toLowerCase();
          if (type === 'method') {
            methodLines++;
            const name = tag.attr('name') ?? tag.attr('signature') ?? `line ${number}`;
            functions.declare(detach(name), number);
            functions.hit(detach(name), Number.isNaN(hits) ? 0 : hits);
          } else {
            lines.add(number, Number.isNaN(hits) ? 0 : hits);
          }
          return;
        }
        default:
          return;
      }
    },
    close(name) {
      if (name !== 'file' || file === undefined) return;
      const detailedFunctions = functions.take();
      emit({
        path: file,
        lines: lines.take(),
        functions: methodLines > 0 ? detailedFunctions : undefined,
        counts: { branches, functions: methodLines > 0 ? undefined : methods },
      });
      files++;
      file = undefined;
    },
  });
  if (!rootSeen)
    throw new ReportError('the root element is not <coverage>: this is not a Clover report');
  if (files === 0) throw new ReportError('no <file> elements: the report covers no file');
  return { family: 'other' };
}
