// File annotations need properties on the workflow command (file, line, endLine, title),
// which shared/runner.ts does not expose yet; this uses the same command module it does.
// It belongs in shared/runner.ts as an `annotate()` beside warning().
import { issueCommand } from '@actions/core/lib/command';
import type { Annotation } from './annotations';

export function issueWarningAnnotation(annotation: Annotation): void {
  issueCommand(
    'warning',
    {
      file: annotation.file,
      line: annotation.line,
      endLine: annotation.endLine,
      title: annotation.title,
    },
    annotation.message,
  );
}
