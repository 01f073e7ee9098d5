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
