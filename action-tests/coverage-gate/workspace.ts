// Workspaces for coverage-gate's bundle tests: the sample projects and the reports the real
// tools made of them (fixtures/make-fixtures.sh), laid out as a checkout would hold them,
// optionally as a git repository with history.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
