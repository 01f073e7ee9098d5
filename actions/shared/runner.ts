// The runner protocol: how a step reads its inputs and hands back outputs, state, masks,
// messages and its summary. Two implementations of one interface:
//
// - `githubRunner`, used whenever the step runs as a step of a job (the runner and `act` set
//   GITHUB_ACTIONS=true): built on @actions/core's command modules (`lib/command`,
//   `lib/file-command`, `lib/summary`) rather than its index, which loads an HTTP client
//   (undici, for OIDC tokens) at start-up and more than doubles the time a bundle takes to
//   start; see CONTRIBUTING.md. `runner-internals.test.ts` fails with a clear message when a
//   new @actions/core moves those modules.
// - `coreRunner`, used when an action runs from source outside a job, as
//   `@github/local-action` runs it: @actions/core's public API, which local-action replaces
//   with its own stand-in that shows the outputs, state and summary. The bundles never load it.
import { createRequire } from 'node:module';
import { issue, issueCommand } from '@actions/core/lib/command';
import { issueFileCommand, prepareKeyValueMessage } from '@actions/core/lib/file-command';
import { summary as coreSummary } from '@actions/core/lib/summary';

/** The job summary's builder (`addHeading`, `addTable`, `write`), as @actions/core has it. */
export type Summary = typeof coreSummary;

/** The lines of a file an annotation points at; GitHub shows it there in a pull request's diff. */
export interface AnnotationPlace {
  /** Relative to the workspace. */
  file: string;
  line?: number;
  endLine?: number;
  title?: string;
}

export type AnnotationLevel = 'notice' | 'warning' | 'error';

/** Everything a step says to the runner, and the inputs and state it reads from it. */
export interface Runner {
  /** The raw text of an input as the runner passes it (`INPUT_<NAME>`), trimmed. */
  getInput(name: string): string;
  /** Hides a value in the job's logs from now on. */
  setSecret(value: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** Sets an environment variable for the later steps of the job. */
  exportVariable(name: string, value: string): void;
  info(message: string): void;
  debug(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** A message tied to lines of a file, beside them in the pull request and in the run's page. */
  annotate(level: AnnotationLevel, message: string, place: AnnotationPlace): void;
  /** Runs `work` inside a collapsible log group. */
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** Marks the step failed; the process still ends normally so post steps and flushes run. */
  setFailed(message: string): void;
  readonly summary: Summary;
}

function fileCommand(variable: string, command: string, name: string, value: string): void {
  if (!process.env[variable]) {
    throw new Error(`${variable} is not set: this must run as a step of a GitHub Actions job.`);
  }
  issueFileCommand(command, prepareKeyValueMessage(name, value));
}

function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export const githubRunner: Runner = {
  getInput: (name) => (process.env[inputVariable(name)] ?? '').trim(),
  setSecret: (value) => issueCommand('add-mask', {}, value),
  setOutput: (name, value) => fileCommand('GITHUB_OUTPUT', 'OUTPUT', name, value),
  saveState: (name, value) => fileCommand('GITHUB_STATE', 'STATE', name, value),
  getState: (name) => process.env[`STATE_${name}`] ?? '',
  exportVariable(name, value) {
    process.env[name] = value;
    fileCommand('GITHUB_ENV', 'ENV', name, value);
  },
  info: (message) => void process.stdout.write(`${message}\n`),
  debug: (message) => issueCommand('debug', {}, message),
  notice: (message) => issueCommand('notice', {}, message),
  warning: (message) => issueCommand('warning', {}, message),
  error: (message) => issueCommand('error', {}, message),
  annotate(level, message, place) {
    issueCommand(
      level,
      { file: place.file, line: place.line, endLine: place.endLine, title: place.title },
      message,
    );
  },
  async group(title, work) {
    issue('group', title);
    try {
      return await work();
    } finally {
      issue('endgroup');
    }
  },
  setFailed(message) {
    process.exitCode = 1;
    issueCommand('error', {}, message);
  },
  summary: coreSummary,
};

type Core = typeof import('@actions/core');

/**
 * The runner protocol through @actions/core's public API. `createRequire` keeps ncc from
 * bundling @actions/core's index (and its HTTP client) into dist/, and goes through Node's
 * module loader, where local-action puts its stand-in.
 */
function coreRunner(): Runner {
  let core: Core;
  try {
    core = createRequire(__filename)('@actions/core') as Core;
  } catch {
    throw new Error(
      'This is not a step of a GitHub Actions job (GITHUB_ACTIONS is not true), and there is no ' +
        '@actions/core to run it from source with: run it in a workflow, with act, or from the ' +
        'repository with `npm run local -- <action>`.',
    );
  }
  return {
    getInput: (name) => core.getInput(name).trim(),
    setSecret: (value) => core.setSecret(value),
    setOutput: (name, value) => core.setOutput(name, value),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
    exportVariable: (name, value) => core.exportVariable(name, value),
    info: (message) => core.info(message),
    debug: (message) => core.debug(message),
    notice: (message) => core.notice(message),
    warning: (message) => core.warning(message),
    error: (message) => core.error(message),
    annotate: (level, message, place) =>
      core[level](message, {
        file: place.file,
        startLine: place.line,
        endLine: place.endLine,
        title: place.title,
      }),
    group: (title, work) => core.group(title, work),
    setFailed: (message) => core.setFailed(message),
    summary: core.summary,
  };
}

/** The runner's own protocol in a job; @actions/core's (or local-action's stand-in) elsewhere. */
export function runnerFor(env: NodeJS.ProcessEnv): Runner {
  return env.GITHUB_ACTIONS === 'true' ? githubRunner : coreRunner();
}
