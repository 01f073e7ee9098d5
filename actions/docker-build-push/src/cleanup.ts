import { basename } from 'node:path';
import type { ActionContext } from '../../shared/context';
import { runPostStep } from '../../shared/step';
import { DockerCli, errorOutput, lastLines } from './docker-cli';
import { loginsOutsideFile, readConfigFile, removePrivateConfig } from './docker-config';
import { loginServerOf, registryLabel } from './image-name';
import { readPostState, TEMPORARY_BUILDER_PREFIX } from './state';

export async function run(): Promise<void> {
  await runPostStep(cleanup);
}

/**
 * Removes the step's temporary builder, then logs out and removes the private docker config,
 * unless `logout: false` kept the login for later steps (the runner empties RUNNER_TEMP when
 * the job ends). Warns, never fails the job.
 */
export async function cleanup(ctx: ActionContext): Promise<void> {
  const { log } = ctx;
  const state = readPostState(ctx.runner);
  if (!state.configDir) return;
  // Only ever delete what main made: a folder of this action's, by its name.
  if (!basename(state.configDir).startsWith('docker-build-push-config-')) {
    log.warning(`Not removing ${state.configDir}: it is not a folder this action made.`);
    return;
  }
  const docker = new DockerCli(ctx.exec, ctx.env).withEnv({ DOCKER_CONFIG: state.configDir });
  if (state.builder) await removeBuilder(ctx, docker, state.builder);
  if (!state.logout && state.loginRegistries.length > 0) {
    log.info(`Keeping the login in ${state.configDir} for the rest of the job (logout: false).`);
    return;
  }
  // A login the private config.json holds goes with the folder: no docker process is needed.
  // Those in a credential store or helper are logged out of, at once: the folder goes right
  // after, so logouts racing on its config.json lose nothing.
  const outside = loginsOutsideFile(await readConfigFile(state.configDir), state.loginRegistries);
  const results = await Promise.all(
    outside.map((registry) => {
      const server = loginServerOf(registry);
      return docker.exec(server ? ['logout', server] : ['logout']);
    }),
  );
  for (const [index, result] of results.entries()) {
    if (result.code !== 0) {
      log.warning(
        `docker logout of ${registryLabel(outside[index])} failed (${lastLines(errorOutput(result))}); removing the credentials anyway.`,
      );
    }
  }
  await removePrivateConfig(state.configDir);
  if (state.loginRegistries.length === 0) {
    log.info(`Removed ${state.configDir}.`);
    return;
  }
  const from = state.loginRegistries.map(registryLabel).join(', ');
  log.info(`Logged out of ${from} and removed ${state.configDir}.`);
}

/** `docker buildx rm` of the temporary builder: its BuildKit container and its record go. */
async function removeBuilder(
  { log }: Pick<ActionContext, 'log'>,
  docker: DockerCli,
  name: string,
): Promise<void> {
  if (!name.startsWith(TEMPORARY_BUILDER_PREFIX)) {
    log.warning(`Not removing the builder ${name}: it is not one this action made.`);
    return;
  }
  const result = await docker.exec(['buildx', 'rm', name]);
  if (result.code === 0) {
    log.info(`Removed the temporary builder ${name}.`);
  } else {
    log.warning(
      `Removing the temporary builder ${name} failed (${lastLines(errorOutput(result))}); remove it with docker buildx rm ${name} (its BuildKit container is buildx_buildkit_${name}0).`,
    );
  }
}
