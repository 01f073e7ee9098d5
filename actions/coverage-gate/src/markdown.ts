// Outside text (file names, report names, a forwarded comment) put into Markdown that GitHub
// renders, so that it shows as the text it is and does nothing: no HTML, no emphasis, links or
// table breaks, no autolink, no @mention that notifies anyone, no #123 cross-reference.
//
// Backslash escapes cover what CommonMark parses inline (HTML, code, emphasis, links, tables,
// GitHub's strikethrough and math), and a leading marker that would open a nested list. Mentions, autolinks and references are found by GitHub in the rendered text, after
// escapes are gone, so those get a zero-width joiner (U+200D) where it breaks the pattern:
// after `@`, after the `:` of `://`, after `www` before its dot, after `#` before a digit. The
// text reads the same; a copied name holds the invisible character.

const ZWJ = '\u200d';
const ESCAPED = /[\\`*_[\]<>|~&$#]/g;

/** Outside text as inert Markdown inline text, on one line (table cells, list items). */
export function markdownText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(ESCAPED, (char) => `\\${char}`)
    .replace(/^(\s*)([-+])(?=\s|$)/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2')
    .replace(/@/g, `@${ZWJ}`)
    .replace(/:(?=\/\/)/g, `:${ZWJ}`)
    .replace(/\b(www)(?=\.)/gi, `$1${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`);
}

/**
 * Markdown written elsewhere (a comment file from another workflow), kept as Markdown but with
 * every @mention made inert, so that posting it notifies nobody, and with no HTML comment that
 * could pass for a marker of this action.
 */
export function neutraliseMentions(markdown: string): string {
  return markdown.replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`).replace(/<!--/g, '&lt;!--');
}
