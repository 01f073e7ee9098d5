// How a program reaches the server. The command line sshd hands to the user's login shell is
// this fixed text and nothing else: no user value is ever part of it. The program itself
// (script, variables, deploy steps) travels over the channel's stdin, so it has no argv size
// limit and never shows in the server's process list.
//
// The bootstrap, run by `bash` when the server has it and `sh` otherwise:
// 1. prints its process group on stderr, so a timed-out program can be killed whole from a
//    second channel (sshd makes each session its own process group);
// 2. reads the whole program from stdin before running any of it, then points stdin at
//    /dev/null: a command in the program that reads stdin gets end-of-file instead of eating
//    the rest of the program or waiting forever;
// 3. evaluates it. Its variables are unset first thing in the program.
//
// The bootstrap holds no single quote, so it survives the login shell's single quoting
// (sh, bash, zsh and fish alike).

const BOOTSTRAP =
  '__srd_g=; read -r __srd_g </proc/$$/stat 2>/dev/null && __srd_g=${__srd_g##*) } && set -- $__srd_g && __srd_g=$3; ' +
  'printf "ssh-redeploy-pgid %s\\n" "$__srd_g" >&2; ' +
  '__srd_s=$(cat; printf .); exec </dev/null; eval "${__srd_s%.}"';

export const REMOTE_COMMAND =
  `sh -c 'if command -v bash >/dev/null 2>&1; then exec bash -c "$0"; else exec sh -c "$0"; fi' ` +
  `'${BOOTSTRAP}'`;

/** The bootstrap's line on stderr (after whatever the login shell's rc files printed). */
export const PGID_LINE = /(^|\n)ssh-redeploy-pgid (\d*)\n/;

/** A POSIX shell word that stands for exactly `value`, whatever its bytes (NUL aside). */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell word cannot hold a NUL character');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The first lines of every program: strict mode, and the bootstrap's traces wiped. */
export const PROGRAM_PRELUDE = [
  'unset -v __srd_s __srd_g',
  'set --',
  'set -eu',
  // pipefail is in bash and recent dash; where the shell lacks it, a pipeline keeps sh's rule.
  '(set -o pipefail) 2>/dev/null && set -o pipefail',
].join('\n');

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

/** The program of script mode: the prelude, the exported variables, then the user's script. */
export function scriptProgram(script: string, variables: Record<string, string>): string {
  const assignments = Object.entries(variables).map(
    ([name, value]) => `export ${name}=${shellQuote(value)}`,
  );
  return `${[PROGRAM_PRELUDE, ...assignments].join('\n')}\n${script}${script.endsWith('\n') ? '' : '\n'}`;
}

/**
 * The command that kills a program's whole process group; `pgid` is the number the bootstrap
 * printed, checked to be one.
 */
export function killCommand(pgid: string): string {
  if (!/^[1-9]\d*$/.test(pgid)) throw new Error(`not a process group: ${pgid}`);
  return `kill -s KILL -- -${pgid}`;
}
