// Running a program to its end. A program gets an argv array, never a command line: nothing the
// user wrote ever reaches a shell. Each action maps the result to what its callers expect.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

// child_process and crypto are loaded at the first program a step runs, not at its start: a
// step that runs none (a post step with nothing left to undo) starts about 10 ms sooner.
const childProcess = () => process.getBuiltinModule('node:child_process');
const randomToken = () => process.getBuiltinModule('node:crypto').randomBytes(16).toString('hex');

export interface ProcessOptions {
  /** The program's whole environment; the step's own when not given. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the program's stdin, which is then closed; without it, stdin is /dev/null. */
  input?: string;
  /**
   * Copy the output to the step's log as it comes. It is written between stop-commands
   * markers, so that what the program prints cannot issue workflow commands (set outputs,
   * add masks) in this job.
   */
  stream?: boolean;
  /**
   * Handed each piece of output as it comes, with the stream it came on, for a caller that
   * prints it itself (prefixed lines of programs running at once, whose stop-commands markers
   * would interleave). Pieces are not whole lines.
   */
  onOutput?: (chunk: string, from: 'stdout' | 'stderr') => void;
  /**
   * After this long the program and what it started are killed (SIGKILL to its process group);
   * by default it may run as long as it takes.
   */
  timeoutMs?: number;
  /** Keep only the last this many characters of each stream, where the error is. */
  keepChars?: number;
}

export interface ProcessResult {
  /** null when the program did not start or was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Why the program could not be started (ENOENT: it is not there). */
  error?: NodeJS.ErrnoException;
  /** Whether it was killed at `timeoutMs`. */
  timedOut: boolean;
}

/** How logic runs programs; `runProcess` in a step, a recording one in tests. */
export type RunProcess = (
  file: string,
  args: string[],
  options?: ProcessOptions,
) => Promise<ProcessResult>;

/** Runs a program to its end and collects its output; never rejects once it is spawned. */
export const runProcess: RunProcess = (file, args, options = {}) =>
  new Promise((resolve) => {
    const { spawn } = childProcess();
    // stdout and stderr are always pipes; stdin is one only when there is input.
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // With a time limit, a process group of its own: the kill then reaches what the program
      // started too (git's remote helper, say), which would otherwise hold the pipes open.
      detached: options.timeoutMs !== undefined,
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    let stdout = '';
    let stderr = '';
    let error: NodeJS.ErrnoException | undefined;
    let timedOut = false;
    const token = options.stream ? randomToken() : '';
    const keep = (text: string, chunk: string) =>
      options.keepChars === undefined ? text + chunk : (text + chunk).slice(-options.keepChars);
    if (options.stream) process.stdout.write(`::stop-commands::${token}\n`);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = keep(stdout, chunk);
      if (options.stream) process.stdout.write(chunk);
      options.onOutput?.(chunk, 'stdout');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = keep(stderr, chunk);
      if (options.stream) process.stdout.write(chunk);
      options.onOutput?.(chunk, 'stderr');
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }, options.timeoutMs);
    child.on('error', (spawnError: NodeJS.ErrnoException) => {
      error = spawnError;
    });
    // 'close' follows 'error' too, once the streams are done: the output is whole by then.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (options.stream) process.stdout.write(`\n::${token}::\n`);
      resolve({ code: error ? null : code, signal, stdout, stderr, error, timedOut });
    });
    if (child.stdin) {
      // A program that exits without reading its input must not fail the step with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
