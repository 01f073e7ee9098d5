import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Keys of config.json that hold or route credentials: the private config starts without them. */
const CREDENTIAL_KEYS = ['auths', 'credsStore', 'credHelpers'];
/**
 * Folders of the user's config that carry no credential but make the CLI what it is: plugins
 * (buildx), contexts (where DOCKER_CONTEXT points) and buildx's builder instances. They are
 * linked, not copied: buildx records its state there.
 */
const LINKED_FOLDERS = ['cli-plugins', 'contexts', 'buildx'];

/** Where the docker CLI looks for system-wide plugins on Linux, after the config's own folder. */
const SYSTEM_PLUGIN_FOLDERS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

/**
 * The files the docker CLI would run for `docker buildx`: in the config's `cli-plugins`, the
 * config's `cliPluginsExtraDirs`, and the system folders. None existing means no buildx.
 */
export function buildxPluginCandidates(userDir: string, config: Record<string, unknown>): string[] {
  const extra = Array.isArray(config.cliPluginsExtraDirs)
    ? config.cliPluginsExtraDirs.filter((dir): dir is string => typeof dir === 'string')
    : [];
  return [join(userDir, 'cli-plugins'), ...extra, ...SYSTEM_PLUGIN_FOLDERS].map((dir) =>
    join(dir, 'docker-buildx'),
  );
}

/** The docker config folder the step would use without the action. */
export function userConfigDir(env: Record<string, string | undefined>): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/**
 * Strips credentials from a config.json, keeping everything else (current context, proxies,
 * plugin folders, output formats). A store or helper is dropped too: with one, `docker login`
 * would write the password to the runner's keychain instead of the private folder.
 */
export function withoutCredentials(config: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!CREDENTIAL_KEYS.includes(key)) kept[key] = value;
  }
  return kept;
}

/**
 * The user's config.json, or {} when there is none or it cannot be read (an unreadable config
 * gives nothing to keep; the CLI would refuse it anyway).
 */
export async function readUserConfig(userDir: string): Promise<Record<string, unknown>> {
  return (await readConfigFile(userDir)) ?? {};
}

/** The keys under which a config's `auths`/`credHelpers` may hold a registry's credentials. */
function configKeys(registry: string): string[] {
  if (registry === 'docker.io') {
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  }
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`];
}

function section(config: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = config[key];
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * Whether the user's config may hold credentials for a registry: an `auths` entry or a
 * credential helper for it, or a credential store (which may hold anything).
 */
export function hasUserCredentials(config: Record<string, unknown>, registry: string): boolean {
  if (typeof config.credsStore === 'string' && config.credsStore !== '') return true;
  const auths = section(config, 'auths');
  const helpers = section(config, 'credHelpers');
  return configKeys(registry).some((key) => key in auths || key in helpers);
}

/**
 * Of the registries the step logged in to, those whose credentials the CLI may have put outside
 * the private config.json: every one when the file names a credential store (the CLI picks one
 * by itself when it finds `docker-credential-secretservice` or `docker-credential-pass` on PATH
 * and the file holds no credentials), else those with a credential helper. Only these need
 * `docker logout`; a login the file holds in `auths` goes when the folder is removed. A file
 * that cannot be read (`undefined`) leaves every registry to log out of.
 */
export function loginsOutsideFile(
  config: Record<string, unknown> | undefined,
  registries: string[],
): string[] {
  if (config === undefined) return registries;
  if (typeof config.credsStore === 'string' && config.credsStore !== '') return registries;
  const helpers = section(config, 'credHelpers');
  return registries.filter((registry) => configKeys(registry).some((key) => key in helpers));
}

/** A config.json as the CLI left it; undefined when it is missing or not a JSON object. */
export async function readConfigFile(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The user's `auths` and `credHelpers` entries for the given registries, which the private
 * config keeps: the step pushes there without a login of its own. Everything else is left out.
 */
export function credentialsFor(
  config: Record<string, unknown>,
  registries: string[],
): Record<string, unknown> {
  const kept: Record<string, Record<string, unknown>> = {};
  for (const name of ['auths', 'credHelpers']) {
    const entries = section(config, name);
    for (const registry of registries) {
      for (const key of configKeys(registry)) {
        if (key in entries) (kept[name] ??= {})[key] = entries[key];
      }
    }
  }
  return kept;
}

export interface PrivateConfigOptions {
  /** No login goes into the folder: the user's credentials (a store or helpers too) all stay. */
  keepCredentials?: boolean;
  /**
   * Folders of the step's own instead of links to the user's: `buildx` for the temporary
   * builder, `cli-plugins` for a downloaded buildx (the user's other plugins linked inside).
   */
  ownFolders?: string[];
}

/**
 * Makes a docker config folder of this step's own under RUNNER_TEMP (mode 700), so a login
 * never lands in the runner user's ~/.docker, which parallel jobs on a self-hosted runner share.
 * The user's credentials for `keepFor` (registries the step pushes to without a login) stay.
 */
export async function createPrivateConfig(
  runnerTemp: string,
  userDir: string,
  config: Record<string, unknown>,
  keepFor: string[] = [],
  options: PrivateConfigOptions = {},
): Promise<{ dir: string; dropped: string[] }> {
  const dir = await mkdtemp(join(runnerTemp, 'docker-build-push-config-'));
  await chmod(dir, 0o700);
  const dropped = options.keepCredentials ? [] : CREDENTIAL_KEYS.filter((key) => key in config);
  const written = options.keepCredentials
    ? config
    : { ...withoutCredentials(config), ...credentialsFor(config, keepFor) };
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(written, null, 2)}\n`, {
    mode: 0o600,
  });
  const own = options.ownFolders ?? [];
  for (const folder of LINKED_FOLDERS) {
    const target = join(userDir, folder);
    if (own.includes(folder)) {
      await mkdir(join(dir, folder), { mode: 0o700 });
      // The user's other plugins (compose, ...) stay usable; buildx is the step's own.
      if (folder === 'cli-plugins' && existsSync(target)) {
        for (const entry of await readdir(target)) {
          if (entry !== 'docker-buildx')
            await symlink(join(target, entry), join(dir, folder, entry));
        }
      }
    } else if (existsSync(target)) {
      await symlink(target, join(dir, folder));
    }
  }
  return { dir, dropped };
}

/** Removes the private folder; the links inside go, what they point at stays. */
export async function removePrivateConfig(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
