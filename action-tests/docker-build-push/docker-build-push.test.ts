// docker-build-push's bundle, run as the runner runs it, against a dockerd and a registry with
// basic auth that this file starts itself (and a failing proxy in front of the registry).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { runAction, type ActionRun, type EventSpec, type StepResult } from '../harness/run-action';
import { clientEnvironment, run, type DockerDaemon } from '../services/dockerd';
import { freePort } from '../services/processes';
import type { FailingProxy, Registry } from '../services/registry';
import {
  DIGEST,
  pushToMain,
  recordingDocker,
  startBuildPushFixture,
  type BuildPushFixture,
} from './fixture';

jest.setTimeout(180_000);

const SHA = 'c0ffee0123456789abcdef0123456789abcdef01';
const PUSH_TO_MAIN = pushToMain(SHA);

let fixture: BuildPushFixture;
let daemon: DockerDaemon;
let registry: Registry;
let proxy: FailingProxy;
/** A docker config standing for the runner user's own: credentials that must not be copied. */
let userConfig: string;
let workspace: string;

beforeAll(async () => {
  fixture = await startBuildPushFixture({
    name: 'build-push',
    pluginsFolder: true,
    userConfig: {
      auths: {
        'other.example': { auth: Buffer.from('someone:other-secret-1').toString('base64') },
      },
      // A store that does not exist: had it been kept, login would fail looking for it.
      credsStore: 'missing-helper',
      detachKeys: 'ctrl-x,x',
    },
    dockerfile: (base) =>
      [
        `FROM ${base}`,
        'ARG GREETING=hello',
        'RUN echo "$GREETING from the build" > /greeting.txt',
        'CMD ["cat", "/greeting.txt"]',
        '',
      ].join('\n'),
  });
  ({ daemon, proxy, userConfig, workspace } = fixture);
  [registry] = fixture.registries;
});

afterAll(() => fixture?.stop());

/** The step's environment: this file's daemon, Debian's docker CLI (BuildKit without buildx). */
const stepEnv = (extra: Record<string, string> = {}) => fixture.stepEnv(extra);

async function buildPush(
  inputs: Record<string, string>,
  options: {
    env?: Record<string, string>;
    event?: EventSpec;
    secrets?: string[];
    beforePost?: (main: StepResult) => void | Promise<void>;
  } = {},
): Promise<ActionRun> {
  const result = await runAction({
    action: 'docker-build-push',
    inputs: { context: 'app', ...inputs },
    secrets: [registry.password, 'other-secret-1', ...(options.secrets ?? [])],
    env: stepEnv(options.env),
    event: options.event ?? PUSH_TO_MAIN,
    workspace,
    beforePost: options.beforePost,
  });
  fixture.runs.push(result);
  return result;
}

const credentials = () => ({ username: registry.username, password: registry.password });

/** A docker CLI of the test's own, logged in to the registry, to check what was pushed. */
async function checkerDocker(): Promise<(args: string[]) => ReturnType<DockerDaemon['docker']>> {
  const login = await daemon.docker(
    ['login', '--username', registry.username, '--password-stdin', registry.address],
    registry.password,
  );
  expect(login.code).toBe(0);
  return (args) => daemon.docker(args);
}

function privateConfigFolders(runnerTemp: string): string[] {
  return existsSync(runnerTemp)
    ? readdirSync(runnerTemp).filter((name) => name.startsWith('docker-build-push-config-'))
    : [];
}

test('builds, pushes several tags, and the digest output is the one the registry reports for each', async () => {
  const image = `${registry.address}/team/app`;
  let privateConfig:
    { mode: number; config: Record<string, unknown>; plugins: boolean } | undefined;
  const { main, post, runnerTemp } = await buildPush(
    {
      image,
      ...credentials(),
      tags: '0.1.{{run_number}}\nsha-{{short_sha}}\nlatest',
      'build-args': 'GREETING=bonjour',
      labels: 'com.example.team=payments',
    },
    {
      beforePost: (step) => {
        const dir = step.state['config-dir'];
        const file = path.join(dir, 'config.json');
        privateConfig = {
          mode: statSync(file).mode & 0o777,
          config: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
          plugins: existsSync(path.join(dir, 'cli-plugins')),
        };
      },
    },
  );

  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  const digest = main.outputs.digest;
  expect(digest).toMatch(DIGEST);
  for (const tag of ['0.1.42', `sha-${SHA.slice(0, 7)}`, 'latest']) {
    expect(await registry.digest('team/app', tag)).toBe(digest);
  }
  expect(await registry.tags('team/app')).toEqual(['0.1.42', 'latest', `sha-${SHA.slice(0, 7)}`]);
  expect(main.outputs['image-ref']).toBe(`${image}@${digest}`);
  expect(main.outputs['image-url']).toBe(`${image}:0.1.42`);
  expect(main.outputs.tags.split('\n')).toEqual([
    `${image}:0.1.42`,
    `${image}:sha-${SHA.slice(0, 7)}`,
    `${image}:latest`,
  ]);

  const inspect = await daemon.docker([
    'image',
    'inspect',
    '--format',
    '{{.Id}} {{index .Config.Labels "org.opencontainers.image.revision"}} {{index .Config.Labels "com.example.team"}}',
    `${image}:0.1.42`,
  ]);
  expect(inspect.stdout.trim()).toBe(`${main.outputs['image-id']} ${SHA} payments`);

  const metadata = JSON.parse(main.outputs.metadata) as Record<string, unknown>;
  expect(metadata).toMatchObject({
    image,
    digest,
    'image-ref': `${image}@${digest}`,
    'image-id': main.outputs['image-id'],
    pushed: true,
    builder: 'docker build (BuildKit)',
  });
  expect(metadata['size-bytes']).toEqual(expect.any(Number));
  expect(main.summary).toContain(`<td>${digest}</td>`);
  expect(main.summary).toContain('<td>docker build (BuildKit)</td>');
  expect(main.summary).toContain(`${image}:0.1.42<br>`);

  // The login went to a private config: mode 600, only this registry's credentials, the
  // user's other settings and plugins kept, their credentials and store left out.
  expect(privateConfig?.mode).toBe(0o600);
  expect(Object.keys(privateConfig?.config.auths as object)).toEqual([registry.address]);
  expect(privateConfig?.config.credsStore).toBeUndefined();
  expect(privateConfig?.config.detachKeys).toBe('ctrl-x,x');
  expect(privateConfig?.plugins).toBe(true);
  expect(readFileSync(path.join(userConfig, 'config.json'), 'utf8')).not.toContain(
    registry.address,
  );

  // image-ref pulls: drop every local copy first, then pull by digest alone.
  const docker = await checkerDocker();
  const tags = main.outputs.tags.split('\n');
  expect((await docker(['image', 'rm', '--force', ...tags])).code).toBe(0);
  expect((await docker(['pull', main.outputs['image-ref']])).code).toBe(0);
  const ran = await docker(['run', '--rm', main.outputs['image-ref']]);
  expect(ran.stdout).toBe('bonjour from the build\n');

  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  // Nothing of the step's is left in RUNNER_TEMP: not its build files, not its login.
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('the post step logs out: the config folder is gone and its credentials no longer work', async () => {
  const image = `${registry.address}/team/post`;
  let dir = '';
  let pullWhileLoggedIn = -1;
  const { main, post, runnerTemp } = await buildPush(
    { image, ...credentials(), tags: 'one' },
    {
      beforePost: async (step) => {
        dir = step.state['config-dir'];
        const env = clientEnvironment(daemon.host, dir);
        pullWhileLoggedIn = (await run(daemon.client, ['pull', `${image}:one`], { env })).code;
      },
    },
  );
  expect(main.exitCode).toBe(0);
  expect(dir.startsWith(runnerTemp)).toBe(true);
  expect(pullWhileLoggedIn).toBe(0);

  expect(post?.exitCode).toBe(0);
  expect(post?.stdout).toContain(`Logged out of ${registry.address}`);
  expect(existsSync(dir)).toBe(false);
  expect(privateConfigFolders(runnerTemp)).toEqual([]);
  const env = clientEnvironment(daemon.host, dir);
  await daemon.docker(['image', 'rm', '--force', `${image}:one`]);
  const pull = await run(daemon.client, ['pull', `${image}:one`], { env });
  expect(pull.code).not.toBe(0);
  expect(pull.stderr).toMatch(/no basic auth credentials|unauthorized/);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A credential store standing for the runner's keychain: `docker-credential-secretservice`,
 * which the docker CLI picks by itself on Linux when it is on PATH (and `pass` is not) and
 * config.json holds no credentials. It keeps each login in a file and records what it is asked.
 */
function credentialStore(): { folder: string; saved: string; asked: () => string[] } {
  const folder = mkdtempSync(path.join(fixture.folder, 'store-'));
  const saved = path.join(folder, 'saved');
  const record = path.join(folder, 'asked');
  mkdirSync(saved);
  const helper = path.join(folder, 'docker-credential-secretservice');
  writeFileSync(
    helper,
    `#!${process.execPath}
const fs = require('fs');
// stdin read as a stream: the CLI's pipe may be non-blocking, which readFileSync(0) fails on.
let input = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => { input += chunk; }).on('end', () => {
  input = input.trim();
  const action = process.argv[2];
  const server = action === 'store' ? JSON.parse(input).ServerURL : input;
  const file = ${JSON.stringify(saved)} + '/' + encodeURIComponent(server);
  fs.appendFileSync(${JSON.stringify(record)}, action + ' ' + server + '\\n');
  if (action === 'store') fs.writeFileSync(file, input);
  else if (action === 'erase') fs.rmSync(file, { force: true });
  else if (action === 'get') {
    if (!fs.existsSync(file)) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
    process.stdout.write(fs.readFileSync(file, 'utf8'));
  } else if (action === 'list') process.stdout.write('{}');
});
`,
    { mode: 0o755 },
  );
  const asked = () =>
    existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean) : [];
  return { folder, saved, asked };
}

test('a login the CLI hands to a credential store of its choosing is logged out of in post', async () => {
  const store = credentialStore();
  let inFolder: Record<string, unknown> = {};
  const { main, post } = await buildPush(
    { image: `${registry.address}/team/store`, ...credentials(), tags: 'one' },
    {
      env: { PATH: `${store.folder}:/usr/bin:${process.env.PATH ?? '/bin'}` },
      beforePost: (step) => {
        const file = path.join(step.state['config-dir'], 'config.json');
        inFolder = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      },
    },
  );
  expect(main.errors).toEqual([]);
  expect(await registry.digest('team/store', 'one')).toBe(main.outputs.digest);
  // The password went to the store, not to the folder.
  expect(inFolder.credsStore).toBe('secretservice');
  expect(JSON.stringify(inFolder)).not.toContain(Buffer.from(registry.password).toString('base64'));
  expect(store.asked()).toContain(`store ${registry.address}`);

  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  expect(post?.stdout).toContain(`Logged out of ${registry.address}`);
  expect(store.asked()).toContain(`erase ${registry.address}`);
  expect(readdirSync(store.saved)).toEqual([]);
});

test('logout: false keeps the login for later steps through DOCKER_CONFIG', async () => {
  const { main, post, runnerTemp } = await buildPush({
    image: `${registry.address}/team/kept`,
    ...credentials(),
    tags: 'one',
    logout: 'false',
  });
  expect(main.exitCode).toBe(0);
  const dir = main.exportedEnv.DOCKER_CONFIG;
  expect(dir).toBe(main.state['config-dir']);
  expect(dir.startsWith(runnerTemp)).toBe(true);
  expect(post?.exitCode).toBe(0);
  expect(existsSync(path.join(dir, 'config.json'))).toBe(true);
  const pull = await run(daemon.client, ['pull', `${registry.address}/team/kept:one`], {
    env: clientEnvironment(daemon.host, dir),
  });
  expect(pull.code).toBe(0);
});

test('a wrong password fails clearly, pushes nothing, is not retried and never printed', async () => {
  const wrong = 'wrong-password-4711';
  const { main, post } = await buildPush(
    { image: `${registry.address}/team/refused`, username: registry.username, password: wrong },
    { secrets: [wrong] },
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors).toHaveLength(1);
  expect(main.errors[0]).toMatch(
    new RegExp(
      `^${registry.address.replace(/\./g, '\\.')} refused the login of '${registry.username}': .*(unauthorized|401)`,
    ),
  );
  expect(main.errors[0]).toContain("Check 'username' and 'password'");
  expect(main.warnings.filter((warning) => warning.includes('retrying'))).toEqual([]);
  expect(main.stdout).toContain(`::add-mask::${wrong}`);
  expect(await registry.tags('team/refused')).toEqual([]);
  expect(main.outputs.digest).toBe('');
  expect(post?.exitCode).toBe(0);
  expect(existsSync(main.state['config-dir'])).toBe(false);
});

test('5xx answers on login and push are retried, then the push succeeds', async () => {
  const image = `${proxy.address}/team/flaky`;
  proxy.clearFailures();
  proxy.requests.splice(0);
  // The authenticated check of the login: a 5xx on the first, anonymous one makes the daemon
  // try without credentials and report a 401, which nobody could tell from a wrong password.
  proxy.fail({
    times: 1,
    status: 502,
    match: (method, url, headers) =>
      method === 'GET' && url === '/v2/' && headers.authorization !== undefined,
  });
  proxy.fail({
    times: 2,
    status: 503,
    match: (method, url) => method === 'PUT' && url.includes('/manifests/'),
  });
  const { main } = await buildPush({ image, ...credentials(), tags: 'one\ntwo' });

  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(proxy.requests.filter((request) => request.injected)).toHaveLength(3);
  const retries = main.warnings.filter((warning) => warning.includes('retrying in'));
  expect(retries).toHaveLength(3);
  expect(retries[0]).toMatch(
    /^Login to 127\.0\.0\.1:\d+: attempt 1 of 4 failed \(the registry answered 502\)/,
  );
  expect(retries[1]).toMatch(
    /^Push of .*:one: attempt 1 of 4 failed \(the registry answered 503\)/,
  );
  expect(await registry.digest('team/flaky', 'one')).toBe(main.outputs.digest);
  expect(await registry.digest('team/flaky', 'two')).toBe(main.outputs.digest);
});

test('a registry down at first and back soon: the login is retried and the push goes through', async () => {
  proxy.clearFailures();
  // One login attempt of this daemon opens two connections (measured); dropping both plays a
  // registry that was down for that attempt, whatever the machine's load.
  const droppedBefore = proxy.dropped();
  proxy.dropConnections(2);
  const { main } = await buildPush({
    image: `${proxy.address}/team/back`,
    ...credentials(),
    tags: 'one',
  });
  proxy.dropConnections(0);
  expect(proxy.dropped() - droppedBefore).toBe(2);
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.warnings).toHaveLength(1);
  // A dropped connection reads as a reset or as an early EOF, depending on timing.
  expect(main.warnings[0]).toMatch(
    /^Login to 127\.0\.0\.1:\d+: attempt 1 of 4 failed \(network error \((connection reset|EOF)/,
  );
  expect(await registry.digest('team/back', 'one')).toBe(main.outputs.digest);
});

test('a registry that stops answering during the push: stopped at push-timeout, named, not retried', async () => {
  const image = `${proxy.address}/team/stalled`;
  proxy.clearFailures();
  proxy.requests.splice(0);
  proxy.stall({
    times: 10,
    match: (method, url) => method === 'PUT' && url.includes('/manifests/'),
  });
  try {
    const started = Date.now();
    const { main } = await buildPush({
      image,
      ...credentials(),
      tags: 'one',
      'push-timeout': '3s',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      /^docker push 127\.0\.0\.1:\d+\/team\/stalled:one did not finish within push-timeout \(3\.0s\) and was stopped/,
    );
    // Once: a registry that stopped answering would only stop answering again.
    expect(proxy.requests.filter((request) => request.injected)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await registry.digest('team/stalled', 'one')).toBeUndefined();
  } finally {
    proxy.clearFailures();
  }
});

test('a build that does not end is stopped at build-timeout, named', async () => {
  writeFileSync(
    path.join(workspace, 'app', 'Dockerfile.slow'),
    `FROM ${daemon.baseImage}\nRUN sleep 600\n`,
  );
  const started = Date.now();
  const { main } = await buildPush({
    image: `${registry.address}/team/slow`,
    tags: 'dev',
    push: 'false',
    file: 'app/Dockerfile.slow',
    'no-cache': 'true',
    'build-timeout': '3s',
  });
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(/ did not finish within build-timeout \(3\.0s\) and was stopped/);
  expect(Date.now() - started).toBeLessThan(60_000);
});

test('a registry that keeps failing: retried, then a clear error', async () => {
  proxy.clearFailures();
  proxy.fail({
    times: 10,
    status: 500,
    match: (method, url) => method === 'PUT' && url.includes('/manifests/'),
  });
  const { main } = await buildPush({
    image: `${proxy.address}/team/broken`,
    ...credentials(),
    tags: 'one',
    retries: '1',
  });
  proxy.clearFailures();
  expect(main.exitCode).toBe(1);
  expect(main.errors).toHaveLength(1);
  expect(main.errors[0]).toMatch(/^docker push .*team\/broken:one failed \(exit code 1\): .*500/);
  expect(main.errors[0]).toMatch(
    /gave up after 2 attempts\)\. The push to 127\.0\.0\.1:\d+ failed\. Already pushed: nothing\.$/,
  );
  expect(main.outputs.digest).toBe('');
  expect(main.outputs['image-ref']).toBe('');
});

test('a registry that is down: retried, then a clear error', async () => {
  const port = await freePort();
  const { main } = await buildPush({
    image: `127.0.0.1:${port}/team/nowhere`,
    ...credentials(),
    retries: '1',
  });
  expect(main.exitCode).toBe(1);
  expect(main.warnings).toHaveLength(1);
  expect(main.warnings[0]).toContain('network error (connection refused)');
  expect(main.errors[0]).toMatch(/^docker login to 127\.0\.0\.1:\d+ failed .*connection refused/);
  expect(main.errors[0]).toMatch(/gave up after 2 attempts\)$/);
});

test('push: false builds and loads the image only: no digest, image-id names the local image', async () => {
  const image = `${registry.address}/team/local`;
  const { main, post } = await buildPush({ image, tags: 'dev', push: 'false' });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.digest).toBe('');
  expect(main.outputs['image-ref']).toBe('');
  expect(main.outputs['image-url']).toBe(`${image}:dev`);
  expect(main.outputs['image-id']).toMatch(DIGEST);
  const inspect = await daemon.docker(['image', 'inspect', '--format', '{{.Id}}', `${image}:dev`]);
  expect(inspect.stdout.trim()).toBe(main.outputs['image-id']);
  expect(await registry.tags('team/local')).toEqual([]);
  expect(main.summary).toContain('<td>(not pushed)</td>');
  expect(post?.stdout ?? '').not.toContain('Logged out');
});

test("what the build prints (the Dockerfile's to write) never acts as a workflow command", async () => {
  const image = `${registry.address}/team/noisy`;
  const forged = 'x\\r::add-mask::forged-mask ##[error]forged';
  const { main } = await buildPush({
    image,
    tags: 'dev',
    push: 'false',
    // RUN echo prints it, \\r and all, in the build's output.
    'build-args': `GREETING=${forged}`,
    'no-cache': 'true',
  });
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain('##[error]forged');
  expect(main.commands.filter((c) => /forged/.test(c.message))).toEqual([]);
});

test('the default scheme on a push to the default branch; an upper-case name is lowered', async () => {
  const { main } = await buildPush({ image: `${registry.address}/Team/Upper`, ...credentials() });
  expect(main.exitCode).toBe(0);
  expect(main.notices).toContain(
    `Image '${registry.address}/Team/Upper' lower-cased to ${registry.address}/team/upper: registries refuse upper-case repository names.`,
  );
  expect(await registry.tags('team/upper')).toEqual(['latest', `sha-${SHA.slice(0, 7)}`]);
});

test('a pull request gets pr-N; a template without a value is skipped with a notice', async () => {
  const { main } = await buildPush(
    { image: `${registry.address}/team/pr`, ...credentials(), tags: 'pr-{{pr}}\n{{version}}' },
    {
      event: {
        name: 'pull_request',
        payload: {
          number: 7,
          pull_request: { number: 7, head: { ref: 'fix/x', sha: SHA } },
          repository: { name: 'app', full_name: 'octo-org/app', default_branch: 'main' },
        },
      },
    },
  );
  expect(main.exitCode).toBe(0);
  expect(main.notices).toContain(
    "Tag template '{{version}}' skipped: {{version}} has no value in a pull_request event.",
  );
  expect(await registry.tags('team/pr')).toEqual(['pr-7']);
});

// A docker CLI from 23.0 on without buildx (self-hosted runners, `act`) has no BuildKit; the
// action falls back to the legacy builder rather than failing. Runs where such a CLI is
// installed (/usr/local/bin/docker on the development machines).
const modernClient = '/usr/local/bin/docker';
(existsSync(modernClient) ? test : test.skip)(
  'a docker CLI 23+ without buildx builds with the legacy builder and still pushes',
  async () => {
    const version = await run(modernClient, ['--version']);
    expect(version.stdout).not.toMatch(/version (1\d|2[0-2])\./);
    const { main } = await buildPush(
      { image: `${registry.address}/team/legacy`, ...credentials(), tags: 'one' },
      { env: { PATH: `/usr/local/bin:${process.env.PATH ?? '/bin'}` } },
    );
    expect(main.errors).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(JSON.parse(main.outputs.metadata)).toMatchObject({
      builder: 'docker build (legacy builder)',
    });
    expect(await registry.digest('team/legacy', 'one')).toBe(main.outputs.digest);
  },
);

test('the classic path starts one docker process to learn the CLI: no buildx probe without the plugin', async () => {
  const docker = recordingDocker(fixture.folder, daemon.client);
  const { main, post } = await buildPush(
    { image: `${registry.address}/team/probes`, ...credentials(), tags: 'one' },
    { env: { PATH: `${docker.folder}:/usr/bin:${process.env.PATH ?? '/bin'}` } },
  );
  expect(main.errors).toEqual([]);
  expect(post?.exitCode).toBe(0);
  const commands = docker.calls().map((call) => call.split(' ').slice(0, 2).join(' '));
  // The probe and the login run side by side, then the build.
  expect(commands.slice(0, 2).sort()).toEqual(['--version', 'login --username']);
  expect(commands[2]).toBe('build --tag');
  // The size is asked while the push runs.
  expect(commands.slice(3, 5).sort()).toEqual([
    'image inspect',
    `push ${registry.address}/team/probes:one`,
  ]);
  // The login sits in the private config.json, which post removes: no docker logout.
  expect(commands.slice(5)).toEqual([]);
});

describe('configuration errors stop the step before any side effect', () => {
  test.each([
    [{ image: 'team/app:1.0' }, "Input 'image': 'team/app:1.0' carries a tag :1.0"],
    [{ image: 'Team/App!' }, "Input 'image': 'Team/App!' is not a valid image name"],
    [{ username: 'someone', password: '' }, "Input 'password': is required with 'username'"],
    [{ registry: 'ghcr.io' }, "Input 'registry': 'ghcr.io' is not the registry of image"],
    [{ tags: '{{commit}}' }, "Input 'tags': '{{commit}}' uses an unknown placeholder"],
    [{ tags: 'pr-{{pr}}' }, "Input 'tags': leaves no tag to push in this push event"],
    [{ retries: 'many' }, "Input 'retries': 'many' must be a whole number from 0 to 10"],
    [{ builder: 'kaniko' }, "Input 'builder': 'kaniko' is not a builder"],
    [{ builder: 'buildx' }, "Input 'builder': is buildx, but 'docker buildx' is not available"],
    [
      { platforms: 'linux/amd64,linux/arm64' },
      "Input 'platforms': cannot be honoured by the classic docker build",
    ],
    [
      { 'cache-to': 'type=registry,ref=x/cache' },
      "Input 'cache-to': cannot be honoured by the classic docker build",
    ],
    [{ 'cache-from': 'type=gha' }, "Input 'cache-from': cannot be honoured"],
    [
      { secrets: 'id=npm,env=NPM_TOKEN_UNSET' },
      "Input 'secrets': 'npm' reads the variable NPM_TOKEN_UNSET",
    ],
    [
      { secrets: 'id=npm' },
      "Input 'secrets': 'id=npm' needs an id and exactly one of src= or env=",
    ],
    [{ context: 'missing-folder' }, "Input 'context': 'missing-folder' does not exist"],
    [{ 'build-args': 'no equals sign' }, "Input 'build-args': 'no equals sign' is not KEY=VALUE"],
  ])('%j', async (inputs, message) => {
    const { main, runnerTemp } = await buildPush({
      image: `${registry.address}/team/refused-config`,
      ...credentials(),
      ...inputs,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0].startsWith(message)).toBe(true);
    expect(main.state).toEqual({});
    expect(privateConfigFolders(runnerTemp)).toEqual([]);
    expect(await registry.tags('team/refused-config')).toEqual([]);
  });
});
