import { basename } from 'node:path';
import * as runner from '../../shared/runner';
import { runPostStep } from '../../shared/step';
import { DockerCli, lastLines, runCommand } from './docker-cli';
import { removePrivateConfig } from './docker-config';
import { readPostState } from './state';

/**
 * Logs out and removes the private docker config, unless `logout: false` kept it for later
 * steps (the runner empties RUNNER_TEMP when the job ends). Warns, never fails the job.
 */
async function post(): Promise<void> {
  const state = readPostState();
  if (!state.configDir) return;
  if (!state.logout) {
    runner.info(`Keeping the login in ${state.configDir} for the rest of the job (logout: false).`);
    return;
  }
  // Only ever delete what main made: a folder of this action's, by its name.
  if (!basename(state.configDir).startsWith('docker-build-push-config-')) {
    runner.warning(`Not removing ${state.configDir}: it is not a folder this action made.`);
    return;
  }
  const docker = new DockerCli(runCommand, { DOCKER_CONFIG: state.configDir });
  const args = state.loginServer ? ['logout', state.loginServer] : ['logout'];
  const result = await docker.exec(args);
  if (result.code !== 0) {
    runner.warning(
      `docker logout failed (${lastLines(result.stderr)}); removing the credentials anyway.`,
    );
  }
  await removePrivateConfig(state.configDir);
  runner.info(`Logged out of ${state.loginServer ?? 'Docker Hub'} and removed ${state.configDir}.`);
}

runPostStep(post);
