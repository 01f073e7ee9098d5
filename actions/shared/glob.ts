// Glob patterns as workflows write them (`**/coverage/lcov.info`, `reports/*.xml`,
// `{a,b}.out`, `build/**/*.js`), matched against relative paths with forward slashes.

/** A regular expression matching exactly the paths the glob matches. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        if (atSegmentStart && slashAfter) {
          source += '(?:[^/]*/)*';
          i += 2;
        } else {
          source += '.*';
          i += 1;
        }
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) {
        source += '\\[';
      } else {
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = close;
      }
    } else if (char === '{') {
      braces++;
      source += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (char === ',' && braces > 0) {
      source += '|';
    } else {
      source += char.replace(/[.+^$|()\\]/g, '\\$&').replace(/[{}]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

export function isGlob(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

/** The folder before the first wildcard: where a walk for the pattern can start. */
export function literalPrefix(pattern: string): string {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (isGlob(part)) break;
    fixed.push(part);
  }
  return fixed.join('/');
}
