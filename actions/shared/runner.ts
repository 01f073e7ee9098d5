// The runner protocol: how a step reads its inputs and hands back outputs, state, masks and
// messages. It uses @actions/core's command modules directly rather than its index, which
// loads an HTTP client (undici, for OIDC tokens) at start-up and more than doubles the time
// a bundle takes to start; see the README's contributing section.
import { issue, issueCommand } from '@actions/core/lib/command';
import { issueFileCommand, prepareKeyValueMessage } from '@actions/core/lib/file-command';
import { summary } from '@actions/core/lib/summary';

export { summary };

/** The raw text of an input as the runner passes it (`INPUT_<NAME>`), trimmed. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Hides a value in the job's logs from now on. */
export function setSecret(value: string): void {
  issueCommand('add-mask', {}, value);
}

export function setOutput(name: string, value: string): void {
  fileCommand('GITHUB_OUTPUT', 'OUTPUT', name, value);
}

export function saveState(name: string, value: string): void {
  fileCommand('GITHUB_STATE', 'STATE', name, value);
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/** Sets an environment variable for the later steps of the job. */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  fileCommand('GITHUB_ENV', 'ENV', name, value);
}

function fileCommand(variable: string, command: string, name: string, value: string): void {
  if (!process.env[variable]) {
    throw new Error(`${variable} is not set: this must run as a step of a GitHub Actions job.`);
  }
  issueFileCommand(command, prepareKeyValueMessage(name, value));
}

export function info(message: string): void {
  process.stdout.write(`${message}\n`);
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function notice(message: string): void {
  issueCommand('notice', {}, message);
}

export function warning(message: string): void {
  issueCommand('warning', {}, message);
}

export function error(message: string): void {
  issueCommand('error', {}, message);
}

/** The lines of a file an annotation points at; GitHub shows it there in a pull request's diff. */
export interface AnnotationPlace {
  /** Relative to the workspace. */
  file: string;
  line?: number;
  endLine?: number;
  title?: string;
}

/** A message tied to lines of a file, beside them in the pull request and in the run's page. */
export function annotate(
  level: 'notice' | 'warning' | 'error',
  message: string,
  place: AnnotationPlace,
): void {
  issueCommand(
    level,
    { file: place.file, line: place.line, endLine: place.endLine, title: place.title },
    message,
  );
}

/** Marks the step failed; the process still ends normally so post steps and flushes run. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}

export function isDebug(): boolean {
  return process.env.RUNNER_DEBUG === '1';
}

/** Runs `work` inside a collapsible log group. */
export async function group<T>(title: string, work: () => Promise<T>): Promise<T> {
  issue('group', title);
  try {
    return await work();
  } finally {
    issue('endgroup');
  }
}
