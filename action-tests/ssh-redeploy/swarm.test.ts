// ssh-redeploy's service mode, bundle run as the runner runs it, over real SSH to the manager
// of a real three-node Docker Swarm (network namespaces on a bridge of the test's own), whose
// nodes pull from a real registry with basic auth.
import { chmodSync, chownSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSshd } from '../services/sshd';
import { startSwarm, SWARM_APP_PORT, type Swarm } from '../services/swarm';
import type { StepResult } from '../harness/run-action';
import { Runs } from './run';

jest.setTimeout(240_000);

let swarm: Swarm;
const runs = new Runs(() => (swarm ? [swarm.server] : []));
const SERVICE = 'web';
const VOLUME = 'web-data';

beforeAll(async () => {
  swarm = await startSwarm({ name: 'srd-swarm', slot: 61 });
}, 240_000);

afterAll(async () => {
  runs.cleanup();
  await swarm?.stop();
});

afterEach(() => runs.cleanup());

function serviceInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    host: swarm.manager.address,
    username: swarm.server.user,
    key: swarm.server.keys.ed25519.privateKey,
    fingerprint: swarm.server.hostKeyFingerprint,
    retries: '0',
    'connect-timeout': '10s',
    service: SERVICE,
    registry: swarm.registry.address,
    'registry-username': swarm.registry.username,
    'registry-password': swarm.registry.password,
    'health-timeout': '2s',
    'stop-timeout': '1s',
    'command-timeout': '150s',
    ...extra,
  };
}

const deploy = (extra: Record<string, string> = {}) =>
  runs.run(serviceInputs(extra), { secrets: [swarm.registry.password] });

interface ServiceResult {
  service: string;
  status: string;
  host: string;
  error?: string;
  previousImage: string;
  deployedImage: string;
  replicas: string;
  tasks: Array<{ node: string; state: string; image: string; error: string }>;
}

/** The `results` output; a step that ended without one fails the test with its errors and log. */
function results(main: StepResult): ServiceResult[] {
  if (main.outputs.results === undefined) {
    throw new Error(
      `no results output; errors: ${main.errors.join(' | ')}\nlog:\n${main.stdout.slice(-3000)}`,
    );
  }
  return JSON.parse(main.outputs.results) as ServiceResult[];
}

async function digestOf(tag: 'v1' | 'v2'): Promise<string> {
  const digest = await swarm.registry.digest(swarm.repository, tag);
  if (!digest) throw new Error(`no digest for ${tag}`);
  return digest;
}

/** The images of the tasks Swarm wants running, by node. */
async function runningTasks(): Promise<string[]> {
  const text = await swarm.docker([
    'service',
    'ps',
    '--filter',
    'desired-state=running',
    '--format',
    '{{.Node}} {{.CurrentState}}',
    SERVICE,
  ]);
  return text
    .split('\n')
    .map((line) => line.replace(/ (\w+) .*$/, ' $1'))
    .sort();
}

async function answers(): Promise<string[]> {
  return Promise.all(
    swarm.nodes.map((node) =>
      swarm.httpGet(node.address, SWARM_APP_PORT, 1_000).catch(() => 'no answer'),
    ),
  );
}

/**
 * Asks every node's published port every 50 ms while `work` runs; returns, besides what work
 * returned, how many polls found no node answering, out of how many.
 */
async function polling<T>(
  work: () => Promise<T>,
): Promise<{ value: T; dark: number; polls: number }> {
  let running = true;
  let dark = 0;
  let polls = 0;
  const poller = (async () => {
    while (running) {
      const seen = await Promise.all(
        swarm.nodes.map((node) =>
          swarm.httpGet(node.address, SWARM_APP_PORT, 1_000).then(
            () => true,
            () => false,
          ),
        ),
      );
      polls += 1;
      if (!seen.some(Boolean)) dark += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    const value = await work();
    return { value, dark, polls };
  } finally {
    running = false;
    await poller;
  }
}

function authFoldersLeft(): string[] {
  return readdirSync('/tmp').filter((entry) => entry.startsWith('ssh-redeploy-auth.'));
}

// The tests build on each other, as deploys of one service do.
describe('a service through its life', () => {
  test('created from an image: three tasks, one per node, pulled with the registry login', async () => {
    const { main } = await deploy({
      image: swarm.images.v1,
      replicas: '3',
      ports: `mode=host,${SWARM_APP_PORT}:${SWARM_APP_PORT}`,
      volumes: `${VOLUME}:/data`,
      env: 'GREETING=hello world',
    });
    expect(main.stderr).toBe('');
    expect(main.exitCode).toBe(0);
    const v1 = await digestOf('v1');
    const [result] = results(main);
    expect(result).toMatchObject({
      service: SERVICE,
      status: 'created',
      host: swarm.manager.address,
      previousImage: '',
      replicas: '3/3',
    });
    expect(result.deployedImage).toBe(`${swarm.images.v1}@${v1}`);
    expect(main.outputs['deployed-image']).toBe(`${swarm.images.v1}@${v1}`);
    expect(result.tasks.map((task) => `${task.node} ${task.state}`)).toEqual([
      'node-1 running',
      'node-2 running',
      'node-3 running',
    ]);
    expect(result.tasks.every((task) => task.image === result.deployedImage)).toBe(true);
    expect(await answers()).toEqual(['v1', 'v1', 'v1']);
    // Host-mode ports: stop-first, said in a notice that names the port.
    expect(main.notices.join('\n')).toMatch(/8080 in host mode/);
    for (const node of ['node-1', 'node-2', 'node-3']) expect(main.summary).toContain(node);
    expect(authFoldersLeft()).toEqual([]);
    const env = await swarm.docker([
      'service',
      'inspect',
      '--format',
      '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
      SERVICE,
    ]);
    expect(JSON.parse(env)).toEqual(['GREETING=hello world']);
  });

  test('updated to a new digest, one task at a time, the service answering throughout', async () => {
    const {
      value: run,
      dark,
      polls,
    } = await polling(() => deploy({ image: swarm.images.v2, 'update-parallelism': '1' }));
    const { main } = run;
    expect(main.stderr).toBe('');
    expect(main.exitCode).toBe(0);
    const [v1, v2] = [await digestOf('v1'), await digestOf('v2')];
    const [result] = results(main);
    expect(result).toMatchObject({
      status: 'updated',
      previousImage: `${swarm.images.v1}@${v1}`,
      deployedImage: `${swarm.images.v2}@${v2}`,
      replicas: '3/3',
    });
    expect(main.outputs['previous-image']).toBe(`${swarm.images.v1}@${v1}`);
    expect(result.tasks.map((task) => task.node)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(result.tasks.every((task) => task.image === `${swarm.images.v2}@${v2}`)).toBe(true);
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
    expect(polls).toBeGreaterThan(20);
    expect(dark).toBe(0);
    // Progress as it changes: tasks on the new digest out of three.
    expect(main.stdout).toMatch(/web: 1\/3 tasks on sha256:[0-9a-f]{12}…/);
    expect(main.stdout).toMatch(/web: 3\/3 tasks on sha256:[0-9a-f]{12}…/);
  });

  test('the same image again changes nothing', async () => {
    const { main } = await deploy({ image: swarm.images.v2 });
    expect(main.exitCode).toBe(0);
    expect(results(main)[0].status).toBe('unchanged');
  });

  test('an image whose HEALTHCHECK fails is rolled back by Swarm, the service answering', async () => {
    const { value: run, dark } = await polling(() => deploy({ image: swarm.images.unhealthy }));
    const { main } = run;
    expect(main.exitCode).toBe(1);
    const v2 = `${swarm.images.v2}@${await digestOf('v2')}`;
    const [result] = results(main);
    expect(result.status).toBe('rolled-back');
    expect(result.error).toMatch(/task web\.\d on node-\d: .*unhealthy/);
    expect(main.errors[0]).toBe(result.error);
    expect(result.deployedImage).toBe('');
    expect(result.tasks.every((task) => task.image === v2 && task.state === 'running')).toBe(true);
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
    expect(await runningTasks()).toEqual(['node-1 Running', 'node-2 Running', 'node-3 Running']);
    expect(dark).toBe(0);
  });

  test('an image whose process exits at once is rolled back, with its last log lines', async () => {
    const { main } = await deploy({ image: swarm.images.crashing });
    expect(main.exitCode).toBe(1);
    const [result] = results(main);
    expect(result.status).toBe('rolled-back');
    expect(result.error).toMatch(/task web\.\d on node-\d: .*exit/);
    expect(main.summary).toContain('about to fail');
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
  });

  test('an image that cannot be pulled is rolled back, and says why', async () => {
    const { main } = await deploy({ image: `${swarm.registry.address}/${swarm.repository}:nope` });
    expect(main.exitCode).toBe(1);
    const [result] = results(main);
    expect(['rolled-back', 'failed']).toContain(result.status);
    expect(result.error).toMatch(/nope|No such image|not found|manifest unknown/i);
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
  });

  test('a wrong registry password changes nothing', async () => {
    const { main } = await runs.run(
      serviceInputs({ image: swarm.images.v1, 'registry-password': 'wrong-password-123' }),
      { secrets: [swarm.registry.password, 'wrong-password-123'] },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/nothing was changed: could not log in to/);
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
    expect(authFoldersLeft()).toEqual([]);
  });

  test('health-cmd gives way to the HEALTHCHECK of an image that has one', async () => {
    // A check of the service's own, as an earlier deploy with health-cmd would have left.
    await swarm.docker([
      ...['service', 'update', '--detach=false', '--health-cmd=exit 0'],
      ...['--health-interval=2s', '--health-retries=3', SERVICE],
    ]);
    // With `true` in place of the image's failing check, this update would pass.
    const { main } = await deploy({ image: swarm.images.unhealthy, 'health-cmd': 'true' });
    expect(main.exitCode).toBe(1);
    expect(main.notices).toContain(
      `${SERVICE}: health-cmd is not used: ${swarm.images.unhealthy} has a HEALTHCHECK of its own, which Swarm runs instead.`,
    );
    const [result] = results(main);
    expect(result.status).toBe('rolled-back');
    expect(result.error).toMatch(/unhealthy/);
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
  });

  test('an update longer than command-timeout is rolled back and nothing is left paused', async () => {
    const { main } = await deploy({
      image: swarm.images.v1,
      'health-timeout': '6s',
      'command-timeout': '8s',
    });
    expect(main.exitCode).toBe(1);
    expect(main.warnings.join('\n')).toMatch(/did not finish within command-timeout \(8(\.0)?s\)/);
    const [result] = results(main);
    expect(result.status).toBe('rolled-back');
    expect(result.error).toMatch(
      /^web: the update to .*app:v1 did not finish within command-timeout \(8(\.0)?s\); rolled back: every task runs .*app:v2@sha256:[0-9a-f]{64} again\.$/,
    );
    const state = await swarm.docker([
      'service',
      'inspect',
      '--format',
      '{{.UpdateStatus.State}}',
      SERVICE,
    ]);
    expect(state).toBe('rollback_completed');
    expect(await answers()).toEqual(['v2', 'v2', 'v2']);
  });
});

describe('refused before anything changes', () => {
  test('a service name outside Swarm grammar', async () => {
    const { main } = await deploy({ service: 'web;touch pwned', image: swarm.images.v1 });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^Input 'service': 'web;touch pwned' is not a Swarm service name/,
    );
  });

  test('a service that does not exist, without an image to create it from', async () => {
    const { main } = await deploy({ service: 'missing' });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/there is no service missing to update\. Give image/);
  });

  test('container and service together', async () => {
    const { main } = await deploy({ container: 'web', image: swarm.images.v1 });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/^Input 'container': cannot be combined with service/);
  });

  test('hostile values pass byte for byte, and run nothing', async () => {
    const hostile = `$(touch /tmp/srd-pwned) \`touch /tmp/srd-pwned\` ; it's "quoted" \\ *`;
    const { main } = await deploy({
      service: 'web-hostile',
      image: swarm.images.v1,
      replicas: '1',
      env: `NOTE=${hostile}`,
      constraints: 'node.role==manager',
      'health-timeout': '1s',
    });
    expect(main.exitCode).toBe(0);
    const env = await swarm.docker([
      'service',
      'inspect',
      '--format',
      '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
      'web-hostile',
    ]);
    expect(JSON.parse(env)).toEqual([`NOTE=${hostile}`]);
    expect(readdirSync('/tmp')).not.toContain('srd-pwned');
    await swarm.docker(['service', 'rm', 'web-hostile']);
  });
});

describe('a stack from a compose file', () => {
  const STACK = 'shop';
  let workspace: string;

  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'srd-stack-'));
  });

  function composeFile(withWorker: boolean, apiImage = swarm.images.v1): string {
    const lines = [
      '# the shop, as the repository keeps it',
      'version: "3.8"',
      'services:',
      '  api:',
      `    image: ${apiImage} # set by the pipeline`,
      '    stop_grace_period: 1s',
      '    deploy:',
      '      replicas: 2',
      '      update_config: { parallelism: 1, order: start-first, monitor: 2s, failure_action: rollback }',
    ];
    if (withWorker) {
      lines.push(
        '  worker:',
        '    image: local/busybox:base',
        '    command: ["sleep", "3600"]',
        '    stop_grace_period: 1s',
      );
    }
    const file = path.join(workspace, 'docker-stack.yml');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return 'docker-stack.yml';
  }

  const deployStack = (extra: Record<string, string>) =>
    runs.run(
      {
        ...serviceInputs({ stack: STACK, ...extra }),
        service: '',
        'health-timeout': '60s',
      },
      { secrets: [swarm.registry.password], workspace },
    );

  async function stackServices(): Promise<string[]> {
    const text = await swarm.docker([
      'service',
      'ls',
      '--filter',
      `label=com.docker.stack.namespace=${STACK}`,
      '--format',
      '{{.Name}}',
    ]);
    return text.split('\n').filter(Boolean).sort();
  }

  test('both services converge, the one of the image on its digest', async () => {
    const { main } = await deployStack({
      'compose-file': composeFile(true),
      image: swarm.images.v2,
    });
    expect(main.stderr).toBe('');
    expect(main.exitCode).toBe(0);
    const v2 = `${swarm.images.v2}@${await digestOf('v2')}`;
    const outcomes = results(main);
    expect(outcomes.map((outcome) => [outcome.service, outcome.status])).toEqual([
      ['shop_api', 'created'],
      ['shop_worker', 'created'],
    ]);
    expect(outcomes[0].deployedImage).toBe(v2);
    expect(outcomes[0].replicas).toBe('2/2');
    expect(outcomes[0].tasks.every((task) => task.image === v2 && task.state === 'running')).toBe(
      true,
    );
    expect(main.outputs['deployed-image']).toBe(v2);
    expect(await stackServices()).toEqual(['shop_api', 'shop_worker']);
    // The file went to a private folder on the manager, gone after the deploy.
    expect(readdirSync('/tmp').filter((entry) => entry.startsWith('ssh-redeploy-file.'))).toEqual(
      [],
    );
    expect(authFoldersLeft()).toEqual([]);
  });

  test('prune removes a service dropped from the file', async () => {
    const { main } = await deployStack({
      'compose-file': composeFile(false),
      image: swarm.images.v1,
      prune: 'true',
    });
    expect(main.exitCode).toBe(0);
    expect(results(main).map((outcome) => [outcome.service, outcome.status])).toEqual([
      ['shop_api', 'updated'],
    ]);
    expect(await stackServices()).toEqual(['shop_api']);
  });

  test('a failing service fails the step, rolled back, the others named', async () => {
    const { main } = await deployStack({
      'compose-file': composeFile(true),
      image: swarm.images.crashing,
      'stack-services': 'api',
    });
    expect(main.exitCode).toBe(1);
    const outcomes = results(main);
    expect(outcomes.map((outcome) => [outcome.service, outcome.status])).toEqual([
      ['shop_api', 'rolled-back'],
      ['shop_worker', 'created'],
    ]);
    expect(main.errors[main.errors.length - 1]).toBe(
      'shop: 1 of 2 services failed: shop_api rolled-back, shop_worker created.',
    );
  });

  test('a broken compose file is refused before anything changes', async () => {
    writeFileSync(path.join(workspace, 'broken.yml'), 'services:\n  api: [unclosed\n');
    const before = await swarm.docker([
      'service',
      'inspect',
      '--format',
      '{{.Version.Index}}',
      'shop_api',
    ]);
    const { main } = await deployStack({ 'compose-file': 'broken.yml', image: swarm.images.v2 });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/^Input 'compose-file': broken.yml is not valid YAML/);
    const after = await swarm.docker([
      'service',
      'inspect',
      '--format',
      '{{.Version.Index}}',
      'shop_api',
    ]);
    expect(after).toBe(before);
  });

  test('an image that no service of the file runs is refused', async () => {
    const { main } = await deployStack({
      'compose-file': composeFile(true),
      image: `${swarm.registry.address}/elsewhere/app:v1`,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^Input 'stack-services': no service of docker-stack.yml runs an image/,
    );
  });
});

describe('which host', () => {
  test('a worker is refused before anything changes, naming it', async () => {
    // The same user reaches node-2's daemon through a second sshd inside node-2.
    const worker = swarm.nodes[1];
    const socketGroup = statSync(swarm.manager.dockerd.socket).gid;
    chownSync(worker.dockerd.socket, 0, socketGroup);
    chmodSync(worker.dockerd.socket, 0o660);
    chmodSync(worker.dockerd.folder, 0o711);
    const server = await startSshd({
      name: 'srd-swarm-worker',
      user: swarm.user,
      namespace: worker.namespace,
      listenAddress: worker.address,
      setEnv: { DOCKER_HOST: worker.dockerd.host },
    });
    try {
      const { main } = await runs.run(
        {
          ...serviceInputs({ image: swarm.images.v1 }),
          host: worker.address,
          fingerprint: server.hostKeyFingerprint,
        },
        { secrets: [swarm.registry.password] },
      );
      expect(main.exitCode).toBe(1);
      expect(main.errors[0]).toBe(
        `${worker.address} is a Swarm worker, not a manager: services can only be changed on a manager. Name a manager in host (docker node ls on a manager lists them).`,
      );
    } finally {
      await server.stop();
    }
  });

  test('a manager that does not answer is passed over for the next one', async () => {
    // Nothing listens on the bridge's own address: the connection is refused at once.
    const { main } = await deploy({
      host: `${swarm.registry.address.split(':')[0]}:2222\n${swarm.manager.address}`,
      image: swarm.images.v2,
    });
    expect(main.exitCode).toBe(0);
    expect(results(main)[0]).toMatchObject({ host: swarm.manager.address, status: 'unchanged' });
    expect(main.stdout).toMatch(/Trying the next manager/);
    expect(main.stdout).toContain(
      'Following Swarm through the Docker API, its socket forwarded over SSH.',
    );
  });

  test('an sshd that forwards no sockets: Swarm is followed through the docker CLI', async () => {
    const server = await startSshd({
      name: 'srd-swarm-noforward',
      user: swarm.user,
      namespace: swarm.manager.namespace,
      listenAddress: swarm.manager.address,
      port: 2222,
      setEnv: { DOCKER_HOST: swarm.manager.dockerd.host },
      allowTcpForwarding: false,
      allowStreamLocalForwarding: false,
    });
    try {
      const { main } = await runs.run(
        {
          ...serviceInputs({ image: swarm.images.v1 }),
          host: `${swarm.manager.address}:2222`,
          fingerprint: server.hostKeyFingerprint,
        },
        { secrets: [swarm.registry.password] },
      );
      expect(main.exitCode).toBe(0);
      expect(results(main)[0]).toMatchObject({ status: 'updated' });
      expect(main.stdout).toMatch(
        /Following Swarm through the docker CLI: the Docker API is out of reach \(.*\)\./,
      );
      expect(main.stdout).not.toContain('Following Swarm through the Docker API');
      expect(await answers()).toEqual(['v1', 'v1', 'v1']);
    } finally {
      await server.stop();
    }
  });
});
