// docker-build-push's buildx-version: the step fetches the buildx plugin from a release server
// laid out as GitHub's (a stand-in on loopback, action-tests/stand-ins/buildx-releases.ts),
// verifies it against the release's checksums.txt, keeps it in the tool cache and runs the
// build with it from the step's own docker config. The served "buildx" is the recording
// stand-in (buildx-stand-in.ts), so every run of it leaves a record.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildxStandInProgram, recordedCalls } from './buildx-stand-in';
import { startBuildxReleases, type BuildxReleases } from '../stand-ins/buildx-releases';
import { pushToMain, startBuildPushFixture, type BuildPushFixture } from './fixture';
import { runAction, type ActionRun } from '../harness/run-action';
import type { Registry } from '../services/registry';

jest.setTimeout(180_000);

const EVENT = pushToMain('b0bca7000123456789abcdef0123456789abcdef');
/** buildx's name for this machine's architecture. */
const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';

let fixture: BuildPushFixture;
let registry: Registry;
let releases: BuildxReleases;
let plugin: Buffer;
/** Where the served plugin records each run. */
let log: string;
/** RUNNER_TOOL_CACHE, shared by the runs of this file as by the jobs of one runner. */
let toolCache: string;

beforeAll(async () => {
  fixture = await startBuildPushFixture({
    name: 'bp-buildx-version',
    dockerfile: (base) => `FROM ${base}\nRUN echo fetched > /how.txt\nCMD ["cat", "/how.txt"]\n`,
  });
  [registry] = fixture.registries;
  log = path.join(fixture.folder, 'served-buildx.log');
  writeFileSync(log, '');
  toolCache = path.join(fixture.folder, 'tool-cache');
  plugin = Buffer.from(buildxStandInProgram(log, fixture.daemon.client));
  releases = await startBuildxReleases({
    plugin,
    latest: 'v0.19.3',
    releases: [
      { version: 'v0.19.3', arches: ['amd64', 'arm64'] },
      { version: 'v0.18.0', arches: ['amd64', 'arm64'], wrongChecksum: true },
      { version: 'v0.17.1', arches: ['s390x'] },
    ],
  });
});

afterAll(async () => {
  await releases?.close();
  await fixture?.stop();
});

async function buildPush(
  inputs: Record<string, string>,
  beforePost?: Parameters<typeof runAction>[0]['beforePost'],
): Promise<ActionRun> {
  const result = await runAction({
    action: 'docker-build-push',
    inputs: {
      context: 'app',
      username: registry.username,
      password: registry.password,
      'buildx-url': releases.origin,
      ...inputs,
    },
    secrets: [registry.password],
    env: fixture.stepEnv(),
    context: { RUNNER_TOOL_CACHE: toolCache, GITHUB_API_URL: releases.origin },
    event: EVENT,
    workspace: fixture.workspace,
    beforePost,
  });
  fixture.runs.push(result);
  return result;
}

/** The served plugin's calls during one run. */
async function callsDuring(work: () => Promise<ActionRun>): Promise<[ActionRun, string[][]]> {
  const before = recordedCalls(log).length;
  const run = await work();
  return [run, recordedCalls(log).slice(before)];
}

const cachedPlugin = (version: string) =>
  path.join(toolCache, 'docker-buildx', version, ARCH, 'docker-buildx');

test('downloaded once, verified, cached, and the build runs on it from the private config only', async () => {
  const image = `${registry.address}/team/fetched`;
  let installed: { mode: string; same: boolean } | undefined;
  const [{ main, post, runnerTemp }, calls] = await callsDuring(() =>
    buildPush({ image, tags: 'one', 'buildx-version': 'v0.19.3' }, (step) => {
      const file = path.join(step.state['config-dir'], 'cli-plugins', 'docker-buildx');
      installed = {
        mode: (statSync(file).mode & 0o777).toString(8),
        same: readFileSync(file).equals(plugin),
      };
    }),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(releases.downloads('v0.19.3')).toBe(1);
  expect(main.stdout).toContain(
    `buildx v0.19.3 (linux-${ARCH}) downloaded, SHA-256 verified, cached.`,
  );
  expect(installed).toEqual({ mode: '755', same: true });
  expect(readFileSync(cachedPlugin('0.19.3')).equals(plugin)).toBe(true);
  // Known to be there, so never probed: the only call is the build.
  expect(calls.map((call) => call[0])).toEqual(['build']);
  expect(calls[0]).toContain('--push');
  expect(JSON.parse(main.outputs.metadata)).toMatchObject({ builder: 'docker buildx build' });
  expect(await registry.digest('team/fetched', 'one')).toBe(main.outputs.digest);
  // The user's docker config never got a plugin.
  expect(existsSync(path.join(fixture.userConfig, 'cli-plugins'))).toBe(false);
  expect(post?.exitCode).toBe(0);
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('the next run takes it from the tool cache: no download; latest resolves through the API', async () => {
  const [first, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/cached`,
      tags: 'one',
      'buildx-version': '0.19.3',
    }),
  );
  expect(first.main.errors).toEqual([]);
  expect(first.main.stdout).toContain(`buildx v0.19.3 (linux-${ARCH}) from the tool cache.`);
  expect(calls.map((call) => call[0])).toEqual(['build']);

  const apiCalls = () =>
    releases.requests.filter((request) => request.path === '/repos/docker/buildx/releases/latest')
      .length;
  const before = apiCalls();
  const [latest, latestCalls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/latest`,
      tags: 'one',
      'buildx-version': 'latest',
    }),
  );
  expect(latest.main.errors).toEqual([]);
  expect(apiCalls() - before).toBe(1);
  expect(latestCalls.map((call) => call[0])).toEqual(['build']);
  expect(releases.downloads('v0.19.3')).toBe(1);
  expect(await registry.digest('team/latest', 'one')).toBe(latest.main.outputs.digest);
});

test('a download whose checksum does not match is refused: never run, cached or installed', async () => {
  const [{ main, post, runnerTemp }, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/tampered`,
      tags: 'one',
      'buildx-version': 'v0.18.0',
    }),
  );
  expect(main.exitCode).toBe(1);
  const asset = `buildx-v0.18.0.linux-${ARCH}`;
  expect(main.errors).toEqual([
    expect.stringMatching(
      new RegExp(
        `^buildx-version: the download of ${asset} from ${releases.origin}/docker/buildx/releases/download/v0\\.18\\.0/${asset} has SHA-256 [0-9a-f]{64}, but the release's checksums\\.txt says [0-9a-f]{64}\\. It was not installed or run\\.`,
      ),
    ),
  ]);
  expect(releases.downloads('v0.18.0')).toBe(1);
  expect(calls).toEqual([]);
  expect(existsSync(path.join(toolCache, 'docker-buildx', '0.18.0'))).toBe(false);
  // Before the login: no private config, nothing pushed, nothing left in RUNNER_TEMP.
  expect(main.state).toEqual({});
  expect(await registry.tags('team/tampered')).toEqual([]);
  expect(post?.exitCode ?? 0).toBe(0);
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test.each([
  [
    'v0.17.1',
    `Input 'buildx-version': v0.17.1's checksums.txt lists no buildx-v0.17.1.linux-${ARCH}: the release has no build for this runner.`,
  ],
  ['v0.99.0', `Input 'buildx-version': v0.99.0 has no checksums.txt at `],
  ['nightly', `Input 'buildx-version': 'nightly' is not a buildx release.`],
])('buildx-version %s: a clear error naming the input, nothing run', async (version, message) => {
  const [{ main, runnerTemp }, calls] = await callsDuring(() =>
    buildPush({ image: `${registry.address}/team/missing`, 'buildx-version': version }),
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors).toHaveLength(1);
  expect(main.errors[0].startsWith(message)).toBe(true);
  expect(calls).toEqual([]);
  expect(existsSync(path.join(toolCache, 'docker-buildx', version.replace(/^v/, '')))).toBe(false);
  expect(readdirSync(runnerTemp)).toEqual([]);
});

test('with the buildx it brings, a build the docker driver cannot do gets the temporary builder at once', async () => {
  const [{ main, post }, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/fetched-attest`,
      tags: 'one',
      'buildx-version': 'v0.19.3',
      provenance: 'true',
    }),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  // Nothing to inspect: a buildx of the step's own has only the docker driver's builder.
  expect(calls.map((call) => call[0])).toEqual(['create', 'build', 'rm']);
  const name = calls[0][calls[0].indexOf('--name') + 1];
  expect(calls[1].slice(0, 3)).toEqual(['build', '--builder', name]);
  expect(calls[2]).toEqual(['rm', name]);
  expect(post?.warnings).toEqual([]);
  expect(releases.downloads('v0.19.3')).toBe(1);
});

test('builder: docker has no use for buildx-version: nothing fetched, nothing run', async () => {
  const requests = releases.requests.length;
  const [{ main }, calls] = await callsDuring(() =>
    buildPush({
      image: `${registry.address}/team/classic`,
      tags: 'one',
      builder: 'docker',
      'buildx-version': 'v0.18.0',
    }),
  );
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(releases.requests.length).toBe(requests);
  expect(calls).toEqual([]);
  expect(JSON.parse(main.outputs.metadata)).toMatchObject({ builder: 'docker build (BuildKit)' });
});
