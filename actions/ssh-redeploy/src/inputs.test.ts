import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { githubRunner } from '../../shared/runner';
import { getInputs } from './inputs';

const metadata = parse(readFileSync(path.join(__dirname, '..', 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
};
const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';

let written: string[];
beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

/** Reads the inputs as the runner would pass them: every default, then `given`. */
function read(given: Record<string, string>, environment: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...environment };
  for (const [name, spec] of Object.entries(metadata.inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = given[name] ?? spec.default ?? '';
  }
  const saved = process.env;
  process.env = env;
  try {
    return getInputs(githubRunner, env);
  } finally {
    process.env = saved;
  }
}

const base = { host: 'web1', username: 'deploy', key: KEY, fingerprint: FINGERPRINT };

test('script mode with the defaults', () => {
  const inputs = read({ ...base, script: 'echo hi', envs: 'A, B' }, { A: '1', B: '' });
  expect(inputs.mode).toEqual({ kind: 'script', script: 'echo hi', variables: { A: '1', B: '' } });
  expect(inputs).toMatchObject({
    connectTimeoutMs: 30_000,
    retries: 3,
    keepaliveIntervalMs: 15_000,
    commandTimeoutMs: 600_000,
    parallel: 5,
    failFast: true,
    insecure: false,
  });
  expect(inputs.targets).toEqual([{ host: 'web1', port: 22, username: 'deploy', label: 'web1' }]);
});

test('every line of the key is masked before anything else is read', () => {
  read({ ...base, script: 'true' });
  const masks = written.filter((line) => line.startsWith('::add-mask::'));
  expect(masks).toContain('::add-mask::b3BlbnNzaC1rZXktdjEAAAAA\n');
});

test('container mode, with env values masked one by one', () => {
  const inputs = read({
    ...base,
    image: 'ghcr.io/org/app:1.2.3',
    container: 'app',
    env: 'DB_PASSWORD=hunter2-long\nPORT=80',
    'health-timeout': '30s',
    'stop-timeout': '2500ms',
  });
  expect(inputs.mode).toMatchObject({
    kind: 'container',
    spec: { image: 'ghcr.io/org/app:1.2.3', container: 'app', restart: 'unless-stopped' },
    healthTimeoutMs: 30_000,
    stopTimeoutSeconds: 3,
    rollback: true,
    keepPrevious: false,
  });
  expect(written).toContain('::add-mask::hunter2-long\n');
  // Two characters masked everywhere would hide every "80" in the log.
  expect(written).not.toContain('::add-mask::80\n');
});

test('the jump host takes the main user and key unless it has its own', () => {
  const inputs = read({
    ...base,
    script: 'true',
    'proxy-host': 'bastion',
    'proxy-fingerprint': FINGERPRINT,
  });
  expect(inputs.proxy?.endpoint).toMatchObject({
    host: 'bastion',
    port: 22,
    username: 'deploy',
    credentials: { privateKey: KEY },
    label: 'jump host bastion',
  });
});

test('a fingerprint given makes insecure-skip-host-key-check a note, not a hole', () => {
  const inputs = read({ ...base, script: 'true', 'insecure-skip-host-key-check': 'true' });
  expect(inputs.insecure).toBe(false);
  expect(inputs.hostKeys.skip).toBe(false);
  expect(inputs.notes[0]).toContain('insecure-skip-host-key-check is ignored');
});

test.each([
  [{ script: '' }, "Input 'script': or image + container is required"],
  [{ script: 'x', image: 'app:1' }, "Input 'script': cannot be combined with image and container"],
  [{ script: 'x', ports: '80:80' }, "Input 'ports': belongs to container mode"],
  [{ image: 'app:1' }, "Input 'container': is required with image"],
  [{ container: 'app' }, "Input 'image': is required with container"],
  [{ image: 'app:1', container: 'app', envs: 'A' }, "Input 'envs': is for script mode"],
  [
    { image: 'app:1', container: 'app', 'health-timeout': '15m' },
    "Input 'command-timeout': must be longer than health-timeout",
  ],
  [
    { image: 'app:1', container: 'app', registry: 'ghcr.io' },
    "Input 'registry-username': is required",
  ],
  [{ script: 'x', envs: 'UID' }, "Input 'envs': 'UID' cannot be a shell variable"],
  [{ script: 'x', key: '' }, "Input 'key': is required (or password)"],
  [{ script: 'x', fingerprint: '' }, "Input 'fingerprint': The server's host key must be verified"],
  [{ script: 'x', parallel: '0' }, "Input 'parallel': '0' must be a whole number from 1 to 100."],
  [
    { script: 'x', 'proxy-username': 'jump' },
    "Input 'proxy-host': is required when proxy-username is set",
  ],
  [
    { script: 'x', 'proxy-host': 'bastion' },
    "Input 'proxy-fingerprint': The server's host key must be verified",
  ],
])('%j is refused: %s', (given, message) => {
  expect(() => read({ ...base, ...given })).toThrow(message);
});

describe('service mode', () => {
  const image = 'registry.example.com/app@sha256:' + 'b'.repeat(64);

  test('reads the service and its rolling-update settings', () => {
    const inputs = read({
      ...base,
      service: 'web',
      image,
      replicas: '3',
      ports: 'mode=host,8050:8050',
      constraints: 'node.role==worker',
      'update-parallelism': '2',
      'update-delay': '5s',
      'max-failure-ratio': '0.5',
      'health-timeout': '10s',
    });
    expect(inputs.mode).toMatchObject({
      kind: 'service',
      spec: {
        service: 'web',
        image,
        replicas: 3,
        ports: [{ mode: 'host', published: 8050, target: 8050, protocol: 'tcp' }],
        constraints: ['node.role==worker'],
        updateParallelism: 2,
        updateDelayMs: 5_000,
        maxFailureRatio: 0.5,
        monitorMs: 10_000,
        rollback: true,
      },
    });
  });

  test.each([
    [
      { service: 'web', container: 'web', image },
      /^Input 'container': cannot be combined with service/,
    ],
    [{ service: 'web', 'run-args': '--init' }, /^Input 'run-args': is for container mode/],
    [{ container: 'web', image, replicas: '2' }, /^Input 'replicas': belongs to service mode/],
    [
      { service: 'web', 'update-order': 'random' },
      /^Input 'update-order': 'random' is not an update order/,
    ],
    [
      { service: 'web', 'health-timeout': '10m' },
      /^Input 'command-timeout': must be longer than health-timeout/,
    ],
  ])('refuses %p', (given, message) => {
    expect(() => read({ ...base, ...given })).toThrow(message);
  });
});

describe('stack mode', () => {
  test('resolves the compose file in the workspace', () => {
    const inputs = read(
      {
        ...base,
        stack: 'shop',
        'compose-file': 'deploy/stack.yml',
        'stack-services': 'api, web',
        prune: 'true',
      },
      { GITHUB_WORKSPACE: '/home/runner/work/app/app' },
    );
    expect(inputs.mode).toMatchObject({
      kind: 'stack',
      stack: 'shop',
      composeFile: {
        given: 'deploy/stack.yml',
        path: '/home/runner/work/app/app/deploy/stack.yml',
      },
      stackServices: ['api', 'web'],
      prune: true,
    });
  });

  test.each([
    [{ 'compose-file': 'stack.yml' }, /^Input 'stack': is required with compose-file/],
    [{ stack: 'shop' }, /^Input 'compose-file': is required with stack/],
    [
      { stack: 'shop', 'compose-file': 'a.yml', service: 'web' },
      /^Input 'service': cannot be combined with stack/,
    ],
    [
      { stack: 'shop', 'compose-file': 'a.yml', ports: '80:80' },
      /^Input 'ports': is not used in stack mode/,
    ],
    [
      { stack: 'shop;rm', 'compose-file': 'a.yml' },
      /^Input 'stack': 'shop;rm' is not a Swarm stack name/,
    ],
  ])('refuses %p', (given, message) => {
    expect(() => read({ ...base, ...given })).toThrow(message);
  });
});

describe('request-pty', () => {
  test('gives the script a terminal, with the sudo password masked first', () => {
    const inputs = read({
      ...base,
      script: 'sudo true',
      'request-pty': 'true',
      'sudo-password': 'correct horse',
    });
    expect(inputs.mode).toMatchObject({
      kind: 'script',
      terminal: { sudoPassword: 'correct horse' },
    });
    expect(written).toContain('::add-mask::correct horse\n');
  });

  test('without sudo-password, a terminal that answers no prompt', () => {
    const inputs = read({ ...base, script: 'top -b -n 1', 'request-pty': 'true' });
    expect(inputs.mode).toMatchObject({ kind: 'script', terminal: {} });
  });

  test('gives the deploy program of container mode a terminal, and sudo its password', () => {
    const inputs = read({
      ...base,
      image: 'app:1',
      container: 'app',
      'request-pty': 'true',
      'sudo-password': 'correct horse',
    });
    expect(inputs.mode).toMatchObject({
      kind: 'container',
      terminal: { sudoPassword: 'correct horse' },
    });
    expect(written).toContain('::add-mask::correct horse\n');
  });

  test.each([
    [
      { script: 'sudo true', 'sudo-password': 'correct horse' },
      "Input 'sudo-password': needs request-pty: true: sudo asks for its password on a terminal, and the step answers it there.",
    ],
    [
      { service: 'web', image: 'app:1', 'request-pty': 'true' },
      "Input 'request-pty': is for script and container modes: Swarm mode runs docker without a terminal, so the user needs access to the Docker daemon (the docker group). Remove it.",
    ],
    [
      { upload: 'dist/ => /srv/app/', 'request-pty': 'true' },
      "Input 'request-pty': is for a script or a container deploy: an upload alone runs no command. Remove it.",
    ],
    [{ script: 'true', 'request-pty': 'yes please' }, "Input 'request-pty'"],
  ])('%j is refused', (given, message) => {
    expect(() => read({ ...base, ...given })).toThrow(message);
  });
});
