// A stand-in for GitHub's release downloads of docker/buildx and the releases API that names
// the latest, on loopback: `/docker/buildx/releases/download/<version>/<asset>` and that
// release's `checksums.txt` (`<sha256> *<asset>`, as buildx publishes it), and
// `/repos/docker/buildx/releases/latest`. It serves the file it is given as every release's
// linux build, and counts what was downloaded.
import { createHash } from 'node:crypto';
import { startRecordingServer, type RunningServer } from './http-server';

export interface BuildxRelease {
  version: string;
  /** Architectures (`amd64`, `arm64`, ...) the release has a build for. */
  arches: string[];
  /** checksums.txt lists this SHA-256 for the builds instead of the served file's. */
  wrongChecksum?: boolean;
}

export interface BuildxReleasesOptions {
  /** What every build of every release is: the plugin's bytes. */
  plugin: Buffer;
  releases: BuildxRelease[];
  /** The tag `releases/latest` answers. */
  latest: string;
}

export interface BuildxReleases extends RunningServer {
  /** How often an asset (not checksums.txt) of `version` was downloaded. */
  downloads(version: string): number;
}

const DOWNLOAD = /^\/docker\/buildx\/releases\/download\/([^/]+)\/([^/]+)$/;

export async function startBuildxReleases(options: BuildxReleasesOptions): Promise<BuildxReleases> {
  const sha256 = createHash('sha256').update(options.plugin).digest('hex');
  const server = await startRecordingServer((request, response) => {
    if (request.method === 'GET' && request.path === '/repos/docker/buildx/releases/latest') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ tag_name: options.latest, name: options.latest }));
      return;
    }
    const match = DOWNLOAD.exec(request.path);
    const release = options.releases.find((each) => each.version === match?.[1]);
    if (request.method !== 'GET' || !match || !release) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    const asset = decodeURIComponent(match[2]);
    const assets = release.arches.map((arch) => `buildx-${release.version}.linux-${arch}`);
    if (asset === 'checksums.txt') {
      const listed = release.wrongChecksum
        ? sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'))
        : sha256;
      response
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(assets.map((name) => `${listed} *${name}\n`).join(''));
      return;
    }
    if (!assets.includes(asset)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    response
      .writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(options.plugin.length),
      })
      .end(options.plugin);
  });
  return {
    ...server,
    downloads: (version) =>
      server.requests.filter((request) => {
        const match = DOWNLOAD.exec(request.path);
        return match?.[1] === version && match[2] !== 'checksums.txt';
      }).length,
  };
}
