// docker-build-push's buildx path. buildx cannot be installed here, so a stand-in plugin takes
// its place (action-tests/docker-build-push/buildx-stand-in.ts): the docker CLI finds it
// like the real one, and these tests check the exact argv the action hands to
// `docker buildx build`, then that the digest it reports is the registry's.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { installBuildxStandIn, type BuildxStandIn } from './buildx-stand-in';
import {
  pushToMain,
  recordingDocker,
  startBuildPushFixture,
  type BuildPushFixture,
} from './fixture';
import { runAction, type ActionRun } from '../harness/run-action';
import type { DockerDaemon } from '../services/dockerd';
import type { FailingProxy, Registry } from '../services/registry';

jest.setTimeout(180_000);

const SHA = 'feedface0123456789abcdef0123456789abcdef';
const EVENT = pushToMain(SHA);

let fixture: BuildPushFixture;
let daemon: DockerDaemon;
let registry: Registry;
let proxy: FailingProxy;
let buildx: BuildxStandIn;

beforeAll(async () => {
  fixture = await startBuildPushFixture({
    name: 'build-push-buildx',
    dockerfile: (base) =>
      [
        `FROM ${base} AS runtime`,
        'RUN --mount=type=secret,id=token cat /run/secrets/token | wc -c > /token-length',
        'CMD ["cat", "/token-length"]',
        '',
      ].join('\n'),
  });
  ({ daemon, proxy } = fixture);
  [registry] = fixture.registries;
  buildx = installBuildxStandIn(fixture.userConfig, daemon.client);
});

afterAll(() => fixture?.stop());

async function buildPush(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  beforePost?: Parameters<typeof runAction>[0]['beforePost'],
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
    env: fixture.stepEnv({ BUILD_TOKEN: 'token-value-123', ...env }),
    event: EVENT,
    workspace: fixture.workspace,
    beforePost,
  });
  fixture.runs.push(result);
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
  // cache-to type=registry is more than the docker driver does: a temporary builder.
  expect(calls.map((call) => call[0])).toEqual(['version', 'inspect', 'create', 'build', 'rm']);
  const build = calls[3];
  const after = (flag: string) =>
    build.flatMap((arg, index) => (arg === flag ? [build[index + 1]] : []));
  expect(after('--file')).toEqual(['app/Dockerfile']);
  expect(after('--build-arg')).toEqual(['A=1', 'B=two words']);
  expect(after('--target')).toEqual(['runtime']);
  expect(after('--platform')).toEqual(['linux/amd64']);
  expect(after('--cache-from')).toEqual([`type=registry,ref=${image}:cache`]);
  expect(after('--cache-to')).toEqual([`type=registry,ref=${image}:cache,mode=max`]);
  expect(after('--builder')).toEqual([calls[2][calls[2].indexOf('--name') + 1]]);
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
  const build = calls.find((call) => call[0] === 'build')!;
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

/** The name `buildx create` was given. */
const createdName = (create: string[]) => create[create.indexOf('--name') + 1];

test('auto with what the docker driver cannot do: a temporary docker-container builder, removed by post', async () => {
  const image = `${registry.address}/team/bx-temporary`;
  let during: { privateInstances: string[]; userHasBuildx: boolean } | undefined;
  const [{ main, post, runnerTemp }, calls] = await callsDuring(() =>
    buildPush(
      {
        image,
        tags: 'one',
        'cache-to': 'type=local,dest=/tmp/unused-cache',
        'buildkit-image': 'mirror.example/moby/buildkit:buildx-stable-1',
      },
      {},
      (step) => {
        const instances = path.join(step.state['config-dir'], 'buildx', 'instances');
        during = {
          privateInstances: existsSync(instances) ? readdirSync(instances) : [],
          userHasBuildx: existsSync(path.join(fixture.userConfig, 'buildx')),
        };
      },
    ),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(calls.map((call) => call[0])).toEqual(['version', 'inspect', 'create', 'build', 'rm']);
  const name = createdName(calls[2]);
  expect(name).toMatch(/^docker-build-push-[0-9a-f]{12}$/);
  expect(calls[2]).toEqual([
    'create',
    '--name',
    name,
    '--driver',
    'docker-container',
    '--driver-opt',
    'network=host',
    '--driver-opt',
    'image=mirror.example/moby/buildkit:buildx-stable-1',
  ]);
  expect(calls[3].slice(0, 3)).toEqual(['build', '--builder', name]);
  expect(calls[4]).toEqual(['rm', name]);
  // Recorded in the step's own config while it ran, never in the user's.
  expect(during).toEqual({ privateInstances: [name], userHasBuildx: false });
  expect(main.state.builder).toBe(name);
  expect(main.stdout).toContain(
    `cache-to type=local needs a buildx builder other than the docker driver: building on a temporary docker-container builder, ${name}`,
  );
  expect(JSON.parse(main.outputs.metadata)).toMatchObject({
    builder: 'docker buildx build (temporary docker-container builder)',
  });
  expect(await registry.digest('team/bx-temporary', 'one')).toBe(main.outputs.digest);
  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  expect(post?.stdout).toContain(`Removed the temporary builder ${name}.`);
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('a builder the workflow set up (docker-container) is used as it is: nothing created', async () => {
  const [{ main, post }, calls] = await callsDuring(() =>
    buildPush(
      { image: `${registry.address}/team/bx-setup`, tags: 'one', provenance: 'true' },
      { BUILDX_STAND_IN_DRIVER: 'docker-container' },
    ),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(calls.map((call) => call[0])).toEqual(['version', 'inspect', 'build']);
  expect(calls[2]).not.toContain('--builder');
  expect(main.state.builder ?? '').toBe('');
  expect(post?.exitCode).toBe(0);
});

test('builder: buildx uses the current builder as it is, whatever the options', async () => {
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/bx-explicit`,
      tags: 'one',
      builder: 'buildx',
      sbom: 'true',
    }),
  );
  expect(main.errors).toEqual([]);
  expect(calls.map((call) => call[0])).toEqual(['version', 'build']);
  expect(calls[1]).not.toContain('--builder');
});

test('a builder that cannot be created fails the step before the build; post warns only', async () => {
  const [{ main, post, runnerTemp }, calls] = await callsDuring(() =>
    buildPush(
      { image: `${registry.address}/team/bx-nocreate`, tags: 'one', provenance: 'true' },
      { BUILDX_STAND_IN_CREATE_FAILS: '1' },
    ),
  );
  expect(main.exitCode).toBe(1);
  const name = createdName(calls[2]);
  expect(main.errors).toEqual([
    `Creating the temporary docker-container builder ${name} failed: ERROR: failed to create builder: stand-in refuses. Set up a builder first (docker/setup-buildx-action), or name a BuildKit image this runner can pull in buildkit-image.`,
  ]);
  expect(calls.map((call) => call[0])).toEqual(['version', 'inspect', 'create', 'rm']);
  expect(await registry.tags('team/bx-nocreate')).toEqual([]);
  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toHaveLength(1);
  expect(post?.warnings[0]).toMatch(new RegExp(`^Removing the temporary builder ${name} failed`));
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('a buildkit-image that is not an image reference is refused before anything runs', async () => {
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/bx-badimage`,
      'buildkit-image': 'moby/buildkit,network=none',
    }),
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(
    /^Input 'buildkit-image': 'moby\/buildkit,network=none' is not an image reference/,
  );
  expect(calls).toEqual([]);
});

test('a buildx that answers is the only probe: no docker --version', async () => {
  const docker = recordingDocker(fixture.folder, daemon.client);
  const [{ main }, calls] = await callsDuring(() =>
    buildPush(
      { image: `${registry.address}/team/bx-probes`, tags: 'one' },
      { PATH: `${docker.folder}:/usr/bin:${process.env.PATH ?? '/bin'}` },
    ),
  );
  expect(main.errors).toEqual([]);
  expect(calls.map((call) => call[0])).toEqual(['version', 'build']);
  const commands = docker.calls().map((call) => call.split(' ').slice(0, 2).join(' '));
  // The probe and the login run side by side, then the build.
  expect(commands.slice(0, 2).sort()).toEqual(['buildx version', 'login --username']);
  expect(commands.slice(2)).toEqual(['buildx build']);
});
