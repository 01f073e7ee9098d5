import type { Runner } from '../../shared/runner';

// What main hands to the post step. Saved before the first login, so a step failing after it
// still has its credentials removed.

export interface PostState {
  /** The private docker config folder, when main made one. */
  configDir?: string;
  /** The registries main logs in to, `docker.io` for Docker Hub. */
  loginRegistries: string[];
  /** Whether post removes the login (the `logout` input). */
  logout: boolean;
}

export function savePostState(runner: Runner, state: PostState): void {
  runner.saveState('config-dir', state.configDir ?? '');
  runner.saveState('login-registries', state.loginRegistries.join('\n'));
  runner.saveState('logout', String(state.logout));
}

export function readPostState(runner: Runner): PostState {
  return {
    configDir: runner.getState('config-dir') || undefined,
    loginRegistries: runner
      .getState('login-registries')
      .split('\n')
      .filter((line) => line !== ''),
    logout: runner.getState('logout') !== 'false',
  };
}
