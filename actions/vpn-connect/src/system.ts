// Running programs and looking at processes. Everything goes through argv arrays: nothing the
// user wrote ever reaches a shell.
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../shared/process';

export interface CommandResult {
  /** null when the program could not start or was killed at its time limit. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the program did not run to its end (not found, timed out). */
  failure?: string;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** Runs a program to its end and collects its output; never throws. */
export async function run(
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await runProcess(file, args, { env: options.env ?? process.env, timeoutMs });
  const failure =
    result.error?.message ?? (result.timedOut ? `timed out after ${timeoutMs} ms` : undefined);
  return {
    code: failure ? null : result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    failure,
  };
}

/** The first line worth quoting from a failed command, for error messages. */
export function describeFailure(result: CommandResult): string {
  if (result.failure) return result.failure;
  const lines = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('[#]'));
  return lines.at(-1) ?? `exit code ${result.code}`;
}

// Runner users often lack the sbin folders in PATH, where openvpn and ip live.
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of a program: PATH first, then the usual system folders. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const dirs = [...pathEnv.split(path.delimiter).filter(Boolean), ...SYSTEM_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * How privileged commands are run: directly as root, else through `sudo -n`, which fails at
 * once instead of waiting for a password nobody will type.
 */
export class Privilege {
  constructor(readonly isRoot: boolean) {}

  command(file: string, args: string[]): [string, string[]] {
    return this.isRoot ? [file, args] : ['sudo', ['-n', file, ...args]];
  }

  run(file: string, args: string[], options?: RunOptions): Promise<CommandResult> {
    const [program, argv] = this.command(file, args);
    return run(program, argv, options);
  }
}

export function currentPrivilege(): Privilege {
  return new Privilege(process.getuid?.() === 0);
}

export function currentUser(): string {
  return process.env.USER ?? process.env.LOGNAME ?? String(process.getuid?.() ?? '');
}

/** The argv of a live process, or undefined when it is gone or a zombie. */
export function liveCommandLine(pid: number): string[] | undefined {
  try {
    // Field 3 of /proc/PID/stat is the state; the command name before it may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

export function isRunning(pid: number): boolean {
  return liveCommandLine(pid) !== undefined;
}

/** PIDs of live processes whose argv passes `test`. */
export function findProcesses(test: (argv: string[]) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const line = liveCommandLine(pid);
      return line !== undefined && test(line);
    });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
