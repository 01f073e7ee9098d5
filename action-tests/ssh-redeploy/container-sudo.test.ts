// ssh-redeploy's container mode where docker needs sudo and a password (request-pty and
// sudo-password), against real OpenSSH servers, the test Docker daemon and a registry with
// basic auth; and `upload` before a container deploy, the container mounting what arrived.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findLeaks } from '../harness/leaks';
import type { ActionRun } from '../harness/run-action';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import {
  httpGet,
  readIfExists,
  startContainerServer,
  type ContainerServer,
} from './container-server';
import { connectionInputs, Runs } from './run';

jest.setTimeout(150_000);

let target: ContainerServer;
/** A user outside the Docker socket's group, who may run docker through sudo, with a password. */
let sudoUser: SshUser;
let first: SshServer;
let second: SshServer;
let jump: SshServer;
/** The Docker group's user again, with sftp, for the upload. */
let withSftp: SshServer;
/** The sudo user again, whose PATH has a `docker` that runs sudo itself. */
let wrapped: SshServer;
const sudoers = '/etc/sudoers.d/t-sk-csudo';
const workspaces: string[] = [];
const runs = new Runs(() =>
  target ? [target.server, first, second, jump, wrapped, withSftp].filter(Boolean) : [],
);

const CONTAINER = 'sk-csudo-app';
const ENV_SECRET = `token-${Date.now().toString(36)}-f3e1c9`;

beforeAll(async () => {
  target = await startContainerServer('sk-csudo');
  sudoUser = await createSshUser('sk-csudo-s');
  const docker = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim();
  // Only docker, and only with the user's password, every time (no cached credentials).
  writeFileSync(
    sudoers,
    `${sudoUser.name} ALL=(root) ${docker}\nDefaults:${sudoUser.name} timestamp_timeout=0\n`,
    { mode: 0o440 },
  );
  const setEnv = { DOCKER_HOST: target.dockerd.host };
  const bin = mkdtempSync(path.join(tmpdir(), 'sk-csudo-bin-'));
  workspaces.push(bin);
  chmodSync(bin, 0o755);
  writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\nexec sudo ${docker} "$@"\n`, { mode: 0o755 });
  [first, second, jump] = await Promise.all([
    startSshd({ name: 'sk-csudo-1', user: sudoUser, setEnv }),
    startSshd({ name: 'sk-csudo-2', user: sudoUser, setEnv }),
    startSshd({ name: 'sk-csudo-jump', user: sudoUser }),
  ]);
  wrapped = await startSshd({
    name: 'sk-csudo-w',
    user: sudoUser,
    setEnv: { ...setEnv, PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` },
  });
  withSftp = await startSshd({
    name: 'sk-csudo-up',
    user: target.user,
    setEnv,
    sftpUmask: '',
  });
}, 240_000);

afterEach(() => runs.cleanup());

afterAll(async () => {
  runs.cleanup();
  await target?.docker(['rm', '--force', CONTAINER, `${CONTAINER}-previous`]).catch(() => '');
  await Promise.all([first, second, jump, wrapped, withSftp].map((server) => server?.stop()));
  rmSync(sudoers, { force: true });
  await sudoUser?.remove();
  await target?.stop();
  for (const folder of workspaces) rmSync(folder, { recursive: true, force: true });
});

function deployInputs(server: SshServer, extra: Record<string, string>): Record<string, string> {
  return {
    ...connectionInputs(server),
    container: CONTAINER,
    ports: `127.0.0.1:${target.appPort}:8080`,
    registry: target.registry.address,
    'registry-username': target.registry.username,
    'registry-password': target.registry.password,
    env: `APP_TOKEN=${ENV_SECRET}`,
    'health-timeout': '2s',
    'stop-timeout': '1s',
    'command-timeout': '90s',
    ...extra,
  };
}

/** Where a secret shows in any place a step's words can go: its log, outputs and summary. */
function leaks(run: ActionRun, secrets: string[]): string[] {
  return findLeaks(secrets, {
    stdout: run.main.stdout,
    stderr: run.main.stderr,
    outputs: JSON.stringify(run.main.outputs),
    summary: run.main.summary ?? '',
  });
}

async function inspect(format: string): Promise<string | undefined> {
  const result = await target.dockerd.docker([
    'container',
    'inspect',
    '--format',
    format,
    CONTAINER,
  ]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** The folders and files the sudo user has left in /tmp (a login config, an env file). */
function leftInTmp(): string[] {
  const uid = statSync(sudoUser.home).uid;
  return readdirSync('/tmp').filter((entry) => {
    try {
      return statSync(path.join('/tmp', entry)).uid === uid;
    } catch {
      return false;
    }
  });
}

const results = (run: ActionRun) =>
  JSON.parse(run.main.outputs.results) as Array<Record<string, unknown>>;

describe('docker through sudo with a password', () => {
  test('the user cannot reach the Docker daemon on its own', () => {
    const groups = spawnSync('id', ['-nG', sudoUser.name], { encoding: 'utf8' }).stdout;
    expect(groups.split(/\s+/)).not.toContain(target.group);
  });

  test('without sudo-password, the deploy fails before any change, naming the inputs', async () => {
    const run = await runs.run(
      deployInputs(first, { image: target.images.v1, 'request-pty': 'true' }),
      { secrets: [target.registry.password, ENV_SECRET] },
    );
    expect(run.main.exitCode).toBe(1);
    expect(run.main.errors[0]).toContain(
      `127.0.0.1:${first.port}: the Docker daemon does not answer ${sudoUser.name}:`,
    );
    expect(run.main.errors[0]).toContain(
      'Otherwise run docker through sudo: request-pty and sudo-password',
    );
    expect(await inspect('{{.Id}}')).toBeUndefined();
  });

  test('a sudo the server runs itself, with no sudo-password set, fails the step at once', async () => {
    const started = Date.now();
    const run = await runs.run(
      deployInputs(wrapped, { image: target.images.v1, 'request-pty': 'true' }),
      { secrets: [target.registry.password, ENV_SECRET] },
    );
    expect(run.main.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.main.errors[0]).toBe(
      `127.0.0.1:${wrapped.port}: sudo asked for a password and 'sudo-password' is not set. Pass the user's password in it, as a secret: sudo-password: \${{ secrets.SUDO_PASSWORD }}. The deploy stopped: nothing was changed on the server.`,
    );
    expect(await inspect('{{.Id}}')).toBeUndefined();
  });

  test('two hosts through a jump host: each answers sudo, and no password shows', async () => {
    const run = await runs.run(
      {
        ...deployInputs(first, { image: target.images.v1 }),
        host: `127.0.0.1:${first.port}\n127.0.0.1:${second.port}`,
        fingerprint: `${first.hostKeyFingerprint}\n${second.hostKeyFingerprint}`,
        'proxy-host': '127.0.0.1',
        'proxy-port': String(jump.port),
        'proxy-fingerprint': jump.hostKeyFingerprint,
        parallel: '2',
        'request-pty': 'true',
        'sudo-password': sudoUser.password,
      },
      { secrets: [target.registry.password, ENV_SECRET] },
    );
    expect(run.main.exitCode).toBe(0);
    // Both hosts are one daemon here: the deploy lock makes the second replace the first.
    expect(results(run).map((result) => result.status)).toEqual(['success', 'success']);
    expect(results(run).map((result) => result.deployedImage)).toEqual([
      target.images.v1,
      target.images.v1,
    ]);
    // sudo asked, with the deploy's own marker and a number for each docker call.
    expect(run.main.stdout).toMatch(
      new RegExp(`\\[sudo\\] password for ${sudoUser.name} \\[[0-9a-f]{16}\\] \\d+: `),
    );
    expect(await httpGet(target.appPort)).toBe('v1');
    expect(await target.docker(['exec', CONTAINER, 'sh', '-c', 'echo "$APP_TOKEN"'])).toBe(
      ENV_SECRET,
    );
    expect(leaks(run, [sudoUser.password, target.registry.password, ENV_SECRET])).toEqual([]);
    // The registry login went into a private config, gone with the env file; root's is untouched.
    expect(leftInTmp()).toEqual([]);
    expect(readIfExists('/root/.docker/config.json') ?? '').not.toContain(target.registry.address);
  });

  test('a replacement through sudo reports the previous image', async () => {
    const run = await runs.run(
      deployInputs(first, {
        image: target.images.v2,
        'request-pty': 'true',
        'sudo-password': sudoUser.password,
      }),
      { secrets: [target.registry.password, ENV_SECRET] },
    );
    expect(run.main.exitCode).toBe(0);
    expect(run.main.outputs['previous-image']).toBe(target.images.v1);
    expect(run.main.outputs['deployed-image']).toBe(target.images.v2);
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(await inspect('{{.HostConfig.RestartPolicy.Name}}')).toBe('unless-stopped');
    expect(leaks(run, [sudoUser.password, target.registry.password, ENV_SECRET])).toEqual([]);
  });

  test('a failing HEALTHCHECK rolls back through sudo, every call answered', async () => {
    const run = await runs.run(
      deployInputs(first, {
        image: target.images.unhealthy,
        'health-timeout': '20s',
        'request-pty': 'true',
        'sudo-password': sudoUser.password,
      }),
      { secrets: [target.registry.password, ENV_SECRET] },
    );
    expect(run.main.exitCode).toBe(1);
    expect(run.main.errors[0]).toBe(
      `127.0.0.1:${first.port}: ${target.images.unhealthy} failed (its HEALTHCHECK reports unhealthy); rolled back: the service was restored to ${target.images.v2}.`,
    );
    expect(results(run)[0]).toMatchObject({ status: 'rolled-back', exitCode: 20 });
    // The failed container's log lines came through the terminal, marked as before.
    expect(run.main.summary).toContain('starting unhealthy');
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(await inspect('{{.HostConfig.RestartPolicy.Name}}')).toBe('unless-stopped');
    expect(leaks(run, [sudoUser.password, target.registry.password, ENV_SECRET])).toEqual([]);
  });

  test('a wrong sudo-password fails at once, with the running container untouched', async () => {
    const before = await inspect('{{.Id}} {{.State.StartedAt}}');
    const wrong = 'wrong-sudo-password-5521';
    const started = Date.now();
    const run = await runs.run(
      deployInputs(first, {
        image: target.images.v1,
        'request-pty': 'true',
        'sudo-password': wrong,
      }),
      { secrets: [target.registry.password, ENV_SECRET, wrong] },
    );
    expect(run.main.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(run.main.errors[0]).toBe(
      `127.0.0.1:${first.port}: sudo refused the password in 'sudo-password' and asked again. Check the secret. The deploy stopped: nothing was changed on the server.`,
    );
    expect(results(run)[0]).toMatchObject({ status: 'failed' });
    expect(await inspect('{{.Id}} {{.State.StartedAt}}')).toBe(before);
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(leaks(run, [wrong, sudoUser.password, target.registry.password])).toEqual([]);
  });
});

test('upload before a container deploy: the container mounts what arrived, with its modes', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sk-csudo-ws-'));
  workspaces.push(workspace);
  mkdirSync(path.join(workspace, 'site'));
  writeFileSync(path.join(workspace, 'site', 'index.html'), 'uploaded page\n');
  chmodSync(path.join(workspace, 'site', 'index.html'), 0o644);
  writeFileSync(path.join(workspace, 'site', 'private.conf'), 'key=value\n');
  chmodSync(path.join(workspace, 'site', 'private.conf'), 0o640);
  const remote = path.join(target.user.home, 'app-site');

  const run = await runs.run(
    {
      ...connectionInputs(withSftp),
      image: target.images.v1,
      container: CONTAINER,
      ports: `127.0.0.1:${target.appPort}:8080`,
      volumes: `${remote}:/www:ro`,
      registry: target.registry.address,
      'registry-username': target.registry.username,
      'registry-password': target.registry.password,
      'health-timeout': '2s',
      'stop-timeout': '1s',
      'command-timeout': '90s',
      upload: 'site/ => app-site/',
    },
    { workspace, secrets: [target.registry.password] },
  );
  expect(run.main.exitCode).toBe(0);
  expect(results(run)[0]).toMatchObject({ status: 'success', deployedImage: target.images.v1 });
  expect(results(run)[0].uploaded).toMatchObject({ files: 2 });
  const modeOf = (file: string) => statSync(path.join(remote, file)).mode & 0o7777;
  expect(modeOf('index.html')).toBe(0o644);
  expect(modeOf('private.conf')).toBe(0o640);
  expect(statSync(path.join(remote, 'private.conf')).uid).toBe(statSync(target.user.home).uid);
  // The upload came first: the new container serves the uploaded page, and sees the other file.
  const uploading = run.main.stdout.indexOf('Uploading 2 files');
  expect(uploading).toBeGreaterThanOrEqual(0);
  expect(run.main.stdout.indexOf(`Pulling ${target.images.v1}`)).toBeGreaterThan(uploading);
  expect(await httpGet(target.appPort)).toBe('uploaded page');
  expect(await target.docker(['exec', CONTAINER, 'cat', '/www/private.conf'])).toBe('key=value');
});
