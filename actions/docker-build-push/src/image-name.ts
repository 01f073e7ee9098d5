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

/** A registry as a user writes it (`https://ghcr.io/`, `index.docker.io`), as images name it. */
export function normaliseRegistry(raw: string): string {
  const text = raw
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '')
    .replace(/\/v[12]$/, '')
    .toLowerCase();
  return DOCKER_HUB_ALIASES.has(text) ? DOCKER_HUB : text;
}

/** What `docker login`/`logout` take for a registry: nothing for Docker Hub. */
export function loginServerOf(registry: string): string | undefined {
  return registry === DOCKER_HUB ? undefined : registry;
}

/** For people: `Docker Hub` or the host. */
export function registryLabel(registry: string): string {
  return registry === DOCKER_HUB ? 'Docker Hub' : registry;
}

/**
 * Reads the `image` input: one repository a line, each pushed with every tag. The same
 * repository twice (after lower-casing) is refused: it would be pushed twice.
 */
export function parseImageNames(raw: string): ImageName[] {
  const lines = raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const images = (lines.length > 0 ? lines : ['']).map(parseImageName);
  const seen = new Set<string>();
  for (const image of images) {
    if (seen.has(image.fullName)) {
      throw new ConfigurationError(
        'image',
        `names ${image.fullName} twice ('${image.written}'). List each repository once.`,
      );
    }
    seen.add(image.fullName);
  }
  return images;
}

/**
 * The `registry` input, when given, must name the registry of one of the images; it is where
 * `username`/`password` log in. Returns that registry, or the first image's when empty.
 */
export function checkRegistry(raw: string, images: ImageName[]): string {
  if (raw.trim() === '') return images[0].registry;
  const given = normaliseRegistry(raw);
  if (!images.some((image) => image.registry === given)) {
    const image = images[0];
    throw new ConfigurationError(
      'registry',
      `'${raw.trim()}' is not the registry of image '${image.fullName}' (${image.registry}). Put the registry in the image name instead (image: ${given}/${image.repository}) and leave 'registry' out.`,
    );
  }
  return given;
}
