import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile, chmod } from 'node:fs/promises';
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
 * Makes a docker config folder of this step's own under RUNNER_TEMP (mode 700), so a login
 * never lands in the runner user's ~/.docker, which parallel jobs on a self-hosted runner share.
 */
export async function createPrivateConfig(
  runnerTemp: string,
  userDir: string,
): Promise<{ dir: string; dropped: string[] }> {
  const dir = await mkdtemp(join(runnerTemp, 'docker-build-push-config-'));
  await chmod(dir, 0o700);
  let config: Record<string, unknown> = {};
  const userFile = join(userDir, 'config.json');
  if (existsSync(userFile)) {
    try {
      const parsed: unknown = JSON.parse(await readFile(userFile, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        config = parsed as Record<string, unknown>;
      }
    } catch {
      // An unreadable config gives nothing to keep; the CLI would refuse it anyway.
    }
  }
  const dropped = CREDENTIAL_KEYS.filter((key) => key in config);
  await writeFile(
    join(dir, 'config.json'),
    `${JSON.stringify(withoutCredentials(config), null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  for (const folder of LINKED_FOLDERS) {
    const target = join(userDir, folder);
    if (existsSync(target)) await symlink(target, join(dir, folder));
  }
  return { dir, dropped };
}

/** Removes the private folder; the links inside go, what they point at stays. */
export async function removePrivateConfig(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
