import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testContext } from '../../shared/context-testing';
import type { HttpRequest } from '../../shared/http';
import {
  buildxArch,
  buildxTarget,
  checksumFor,
  releaseFiles,
  resolveBuildxVersion,
  sha256Of,
} from './buildx-install';

test.each([
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
  ['arm', 'arm-v7'],
  ['ppc64', 'ppc64le'],
  ['s390x', 's390x'],
  ['riscv64', 'riscv64'],
  ['ia32', undefined],
  ['mips', undefined],
])("Node's %s is buildx's %s", (arch, expected) => {
  expect(buildxArch(arch)).toBe(expected);
});

test('an architecture or system without a linux build is a configuration error', () => {
  expect(buildxTarget('linux', 'x64')).toBe('amd64');
  expect(() => buildxTarget('linux', 'ia32')).toThrow(
    /^Input 'buildx-version': buildx publishes no linux build this action can install for a linux\/ia32 runner/,
  );
  expect(() => buildxTarget('darwin', 'arm64')).toThrow(/darwin\/arm64 runner/);
});

test('release files are laid out as GitHub releases', () => {
  expect(releaseFiles('https://ghes.example.com/mirror', 'v0.19.3', 'arm64')).toEqual({
    asset: 'buildx-v0.19.3.linux-arm64',
    assetUrl:
      'https://ghes.example.com/mirror/docker/buildx/releases/download/v0.19.3/buildx-v0.19.3.linux-arm64',
    checksumsUrl:
      'https://ghes.example.com/mirror/docker/buildx/releases/download/v0.19.3/checksums.txt',
  });
});

test('checksums.txt: the line of the asset, binary (*) or text mode, nothing else', () => {
  const a = 'a'.repeat(64);
  const b = 'B'.repeat(64);
  const text = [
    `${a} *buildx-v0.19.3.linux-amd64`,
    `${b}  buildx-v0.19.3.linux-arm64`,
    `${'c'.repeat(64)} *buildx-v0.19.3.linux-amd64.sbom.json`,
    'not a line',
    '',
  ].join('\r\n');
  expect(checksumFor(text, 'buildx-v0.19.3.linux-amd64')).toBe(a);
  expect(checksumFor(text, 'buildx-v0.19.3.linux-arm64')).toBe('b'.repeat(64));
  expect(checksumFor(text, 'buildx-v0.19.3.linux-s390x')).toBeUndefined();
  expect(checksumFor(`${'d'.repeat(63)} *x`, 'x')).toBeUndefined();
});

test('sha256Of hashes the file', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'buildx-install-test-'));
  try {
    const file = path.join(folder, 'f');
    writeFileSync(file, 'abc');
    expect(await sha256Of(file)).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

describe('resolveBuildxVersion', () => {
  const answering = (status: number, body: string, seen: HttpRequest[] = []) =>
    testContext({
      env: { GITHUB_API_URL: 'https://ghes.example.com/api/v3/' },
      http: (request) => {
        seen.push(request);
        return Promise.resolve({ status, header: () => null, body });
      },
    }).ctx;

  test('a release tag stays as it is, without a request', async () => {
    expect(await resolveBuildxVersion(answering(500, ''), 'v0.19.3')).toBe('v0.19.3');
  });

  test("latest is the releases API's tag_name at GITHUB_API_URL", async () => {
    const seen: HttpRequest[] = [];
    const ctx = answering(200, JSON.stringify({ tag_name: 'v0.20.1' }), seen);
    expect(await resolveBuildxVersion(ctx, 'latest')).toBe('v0.20.1');
    expect(seen.map((request) => request.url)).toEqual([
      'https://ghes.example.com/api/v3/repos/docker/buildx/releases/latest',
    ]);
  });

  test('an API failure or an odd tag says so and suggests a release', async () => {
    await expect(
      resolveBuildxVersion(answering(403, '{"message":"rate limited"}'), 'latest'),
    ).rejects.toThrow(
      /^buildx-version: latest could not be resolved through https:\/\/ghes\.example\.com\/api\/v3\/repos\/docker\/buildx\/releases\/latest: The GitHub releases API answered HTTP 403: rate limited\. Name a release instead/,
    );
    await expect(
      resolveBuildxVersion(
        answering(200, JSON.stringify({ tag_name: '::stop-commands::x' })),
        'latest',
      ),
    ).rejects.toThrow(/is not a buildx version/);
  });
});
