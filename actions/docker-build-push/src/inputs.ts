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
    retries: parseInteger('retries', runner.getInput('retries'), 0, 10),
    buildTimeoutMs: parsePositiveDuration('build-timeout', runner.getInput('build-timeout')),
    pushTimeoutMs: parsePositiveDuration('push-timeout', runner.getInput('push-timeout')),
  };
}
