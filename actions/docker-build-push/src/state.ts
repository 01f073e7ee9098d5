import type { Runner } from '../../shared/runner';

// What main hands to the post step. Saved before the first login, so a step failing after it
// still has its credentials removed.

/** Names of the step's temporary builders start with this; post removes only such a builder. */
export const TEMPORARY_BUILDER_PREFIX = 'docker-build-push-';

export interface PostState {
  /** The private docker config folder, when main made one. */
  configDir?: string;
  /** The registries main logs in to, `docker.io` for Docker Hub. */
  loginRegistries: string[];
  /** Whether post removes the login (the `logout` input). */
  logout: boolean;
  /** The step's temporary buildx builder, which post removes. */
  builder?: string;
}

export function savePostState(runner: Runner, state: PostState): void {
  runner.saveState('config-dir', state.configDir ?? '');
  runner.saveState('login-registries', state.loginRegistries.join('\n'));
  runner.saveState('logout', String(state.logout));
  runner.saveState('builder', state.builder ?? '');
}

export function readPostState(runner: Runner): PostState {
  return {
    configDir: runner.getState('config-dir') || undefined,
    loginRegistries: runner
      .getState('login-registries')
      .split('\n')
      .filter((line) => line !== ''),
    logout: runner.getState('logout') !== 'false',
    builder: runner.getState('builder') || undefined,
  };
}
