import { ConfigurationError } from '../../shared/errors';
import { parseLines } from '../../shared/input-values';

// The `with:` values that shape the build, checked and normalised, and the parsers that read
// the multi-line ones. Pure: inputs.ts feeds them the raw text.

export interface BuildSecret {
  id: string;
  /** A file, relative to the workspace. */
  src?: string;
  /** An environment variable of the step. */
  env?: string;
  /** As written, for the builder's argv. */
  spec: string;
}

export interface BuildOptions {
  context: string;
  file?: string;
  /** KEY=VALUE, in the order given. */
  buildArgs: string[];
  /** User labels as KEY=VALUE; the action's own OCI labels are added at build time. */
  labels: string[];
  target?: string;
  platforms: string[];
  cacheFrom: string[];
  cacheTo: string[];
  secrets: BuildSecret[];
  pull: boolean;
  noCache: boolean;
  push: boolean;
  /** buildx's `--provenance` value: `false`, `true` or `mode=max`-style options. */
  provenance: string;
  /** buildx's `--sbom` value, likewise. */
  sbom: string;
  /** buildx's `--annotation` values, one a line as given. */
  annotations: string[];
}

/**
 * `provenance`/`sbom`: false, true, or buildx's own options (mode=max, generator=IMAGE),
 * comma-separated KEY=VALUE. Empty means false: the pushed manifest stays a plain image.
 */
export function parseAttestation(input: string, raw: string): string {
  const text = raw.trim();
  const lower = text.toLowerCase();
  if (lower === '' || lower === 'false') return 'false';
  if (lower === 'true') return 'true';
  if (/^[a-z][a-z0-9-]*=[^,\s]+(?:,[a-z][a-z0-9-]*=[^,\s]+)*$/i.test(text)) return text;
  throw new ConfigurationError(
    input,
    `'${text}' is not an attestation choice. Use false, true, or buildx's options, e.g. mode=max.`,
  );
}

/** `annotations`: one a line, KEY=VALUE, the key optionally led by a level (index:, manifest:). */
export function parseAnnotations(raw: string): string[] {
  return parseLines(raw).map((line) => {
    if (
      !/^(?:[a-z-]+(?:\[[^\]]*\])?(?:,[a-z-]+(?:\[[^\]]*\])?)*:)?[A-Za-z0-9][A-Za-z0-9._\-/]*=/.test(
        line,
      )
    ) {
      throw new ConfigurationError(
        'annotations',
        `'${line}' is not KEY=VALUE. Write one a line, as buildx takes them, e.g. org.opencontainers.image.description=My app or index:org.opencontainers.image.description=My app.`,
      );
    }
    return line;
  });
}

export function parseKeyValues(input: string, raw: string, keyPattern: RegExp): string[] {
  return parseLines(raw).map((line) => {
    const equals = line.indexOf('=');
    const key = equals < 0 ? line : line.slice(0, equals).trim();
    if (equals < 0 || !keyPattern.test(key)) {
      throw new ConfigurationError(
        input,
        `'${line}' is not KEY=VALUE. Write one per line, e.g. ${input === 'labels' ? 'com.example.team=payments' : 'NODE_ENV=production'}.`,
      );
    }
    return `${key}=${line.slice(equals + 1)}`;
  });
}

export const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;

/** `id=NAME,src=PATH` or `id=NAME,env=VARIABLE`, one a line. */
export function parseSecrets(raw: string): BuildSecret[] {
  const ids = new Set<string>();
  return parseLines(raw).map((spec) => {
    const fields = new Map<string, string>();
    for (const part of spec.split(',')) {
      const equals = part.indexOf('=');
      const key = part.slice(0, equals).trim();
      if (equals < 0 || !['id', 'src', 'source', 'env', 'type'].includes(key)) {
        throw new ConfigurationError(
          'secrets',
          `'${spec}' is not a build secret. Write id=NAME,src=PATH or id=NAME,env=VARIABLE, one a line.`,
        );
      }
      fields.set(key === 'source' ? 'src' : key, part.slice(equals + 1).trim());
    }
    const id = fields.get('id');
    const src = fields.get('src');
    const env = fields.get('env');
    if (!id || (src === undefined) === (env === undefined) || (src ?? env) === '') {
      throw new ConfigurationError(
        'secrets',
        `'${spec}' needs an id and exactly one of src= or env=: id=npmrc,src=.npmrc or id=token,env=NPM_TOKEN.`,
      );
    }
    if (ids.has(id)) {
      throw new ConfigurationError('secrets', `the id '${id}' is given twice; ids must be unique.`);
    }
    ids.add(id);
    return { id, src, env, spec };
  });
}

/** Each buildx cache spec's type; a bare reference is a registry cache. */
export function cacheType(spec: string): string {
  const type = /(?:^|,)\s*type=([^,]+)/.exec(spec)?.[1].trim();
  // buildx reads a spec without a type (`ref=...` or a bare reference) as a registry cache.
  return type ?? 'registry';
}

/** The image a registry cache spec names: `type=registry,ref=X` or a bare `X`. */
export function cacheReference(spec: string): string | undefined {
  if (!spec.includes('=')) return spec;
  return /(?:^|,)\s*ref=([^,]+)/.exec(spec)?.[1].trim();
}

/**
 * Checks what the build will read from the runner before anything is changed: a missing
 * folder or an unset secret variable would otherwise fail after the login.
 */
export function checkBuildSources(
  options: BuildOptions,
  exists: (path: string) => boolean,
  env: Record<string, string | undefined>,
): void {
  const remote = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i.test(options.context);
  if (!remote && !exists(options.context)) {
    throw new ConfigurationError(
      'context',
      `'${options.context}' does not exist in the workspace. Check out the code first (actions/checkout) or fix the path; it is relative to the workspace.`,
    );
  }
  if (options.file !== undefined && options.file !== '-' && !exists(options.file)) {
    throw new ConfigurationError(
      'file',
      `'${options.file}' does not exist. The path is relative to the workspace, not to 'context'.`,
    );
  }
  for (const secret of options.secrets) {
    if (secret.env !== undefined && env[secret.env] === undefined) {
      throw new ConfigurationError(
        'secrets',
        `'${secret.id}' reads the variable ${secret.env}, which this step's environment does not set. Add it under env: (${secret.env}: \${{ secrets.${secret.env} }}).`,
      );
    }
    if (secret.src !== undefined && !exists(secret.src)) {
      throw new ConfigurationError(
        'secrets',
        `'${secret.id}' reads the file '${secret.src}', which does not exist.`,
      );
    }
  }
}
