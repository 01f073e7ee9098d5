// Privileged commands and the processes on this machine. Programs get argv arrays: nothing the
// user wrote ever reaches a shell.
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { ActionContext } from '../../shared/context';
import { ActionFailure } from '../../shared/errors';
import type { ProcessResult } from '../../shared/process';

/**
 * The first line worth quoting from a failed command, for error messages. `timeoutMs` is the
 * limit the command ran under, named when it was the reason.
 */
export function describeFailure(result: ProcessResult, timeoutMs: number): string {
  if (result.error) return result.error.message;
  if (result.timedOut) return `timed out after ${timeoutMs} ms`;
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

  /** The program and argv that run `file` with root's rights, for `exec`. */
  command(file: string, args: string[]): [string, string[]] {
    return this.isRoot ? [file, args] : ['sudo', ['-n', file, ...args]];
  }
}

export function currentPrivilege(): Privilege {
  return new Privilege(process.getuid?.() === 0);
}

const SUDO_PROBE_TIMEOUT_MS = 10_000;

/** Fails the step early when it is not root and cannot become root without a password. */
export async function checkSudo(
  { exec, log }: Pick<ActionContext, 'exec' | 'log'>,
  privilege: Privilege,
): Promise<void> {
  if (privilege.isRoot) return;
  const probe = await exec('sudo', ['-n', 'true'], { timeoutMs: SUDO_PROBE_TIMEOUT_MS });
  if (probe.code !== 0) {
    throw new ActionFailure(
      `This step runs as ${userInfo().username}, not root, and 'sudo -n' does not work here (${describeFailure(probe, SUDO_PROBE_TIMEOUT_MS)}). ` +
        'Creating a tunnel interface needs root: use a runner whose user has password-less sudo (GitHub-hosted runners do), or run the job as root.',
    );
  }
  log.info(`Running the VPN programs through sudo, as this step runs as ${userInfo().username}.`);
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
