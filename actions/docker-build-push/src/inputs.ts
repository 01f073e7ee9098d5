import { ConfigurationError } from '../../shared/errors';
import { parseBoolean, parseInteger, parseLines, parseList } from '../../shared/input-values';
import { maskSecret } from '../../shared/mask';
import { getInput, setSecret } from '../../shared/runner';
import {
  BUILD_ARG_KEY,
  LABEL_KEY,
  parseKeyValues,
  parseSecrets,
  type BuildOptions,
} from './build-options';
import type { BuilderChoice } from './builder';
import { checkRegistry, parseImageName, type ImageName } from './image-name';
import { checkTemplates } from './tags';

export interface Credentials {
  username: string;
  password: string;
}

export interface Inputs {
  image: ImageName;
  credentials?: Credentials;
  logout: boolean;
  /** Tag templates; empty means the default scheme. */
  tagTemplates: string[];
  build: BuildOptions;
  builder: BuilderChoice;
  retries: number;
}

const BUILDERS: BuilderChoice[] = ['auto', 'buildx', 'docker'];

/** Reads and checks every input. The password is masked before anything can print it. */
export function getInputs(): Inputs {
  const password = getInput('password');
  maskSecret(password, setSecret);
  const username = getInput('username');

  const image = parseImageName(getInput('image'));
  checkRegistry(getInput('registry'), image);

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

  // Commas cannot occur in a tag, so a comma-separated list is read as well as one a line.
  const tagTemplates = parseList(getInput('tags'));
  checkTemplates(tagTemplates);

  const builder = getInput('builder').toLowerCase() as BuilderChoice;
  if (!BUILDERS.includes(builder)) {
    throw new ConfigurationError(
      'builder',
      `'${getInput('builder')}' is not a builder. Use auto, buildx or docker.`,
    );
  }

  const context = getInput('context') || '.';
  const file = getInput('file') || undefined;
  return {
    image,
    credentials: username !== '' ? { username, password } : undefined,
    logout: parseBoolean('logout', getInput('logout')),
    tagTemplates,
    build: {
      context,
      file,
      buildArgs: parseKeyValues('build-args', getInput('build-args'), BUILD_ARG_KEY),
      labels: parseKeyValues('labels', getInput('labels'), LABEL_KEY),
      target: getInput('target') || undefined,
      platforms: parseList(getInput('platforms')),
      cacheFrom: parseLines(getInput('cache-from')),
      cacheTo: parseLines(getInput('cache-to')),
      secrets: parseSecrets(getInput('secrets')),
      pull: parseBoolean('pull', getInput('pull')),
      noCache: parseBoolean('no-cache', getInput('no-cache')),
      push: parseBoolean('push', getInput('push')),
    },
    builder,
    retries: parseInteger('retries', getInput('retries'), 0, 10),
  };
}
