// How a program reaches a server, and the one place where TypeScript writes shell: the prelude
// of quoted values in front of a program. The programs themselves are the shell files in
// remote/, which shellcheck reads and remote/programs.test.ts runs under dash and bash.
//
// The command line sshd hands to the user's login shell is fixed text, choose-shell.sh then
// bootstrap.sh, and nothing else: no user value is ever part of it. The program travels over
// the channel's stdin: strict-mode.sh, then the prelude, then the program's own text.
import { readFileSync } from 'node:fs';

/**
 * The files of remote/, read when a program is built. Each path is written out whole: that is
 * the form of path ncc recognises, to copy the file into dist/ssh-redeploy/ beside the bundle
 * and point the bundle at the copy.
 */
export const remoteFiles = {
  chooseShell: () => readFileSync(`${__dirname}/remote/choose-shell.sh`, 'utf8'),
  bootstrap: () => readFileSync(`${__dirname}/remote/bootstrap.sh`, 'utf8'),
  bootstrapPty: () => readFileSync(`${__dirname}/remote/bootstrap-pty.sh`, 'utf8'),
  strictMode: () => readFileSync(`${__dirname}/remote/strict-mode.sh`, 'utf8'),
  killGroup: () => readFileSync(`${__dirname}/remote/kill-group.sh`, 'utf8'),
  deployContainer: () => readFileSync(`${__dirname}/remote/deploy-container.sh`, 'utf8'),
  swarmStatus: () => readFileSync(`${__dirname}/remote/swarm-status.sh`, 'utf8'),
  swarmDocker: () => readFileSync(`${__dirname}/remote/swarm-docker.sh`, 'utf8'),
};

/** A file's commands without its comment lines, which only people need. */
function commandLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

/**
 * A file as one word of the command line: its commands on one line, single-quoted. It must
 * hold no single quote, as fish reads `\'` inside single quotes as a quote where sh, bash and
 * zsh do not: without one, the word is the same in every login shell.
 */
function commandWord(text: string): string {
  const line = commandLines(text).join(' ');
  if (line.includes("'")) throw new Error('a command-line program cannot hold a single quote');
  return `'${line}'`;
}

/** What sshd hands to the login shell: runs the bootstrap under bash, or sh without bash. */
export function remoteCommand(): string {
  return `sh -c ${commandWord(remoteFiles.chooseShell())} ${commandWord(remoteFiles.bootstrap())}`;
}

/** The command line of a session with a terminal (request-pty): see bootstrap-pty.sh. */
export function terminalRemoteCommand(): string {
  return `sh -c ${commandWord(remoteFiles.chooseShell())} ${commandWord(remoteFiles.bootstrapPty())}`;
}

/** The bootstrap's line on stderr (after whatever the login shell's rc files printed). */
export const PGID_LINE = /(^|\n)ssh-redeploy-pgid (\d*)\n/;

/** A POSIX shell word that stands for exactly `value`, whatever its bytes (NUL aside). */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell word cannot hold a NUL character');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A list as programs read it: one item a line, so an item cannot hold a line break. */
export function lines(items: string[]): string {
  for (const item of items) {
    if (item.includes('\n')) throw new Error('a list item for a program cannot hold a line break');
  }
  return items.join('\n');
}

/** The names of a program's own values: capitals, so that shellcheck takes them as given. */
const PROGRAM_VARIABLE = /^[A-Z][A-Z0-9_]*$/;

/** Shell names that cannot or must not be assigned: bash would stop at the first of them. */
const RESERVED = new Set([
  'BASHOPTS',
  'BASHPID',
  'BASH_ARGC',
  'BASH_ARGV',
  'BASH_LINENO',
  'BASH_SOURCE',
  'BASH_VERSINFO',
  'EUID',
  'FUNCNAME',
  'GROUPS',
  'PPID',
  'SHELLOPTS',
  'UID',
]);

export function isAssignableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name) && !name.startsWith('__srd_');
}

/**
 * `NAME='value'` lines for a program's values, then `export name='value'` lines for the
 * variables handed to a user's script (named as the user chose, checked by inputs.ts).
 */
function prelude(values: Record<string, string>, exported: Record<string, string>): string {
  const assignments = Object.entries(values).map(([name, value]) => {
    if (!PROGRAM_VARIABLE.test(name)) throw new Error(`not a program variable: ${name}`);
    return `${name}=${shellQuote(value)}\n`;
  });
  const exports = Object.entries(exported).map(([name, value]) => {
    if (!isAssignableName(name)) throw new Error(`not a variable name: ${name}`);
    return `export ${name}=${shellQuote(value)}\n`;
  });
  return [...assignments, ...exports].join('');
}

/** What the bootstrap runs: strict mode, the prelude of values, then the program's text. */
export function remoteProgram(
  text: string,
  values: Record<string, string>,
  exported: Record<string, string> = {},
): string {
  // Without its comments, strict mode is as many lines as ever: a script's line numbers in
  // the shell's error messages stay what they were.
  const strictMode = `${commandLines(remoteFiles.strictMode()).join('\n')}\n`;
  return `${strictMode}${prelude(values, exported)}${text}${text.endsWith('\n') ? '' : '\n'}`;
}

/** The program of script mode: the user's script, with the `envs` variables exported. */
export function scriptProgram(script: string, variables: Record<string, string>): string {
  return remoteProgram(script, {}, variables);
}

/**
 * The program that ends a timed-out program's whole process group from a second channel,
 * SIGTERM and, `graceSeconds` later, SIGKILL; `pgid` is the number the bootstrap printed,
 * checked to be one.
 */
export function killProgram(pgid: string, graceSeconds: number): string {
  if (!/^[1-9]\d*$/.test(pgid)) throw new Error(`not a process group: ${pgid}`);
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new Error('not a grace period');
  return remoteProgram(remoteFiles.killGroup(), { PGID: pgid, GRACE: String(graceSeconds) });
}
