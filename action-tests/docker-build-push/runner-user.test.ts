// docker-build-push run as GitHub-hosted runners run it: as a user who is not root, reaching the
// daemon through a socket owned by a group the user is in. The step's private DOCKER_CONFIG under
// RUNNER_TEMP must then be that user's, closed to others, and gone after post; the user's own
// ~/.docker is never written. The user and group are made for this file and removed after it.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { runAction, type ActionRun, type StepResult } from '../harness/run-action';
import { clientEnvironment, run, startDockerd, type DockerDaemon } from '../services/dockerd';
import { startRegistry, type Registry } from '../services/registry';
import { createTestUser, type TestUser } from '../vpn-connect/sudo-user';

jest.setTimeout(180_000);

const NAME = 'dbpuser';
const GROUP = 'dbpusock';
let daemon: DockerDaemon;
let registry: Registry;
let user: TestUser;
let workspace: string;
const runs: ActionRun[] = [];

function groupadd(): void {
  try {
    execFileSync('groupdel', [GROUP], { stdio: 'ignore' });
  } catch {
    // None left by an earlier run.
  }
  execFileSync('groupadd', [GROUP]);
}

beforeAll(async () => {
  groupadd();
  [daemon, registry] = await Promise.all([
    startDockerd({ name: 'build-push-user', socketGroup: GROUP }),
    startRegistry({ name: 'build-push-user' }),
  ]);
  // The daemon's folder is mkdtemp's 0700: the socket's group could only reach the socket
  // inside it once the folder may be passed through (not listed).
  chmodSync(daemon.folder, 0o711);
  user = createTestUser(NAME, { group: GROUP });

  // The user's own docker config, as a runner user has one: the step must leave it alone.
  mkdirSync(path.join(user.home, '.docker'), { mode: 0o700 });
  writeFileSync(
    path.join(user.home, '.docker', 'config.json'),
    JSON.stringify({ auths: {}, detachKeys: 'ctrl-x,x' }),
  );
  workspace = path.join(user.home, 'work');
  mkdirSync(path.join(workspace, 'app'), { recursive: true });
  writeFileSync(
    path.join(workspace, 'app', 'Dockerfile'),
    `FROM ${daemon.baseImage}\nRUN echo "built as a runner user" > /greeting.txt\nCMD ["cat", "/greeting.txt"]\n`,
  );
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, user.home]);
});

afterAll(async () => {
  runs.splice(0).forEach((done) => done.cleanup());
  await Promise.all([daemon?.stop(), registry?.stop()]);
  user?.remove();
  try {
    execFileSync('groupdel', [GROUP], { stdio: 'ignore' });
  } catch {
    // Never made.
  }
});

async function buildPushAsUser(
  inputs: Record<string, string>,
  beforePost?: (main: StepResult) => void | Promise<void>,
): Promise<ActionRun> {
  const result = await runAction({
    action: 'docker-build-push',
    inputs: { context: 'app', ...inputs },
    secrets: [registry.password],
    env: {
      ...user.env,
      DOCKER_HOST: daemon.host,
      // Debian's docker CLI: BuildKit without buildx.
      PATH: `/usr/bin:${process.env.PATH ?? '/bin'}`,
    },
    workspace,
    runAs: { uid: user.uid, gid: user.gid },
    beforePost,
  });
  runs.push(result);
  return result;
}

interface Entry {
  owner: number;
  mode: string;
}

function entryOf(file: string): Entry {
  const stat = statSync(file);
  return { owner: stat.uid, mode: (stat.mode & 0o777).toString(8) };
}

test('as a user in the docker socket group: logs in to a private DOCKER_CONFIG of its own under RUNNER_TEMP, pushes, and post logs out and removes it', async () => {
  const image = `${registry.address}/team/as-user`;
  const userConfig = path.join(user.home, '.docker', 'config.json');
  const userConfigBefore = readFileSync(userConfig, 'utf8');
  let during:
    | {
        dir: string;
        folder: Entry;
        config: Entry;
        auths: string[];
        readableByOthers: boolean;
        pullWhileLoggedIn: number;
      }
    | undefined;
  const { main, post, runnerTemp } = await buildPushAsUser(
    {
      image,
      username: registry.username,
      password: registry.password,
      tags: 'one',
    },
    async (step) => {
      const dir = step.state['config-dir'];
      const file = path.join(dir, 'config.json');
      const pull = await run(daemon.client, ['pull', `${image}:one`], {
        env: clientEnvironment(daemon.host, dir),
      });
      during = {
        dir,
        folder: entryOf(dir),
        config: entryOf(file),
        auths: Object.keys(
          (JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, unknown> }).auths,
        ),
        readableByOthers: execFileSyncStatus('cat', ['--', file], { uid: 65534, gid: 65534 }) === 0,
        pullWhileLoggedIn: pull.code,
      };
    },
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(await registry.digest('team/as-user', 'one')).toBe(main.outputs.digest);

  expect(during?.dir.startsWith(`${runnerTemp}/`)).toBe(true);
  expect(during?.folder).toEqual({ owner: user.uid, mode: '700' });
  expect(during?.config).toEqual({ owner: user.uid, mode: '600' });
  expect(during?.auths).toEqual([registry.address]);
  expect(during?.readableByOthers).toBe(false);
  expect(during?.pullWhileLoggedIn).toBe(0);
  expect(readFileSync(userConfig, 'utf8')).toBe(userConfigBefore);

  expect(post?.errors).toEqual([]);
  expect(post?.warnings).toEqual([]);
  expect(post?.exitCode).toBe(0);
  expect(post?.stdout).toContain(`Logged out of ${registry.address}`);
  expect(existsSync(during!.dir)).toBe(false);
  expect(readdirSync(runnerTemp)).toEqual([]);
  expect(readFileSync(userConfig, 'utf8')).toBe(userConfigBefore);
});

test('logout: false hands later steps of the same user a DOCKER_CONFIG that is theirs and works', async () => {
  const image = `${registry.address}/team/as-user-kept`;
  const { main, post } = await buildPushAsUser({
    image,
    username: registry.username,
    password: registry.password,
    tags: 'one',
    logout: 'false',
  });
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(post?.exitCode).toBe(0);
  const dir = main.exportedEnv.DOCKER_CONFIG;
  expect(entryOf(dir)).toEqual({ owner: user.uid, mode: '700' });
  expect(entryOf(path.join(dir, 'config.json'))).toEqual({ owner: user.uid, mode: '600' });
  // A later step, as the same user, pulls with it.
  await daemon.docker(['image', 'rm', '--force', `${image}:one`]);
  const later = execFileSyncStatus(daemon.client, ['pull', `${image}:one`], {
    uid: user.uid,
    gid: user.gid,
    env: { ...clientEnvironment(daemon.host, dir), HOME: user.home },
  });
  expect(later).toBe(0);
});

function execFileSyncStatus(
  file: string,
  args: string[],
  options: { uid: number; gid: number; env?: NodeJS.ProcessEnv },
): number {
  try {
    execFileSync(file, args, { ...options, stdio: 'ignore', timeout: 60_000 });
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}
