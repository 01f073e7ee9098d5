// Runs a program the way a server does, for unit tests: the fixed command line under /bin/sh
// as the login shell, with the program on stdin, and `sh` and `bash` on the PATH both the
// shell under test, so that the bootstrap and the program run under it. `docker` is
// docker-stub.sh, which records every call.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProcess } from '../../../shared/process';
import { remoteCommand } from '../remote-shell';

export const SHELLS = ['dash', 'bash'] as const;
type Shell = (typeof SHELLS)[number];

const SHELL_PATHS: Record<Shell, string> = { dash: '/usr/bin/dash', bash: '/usr/bin/bash' };

export interface Server {
  /** The program's working directory. */
  cwd: string;
  /** docker-stub.sh's folder: its calls, containers and switches. */
  stubDir: string;
  /** Adds a container, as `docker run` would have left it. */
  addContainer(name: string, image: string, state?: string): void;
  /** With `withoutFlock`, the PATH has every command of /usr/bin but flock. */
  run(shell: Shell, program: string, options?: { withoutFlock?: boolean }): Promise<RemoteRun>;
  /** Starts a program as run() does and hands over the process, for tests that cut it off. */
  start(
    shell: Shell,
    program: string,
    options?: { withoutFlock?: boolean },
  ): ChildProcessWithoutNullStreams;
  remove(): void;
}

interface RemoteRun {
  code: number | null;
  stdout: string;
  /** Without the bootstrap's process group line. */
  stderr: string;
  /** docker's argv at each call, in order. */
  calls: string[][];
}

function readCalls(file: string): string[][] {
  let fields: string[];
  try {
    fields = readFileSync(file, 'utf8').split('\0').slice(0, -1);
  } catch {
    return [];
  }
  const calls: string[][] = [];
  while (fields.length > 0) {
    const count = Number(fields.shift());
    calls.push(fields.splice(0, count));
  }
  return calls;
}

export function startServer(): Server {
  const root = mkdtempSync(path.join(tmpdir(), 'srd-programs-'));
  const cwd = path.join(root, 'work');
  const stubDir = path.join(root, 'docker');
  mkdirSync(cwd);
  mkdirSync(path.join(stubDir, 'containers'), { recursive: true });
  // The deploy lock is named after the daemon: each server has one of its own, and its lock
  // files, which deploys leave in /tmp as they should, go with it.
  const dockerHost = `unix://${stubDir}/docker.sock`;
  const bins = new Map<Shell, string>();
  for (const shell of SHELLS) {
    const bin = path.join(root, `bin-${shell}`);
    mkdirSync(bin);
    symlinkSync(SHELL_PATHS[shell], path.join(bin, 'sh'));
    symlinkSync(SHELL_PATHS[shell], path.join(bin, 'bash'));
    copyFileSync(path.join(__dirname, 'docker-stub.sh'), path.join(bin, 'docker'));
    chmodSync(path.join(bin, 'docker'), 0o755);
    bins.set(shell, bin);
  }
  // A server without flock: /usr/bin's commands, flock aside, made the only ones on the PATH.
  const noFlock = path.join(root, 'bin-without-flock');
  mkdirSync(noFlock);
  for (const entry of readdirSync('/usr/bin')) {
    if (entry !== 'flock') symlinkSync(path.join('/usr/bin', entry), path.join(noFlock, entry));
  }
  const environment = (shell: Shell, withoutFlock = false): NodeJS.ProcessEnv => ({
    PATH: withoutFlock
      ? `${bins.get(shell)}:${noFlock}`
      : `${bins.get(shell)}:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: cwd,
    STUB_DIR: stubDir,
    DOCKER_HOST: dockerHost,
  });
  return {
    cwd,
    stubDir,
    addContainer(name, image, state = 'running 0 0 ') {
      const folder = path.join(stubDir, 'containers', name);
      mkdirSync(folder);
      const write = (file: string, text: string) =>
        writeFileSync(path.join(folder, file), `${text}\n`);
      write('image', image);
      write('state', state);
      write('restart', 'unless-stopped 0');
    },
    async run(shell, program, options = {}) {
      rmSync(path.join(stubDir, 'calls'), { force: true });
      const result = await runProcess('/bin/sh', ['-c', remoteCommand()], {
        cwd,
        input: program,
        env: environment(shell, options.withoutFlock),
      });
      return {
        code: result.code,
        stdout: result.stdout,
        stderr: result.stderr.replace(/^ssh-redeploy-pgid \d*\n/, ''),
        calls: readCalls(path.join(stubDir, 'calls')),
      };
    },
    start(shell, program, options = {}) {
      rmSync(path.join(stubDir, 'calls'), { force: true });
      const child = spawn('/bin/sh', ['-c', remoteCommand()], {
        cwd,
        env: environment(shell, options.withoutFlock),
        // A group of its own, as a program of an SSH session: a test can kill all of it.
        detached: true,
      });
      child.stdin.end(program);
      return child;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
