import { formatDuration } from '../../shared/duration';
import { errorMessage } from '../../shared/errors';
import type { Clock } from '../../shared/retry';
import type { Connector } from './connector';
import type { HostOutcome } from './fan-out';
import type { HostLog } from './host-log';
import type { Target } from './hosts';
import { BoundedText, LineSplitter } from './output';
import { signalName, type RunResult, type TerminalOptions } from './ssh';

export interface ScriptRun {
  program: string;
  timeoutMs: number;
  /** Characters of stdout kept for the outputs. */
  keptStdout: number;
  /** request-pty: the script runs on a terminal (see TerminalOptions). */
  terminal?: TerminalOptions;
}

/** Connects to one host, runs the program there and says how it ended. */
export async function runScriptOn(
  target: Target,
  run: ScriptRun,
  connector: Connector,
  log: HostLog,
  clock: Clock,
): Promise<HostOutcome> {
  const started = clock.now();
  const stdout = new BoundedText(run.keptStdout);
  const outcome = (fields: Pick<HostOutcome, 'status' | 'exitCode'> & { error?: string }) => {
    const result: HostOutcome = {
      host: target.label,
      ...fields,
      durationMs: clock.now() - started,
      // A terminal ends its lines with CRLF; the output gives them as a script's are.
      stdout: run.terminal ? stdout.toString().replace(/\r\n/g, '\n') : stdout.toString(),
    };
    if (!fields.error) delete result.error;
    return result;
  };

  log.begin(target.label);
  let result: RunResult;
  try {
    result = await runOnHost(target, run.program, run.timeoutMs, connector, log, {
      stdoutChunk: (chunk) => stdout.append(chunk.toString('utf8')),
      terminal: run.terminal,
    });
  } catch (error) {
    const message = errorMessage(error);
    log.info(message);
    const failed = outcome({ status: 'failed', exitCode: null, error: message });
    log.end(`${target.label}: failed`);
    return failed;
  }

  const took = formatDuration(clock.now() - started);
  const ended = describeEnd(target.label, result, run.timeoutMs);
  const final = ended
    ? outcome({ status: 'failed', exitCode: result.code, error: ended })
    : outcome({ status: 'success', exitCode: 0 });
  log.info(ended ?? `${target.label}: the script succeeded in ${took}.`);
  if (stdout.truncated) {
    log.info(`(the stdout output keeps the first ${run.keptStdout} characters)`);
  }
  log.end(`${target.label}: ${final.status} (${took})`);
  return final;
}

export interface OutputHandlers {
  /** Sees every chunk of stdout as it arrives. */
  stdoutChunk?(chunk: Buffer): void;
  /** Sees every whole line of stdout; returning true keeps it out of the log. */
  stdoutLine?(line: string): boolean;
  /** Runs the program on a terminal. */
  terminal?: TerminalOptions;
}

/**
 * Connects to a host, runs a program with its output streamed line by line to the host's log,
 * and releases the connection, whatever happens. Throws when the host cannot be reached.
 */
export async function runOnHost(
  target: Target,
  program: string,
  timeoutMs: number,
  connector: Connector,
  log: HostLog,
  handlers: OutputHandlers = {},
): Promise<RunResult> {
  const connection = await connector.connect(target);
  try {
    log.info(
      `Connected to ${target.label} as ${target.username} (host key ${connection.hostKeyNote}).`,
    );
    const out = new LineSplitter((line) => {
      if (!handlers.stdoutLine?.(line)) log.line(line);
    });
    const err = new LineSplitter((line) => log.line(line));
    log.startOutput();
    try {
      return await connection.run(
        program,
        {
          stdout: (chunk) => {
            handlers.stdoutChunk?.(chunk);
            out.push(chunk);
          },
          stderr: (chunk) => err.push(chunk),
        },
        timeoutMs,
        handlers.terminal,
      );
    } finally {
      out.end();
      err.end();
      log.endOutput();
    }
  } finally {
    connector.release(connection);
  }
}

/** Why the program did not succeed, or undefined when it did. */
function describeEnd(label: string, result: RunResult, timeoutMs: number): string | undefined {
  if (result.timedOut && result.connectionLost) {
    return `${label}: the script did not finish within command-timeout (${formatDuration(timeoutMs)}), and then the connection failed (${result.connectionLost}): its processes may still run there.`;
  }
  if (result.timedOut) {
    return `${label}: the script did not finish within command-timeout (${formatDuration(timeoutMs)}); it was sent SIGTERM, then SIGKILL what was left of it after 15 s.`;
  }
  if (result.sudoRefused) return `${label}: ${result.sudoRefused}`;
  if (result.connectionLost) {
    return `${label}: the connection was lost before the script ended (${result.connectionLost}).`;
  }
  if (result.code === 0) return undefined;
  if (result.code === null) {
    return `${label}: the script was ended by signal ${signalName(result) ?? 'unknown'}.`;
  }
  return `${label}: the script failed with exit code ${result.code}.`;
}
