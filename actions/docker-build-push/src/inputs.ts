import { ConfigurationError } from '../../shared/errors';
import {
  parseBoolean,
  parseInteger,
  parseLines,
  parseList,
  parsePositiveDuration,
} from '../../shared/input-values';
import { maskSecret } from '../../shared/mask';
import type { Runner } from '../../shared/runner';
import {
  BUILD_ARG_KEY,
  LABEL_KEY,
  parseAnnotations,
  parseAttestation,
  parseKeyValues,
  parseSecrets,
  type BuildOptions,
} from './build-options';
import type { BuilderChoice } from './builder';
import { checkRegistry, parseImageNames, registryLabel, type ImageName } from './image-name';
import { parseRegistryAuth, passwordsIn, type RegistryLogin } from './registry-auth';
import { checkTemplates } from './tags';

export interface Inputs {
  /** Every repository to push to, in the order given; the first is the one `digest` names. */
  images: ImageName[];
  /** Logins, one a registry: `registry-auth`'s, then `username`/`password`'s. */
  logins: RegistryLogin[];
  logout: boolean;
  /** Tag templates; empty means the default scheme. */
  tagTemplates: string[];
  build: BuildOptions;
  builder: BuilderChoice;
  /** The BuildKit image of a temporary docker-container builder; buildx's default when unset. */
  buildkitImage?: string;
  /** The buildx release to install for the step (`v0.19.3` or `latest`); none when unset. */
  buildxVersion?: string;
  /** Where releases are found: `<buildxUrl>/docker/buildx/releases/download/...`, no trailing `/`. */
  buildxUrl: string;
  retries: number;
  /** Longest the build may take (buildx pushing as it builds included). */
  buildTimeoutMs: number;
  /** Longest one `docker push` (or login) may take. */
  pushTimeoutMs: number;
}

const BUILDERS: BuilderChoice[] = ['auto', 'buildx', 'docker'];

/** Reads and checks every input. The passwords are masked before anything can print them. */
export function getInputs(runner: Runner): Inputs {
  const mask = (value: string) => runner.setSecret(value);
  const password = runner.getInput('password');
  maskSecret(password, mask);
  const registryAuth = runner.getInput('registry-auth');
  for (const found of passwordsIn(registryAuth)) maskSecret(found, mask);
  const username = runner.getInput('username');

  const images = parseImageNames(runner.getInput('image'));
  const loginRegistry = checkRegistry(runner.getInput('registry'), images);
  const logins = parseRegistryAuth(registryAuth);

  if (username !== '' && password === '') {
    throw new ConfigurationError(
      'password',
      "is required with 'username'. Pass it as a secret: password: ${{ secrets.REGISTRY_TOKEN }}",
    );
  }
  if (password !== '' && username === '') {
    throw new ConfigurationError(
      'username',
      "is required with 'password': name the account the password belongs to.",
    );
  }

  if (username !== '') {
    if (logins.some((login) => login.registry === loginRegistry)) {
      throw new ConfigurationError(
        'registry-auth',
        `has a login for ${registryLabel(loginRegistry)}, which 'username' and 'password' log in to as well. Give it one login: move it into registry-auth, or leave it out there.`,
      );
    }
    logins.push({ registry: loginRegistry, username, password, shortForm: true });
  }

  // Commas cannot occur in a tag, so a comma-separated list is read as well as one a line.
  const tagTemplates = parseList(runner.getInput('tags'));
  checkTemplates(tagTemplates);

  const builder = runner.getInput('builder').toLowerCase() as BuilderChoice;
  if (!BUILDERS.includes(builder)) {
    throw new ConfigurationError(
      'builder',
      `'${runner.getInput('builder')}' is not a builder. Use auto, buildx or docker.`,
    );
  }

  const buildkitImage = runner.getInput('buildkit-image').trim() || undefined;
  // It becomes one value of a comma-separated --driver-opt: nothing that could start another.
  if (buildkitImage !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(buildkitImage)) {
    throw new ConfigurationError(
      'buildkit-image',
      `'${buildkitImage}' is not an image reference. Name a BuildKit image, e.g. moby/buildkit:buildx-stable-1 or mirror.example.com/moby/buildkit:v0.18.2.`,
    );
  }

  const buildxVersion = parseBuildxVersion(runner.getInput('buildx-version'));
  const buildxUrl = parseBuildxUrl(runner.getInput('buildx-url'));

  const context = runner.getInput('context') || '.';
  const file = runner.getInput('file') || undefined;
  return {
    images,
    logins,
    logout: parseBoolean('logout', runner.getInput('logout')),
    tagTemplates,
    build: {
      context,
      file,
      buildArgs: parseKeyValues('build-args', runner.getInput('build-args'), BUILD_ARG_KEY),
      labels: parseKeyValues('labels', runner.getInput('labels'), LABEL_KEY),
      target: runner.getInput('target') || undefined,
      platforms: parseList(runner.getInput('platforms')),
      cacheFrom: parseLines(runner.getInput('cache-from')),
      cacheTo: parseLines(runner.getInput('cache-to')),
      secrets: parseSecrets(runner.getInput('secrets')),
      pull: parseBoolean('pull', runner.getInput('pull')),
      noCache: parseBoolean('no-cache', runner.getInput('no-cache')),
      push: parseBoolean('push', runner.getInput('push')),
      provenance: parseAttestation('provenance', runner.getInput('provenance')),
      sbom: parseAttestation('sbom', runner.getInput('sbom')),
      annotations: parseAnnotations(runner.getInput('annotations')),
    },
    builder,
    buildkitImage,
    buildxVersion,
    buildxUrl,
    retries: parseInteger('retries', runner.getInput('retries'), 0, 10),
    buildTimeoutMs: parsePositiveDuration('build-timeout', runner.getInput('build-timeout')),
    pushTimeoutMs: parsePositiveDuration('push-timeout', runner.getInput('push-timeout')),
  };
}

/** `v0.19.3`, `0.19.3` (read as v0.19.3), a pre-release such as `v0.20.0-rc1`, or `latest`. */
function parseBuildxVersion(raw: string): string | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (text.toLowerCase() === 'latest') return 'latest';
  if (!/^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/.test(text)) {
    throw new ConfigurationError(
      'buildx-version',
      `'${text}' is not a buildx release. Write a release tag such as v0.19.3, or latest.`,
    );
  }
  return text.startsWith('v') ? text : `v${text}`;
}

function parseBuildxUrl(raw: string): string {
  const text = raw.trim() || 'https://github.com';
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['http:', 'https:'].includes(url.protocol) ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new ConfigurationError(
      'buildx-url',
      `'${text}' is not a base URL. Give the server under which docker/buildx/releases/download/<version>/ is found, e.g. https://github.com or https://ghes.example.com, without credentials.`,
    );
  }
  return text.replace(/\/+$/, '');
}
