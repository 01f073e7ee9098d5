// Throwaway users for tests that run a step as a user who is not root, like GitHub-hosted
// runners' `runner`: with password-less sudo, or in a group that owns a docker socket. A test
// file passes a name of its own (test files run in parallel); a user of that name left by a
// crashed run is removed first.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** What a runner step of this user has in its environment. */
  env: Record<string, string>;
  remove(): void;
}

const SUDOERS_DIR = '/etc/sudoers.d';

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function userExists(name: string): boolean {
  try {
    run('id', ['-u', name]);
    return true;
  } catch {
    return false;
  }
}

function removeUser(name: string, home: string | undefined): void {
  // sudo skips files whose names hold a dot, so the name itself is the file name.
  rmSync(path.join(SUDOERS_DIR, name), { force: true });
  if (userExists(name)) run('userdel', [name]);
  if (home) rmSync(home, { recursive: true, force: true });
}

export type SudoUser = TestUser;

/** Creates `name` (lower-case letters and digits, no dot) with `NOPASSWD: ALL` in sudoers.d. */
export function createSudoUser(name: string): SudoUser {
  return createTestUser(name, { sudo: true });
}

export interface TestUserOptions {
  /** Password-less sudo for everything, through a file of its own in /etc/sudoers.d. */
  sudo?: boolean;
  /**
   * The user's primary group, e.g. one that owns a docker socket. The harness switches user
   * with the primary group only (Node drops supplementary groups), so access goes there.
   */
  group?: string;
}

export function createTestUser(name: string, options: TestUserOptions = {}): TestUser {
  if (!/^[a-z][a-z0-9]{0,30}$/.test(name)) throw new Error(`'${name}' is not a plain user name`);
  removeUser(name, undefined);
  const home = mkdtempSync(path.join(tmpdir(), `${name}-home-`));
  try {
    const group = options.group ? ['--gid', options.group] : ['--user-group'];
    run('useradd', ['--home-dir', home, ...group, '--shell', '/bin/sh', name]);
    const uid = Number(run('id', ['-u', name]).trim());
    const gid = Number(run('id', ['-g', name]).trim());
    run('chown', [`${uid}:${gid}`, home]);
    chmodSync(home, 0o700);

    if (options.sudo) allowSudo(name);
    return {
      name,
      uid,
      gid,
      home,
      env: { HOME: home, USER: name, LOGNAME: name },
      remove: () => removeUser(name, home),
    };
  } catch (error) {
    removeUser(name, home);
    throw error;
  }
}

function allowSudo(name: string): void {
  // Checked with visudo before it goes in: a broken file in sudoers.d breaks sudo for all.
  const draft = path.join(SUDOERS_DIR, `.${name}.draft`);
  writeFileSync(draft, `${name} ALL=(ALL:ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  chmodSync(draft, 0o440);
  try {
    run('visudo', ['-cf', draft]);
    renameSync(draft, path.join(SUDOERS_DIR, name));
  } finally {
    if (existsSync(draft)) rmSync(draft);
  }
}
