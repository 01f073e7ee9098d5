import { getState, saveState } from '../../shared/runner';

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

export function savePostState(state: PostState): void {
  saveState('config-dir', state.configDir ?? '');
  saveState('login-server', state.loginServer ?? '');
  saveState('logout', String(state.logout));
}

export function readPostState(): PostState {
  return {
    configDir: getState('config-dir') || undefined,
    loginServer: getState('login-server') || undefined,
    logout: getState('logout') !== 'false',
  };
}
