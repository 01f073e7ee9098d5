import { ConfigurationError } from '../../shared/errors';
import { normaliseRegistry } from './image-name';

// The `registry-auth` input: logins for several registries, written as the YAML list
// docker/login-action users know. Only that shape is read (a block list of mappings whose
// values are scalars), so no YAML library is bundled for it.
//
//   - registry: ghcr.io
//     username: ${{ github.actor }}
//     password: ${{ secrets.GITHUB_TOKEN }}

export interface RegistryLogin {
  /** `docker.io` for Docker Hub, else the host (and port) as docker login takes it. */
  registry: string;
  username: string;
  password: string;
  /** From `username`/`password` rather than `registry-auth`. */
  shortForm?: boolean;
}

const KEYS = ['registry', 'username', 'password'] as const;
type Key = (typeof KEYS)[number];

const EXAMPLE =
  'Write a YAML list, e.g.\n- registry: ghcr.io\n  username: ${{ github.actor }}\n  password: ${{ secrets.GITHUB_TOKEN }}';

/**
 * Every password in the text, found leniently (also in text that will be refused below), so
 * each is masked before any error could quote the input.
 */
export function passwordsIn(raw: string): string[] {
  const found: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    const match = /^\s*(?:-\s+)?password\s*:(.*)$/.exec(line);
    if (!match) continue;
    const value = match[1].trim();
    if (value === '') continue;
    found.push(value);
    const unquoted = scalar(value);
    if (unquoted !== undefined && unquoted !== value) found.push(unquoted);
  }
  return found;
}

/** A plain, single- or double-quoted YAML scalar's value; undefined when it is not one. */
function scalar(text: string): string | undefined {
  const value = text.trim();
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) return undefined;
    return value.slice(1, -1).replace(/''/g, "'");
  }
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2) return undefined;
    try {
      return JSON.parse(value) as string;
    } catch {
      return undefined;
    }
  }
  // A comment after a plain value: ` #` starts it.
  return value.replace(/\s+#.*$/, '');
}

/** Reads the list; the passwords must have been masked already (passwordsIn). */
export function parseRegistryAuth(raw: string): RegistryLogin[] {
  const entries: Partial<Record<Key, string>>[] = [];
  let current: Partial<Record<Key, string>> | undefined;
  let indent = -1;
  raw.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const where = `line ${index + 1}`;
    const item = /^(\s*)-\s+(.*)$/.exec(line);
    let text: string;
    if (item) {
      current = {};
      entries.push(current);
      indent = item[1].length + line.slice(item[1].length).indexOf(item[2]);
      text = item[2];
    } else {
      const lead = /^\s*/.exec(line)![0].length;
      if (!current || lead !== indent) {
        throw new ConfigurationError(
          'registry-auth',
          `${where} is not part of a list entry (each entry starts with '- ', its keys aligned). ${EXAMPLE}`,
        );
      }
      text = line.trim();
    }
    const pair = /^([A-Za-z-]+)\s*:(?:\s+(.*))?$/.exec(text.trim());
    const key = pair?.[1] as Key | undefined;
    if (!pair || !key || !KEYS.includes(key)) {
      throw new ConfigurationError(
        'registry-auth',
        `${where} is not one of registry:, username:, password:. ${EXAMPLE}`,
      );
    }
    const value = scalar(pair[2] ?? '');
    if (value === undefined) {
      throw new ConfigurationError('registry-auth', `${where}: the ${key} value is not closed.`);
    }
    if (current[key] !== undefined) {
      throw new ConfigurationError(
        'registry-auth',
        `${where}: ${key} is given twice in one entry.`,
      );
    }
    current[key] = value;
  });

  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const missing = KEYS.filter((key) => !entry[key]);
    if (missing.length > 0) {
      throw new ConfigurationError(
        'registry-auth',
        `entry ${index + 1}${entry.registry ? ` (${entry.registry})` : ''} lacks ${missing.join(', ')}. Each entry needs registry, username and password; Docker Hub is docker.io.`,
      );
    }
    const registry = normaliseRegistry(entry.registry!);
    if (seen.has(registry)) {
      throw new ConfigurationError(
        'registry-auth',
        `lists ${registry} twice. Give one login a registry.`,
      );
    }
    seen.add(registry);
    return { registry, username: entry.username!, password: entry.password! };
  });
}
