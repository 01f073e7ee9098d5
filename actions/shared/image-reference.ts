// Docker image references, following the grammar of the distribution project's `reference`
// package: [registry[:port]/]path[:tag][@algorithm:hex].

export interface ImageReference {
  /** The registry host as written, or undefined for Docker Hub's implicit one. */
  registry?: string;
  /** The repository path, e.g. `library/nginx` or `org/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_NAME_LENGTH = 255;

/** Parses a reference; undefined when it is not one. */
export function parseImageReference(text: string): ImageReference | undefined {
  const match = REFERENCE.exec(text);
  if (!match) return undefined;
  const [, host, path, tag, digest] = match;
  let registry: string | undefined = host;
  let repository = path;
  // The first component is a registry only if it looks like a host; `user/app` is a Docker Hub path.
  if (registry !== undefined && !/[.:]|^localhost$|[A-Z]/.test(registry)) {
    repository = `${registry}/${repository}`;
    registry = undefined;
  }
  if ((registry ? registry.length + 1 : 0) + repository.length > MAX_NAME_LENGTH) return undefined;
  if (digest !== undefined) {
    const [algorithm, hex] = digest.split(':');
    const expected = DIGEST_LENGTHS[algorithm];
    if (expected !== undefined && hex.length !== expected) return undefined;
  }
  return { registry, repository, tag, digest };
}

export function formatImageReference(reference: ImageReference): string {
  const name = reference.registry
    ? `${reference.registry}/${reference.repository}`
    : reference.repository;
  return `${name}${reference.tag ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
}
