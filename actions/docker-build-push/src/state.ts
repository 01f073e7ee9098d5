import type { Runner } from '../../shared/runner';

// What main hands to the post step. Saved before the login, so a step failing after it still
// has its credentials removed.

export interface PostState {
  /** The private docker config folder, when main made one. */
  configDir?: string;
  /** Where main logged in: a registry host, or '' for Docker Hub. */
  loginServer?: string;
  /** Whether post removes the login (the `logout` input). */
  logout: boolean;
}

export function savePostState(runner: Runner, state: PostState): void {
  runner.saveState('config-dir', state.configDir ?? '');
  runner.saveState('login-server', state.loginServer ?? '');
  runner.saveState('logout', String(state.logout));
}

export function readPostState(runner: Runner): PostState {
  return {
    configDir: runner.getState('config-dir') || undefined,
    loginServer: runner.getState('login-server') || undefined,
    logout: runner.getState('logout') !== 'false',
  };
}
