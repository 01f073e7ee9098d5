import { ConfigurationError } from '../../shared/errors';
import { parseImageReference } from '../../shared/image-reference';

const DOCKER_HUB = 'docker.io';
/** Names Docker Hub answers to; `docker login` wants none of them, it logs in to Hub by default. */
const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

export interface ImageName {
  /** The registry host (and port): `docker.io` for Docker Hub. */
  registry: string;
  /** The repository path in that registry: `user/app`, `library/nginx`. */
  repository: string;
  /** `<registry>/<repository>`, the prefix of every reference the action hands out. */
  fullName: string;
  /** What `docker login`/`logout` take: undefined for Docker Hub (the CLI's default). */
  loginServer?: string;
  /** The input differed from the name used (upper case). */
  lowerCased: boolean;
  /** The input as written, for messages. */
  written: string;
}

/**
 * Reads the `image` input: a repository without tag or digest, on Docker Hub when no
 * registry host leads it. Registries refuse upper-case repository names, so the name is
 * lower-cased rather than failing at push time.
 */
export function parseImageName(raw: string): ImageName {
  const text = raw.trim();
  if (text === '') {
    throw new ConfigurationError(
      'image',
      'is required. Name the repository to push to: user/app, ghcr.io/org/app or 127.0.0.1:5000/team/app.',
    );
  }
  const lowered = text.toLowerCase();
  const reference = parseImageReference(lowered);
  if (!reference) {
    throw new ConfigurationError(
      'image',
      `'${text}' is not a valid image name. Use lower-case letters, digits and . _ - separated by /, after an optional registry host: user/app, ghcr.io/org/app, 127.0.0.1:5000/team/app.`,
    );
  }
  if (reference.tag !== undefined || reference.digest !== undefined) {
    const part =
      reference.digest !== undefined ? `digest @${reference.digest}` : `tag :${reference.tag}`;
    throw new ConfigurationError(
      'image',
      `'${text}' carries a ${part}. Give the repository only and list tags in 'tags' (e.g. tags: ${reference.tag ?? 'latest'}).`,
    );
  }
  const hub = reference.registry === undefined || DOCKER_HUB_ALIASES.has(reference.registry);
  const registry = hub ? DOCKER_HUB : reference.registry!;
  // Docker Hub's official images live under library/; `docker push app` means library/app.
  const repository =
    hub && !reference.repository.includes('/')
      ? `library/${reference.repository}`
      : reference.repository;
  return {
    registry,
    repository,
    fullName: `${registry}/${repository}`,
    loginServer: hub ? undefined : registry,
    lowerCased: lowered !== text,
    written: text,
  };
}

/** The `registry` input, when given, must name the image's own registry. */
export function checkRegistry(raw: string, image: ImageName): void {
  const text = raw
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .replace(/\/v[12]$/, '')
    .toLowerCase();
  if (text === '') return;
  const given = DOCKER_HUB_ALIASES.has(text) ? DOCKER_HUB : text;
  if (given !== image.registry) {
    throw new ConfigurationError(
      'registry',
      `'${raw.trim()}' is not the registry of image '${image.fullName}' (${image.registry}). Put the registry in the image name instead (image: ${given}/${image.repository}) and leave 'registry' out.`,
    );
  }
}
