import { ConfigurationError } from '../../shared/errors';
import { cacheReference, cacheType, type BuildOptions } from './build-options';

export type BuilderChoice = 'auto' | 'buildx' | 'docker';

/** What the runner's docker CLI can do, found out before anything is changed. */
export interface ClientFacts {
  /** `docker --version`'s version, e.g. `20.10.24+dfsg1`; undefined when unreadable. */
  clientVersion?: string;
  /** `docker buildx version` answered. */
  buildx: boolean;
  /** DOCKER_BUILDKIT as the step's environment sets it. */
  buildkitEnv?: string;
}

export interface Builder {
  kind: 'buildx' | 'docker';
  /** For the classic builder: BuildKit (DOCKER_BUILDKIT=1) rather than the legacy builder. */
  buildkit: boolean;
  /** For people: `docker buildx build`, `docker build (BuildKit)`, `docker build (legacy builder)`. */
  description: string;
  /** buildx only: the builder instance the build names with --builder (the step's temporary one). */
  instance?: string;
}

/**
 * What in the build the buildx `docker` driver (the default builder on a runner without
 * docker/setup-buildx-action) cannot do, for people; undefined when it can do all of it.
 */
export function containerDriverNeed(options: BuildOptions): string | undefined {
  if (options.platforms.length > 1) return `several platforms (${options.platforms.join(', ')})`;
  const cache = options.cacheTo.find((spec) => cacheType(spec) !== 'inline');
  if (cache !== undefined) return `cache-to type=${cacheType(cache)}`;
  for (const input of ['provenance', 'sbom'] as const) {
    if (options[input] !== 'false') return `${input} attestations`;
  }
  return undefined;
}

/** The driver in `docker buildx inspect`'s answer (`Driver: docker-container`). */
export function parseBuilderDriver(output: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(output)?.[1];
}

/** buildx running the build on the step's temporary `docker-container` builder. */
export function temporaryBuilder(name: string): Builder {
  return {
    kind: 'buildx',
    buildkit: true,
    description: 'docker buildx build (temporary docker-container builder)',
    instance: name,
  };
}

/**
 * `docker buildx create`'s argv for the temporary builder: BuildKit in a container on the
 * host's network, so it reaches the registries the runner reaches (one on loopback included).
 */
export function createBuilderArguments(name: string, buildkitImage?: string): string[] {
  const args = ['buildx', 'create', '--name', name, '--driver', 'docker-container'];
  args.push('--driver-opt', 'network=host');
  if (buildkitImage) args.push('--driver-opt', `image=${buildkitImage}`);
  return args;
}

/**
 * Docker CLIs before 23.0 carry BuildKit themselves (DOCKER_BUILDKIT=1); from 23.0 on,
 * BuildKit needs the buildx plugin and DOCKER_BUILDKIT=1 without it is an error.
 */
export function clientHasBuiltInBuildKit(version: string | undefined): boolean {
  const major = Number(/^(\d+)\./.exec(version ?? '')?.[1]);
  return Number.isInteger(major) && major >= 18 && major < 23;
}

export function chooseBuilder(choice: BuilderChoice, facts: ClientFacts): Builder {
  if (choice === 'buildx' || (choice === 'auto' && facts.buildx)) {
    if (!facts.buildx) {
      throw new ConfigurationError(
        'builder',
        "is buildx, but 'docker buildx' is not available on this runner. Set it up first (docker/setup-buildx-action), let the step bring it (buildx-version: latest), or use builder: auto to fall back to docker build.",
      );
    }
    return { kind: 'buildx', buildkit: true, description: 'docker buildx build' };
  }
  const refused = ['0', 'false'].includes((facts.buildkitEnv ?? '').trim().toLowerCase());
  const buildkit = !refused && clientHasBuiltInBuildKit(facts.clientVersion);
  return {
    kind: 'docker',
    buildkit,
    description: `docker build (${buildkit ? 'BuildKit' : 'legacy builder'})`,
  };
}

/**
 * Refuses what the chosen builder cannot do, rather than dropping it: a build that silently
 * ignores `platforms` or `cache-to` pushes something other than what the workflow says.
 */
export function checkBuilderSupports(builder: Builder, options: BuildOptions): void {
  if (builder.kind === 'buildx') {
    if (!options.push && options.platforms.length > 1) {
      throw new ConfigurationError(
        'platforms',
        'lists several platforms with push: false. A multi-platform image cannot be loaded into the local image store: push it, or build one platform.',
      );
    }
    return;
  }
  const why = builder.buildkit
    ? 'the classic docker build'
    : "the classic docker build's legacy builder (this docker CLI has no BuildKit without buildx)";
  const needsBuildx = (input: string, fix: string) =>
    new ConfigurationError(input, `cannot be honoured by ${why}. ${fix}`);
  if (options.platforms.length > 1) {
    throw needsBuildx(
      'platforms',
      'Building several platforms needs buildx: set it up (docker/setup-buildx-action) and use builder: buildx, or list one platform.',
    );
  }
  if (options.platforms.length === 1 && !builder.buildkit) {
    throw needsBuildx('platforms', 'Leave platforms out to build for the runner.');
  }
  for (const spec of options.cacheTo) {
    if (!(builder.buildkit && cacheType(spec) === 'inline')) {
      throw needsBuildx(
        'cache-to',
        `Exporting a cache (${spec}) needs buildx; ${builder.buildkit ? 'only type=inline works here' : 'leave cache-to out'}.`,
      );
    }
  }
  for (const spec of options.cacheFrom) {
    if (cacheType(spec) !== 'registry' || !cacheReference(spec)) {
      throw needsBuildx(
        'cache-from',
        `The classic build can only use an image as cache (type=registry,ref=IMAGE or IMAGE), not '${spec}'.`,
      );
    }
  }
  for (const input of ['provenance', 'sbom'] as const) {
    if (options[input] !== 'false') {
      throw needsBuildx(
        input,
        `Attestations are made by buildx only: set it up (docker/setup-buildx-action) and use builder: buildx, or leave ${input} out (false).`,
      );
    }
  }
  if (options.annotations.length > 0) {
    throw needsBuildx(
      'annotations',
      'Manifest annotations are written by buildx only: set it up and use builder: buildx, or put the values in labels.',
    );
  }
  if (options.secrets.length > 0 && !builder.buildkit) {
    throw needsBuildx(
      'secrets',
      'Build secrets need BuildKit: set up buildx and use builder: buildx.',
    );
  }
}

/**
 * Whether every builder the probe could choose takes the build's options: then nothing the
 * probe finds can refuse them, and the logins need not wait for it. With builder: buildx the
 * probe may find no buildx, which is a refusal.
 */
export function suitsAnyBuilder(choice: BuilderChoice, options: BuildOptions): boolean {
  if (choice === 'buildx') return false;
  const candidates: Builder[] = [
    { kind: 'docker', buildkit: false, description: '' },
    { kind: 'docker', buildkit: true, description: '' },
    ...(choice === 'auto' ? [{ kind: 'buildx' as const, buildkit: true, description: '' }] : []),
  ];
  return candidates.every((builder) => {
    try {
      checkBuilderSupports(builder, options);
      return true;
    } catch {
      return false;
    }
  });
}

export interface BuildFiles {
  iidFile: string;
  /** buildx only: where it writes the pushed digest. */
  metadataFile: string;
}

/** The argv after `docker` for the build; `references` are full `<name>:<tag>` references. */
export function buildArguments(
  builder: Builder,
  options: BuildOptions,
  references: string[],
  labels: string[],
  files: BuildFiles,
): string[] {
  const args = builder.kind === 'buildx' ? ['buildx', 'build'] : ['build'];
  if (builder.instance) args.push('--builder', builder.instance);
  const repeat = (flag: string, values: string[]) => values.forEach((v) => args.push(flag, v));
  repeat('--tag', references);
  if (options.file) args.push('--file', options.file);
  repeat('--build-arg', options.buildArgs);
  repeat('--label', labels);
  if (options.target) args.push('--target', options.target);
  if (options.pull) args.push('--pull');
  if (options.noCache) args.push('--no-cache');
  if (builder.kind === 'buildx') {
    if (options.platforms.length > 0) args.push('--platform', options.platforms.join(','));
    repeat('--cache-from', options.cacheFrom);
    repeat('--cache-to', options.cacheTo);
    // Always given: buildx's own default attaches provenance, which registries list as an
    // unknown/unknown platform.
    args.push('--provenance', options.provenance, '--sbom', options.sbom);
    repeat('--annotation', options.annotations);
    repeat(
      '--secret',
      options.secrets.map((secret) => secret.spec),
    );
    args.push('--iidfile', files.iidFile, '--metadata-file', files.metadataFile);
    // One platform without push is loaded so the image is there for later steps (and has an id).
    if (options.push) args.push('--push');
    else args.push('--load');
  } else {
    if (options.platforms.length === 1) args.push('--platform', options.platforms[0]);
    repeat(
      '--cache-from',
      options.cacheFrom.map((spec) => cacheReference(spec)!),
    );
    // The classic builder's only cache export: metadata inside the image itself.
    if (options.cacheTo.length > 0) args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
    repeat(
      '--secret',
      options.secrets.map((secret) => secret.spec),
    );
    args.push('--iidfile', files.iidFile);
  }
  // `--` keeps a context that starts with `-` from being read as a flag.
  args.push('--', options.context);
  return args;
}

/** Env for the build: the classic CLI picks BuildKit or the legacy builder from DOCKER_BUILDKIT. */
export function buildEnvironment(builder: Builder): Record<string, string> {
  return builder.kind === 'docker' ? { DOCKER_BUILDKIT: builder.buildkit ? '1' : '0' } : {};
}
