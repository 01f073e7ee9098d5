// docker-build-push's buildx path. buildx cannot be installed here, so a stand-in plugin takes
// its place (action-tests/docker-build-push/buildx-stand-in.ts): the docker CLI finds it
// like the real one, and these tests check the exact argv the action hands to
// `docker buildx build`, then that the digest it reports is the registry's.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { installBuildxStandIn, type BuildxStandIn } from './buildx-stand-in';
import { runAction, type ActionRun, type EventSpec } from '../harness/run-action';
import { startDockerd, type DockerDaemon } from '../services/dockerd';
import {
  startFailingProxy,
  startRegistry,
  type FailingProxy,
  type Registry,
} from '../services/registry';

jest.setTimeout(180_000);

const SHA = 'feedface0123456789abcdef0123456789abcdef';
const EVENT: EventSpec = {
  name: 'push',
  payload: {
    ref: 'refs/heads/main',
    after: SHA,
    repository: { name: 'app', full_name: 'octo-org/app', default_branch: 'main' },
  },
};

let daemon: DockerDaemon;
let registry: Registry;
let proxy: FailingProxy;
let folder: string;
let userConfig: string;
let workspace: string;
let buildx: BuildxStandIn;
const runs: ActionRun[] = [];

beforeAll(async () => {
  [daemon, registry] = await Promise.all([
    startDockerd({ name: 'build-push-buildx' }),
    startRegistry({ name: 'build-push-buildx' }),
  ]);
  proxy = await startFailingProxy(registry.address);
  folder = mkdtempSync(path.join(tmpdir(), 'docker-build-push-buildx-'));
  userConfig = path.join(folder, 'user-docker-config');
  mkdirSync(userConfig);
  writeFileSync(path.join(userConfig, 'config.json'), '{}');
  buildx = installBuildxStandIn(userConfig, daemon.client);
  workspace = path.join(folder, 'workspace');
  mkdirSync(path.join(workspace, 'app'), { recursive: true });
  writeFileSync(
    path.join(workspace, 'app', 'Dockerfile'),
    [
      `FROM ${daemon.baseImage} AS runtime`,
      'RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /token-length',
      'CMD ["cat", "/token-length"]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  runs.splice(0).forEach((run) => run.cleanup());
  await proxy?.stop();
  await Promise.all([daemon?.stop(), registry?.stop()]);
  if (folder) rmSync(folder, { recursive: true, force: true });
});

async function buildPush(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const result = await runAction({
    action: 'docker-build-push',
    inputs: {
      context: 'app',
      username: registry.username,
      password: registry.password,
      secrets: 'id=token,env=BUILD_TOKEN',
      ...inputs,
    },
    secrets: [registry.password, 'token-value-123'],
    env: {
      DOCKER_HOST: daemon.host,
      DOCKER_CONFIG: userConfig,
      PATH: `/usr/bin:${process.env.PATH ?? '/bin'}`,
      BUILD_TOKEN: 'token-value-123',
      ...env,
    },
    event: EVENT,
    workspace,
  });
  runs.push(result);
  return result;
}

/** The stand-in's calls during one run. */
function callsDuring(work: () => Promise<ActionRun>): Promise<[ActionRun, string[][]]> {
  const before = buildx.calls().length;
  return work().then((run) => [run, buildx.calls().slice(before)]);
}

test('auto picks buildx when the plugin is there; the digest comes from its metadata file', async () => {
  const image = `${registry.address}/team/bx`;
  const [{ main, post }, calls] = await callsDuring(() => buildPush({ image, tags: 'one\ntwo' }));

  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(calls[0]).toEqual(['version']);
  expect(calls).toHaveLength(2);
  const build = calls[1];
  const iidFile = build[build.indexOf('--iidfile') + 1];
  const metadataFile = build[build.indexOf('--metadata-file') + 1];
  expect(path.dirname(iidFile)).toBe(path.dirname(metadataFile));
  expect(build).toEqual([
    'build',
    '--tag',
    `${image}:one`,
    '--tag',
    `${image}:two`,
    '--label',
    expect.stringMatching(/^org\.opencontainers\.image\.created=\d{4}-\d\d-\d\dT/),
    '--label',
    'org.opencontainers.image.source=https://github.com/octo-org/app',
    '--label',
    `org.opencontainers.image.revision=${SHA}`,
    '--label',
    'org.opencontainers.image.version=one',
    '--provenance',
    'false',
    '--sbom',
    'false',
    '--secret',
    'id=token,env=BUILD_TOKEN',
    '--iidfile',
    iidFile,
    '--metadata-file',
    metadataFile,
    '--push',
    '--',
    'app',
  ]);

  expect(main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(await registry.digest('team/bx', 'one')).toBe(main.outputs.digest);
  expect(await registry.digest('team/bx', 'two')).toBe(main.outputs.digest);
  expect(main.outputs['image-ref']).toBe(`${image}@${main.outputs.digest}`);
  expect(JSON.parse(main.outputs.metadata)).toMatchObject({ builder: 'docker buildx build' });
  expect(main.summary).toContain('<td>docker buildx build</td>');
  // The secret reached the build through the environment, not the argv or the image history.
  const ran = await daemon.docker(['run', '--rm', `${image}:one`]);
  expect(ran.stdout.trim()).toBe(String('token-value-123'.length));
  expect(post?.exitCode).toBe(0);
});

test('every build option reaches buildx as its own argument', async () => {
  const image = `${registry.address}/team/bx-options`;
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({
      image,
      tags: 'v1',
      file: 'app/Dockerfile',
      'build-args': 'A=1\nB=two words',
      target: 'runtime',
      platforms: 'linux/amd64',
      'cache-from': `type=registry,ref=${image}:cache`,
      'cache-to': `type=registry,ref=${image}:cache,mode=max`,
      pull: 'false',
      'no-cache': 'true',
      labels: 'org.opencontainers.image.version=custom',
    }),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  const build = calls[1];
  const after = (flag: string) =>
    build.flatMap((arg, index) => (arg === flag ? [build[index + 1]] : []));
  expect(after('--file')).toEqual(['app/Dockerfile']);
  expect(after('--build-arg')).toEqual(['A=1', 'B=two words']);
  expect(after('--target')).toEqual(['runtime']);
  expect(after('--platform')).toEqual(['linux/amd64']);
  expect(after('--cache-from')).toEqual([`type=registry,ref=${image}:cache`]);
  expect(after('--cache-to')).toEqual([`type=registry,ref=${image}:cache,mode=max`]);
  expect(after('--label')).toContain('org.opencontainers.image.version=custom');
  expect(after('--label')).not.toContain('org.opencontainers.image.version=v1');
  expect(build).toContain('--no-cache');
  expect(build).not.toContain('--pull');
  expect(build.slice(-3)).toEqual(['--push', '--', 'app']);
});

test('push: false loads the image instead: no --push, no digest', async () => {
  const image = `${registry.address}/team/bx-local`;
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({ image, tags: 'dev', push: 'false' }),
  );
  expect(main.exitCode).toBe(0);
  expect(calls[1]).toContain('--load');
  expect(calls[1]).not.toContain('--push');
  expect(main.outputs.digest).toBe('');
  expect(main.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(await registry.tags('team/bx-local')).toEqual([]);
});

test('a 5xx while buildx pushes: the build and push run again', async () => {
  proxy.clearFailures();
  proxy.fail({
    times: 1,
    status: 503,
    match: (method, url) => method === 'PUT' && url.includes('/manifests/'),
  });
  const image = `${proxy.address}/team/bx-flaky`;
  const [{ main }, calls] = await callsDuring(() => buildPush({ image, tags: 'one' }));
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(calls.map((call) => call[0])).toEqual(['version', 'build', 'build']);
  expect(main.warnings).toHaveLength(1);
  expect(main.warnings[0]).toMatch(
    /^Build and push: attempt 1 of 4 failed \(the registry answered 503\); retrying in/,
  );
  expect(await registry.digest('team/bx-flaky', 'one')).toBe(main.outputs.digest);
});

test('pushed but no digest in the metadata file: the step fails rather than hand on no image-ref', async () => {
  const { main } = await buildPush(
    { image: `${registry.address}/team/bx-nodigest`, tags: 'one' },
    { BUILDX_STAND_IN_NO_DIGEST: '1' },
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    `${registry.address}/team/bx-nodigest was pushed, but no digest could be established from buildx's metadata file; image-ref would not name the pushed image.`,
  ]);
  expect(main.outputs['image-ref']).toBe('');
  expect(main.outputs.digest).toBe('');
});

test('builder: docker ignores the plugin and never asks it anything', async () => {
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({ image: `${registry.address}/team/bx-classic`, tags: 'one', builder: 'docker' }),
  );
  expect(main.exitCode).toBe(0);
  expect(calls).toEqual([]);
  expect(JSON.parse(main.outputs.metadata)).toMatchObject({ builder: 'docker build (BuildKit)' });
});

test('several platforms without push are refused before the login', async () => {
  const [{ main, runnerTemp }, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/bx-multi`,
      platforms: 'linux/amd64,linux/arm64',
      push: 'false',
    }),
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(/^Input 'platforms': lists several platforms with push: false/);
  expect(calls).toEqual([['version']]);
  expect(main.state).toEqual({});
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('provenance, sbom, annotations and several images reach buildx in one --push', async () => {
  const first = `${registry.address}/team/bx-attest`;
  const second = `${registry.address}/team/bx-attest-copy`;
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({
      image: `${first}\n${second}`,
      tags: 'one',
      provenance: 'mode=max',
      sbom: 'true',
      annotations: 'index:org.opencontainers.image.description=An app',
    }),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(calls.filter((call) => call[0] === 'build')).toHaveLength(1);
  const build = calls[1];
  const after = (flag: string) =>
    build.flatMap((arg, index) => (arg === flag ? [build[index + 1]] : []));
  expect(after('--tag')).toEqual([`${first}:one`, `${second}:one`]);
  expect(after('--provenance')).toEqual(['mode=max']);
  expect(after('--sbom')).toEqual(['true']);
  expect(after('--annotation')).toEqual(['index:org.opencontainers.image.description=An app']);
  expect(build).toContain('--push');
  const digests = JSON.parse(main.outputs.digests) as Record<string, string>;
  expect(await registry.digest('team/bx-attest', 'one')).toBe(digests[first]);
  expect(await registry.digest('team/bx-attest-copy', 'one')).toBe(digests[second]);
});
