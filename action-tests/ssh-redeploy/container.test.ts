// ssh-redeploy's container mode, bundle run as the runner runs it, over real SSH to a real
// Docker daemon, pulling from a real registry with basic auth.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleep } from '../services/processes';
import {
  httpGet,
  readIfExists,
  startContainerServer,
  type ContainerServer,
} from './container-server';
import { connectionInputs, Runs } from './run';

jest.setTimeout(120_000);

let target: ContainerServer;
const runs = new Runs(() => (target ? [target.server] : []));
const CONTAINER = 'srd-app';
const VOLUME = 'srd-app-data';

beforeAll(async () => {
  target = await startContainerServer('srd-container');
}, 180_000);

afterAll(async () => {
  runs.cleanup();
  await target?.stop();
});

afterEach(() => runs.cleanup());

function deployInputs(image: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...connectionInputs(target.server),
    image,
    container: CONTAINER,
    ports: `127.0.0.1:${target.appPort}:8080`,
    volumes: `${VOLUME}:/data`,
    registry: target.registry.address,
    'registry-username': target.registry.username,
    'registry-password': target.registry.password,
    'health-timeout': '3s',
    'stop-timeout': '1s',
    'command-timeout': '90s',
    ...extra,
  };
}

const deploy = (image: string, extra: Record<string, string> = {}, secrets: string[] = []) =>
  runs.run(deployInputs(image, extra), { secrets: [target.registry.password, ...secrets] });

async function inspect(name: string, format: string): Promise<string | undefined> {
  const result = await target.dockerd.docker(['container', 'inspect', '--format', format, name]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

const history = () =>
  target.docker([
    'run',
    '--rm',
    '--volume',
    `${VOLUME}:/data`,
    target.dockerd.baseImage,
    'cat',
    '/data/history',
  ]);

function results(outputs: Record<string, string>): Array<Record<string, unknown>> {
  return JSON.parse(outputs.results) as Array<Record<string, unknown>>;
}

// The tests build on each other, as deploys to one server do: first deploy, replacement, ...
describe('deploys in sequence', () => {
  test('a first deploy pulls through a registry login and starts the container', async () => {
    const { main } = await deploy(target.images.v1);
    expect(main.exitCode).toBe(0);
    expect(main.outputs['previous-image']).toBe('');
    expect(main.outputs['deployed-image']).toBe(target.images.v1);
    expect(results(main.outputs)).toEqual([
      expect.objectContaining({
        host: `127.0.0.1:${target.server.port}`,
        status: 'success',
        exitCode: 0,
        previousImage: '',
        deployedImage: target.images.v1,
      }),
    ]);
    expect(await httpGet(target.appPort)).toBe('v1');
    expect(await inspect(CONTAINER, '{{.HostConfig.RestartPolicy.Name}}')).toBe('unless-stopped');
    // The login used a throwaway config: nothing of it is left in the user's home.
    expect(readIfExists(path.join(target.user.home, '.docker', 'config.json')) ?? '').not.toContain(
      target.registry.address,
    );
    expect(main.summary).toContain('<td>(none)</td>');
  });

  test('a replacement keeps the named volume and the port', async () => {
    const before = await inspect(CONTAINER, '{{.Id}}');
    const { main } = await deploy(target.images.v2);
    expect(main.exitCode).toBe(0);
    expect(main.outputs['previous-image']).toBe(target.images.v1);
    expect(main.outputs['deployed-image']).toBe(target.images.v2);
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(await inspect(CONTAINER, '{{.Id}}')).not.toBe(before);
    expect(await history()).toBe('v1\nv2');
    expect(await inspect(`${CONTAINER}-previous`, '{{.Id}}')).toBeUndefined();
    expect(main.summary).toContain(`<td>${target.images.v1}</td><td>${target.images.v2}</td>`);
  });

  test('a failing HEALTHCHECK rolls back to the old container, which still serves', async () => {
    const { main } = await deploy(target.images.unhealthy, { 'health-timeout': '20s' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `127.0.0.1:${target.server.port}: ${target.images.unhealthy} failed (its HEALTHCHECK reports unhealthy); rolled back: the service was restored to ${target.images.v2}.`,
    );
    expect(results(main.outputs)[0]).toMatchObject({ status: 'rolled-back', exitCode: 20 });
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(await inspect(CONTAINER, '{{.Config.Image}}')).toBe(target.images.v2);
    expect(await inspect(CONTAINER, '{{.HostConfig.RestartPolicy.Name}}')).toBe('unless-stopped');
    expect(await inspect(`${CONTAINER}-previous`, '{{.Id}}')).toBeUndefined();
    // The failed container's own words are in the job summary.
    expect(main.summary).toContain("the new container's last log lines");
    expect(main.summary).toContain('starting unhealthy');
    expect(main.summary).toContain('<td>↩️ rolled back</td>');
  });

  test('a container that keeps restarting counts as failed and is rolled back', async () => {
    const { main } = await deploy(target.images.crashing, { 'health-timeout': '20s' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/failed \(the container (restarted|stopped)/);
    expect(main.errors[0]).toContain('rolled back: the service was restored');
    expect(main.summary).toContain('about to fail');
    expect(await httpGet(target.appPort)).toBe('v2');
  });

  test('a failing health-cmd rolls back', async () => {
    const { main } = await deploy(target.images.v1, {
      'health-cmd': 'curl -fsS http://127.0.0.1:1/never',
      'health-timeout': '2s',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain('(health-cmd did not succeed within 2s); rolled back');
    expect(await httpGet(target.appPort)).toBe('v2');
  });

  test('a failing pull changes nothing', async () => {
    const before = await inspect(CONTAINER, '{{.Id}} {{.State.StartedAt}}');
    const missing = target.images.v1.replace(':v1', ':no-such-tag');
    const { main } = await deploy(missing);
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `127.0.0.1:${target.server.port}: could not pull ${missing}; nothing was changed on the server.`,
    );
    expect(results(main.outputs)[0]).toMatchObject({ status: 'failed', exitCode: 13 });
    expect(await inspect(CONTAINER, '{{.Id}} {{.State.StartedAt}}')).toBe(before);
    expect(await httpGet(target.appPort)).toBe('v2');
  });

  test('a wrong registry password fails before anything changes, and is never printed', async () => {
    const before = await inspect(CONTAINER, '{{.Id}}');
    const wrong = 'wrong-registry-password-123';
    const { main } = await deploy(target.images.v1, { 'registry-password': wrong }, [wrong]);
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain(`could not log in to ${target.registry.address}`);
    expect(await inspect(CONTAINER, '{{.Id}}')).toBe(before);
  });

  test('a HEALTHCHECK that passes, with keep-previous, keeps the old container stopped', async () => {
    const { main } = await deploy(target.images.healthy, {
      'keep-previous': 'true',
      'health-timeout': '20s',
    });
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain("for the image's HEALTHCHECK to report healthy");
    expect(await httpGet(target.appPort)).toBe('healthy');
    expect(await inspect(`${CONTAINER}-previous`, '{{.State.Running}} {{.Config.Image}}')).toBe(
      `false ${target.images.v2}`,
    );
    // Stopped and without a restart policy: a daemon restart will not bring it back.
    expect(await inspect(`${CONTAINER}-previous`, '{{.HostConfig.RestartPolicy.Name}}')).toBe('no');
  });

  test('the next deploy replaces a kept previous container', async () => {
    const { main } = await deploy(target.images.v1);
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain(`Removing ${CONTAINER}-previous, left by an earlier deploy`);
    expect(await inspect(`${CONTAINER}-previous`, '{{.Id}}')).toBeUndefined();
    expect(await httpGet(target.appPort)).toBe('v1');
  });

  test('two deploys of the same container at once are serialised by the lock', async () => {
    const trace = path.join(target.user.home, 'lock-trace');
    const healthCmd = `echo start >> ${trace}; sleep 1; echo end >> ${trace}; curl -fsS http://127.0.0.1:${target.appPort}/ >/dev/null`;
    const [first, second] = await Promise.all([
      deploy(target.images.v2, { 'health-cmd': healthCmd }),
      deploy(target.images.v1, { 'health-cmd': healthCmd }),
    ]);
    expect([first.main.exitCode, second.main.exitCode]).toEqual([0, 0]);
    // Each deploy's health check ran whole before the other's began.
    expect(readFileSync(trace, 'utf8')).toBe('start\nend\nstart\nend\n');
    const waited = [first, second].filter(({ main }) =>
      main.stdout.includes(`Waiting for another deploy of ${CONTAINER} on this server to finish`),
    );
    expect(waited).toHaveLength(1);
  });
});

describe('a deploy always ends', () => {
  /** The folders the SSH user has in /tmp (a registry login would be one of them). */
  const tmpFolders = () => {
    const uid = statSync(target.user.home).uid;
    return readdirSync('/tmp').filter((entry) => {
      try {
        const info = statSync(path.join('/tmp', entry));
        return info.isDirectory() && info.uid === uid;
      } catch {
        return false;
      }
    });
  };

  beforeEach(async () => {
    const { main } = await deploy(target.images.v2);
    expect(main.exitCode).toBe(0);
  });

  test('a health-cmd that hangs gets only what is left of health-timeout', async () => {
    const started = Date.now();
    const { main } = await deploy(target.images.v1, {
      // A port that never answers: curl without --max-time would wait for ever.
      'health-cmd': 'sleep 600',
      'health-timeout': '3s',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain('(health-cmd did not succeed within 3s); rolled back');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await httpGet(target.appPort)).toBe('v2');
  });

  // The running container takes 5 s to stop (its httpd, PID 1, ignores SIGTERM), so the
  // command-timeout falls at a known stage of the deploy.
  test('at command-timeout while the running container is set aside, it is started again', async () => {
    const before = tmpFolders();
    const { main } = await deploy(target.images.v1, {
      'stop-timeout': '5s',
      'health-timeout': '2s',
      'command-timeout': '4s',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `127.0.0.1:${target.server.port}: the deploy did not finish within command-timeout (4.0s): stopped by SIGTERM while ${CONTAINER} was being set aside; it was started again.`,
    );
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(await inspect(`${CONTAINER}-previous`, '{{.Id}}')).toBeUndefined();
    expect(await inspect(CONTAINER, '{{.HostConfig.RestartPolicy.Name}}')).toBe('unless-stopped');
    // The registry login, still needed for the pull, went with the deploy.
    expect(tmpFolders()).toEqual(before);
    // Nor was the lock left held: the next deploy goes at once.
    const next = await deploy(target.images.v1);
    expect(next.main.exitCode).toBe(0);
    expect(next.main.stdout).not.toContain('Waiting for another deploy');
  });

  test('without flock on the server, a lock left by a deploy killed with SIGKILL is taken over', async () => {
    // The server's commands, flock aside: the deploy falls back to its lock folder.
    const bin = mkdtempSync(path.join(tmpdir(), 'srd-no-flock-'));
    for (const entry of readdirSync('/usr/bin')) {
      if (entry !== 'flock') symlinkSync(path.join('/usr/bin', entry), path.join(bin, entry));
    }
    chmodSync(bin, 0o755);
    const noFlock = await target.extraServer({ PATH: bin });
    const locks = path.join(target.user.home, '.cache', 'ssh-redeploy');
    const lockFolders = () =>
      existsSync(locks) ? readdirSync(locks).filter((entry) => entry.endsWith('.lock.d')) : [];
    const probing = path.join(target.user.home, 'probing');
    try {
      const first = runs.run(
        {
          ...deployInputs(target.images.v1, { 'health-cmd': `: > ${probing}; sleep 60` }),
          ...connectionInputs(noFlock),
          'health-timeout': '60s',
          'command-timeout': '90s',
        },
        { secrets: [target.registry.password] },
      );
      const until = Date.now() + 60_000;
      while (!existsSync(probing) && Date.now() < until) await sleep(100);
      expect(lockFolders()).toHaveLength(1);
      // As a power cut or kill -9 would: every process of the user dies at once, cleanup unrun.
      spawnSync('pkill', ['-KILL', '-U', String(statSync(target.user.home).uid)]);
      expect((await first).main.exitCode).toBe(1);
      expect(lockFolders()).toHaveLength(1);

      const started = Date.now();
      const { main } = await runs.run(
        { ...deployInputs(target.images.v2), ...connectionInputs(noFlock) },
        { secrets: [target.registry.password] },
      );
      expect(main.exitCode).toBe(0);
      expect(main.stdout).toMatch(
        new RegExp(`Taking over the deploy lock of ${CONTAINER} from a deploy that is gone`),
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(lockFolders()).toEqual([]);
      expect(await httpGet(target.appPort)).toBe('v2');
    } finally {
      rmSync(probing, { force: true });
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('at command-timeout while the new container is checked, it is rolled back', async () => {
    const { main } = await deploy(target.images.v1, {
      'stop-timeout': '5s',
      'health-timeout': '10s',
      'command-timeout': '11s',
    });
    expect(main.exitCode).toBe(1);
    expect(results(main.outputs)[0]).toMatchObject({ status: 'rolled-back' });
    expect(main.errors[0]).toBe(
      `127.0.0.1:${target.server.port}: the deploy did not finish within command-timeout (11.0s); rolled back: the service was restored to ${target.images.v2}.`,
    );
    expect(await httpGet(target.appPort)).toBe('v2');
    expect(await inspect(`${CONTAINER}-previous`, '{{.Id}}')).toBeUndefined();
  });
});

describe('the env file', () => {
  test('reaches the container, is mode 600 when docker reads it, and is deleted after', async () => {
    // A docker shim on the session's PATH records the env file as docker sees it, then runs
    // the real docker.
    const bin = path.join(target.user.home, 'bin');
    const seen = path.join(target.user.home, 'env-file-seen');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      path.join(bin, 'docker'),
      [
        '#!/bin/sh',
        'previous=',
        'for word in "$@"; do',
        `  if [ "$previous" = --env-file ]; then stat -c '%a %U %n' "$word" >> ${seen}; fi`,
        '  previous=$word',
        'done',
        'exec /usr/local/bin/docker "$@"',
        '',
      ].join('\n'),
    );
    chmodSync(path.join(bin, 'docker'), 0o755);
    const { uid, gid } = statSync(target.user.home);
    chownSync(bin, uid, gid);
    const shimmed = await target.extraServer({
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    });

    const secretValue = `s3cr3t-${Date.now()} with 'quotes' and $(dollars)`;
    const { main } = await runs.run(
      {
        ...deployInputs(target.images.v2),
        ...connectionInputs(shimmed),
        env: `APP_SECRET=${secretValue}\nGREETING=hello world\n# a comment\n`,
      },
      { secrets: [target.registry.password, secretValue] },
    );
    expect(main.exitCode).toBe(0);
    const [mode, owner, file] = readFileSync(seen, 'utf8').trim().split(' ');
    expect([mode, owner]).toEqual(['600', target.user.name]);
    expect(readIfExists(file)).toBeUndefined();
    const environment = await target.docker(['exec', CONTAINER, 'env']);
    expect(environment).toContain(`APP_SECRET=${secretValue}`);
    expect(environment).toContain('GREETING=hello world');
    // No other copy of the value on the server's disk where deploys write.
    // Other processes (runc, dockerd) create and delete files there meanwhile: one that has
    // gone between the listing and the read is skipped.
    for (const entry of readdirSync('/tmp')) {
      const full = path.join('/tmp', entry);
      const stats = statSync(full, { throwIfNoEntry: false });
      if (stats?.isFile() && stats.uid === uid) {
        expect(readIfExists(full) ?? '').not.toContain(secretValue);
      }
    }
  });
});

describe('several hosts', () => {
  test('each host gets a result; deploys meeting on one daemon take turns', async () => {
    // Two SSH servers in front of the same Docker daemon: the lock is per daemon and container.
    const second = await target.extraServer({});
    const before = await inspect(CONTAINER, '{{.Config.Image}}');
    const { main } = await runs.run(
      {
        ...deployInputs(target.images.v1),
        host: [target.server, second].map((server) => `127.0.0.1:${server.port}`).join('\n'),
        fingerprint: [target.server, second].map((server) => server.hostKeyFingerprint).join('\n'),
        parallel: '2',
      },
      { secrets: [target.registry.password] },
    );
    expect(main.exitCode).toBe(0);
    const all = results(main.outputs);
    expect(all.map((result) => [result.host, result.status, result.deployedImage])).toEqual([
      [`127.0.0.1:${target.server.port}`, 'success', target.images.v1],
      [`127.0.0.1:${second.port}`, 'success', target.images.v1],
    ]);
    // Whichever went second replaced what the first had just started.
    expect(all.map((result) => result.previousImage).sort()).toEqual(
      [before, target.images.v1].sort(),
    );
    expect(main.outputs['deployed-image']).toBe(target.images.v1);
    expect(await httpGet(target.appPort)).toBe('v1');
  });
});

describe('service mode on a server outside a Swarm', () => {
  test('is refused before anything changes, saying how to start one', async () => {
    const { main } = await runs.run(
      {
        ...connectionInputs(target.server),
        service: 'web',
        image: target.images.v1,
        'command-timeout': '90s',
      },
      {},
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^127\.0\.0\.1:\d+ is not part of a Swarm \(its state is inactive\)\. Run docker swarm init there first/,
    );
    const services = await target.dockerd.docker(['service', 'ls']);
    expect(services.stderr).toMatch(/not a swarm manager/);
  });
});

describe('hostile values', () => {
  test.each([
    ['container', { container: 'x; touch /tmp/srd-pwned' }],
    ['container', { container: '$(touch /tmp/srd-pwned)' }],
    ['ports', { ports: '8080:80; touch /tmp/srd-pwned' }],
    ['ports', { ports: '$(id):80' }],
    ['volumes', { volumes: '/etc:/x; touch /tmp/srd-pwned' }],
    ['volumes', { volumes: '../up:/x' }],
    ['run-args', { 'run-args': '--name=evil' }],
    ['run-args', { 'run-args': '-v /:/host' }],
    ['run-args', { 'run-args': '--label=x\n;touch /tmp/srd-pwned' }],
    ['env', { env: 'BAD KEY=1' }],
    ['image', { image: 'app:latest; touch /tmp/srd-pwned' }],
    ['restart', { restart: 'always; touch /tmp/srd-pwned' }],
  ])('%s %j is refused before connecting', async (input, extra) => {
    const mark = target.server.log().length;
    const { main } = await runs.run(
      { ...deployInputs(target.images.v1), ...extra },
      { secrets: [target.registry.password] },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0]).toMatch(new RegExp(`^Input '${input}': `));
    expect(target.server.log().slice(mark)).not.toContain('Connection from');
    expect(readIfExists('/tmp/srd-pwned')).toBeUndefined();
  });
});
