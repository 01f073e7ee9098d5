import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext } from '../../shared/context';
import { ActionFailure, ConfigurationError } from '../../shared/errors';
import { expectSuccess } from '../../shared/http';
import { inertInline } from '../../shared/outside-text';

// `buildx-version`: the buildx CLI plugin of a chosen release, fetched from GitHub's releases
// (or a mirror laid out like them), checked against the release's checksums.txt before it is
// ever run, kept in the runner's tool cache, and installed into the step's own docker config.

/** The tool cache's name for it; a version and an architecture tell its copies apart. */
const TOOL = 'docker-buildx';
const API_TIMEOUT_MS = 30_000;

/** buildx's name for Node's architecture (`buildx-<version>.linux-<arch>`), if it builds for it. */
export function buildxArch(nodeArch: string): string | undefined {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm-v7',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return names[nodeArch];
}

/** buildx's architecture name for this runner, or a ConfigurationError naming buildx-version. */
export function buildxTarget(platform: string, nodeArch: string): string {
  const arch = buildxArch(nodeArch);
  if (platform !== 'linux' || !arch) {
    throw new ConfigurationError(
      'buildx-version',
      `buildx publishes no linux build this action can install for a ${platform}/${nodeArch} runner. Install buildx on the runner yourself and leave buildx-version out.`,
    );
  }
  return arch;
}

export interface ReleaseFiles {
  asset: string;
  assetUrl: string;
  checksumsUrl: string;
}

export function releaseFiles(baseUrl: string, version: string, arch: string): ReleaseFiles {
  const folder = `${baseUrl}/docker/buildx/releases/download/${encodeURIComponent(version)}`;
  const asset = `buildx-${version}.linux-${arch}`;
  return { asset, assetUrl: `${folder}/${asset}`, checksumsUrl: `${folder}/checksums.txt` };
}

/** The SHA-256 checksums.txt gives for `asset` (`<sha256> *<asset>` or `<sha256>  <asset>`). */
export function checksumFor(checksums: string, asset: string): string | undefined {
  for (const line of checksums.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (match && match[2] === asset) return match[1].toLowerCase();
  }
  return undefined;
}

/** The SHA-256 of a file, in hex. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Context = Pick<ActionContext, 'http' | 'log' | 'env'>;

/** `latest` through the releases API at GITHUB_API_URL; a release tag as it is. */
export async function resolveBuildxVersion(ctx: Context, version: string): Promise<string> {
  if (version !== 'latest') return version;
  const apiUrl = (ctx.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const url = `${apiUrl}/repos/docker/buildx/releases/latest`;
  let tag: unknown;
  try {
    const response = expectSuccess(
      await ctx.http({
        method: 'GET',
        url,
        headers: { accept: 'application/vnd.github+json', 'user-agent': 'docker-build-push' },
        timeoutMs: API_TIMEOUT_MS,
      }),
      'The GitHub releases API',
    );
    tag = (JSON.parse(response.body) as { tag_name?: unknown }).tag_name;
  } catch (error) {
    throw new ActionFailure(
      `buildx-version: latest could not be resolved through ${url}: ${error instanceof Error ? error.message : String(error)}. Name a release instead (e.g. v0.19.3).`,
    );
  }
  if (typeof tag !== 'string' || !/^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/.test(tag)) {
    throw new ActionFailure(
      `buildx-version: the latest release's tag from ${url} is not a buildx version (${inertInline(String(tag)).slice(0, 80)}). Name a release instead (e.g. v0.19.3).`,
    );
  }
  return tag;
}

/**
 * The verified plugin for `version` (a release tag), from the tool cache or downloaded into it.
 * Nothing is cached, installed or run unless its SHA-256 is the one checksums.txt gives.
 */
export async function fetchBuildx(
  ctx: Context,
  request: { version: string; baseUrl: string; arch: string; runnerTemp: string },
): Promise<string> {
  const { version, baseUrl, arch } = request;
  const tc = await import('@actions/tool-cache');
  const cacheVersion = version.replace(/^v/, '');
  const cached = tc.find(TOOL, cacheVersion, arch);
  if (cached) {
    ctx.log.info(`buildx ${version} (linux-${arch}) from the tool cache.`);
    return join(cached, TOOL);
  }

  const files = releaseFiles(baseUrl, version, arch);
  const folder = await mkdtemp(join(request.runnerTemp, 'docker-build-push-buildx-'));
  // Both through the tool cache's client: it follows GitHub's redirects to its file storage and
  // takes the runner's proxy settings, as the runner's own downloads do.
  const download = async (url: string, what: string) => {
    const dest = join(folder, what);
    try {
      return await tc.downloadTool(url, dest);
    } catch (error) {
      const status = error instanceof tc.HTTPError ? error.httpStatusCode : undefined;
      if (status === 404) {
        throw new ConfigurationError(
          'buildx-version',
          `${version} has no ${what} at ${url} (HTTP 404)${what === 'checksums.txt' ? ', so no download of it could be verified' : ''}. Check the release (e.g. v0.19.3) and buildx-url.`,
        );
      }
      throw new ActionFailure(
        `Downloading ${what} of buildx ${version} from ${url} failed: ${error instanceof Error ? inertInline(error.message) : String(error)}.`,
      );
    }
  };
  try {
    const checksums = await readFile(await download(files.checksumsUrl, 'checksums.txt'), 'utf8');
    const expected = checksumFor(checksums, files.asset);
    if (!expected) {
      throw new ConfigurationError(
        'buildx-version',
        `${version}'s checksums.txt lists no ${files.asset}: the release has no build for this runner. Choose another release.`,
      );
    }
    const downloaded = await download(files.assetUrl, files.asset);
    const actual = await sha256Of(downloaded);
    if (actual !== expected) {
      throw new ActionFailure(
        `buildx-version: the download of ${files.asset} from ${files.assetUrl} has SHA-256 ${actual}, but the release's checksums.txt says ${expected}. It was not installed or run. Check buildx-url (a mirror may serve another file) and try again.`,
      );
    }
    await chmod(downloaded, 0o755);
    const dir = await tc.cacheFile(downloaded, TOOL, TOOL, cacheVersion, arch);
    ctx.log.info(`buildx ${version} (linux-${arch}) downloaded, SHA-256 verified, cached.`);
    return join(dir, TOOL);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Copies the verified plugin into the step's own `cli-plugins` folder (mode 755). */
export async function installBuildx(plugin: string, configDir: string): Promise<void> {
  const target = join(configDir, 'cli-plugins', 'docker-buildx');
  await copyFile(plugin, target);
  await chmod(target, 0o755);
}
