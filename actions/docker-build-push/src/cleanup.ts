import { basename } from 'node:path';
import type { ActionContext } from '../../shared/context';
import { runPostStep } from '../../shared/step';
import { DockerCli, errorOutput, lastLines } from './docker-cli';
import { removePrivateConfig } from './docker-config';
import { loginServerOf, registryLabel } from './image-name';
import { readPostState } from './state';

export async function run(): Promise<void> {
  await runPostStep(cleanup);
}

/**
 * Logs out and removes the private docker config, unless `logout: false` kept it for later
 * steps (the runner empties RUNNER_TEMP when the job ends). Warns, never fails the job.
 */
export async function cleanup(ctx: ActionContext): Promise<void> {
  const { log } = ctx;
  const state = readPostState(ctx.runner);
  if (!state.configDir) return;
  if (!state.logout) {
    log.info(`Keeping the login in ${state.configDir} for the rest of the job (logout: false).`);
    return;
  }
  // Only ever delete what main made: a folder of this action's, by its name.
  if (!basename(state.configDir).startsWith('docker-build-push-config-')) {
    log.warning(`Not removing ${state.configDir}: it is not a folder this action made.`);
    return;
  }
  const docker = new DockerCli(ctx.exec, ctx.env).withEnv({ DOCKER_CONFIG: state.configDir });
  for (const registry of state.loginRegistries) {
    const server = loginServerOf(registry);
    const result = await docker.exec(server ? ['logout', server] : ['logout']);
    if (result.code !== 0) {
      log.warning(
        `docker logout of ${registryLabel(registry)} failed (${lastLines(errorOutput(result))}); removing the credentials anyway.`,
      );
    }
  }
  await removePrivateConfig(state.configDir);
  const from = state.loginRegistries.map(registryLabel).join(', ');
  log.info(`Logged out of ${from || 'no registry'} and removed ${state.configDir}.`);
}
