import {
  BranchBuilder,
  FunctionBuilder,
  LineBuilder,
  type RecordSink,
  type ReportInfo,
} from '../model';
import { ReportError } from './report-error';
import { detach, type Chunks } from './text-stream';
import { scanXml } from './xml-scanner';

// JaCoCo's XML report: <package name="com/acme"> holds <class> elements with their <method>s
// (each with a METHOD counter) and then <sourcefile> elements with one <line nr mi ci mb cb>
// per line. A line is covered when any of its instructions ran (ci > 0), as JaCoCo's LINE
// counter counts it. Paths are the package's folder and the file name (com/acme/Calc.java),
// which the path mapping finds under the source folders. A method is known by its class, name
// and descriptor: the classes of one source file (a nested or anonymous class, a second
// top-level class) each have their own <init>()V, and JaCoCo's METHOD counter counts each.

export async function parseJacoco(chunks: Chunks, emit: RecordSink): Promise<ReportInfo> {
  const lines = new LineBuilder();
  const branches = new BranchBuilder();
  let rootSeen = false;
  let packageName = '';
  // Methods are listed under classes, before the source files those classes come from.
  let methodsByFile = new Map<string, FunctionBuilder>();
  let classFile: string | undefined;
  let className = '';
  let method: { key: string; line: number; covered: boolean | undefined } | undefined;
  let sourceFile: string | undefined;
  let files = 0;

  await scanXml(chunks, {
    open(tag) {
      switch (tag.name) {
        case 'report':
          rootSeen = true;
          return;
        case 'package':
          packageName = detach((tag.attr('name') ?? '').replace(/\\/g, '/'));
          methodsByFile = new Map();
          return;
        case 'class':
          classFile = tag.attr('sourcefilename');
          if (classFile !== undefined) classFile = detach(classFile);
          // com/acme/Invoice$Line: the name after the package is unique in its source file.
          className = detach((tag.attr('name') ?? '').replace(/^.*[/\\]/, ''));
          return;
        case 'method':
          if (classFile === undefined) return;
          method = {
            key: detach(`${className}.${tag.attr('name') ?? ''}${tag.attr('desc') ?? ''}`),
            line: Number(tag.attr('line') ?? 0) || 0,
            covered: undefined,
          };
          return;
        case 'counter':
          if (method && tag.attr('type')?.trim().toUpperCase() === 'METHOD') {
            method.covered = Number(tag.attr('covered') ?? 0) > 0;
          }
          return;
        case 'sourcefile':
          sourceFile = tag.attr('name');
          if (sourceFile !== undefined) sourceFile = detach(sourceFile);
          if (sourceFile === undefined) throw new ReportError('a <sourcefile> element has no name');
          return;
        case 'line': {
          if (sourceFile === undefined) return;
          const number = Number(tag.attr('nr'));
          const coveredInstructions = Number(tag.attr('ci') ?? 0);
          if (!Number.isInteger(number))
            throw new ReportError(`a <line> of ${sourceFile} has no nr: <${tag.raw}>`);
          lines.add(number, coveredInstructions);
          const missedBranches = Number(tag.attr('mb') ?? 0);
          const coveredBranches = Number(tag.attr('cb') ?? 0);
          for (let slot = 0; slot < coveredBranches + missedBranches; slot++) {
            branches.add(number, slot < coveredBranches ? 1 : 0);
          }
          return;
        }
        default:
          return;
      }
    },
    close(name) {
      switch (name) {
        case 'method':
          if (method && classFile !== undefined) {
            let builder = methodsByFile.get(classFile);
            if (!builder) methodsByFile.set(classFile, (builder = new FunctionBuilder()));
            builder.declare(method.key, method.line);
            builder.hit(method.key, method.covered ? 1 : 0);
          }
          method = undefined;
          return;
        case 'class':
          classFile = undefined;
          return;
        case 'sourcefile':
          if (sourceFile === undefined) return;
          emit({
            path: packageName === '' ? sourceFile : `${packageName}/${sourceFile}`,
            lines: lines.take(),
            branches: branches.take(),
            functions: methodsByFile.get(sourceFile)?.take() ?? new FunctionBuilder().take(),
          });
          files++;
          sourceFile = undefined;
          return;
        default:
          return;
      }
    },
  });
  if (!rootSeen)
    throw new ReportError('the root element is not <report>: this is not a JaCoCo XML report');
  if (files === 0) {
    throw new ReportError(
      'no <sourcefile> elements: the report covers no file (JaCoCo writes them when its report task is given the source folders)',
    );
  }
  return { family: 'other' };
}
