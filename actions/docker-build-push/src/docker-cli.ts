import type { ActionContext } from '../../shared/context';
import { formatDuration } from '../../shared/duration';
import { ActionFailure } from '../../shared/errors';
import type { ProcessOptions, ProcessResult, RunProcess } from '../../shared/process';
import { withRetry, type RetryDecision } from '../../shared/retry';

export interface DockerOptions extends Pick<ProcessOptions, 'input' | 'stream' | 'onOutput'> {
  /** Variables added to the CLI's environment for this call. */
  env?: Record<string, string>;
  /** The call's time limit, and the input that set it, for the error. */
  limit?: { ms: number; input: string };
}

// A build can print megabytes: keep the end, where the error is.
const OUTPUT_LIMIT = 1024 * 1024;

/** The docker CLI with the environment every call of this step shares. */
export class DockerCli {
  constructor(
    private readonly run: RunProcess,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The same CLI with more environment, e.g. the private DOCKER_CONFIG. */
  withEnv(env: Record<string, string>): DockerCli {
    return new DockerCli(this.run, { ...this.env, ...env });
  }

  exec(args: string[], options: DockerOptions = {}): Promise<ProcessResult> {
    return this.run('docker', args, {
      env: { ...this.env, ...options.env },
      input: options.input,
      // Output of a build is the Dockerfile's to write: streamed, it cannot issue commands.
      stream: options.stream,
      onOutput: options.onOutput,
      keepChars: OUTPUT_LIMIT,
      timeoutMs: options.limit?.ms,
    });
  }

  /** Like exec, but a run that fails becomes a CommandFailure carrying its error output. */
  async check(what: string, args: string[], options: DockerOptions = {}): Promise<ProcessResult> {
    const result = await this.exec(args, options);
    if (result.timedOut && options.limit) {
      throw new ActionFailure(
        `${what} did not finish within ${options.limit.input} (${formatDuration(options.limit.ms)}) and was stopped: the registry or the build stopped making progress. Raise ${options.limit.input} if it needs longer.`,
      );
    }
    if (result.code !== 0) throw new CommandFailure(what, result);
    return result;
  }
}

export class CommandFailure extends ActionFailure {
  constructor(
    readonly what: string,
    readonly result: ProcessResult,
  ) {
    super(
      `${what} failed (exit code ${exitStatus(result)}): ${lastLines(errorOutput(result) || result.stdout)}`,
    );
  }
}

/** What a run said went wrong: why docker could not be started, or else its stderr. */
export function errorOutput(result: ProcessResult): string {
  if (!result.error) return result.stderr;
  return result.error.code === 'ENOENT'
    ? 'docker is not installed or not on PATH'
    : result.error.message;
}

/** The status as a shell would report it: 127 when docker could not be started, 128 when killed. */
function exitStatus(result: ProcessResult): number {
  return result.error ? 127 : (result.code ?? 128);
}

/** The end of a command's output, where its error is, without progress noise. */
export function lastLines(text: string, count = 5): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.slice(-count).join(' | ') || '(no output)';
}

const AUTHENTICATION =
  /unauthorized|authentication required|incorrect username or password|no basic auth credentials|access (to the resource is )?denied|denied:|\b40[13]\b|forbidden/i;
const SERVER_ERROR =
  /\b5\d\d\b|internal server error|bad gateway|service unavailable|gateway time-?out|too many requests|\b429\b/i;
/** Most telling first: a refused connection also says "dial tcp". */
const NETWORK = [
  /connection refused/i,
  /connection reset( by peer)?/i,
  /tls handshake timeout/i,
  /i\/o timeout/i,
  /no such host/i,
  /network is unreachable/i,
  /broken pipe/i,
  /unexpected EOF/i,
  /context deadline exceeded/i,
  /server misbehaving|temporary failure/i,
  /\bEOF\b/,
  /dial tcp/i,
];

/**
 * Whether a failed login or push is worth another attempt. The CLI exits 1 for everything,
 * so the decision reads its message: a refused credential never gets better by retrying (and
 * retrying it can lock the account), a 5xx or a dropped connection often does.
 */
export function classifyDockerFailure(error: unknown): RetryDecision {
  if (!(error instanceof CommandFailure)) return { retry: false };
  // Only the end: a build's log above it may mention "503" or "EOF" in any RUN step.
  const text = failureText(error);
  if (AUTHENTICATION.test(text)) return { retry: false };
  const server = SERVER_ERROR.exec(text);
  if (server) return { retry: true, reason: `the registry answered ${server[0]}` };
  for (const pattern of NETWORK) {
    const network = pattern.exec(text);
    if (network) return { retry: true, reason: `network error (${network[0]})` };
  }
  return { retry: false };
}

export function isAuthenticationFailure(error: unknown): boolean {
  return error instanceof CommandFailure && AUTHENTICATION.test(failureText(error));
}

function failureText(error: CommandFailure): string {
  return lastLines(errorOutput(error.result) || error.result.stdout, 5);
}

/** Runs a registry operation with `retries` more attempts on 5xx and network errors. */
export async function withRegistryRetry<T>(
  what: string,
  retries: number,
  operation: () => Promise<T>,
  { clock, log }: Pick<ActionContext, 'clock' | 'log'>,
  random?: () => number,
): Promise<T> {
  let attempts = 1;
  try {
    return await withRetry(
      async (attempt) => {
        attempts = attempt;
        return operation();
      },
      {
        attempts: retries + 1,
        backoff: { initialMs: 1_000, maxMs: 16_000 },
        clock,
        classify: classifyDockerFailure,
        random,
        onRetry: ({ attempt, delayMs, reason }) =>
          log.warning(
            `${what}: attempt ${attempt} of ${retries + 1} failed (${reason}); retrying in ${(delayMs / 1000).toFixed(1)} s.`,
          ),
      },
    );
  } catch (error) {
    if (error instanceof CommandFailure && attempts > 1) {
      throw new ActionFailure(`${error.message} (gave up after ${attempts} attempts)`);
    }
    throw error;
  }
}

/** The manifest digest in `docker push`'s last line: `<tag>: digest: sha256:... size: N`. */
export function pushedDigest(output: string): string | undefined {
  const matches = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
  return matches.at(-1)?.[1];
}

/** `Docker version 20.10.24+dfsg1, build 297e128` -> `20.10.24+dfsg1`. */
export function parseClientVersion(output: string): string | undefined {
  return /version\s+v?(\d+\.\d+[^\s,]*)/i.exec(output)?.[1];
}
