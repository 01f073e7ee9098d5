// docker-build-push pushing one build to several registries: a dockerd and three registries
// with different credentials that this file starts (one behind a failing proxy), logins
// through registry-auth, and the digests each registry answered.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runAction, type ActionRun } from '../harness/run-action';
import { clientEnvironment, run, type DockerDaemon } from '../services/dockerd';
import type { FailingProxy, Registry } from '../services/registry';
import { DIGEST, pushToMain, startBuildPushFixture, type BuildPushFixture } from './fixture';

jest.setTimeout(240_000);

const SHA = 'abad1dea0123456789abcdef0123456789abcdef';
const EVENT = pushToMain(SHA);

let fixture: BuildPushFixture;
let daemon: DockerDaemon;
/** Two registries with logins of their own, and a third the step never logs in to. */
let alpha: Registry;
let beta: Registry;
let gamma: Registry;
/** In front of beta: fails chosen requests with a 5xx. */
let betaProxy: FailingProxy;
let folder: string;

beforeAll(async () => {
  fixture = await startBuildPushFixture({
    name: 'bp-several',
    registries: [
      { name: 'alpha', username: 'alpha-user' },
      { name: 'beta', username: 'beta-user' },
      { name: 'gamma', username: 'gamma-user' },
    ],
    proxied: 1,
    dockerfile: (base) =>
      `FROM ${base}\nRUN echo several > /where.txt\nCMD ["cat", "/where.txt"]\n`,
  });
  ({ daemon, proxy: betaProxy, folder } = fixture);
  [alpha, beta, gamma] = fixture.registries;
});

afterAll(() => fixture?.stop());

function registryAuth(entries: { registry: string; username: string; password: string }[]) {
  return entries
    .map((entry) =>
      [
        `- registry: ${entry.registry}`,
        `  username: ${entry.username}`,
        `  password: '${entry.password}'`,
      ].join('\n'),
    )
    .join('\n');
}

const login = (registry: Registry, address = registry.address) => ({
  registry: address,
  username: registry.username,
  password: registry.password,
});

async function buildPush(
  inputs: Record<string, string>,
  extraSecrets: string[] = [],
  beforePost?: Parameters<typeof runAction>[0]['beforePost'],
): Promise<ActionRun> {
  const result = await runAction({
    action: 'docker-build-push',
    inputs: { context: 'app', ...inputs },
    secrets: [alpha.password, beta.password, gamma.password, ...extraSecrets],
    env: fixture.stepEnv(),
    event: EVENT,
    workspace: fixture.workspace,
    beforePost,
  });
  fixture.runs.push(result);
  return result;
}

/** A docker CLI of the test's own with a config logged in to the given registries. */
async function checker(registries: Registry[]) {
  const dir = mkdtempSync(path.join(folder, 'checker-'));
  const env = clientEnvironment(daemon.host, dir);
  for (const registry of registries) {
    const result = await run(
      daemon.client,
      ['login', '--username', registry.username, '--password-stdin', registry.address],
      { env, input: registry.password },
    );
    expect(result.code).toBe(0);
  }
  return (args: string[]) => run(daemon.client, args, { env });
}

test('one build to two registries: each registry holds every tag at the digest reported for it', async () => {
  const first = `${alpha.address}/team/Multi`;
  const second = `${beta.address}/org/multi`;
  let configDir = '';
  const { main, post, runnerTemp } = await buildPush(
    {
      image: `${first}\n${second}`,
      'registry-auth': registryAuth([login(alpha), login(beta)]),
      tags: 'one\ntwo',
    },
    [],
    (step) => {
      configDir = step.state['config-dir'];
    },
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);

  const digests = JSON.parse(main.outputs.digests) as Record<string, string>;
  expect(Object.keys(digests)).toEqual([first.toLowerCase(), second]);
  for (const [registry, repository, key] of [
    [alpha, 'team/multi', first.toLowerCase()],
    [beta, 'org/multi', second],
  ] as const) {
    expect(digests[key]).toMatch(DIGEST);
    expect(await registry.digest(repository, 'one')).toBe(digests[key]);
    expect(await registry.digest(repository, 'two')).toBe(digests[key]);
  }
  // The classic builder pushes the same image: both registries store the same manifest.
  expect(digests[second]).toBe(digests[first.toLowerCase()]);
  expect(main.outputs.digest).toBe(digests[first.toLowerCase()]);
  expect(main.outputs['image-ref']).toBe(`${first.toLowerCase()}@${main.outputs.digest}`);
  const refs = main.outputs['image-refs'].split('\n');
  expect(refs).toEqual([
    `${first.toLowerCase()}@${digests[first.toLowerCase()]}`,
    `${second}@${digests[second]}`,
  ]);
  expect(main.outputs.tags.split('\n')).toEqual([
    `${first.toLowerCase()}:one`,
    `${first.toLowerCase()}:two`,
    `${second}:one`,
    `${second}:two`,
  ]);
  // Both logins went to the step's private config, and only there.
  expect(main.stdout).toContain(
    `Logged in to ${alpha.address} as alpha-user, ${beta.address} as beta-user`,
  );
  expect(main.state['login-registries'].split('\n')).toEqual([alpha.address, beta.address]);
  // The two pushes ran at once: no log groups, each line of docker's prefixed with its repository.
  expect(main.stdout).not.toContain('::group::Pushing');
  for (const [repository, digest] of [
    [first.toLowerCase(), digests[first.toLowerCase()]],
    [second, digests[second]],
  ]) {
    expect(main.stdout).toContain(`${repository} | one: digest: ${digest}`);
    expect(main.stdout).toContain(`${repository} | two: digest: ${digest}`);
  }
  expect(main.summary).toContain(`<td>${second}:one<br>${second}:two</td>`);

  // image-refs pull from each registry, with every local copy gone first.
  const docker = await checker([alpha, beta]);
  expect((await docker(['image', 'rm', '--force', ...main.outputs.tags.split('\n')])).code).toBe(0);
  for (const ref of refs) {
    const pulled = await docker(['pull', ref]);
    expect(pulled.code).toBe(0);
    expect((await docker(['run', '--rm', ref])).stdout).toBe('several\n');
  }

  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  expect(post?.stdout).toContain(`Logged out of ${alpha.address}, ${beta.address}`);
  expect(configDir.startsWith(runnerTemp)).toBe(true);
  expect(existsSync(configDir)).toBe(false);
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('a wrong password for the second registry fails naming it, before anything is pushed', async () => {
  const wrong = 'beta-wrong-password-9931';
  const { main, post } = await buildPush(
    {
      image: `${alpha.address}/team/refused\n${beta.address}/org/refused`,
      'registry-auth': registryAuth([login(alpha), { ...login(beta), password: wrong }]),
      tags: 'one',
    },
    [wrong],
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors).toHaveLength(1);
  expect(main.errors[0]).toMatch(
    new RegExp(
      `^${beta.address.replace(/\./g, '\\.')} refused the login of 'beta-user': .*(unauthorized|401).*Check its entry in 'registry-auth'.*Nothing was pushed\\.$`,
    ),
  );
  expect(main.warnings.filter((warning) => warning.includes('retrying'))).toEqual([]);
  // Every password was masked before anything else happened.
  for (const secret of [alpha.password, wrong]) {
    expect(main.stdout).toContain(`::add-mask::${secret}`);
  }
  // No build ran, nothing reached either registry.
  expect(main.stdout).not.toContain('Building ');
  expect(await alpha.tags('team/refused')).toEqual([]);
  expect(await beta.tags('org/refused')).toEqual([]);
  expect(main.outputs.digests).toBe('');
  expect(post?.exitCode).toBe(0);
  expect(existsSync(main.state['config-dir'])).toBe(false);
});

test('the second registry answers 5xx at first: retried, then both hold the image', async () => {
  betaProxy.clearFailures();
  betaProxy.requests.splice(0);
  betaProxy.fail({
    times: 2,
    status: 503,
    match: (method, url) => method === 'PUT' && url.includes('/manifests/'),
  });
  const second = `${betaProxy.address}/org/flaky`;
  const { main } = await buildPush({
    image: `${alpha.address}/team/flaky\n${second}`,
    'registry-auth': registryAuth([login(alpha), login(beta, betaProxy.address)]),
    tags: 'one',
  });
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(betaProxy.requests.filter((request) => request.injected)).toHaveLength(2);
  const retries = main.warnings.filter((warning) => warning.includes('retrying in'));
  expect(retries).toHaveLength(2);
  expect(retries[0]).toMatch(
    /^Push of 127\.0\.0\.1:\d+\/org\/flaky:one: attempt 1 of 4 failed \(the registry answered 503\)/,
  );
  const digests = JSON.parse(main.outputs.digests) as Record<string, string>;
  expect(await alpha.digest('team/flaky', 'one')).toBe(digests[`${alpha.address}/team/flaky`]);
  expect(await beta.digest('org/flaky', 'one')).toBe(digests[second]);
});

test('a registry that keeps failing: the step names it, what it answered and what was pushed where', async () => {
  betaProxy.clearFailures();
  betaProxy.fail({
    times: 10,
    status: 500,
    match: (method, url) => method === 'PUT' && url.includes('/manifests/'),
  });
  try {
    const { main } = await buildPush({
      image: `${alpha.address}/team/partial\n${betaProxy.address}/org/partial`,
      'registry-auth': registryAuth([login(alpha), login(beta, betaProxy.address)]),
      tags: 'one',
      retries: '1',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0]).toMatch(
      new RegExp(
        `^docker push 127\\.0\\.0\\.1:\\d+/org/partial:one failed \\(exit code 1\\): .*500.*gave up after 2 attempts\\)\\. The push to ${betaProxy.address.replace(/\./g, '\\.')} failed\\. Already pushed: ${alpha.address.replace(/\./g, '\\.')}/team/partial:one\\.$`,
      ),
    );
    expect(await alpha.tags('team/partial')).toEqual(['one']);
    expect(await beta.tags('org/partial')).toEqual([]);
    expect(main.outputs.digest).toBe('');
  } finally {
    betaProxy.clearFailures();
  }
});

test('an image without a login: a notice, then the registry refusal named, never retried', async () => {
  const { main } = await buildPush({
    image: `${alpha.address}/team/anon\n${gamma.address}/team/anon`,
    // The short form logs in to the first image's registry.
    username: alpha.username,
    password: alpha.password,
    tags: 'one',
  });
  expect(main.exitCode).toBe(1);
  expect(main.notices).toContain(
    `No login for ${gamma.address}, and the docker config has no credentials for it: the push goes there anonymously. Add it to registry-auth if the registry wants a login.`,
  );
  expect(main.errors).toHaveLength(1);
  expect(main.errors[0]).toMatch(
    new RegExp(
      `^${gamma.address.replace(/\./g, '\\.')} refused the push of ${gamma.address.replace(/\./g, '\\.')}/team/anon:one: .*(no basic auth credentials|unauthorized).* Already pushed: ${alpha.address.replace(/\./g, '\\.')}/team/anon:one\\.$`,
    ),
  );
  expect(main.warnings.filter((warning) => warning.includes('retrying'))).toEqual([]);
  expect(await alpha.tags('team/anon')).toEqual(['one']);
});

test('username/password and registry-auth together: one login each, both used', async () => {
  const { main } = await buildPush({
    image: `${alpha.address}/team/mixed\n${beta.address}/org/mixed`,
    'registry-auth': registryAuth([login(beta)]),
    registry: alpha.address,
    username: alpha.username,
    password: alpha.password,
    tags: 'one',
  });
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.state['login-registries'].split('\n')).toEqual([beta.address, alpha.address]);
  expect(await alpha.tags('team/mixed')).toEqual(['one']);
  expect(await beta.tags('org/mixed')).toEqual(['one']);
});

describe('refused before any side effect', () => {
  test.each([
    [
      { 'registry-auth': '- registry: x\n  username: a\n  password: leaked-value-77\n  other: 1' },
      "Input 'registry-auth': line 4 is not one of registry:, username:, password:",
    ],
    [{ image: 'a/b\nA/B' }, "Input 'image': names docker.io/a/b twice"],
    [
      { 'registry-auth': '- registry: ALPHA\n  username: a\n  password: b', username: 'u' },
      "Input 'password': is required with 'username'",
    ],
    [{ provenance: 'true' }, "Input 'provenance': cannot be honoured by the classic docker build"],
    [{ sbom: 'mode=max' }, "Input 'sbom': cannot be honoured by the classic docker build"],
    [
      { annotations: 'org.opencontainers.image.title=App' },
      "Input 'annotations': cannot be honoured by the classic docker build",
    ],
    [{ provenance: 'maybe' }, "Input 'provenance': 'maybe' is not an attestation choice"],
  ])('%j', async (inputs, message) => {
    const { main, runnerTemp } = await buildPush(
      {
        image: `${alpha.address}/team/refused-config\n${beta.address}/org/refused-config`,
        'registry-auth': registryAuth([login(alpha), login(beta)]),
        tags: 'one',
        ...inputs,
      },
      ['leaked-value-77'],
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0].startsWith(message)).toBe(true);
    expect(main.state).toEqual({});
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(await alpha.tags('team/refused-config')).toEqual([]);
  });
});
