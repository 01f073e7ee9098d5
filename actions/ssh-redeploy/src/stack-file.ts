// Stack mode's compose file: read, checked, and with `image` the image of the chosen services
// rewritten, comments and layout kept. Pure: main.ts reads the file from the workspace.
import type { Document } from 'yaml';
import { ConfigurationError } from '../../shared/errors';
import { parseImageReference } from '../../shared/image-reference';

export interface StackPlan {
  /** The compose file as it goes to the manager. */
  text: string;
  /** Every service of the file, by its name in the file. */
  services: string[];
  /** The services whose image was set to `image`. */
  rewritten: string[];
}

/** `registry/repository`, with Docker Hub's implicit names made explicit. */
function repositoryOf(image: string): string | undefined {
  const reference = parseImageReference(image);
  if (!reference) return undefined;
  const registry = reference.registry ?? 'docker.io';
  const repository =
    registry === 'docker.io' && !reference.repository.includes('/')
      ? `library/${reference.repository}`
      : reference.repository;
  return `${registry === 'index.docker.io' ? 'docker.io' : registry}/${repository}`;
}

/**
 * Plans a stack deploy from the compose file's text. With `image`, the services named in
 * `chosen` (default: those whose image has the same repository as `image`) run `image`.
 */
export function planStack(
  yaml: { parseDocument: (text: string) => Document },
  fileName: string,
  text: string,
  image: string | undefined,
  chosen: string[],
): StackPlan {
  const document = yaml.parseDocument(text);
  if (document.errors.length > 0) {
    throw new ConfigurationError(
      'compose-file',
      `${fileName} is not valid YAML: ${document.errors[0].message.split('\n')[0]}`,
    );
  }
  const root: unknown = document.toJS();
  const servicesNode =
    root !== null && typeof root === 'object' && !Array.isArray(root)
      ? (root as Record<string, unknown>).services
      : undefined;
  if (
    servicesNode === null ||
    typeof servicesNode !== 'object' ||
    Array.isArray(servicesNode) ||
    Object.keys(servicesNode).length === 0
  ) {
    throw new ConfigurationError(
      'compose-file',
      `${fileName} has no services: a compose file lists them under a top-level services: key.`,
    );
  }
  const entries = Object.entries(servicesNode as Record<string, unknown>);
  const services = entries.map(([name]) => name);
  const imageOf = (value: unknown) =>
    value !== null && typeof value === 'object' && 'image' in value
      ? String(value.image)
      : undefined;

  for (const name of chosen) {
    if (!services.includes(name)) {
      throw new ConfigurationError(
        'stack-services',
        `'${name}' is not a service of ${fileName}, which has ${services.join(', ')}.`,
      );
    }
  }
  if (image === undefined) {
    if (chosen.length > 0) {
      throw new ConfigurationError(
        'stack-services',
        'names the services whose image becomes image; give image too, or remove stack-services.',
      );
    }
    return { text, services, rewritten: [] };
  }

  const wanted = repositoryOf(image);
  const rewritten =
    chosen.length > 0
      ? chosen
      : entries
          .filter(([, value]) => {
            const current = imageOf(value);
            return current !== undefined && repositoryOf(current) === wanted;
          })
          .map(([name]) => name);
  if (rewritten.length === 0) {
    throw new ConfigurationError(
      'stack-services',
      `no service of ${fileName} runs an image of ${wanted ?? image}: name the services to run image in stack-services.`,
    );
  }
  for (const name of rewritten) document.setIn(['services', name, 'image'], image);
  return { text: document.toString(), services, rewritten };
}
