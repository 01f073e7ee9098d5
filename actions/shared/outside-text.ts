// Text that comes from outside the workflow (a server's output, a registry's or an API's
// answer, a report, a file name) printed so that no part of it can act as a workflow command.
//
// The runner reads a line as a command when, after leading white space, it starts with `::`
// (`::add-mask::`, `::set-output::`, `::error::`...), and it still runs the older `##[name]`
// form; it cuts lines at `\r` as well as `\n`. So outside text is cut into lines at both, and
// a zero-width space (U+200B, not white space to the runner) goes between the two colons of a
// leading `::` and between `##` and `[`: the text reads the same and is inert. Long outputs
// can instead go between `::stop-commands::` markers with a fresh token (shared/process.ts,
// ssh-redeploy's host-log.ts); this is for text mixed with the action's own lines.

const ZERO_WIDTH_SPACE = '\u200b';
const LINE_BREAK = /\r\n|\r|\n/;

/** One line (no line break in it) made inert. */
function inertLine(line: string): string {
  return line
    .replace(/^(\s*:)(:)/, `$1${ZERO_WIDTH_SPACE}$2`)
    .replace(/##\[/g, `##${ZERO_WIDTH_SPACE}[`);
}

/** Outside text as the lines to print, each inert; `\r` ends a line as `\n` does. */
export function inertLines(text: string): string[] {
  return text.split(LINE_BREAK).map(inertLine);
}

/**
 * Outside text to print within one line of the action's own (an id, a path, a message from a
 * server): line breaks shown as `\r` and `\n`, and nothing in it a command.
 */
export function inertInline(text: string): string {
  return inertLine(text.replace(/\r/g, '\\r').replace(/\n/g, '\\n'));
}
