// Workspaces for coverage-gate's bundle tests: the sample projects and the reports the real
// tools made of them (fixtures/make-fixtures.sh), laid out as a checkout would hold them,
// optionally as a git repository with history; the runs of the bundle on them, cleaned up after
// each test; and the share as the action prints it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction, type ActionRun, type RunOptions, type StepResult } from '../harness/run-action';

const FIXTURES = path.join(__dirname, 'fixtures');
const REPORTS = path.join(FIXTURES, 'reports');
const SOURCES = path.join(FIXTURES, 'sources');

export function fixtureText(name: string): string {
  return readFileSync(path.join(REPORTS, name), 'utf8');
}

export interface Workspace {
  dir: string;
  /** Copies a sample project's files into the workspace (at `into`, default its root). */
  addSources(project: string, into?: string): void;
  /** Copies a fixture report to `to` (relative to the workspace). */
  addReport(name: string, to: string): void;
  write(file: string, text: string): void;
  git(...args: string[]): string;
  remove(): void;
}

export function makeWorkspace(prefix = 'coverage-gate-ws-'): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const workspace: Workspace = {
    dir,
    addSources(project, into = '') {
      cpSync(path.join(SOURCES, project), path.join(dir, into), { recursive: true });
    },
    addReport(name, to) {
      mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
      cpSync(path.join(REPORTS, name), path.join(dir, to));
    },
    write(file, text) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    },
    git(...args) {
      return execFileSync(
        'git',
        [
          '-c',
          'user.name=Test',
          '-c',
          'user.email=test@example.com',
          '-c',
          'init.defaultBranch=main',
          ...args,
        ],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      ).trim();
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return workspace;
}

/** A share as the action prints it: two decimals, rounded down. Test-side arithmetic. */
export function shown(covered: number, total: number): string {
  return (Math.floor((covered * 10000) / total) / 100).toFixed(2);
}

export interface Ratio {
  covered: number;
  total: number;
}

export interface GateRuns {
  /** A workspace (named with the file's prefix unless given one), removed after the test. */
  workspace: (prefix?: string) => Workspace;
  /** Runs the bundle on a workspace; its job folders are removed after the test. */
  run: (
    ws: Workspace,
    inputs: Record<string, string>,
    options?: Partial<RunOptions>,
  ) => Promise<ActionRun>;
  /** The main step of `run`. */
  gate: (
    ws: Workspace,
    inputs: Record<string, string>,
    options?: Partial<RunOptions>,
  ) => Promise<StepResult>;
}

/**
 * The runs of coverage-gate's bundle a test file makes, and their workspaces, removed after
 * each test. Call it once at the top of the file: it registers the afterEach that cleans up.
 */
export function gateRuns(prefix: string, defaults: Partial<RunOptions> = {}): GateRuns {
  const runs: ActionRun[] = [];
  const workspaces: Workspace[] = [];
  afterEach(() => {
    runs.splice(0).forEach((run) => run.cleanup());
    workspaces.splice(0).forEach((workspace) => workspace.remove());
  });
  const run = async (
    ws: Workspace,
    inputs: Record<string, string>,
    options: Partial<RunOptions> = {},
  ): Promise<ActionRun> => {
    const done = await runAction({
      ...defaults,
      ...options,
      action: 'coverage-gate',
      workspace: ws.dir,
      inputs,
    });
    runs.push(done);
    return done;
  };
  return {
    workspace: (name = prefix) => {
      const made = makeWorkspace(name);
      workspaces.push(made);
      return made;
    },
    run,
    gate: async (ws, inputs, options) => (await run(ws, inputs, options)).main,
  };
}
