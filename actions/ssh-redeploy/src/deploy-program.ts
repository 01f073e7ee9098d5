// Container mode's program: remote/deploy-container.sh (which says what it does), run after a
// prelude of the plan's values. container-spec.ts has checked every value from the inputs;
// the prelude quotes them all the same.
import { randomBytes } from 'node:crypto';
import { formatPort, formatVolume, type ContainerSpec } from './container-spec';
import { lines, remoteFiles, remoteProgram } from './remote-shell';

export interface DeployPlan {
  spec: ContainerSpec;
  registry?: { host: string; username: string; password: string };
  keepPrevious: boolean;
  prune: boolean;
  healthCmd?: string;
  healthTimeoutSeconds: number;
  rollback: boolean;
  stopTimeoutSeconds: number;
  /**
   * request-pty: the program runs on a terminal, where sudo prompts with `prompt` (which holds
   * the run's marker; SUDO_PROMPT for any sudo the program starts); with `docker`
   * (sudo-password), every docker command runs through sudo.
   */
  sudo?: { prompt: string; docker: boolean };
}

/**
 * The program marks the lines it means for the action with this, fresh for each deploy, so
 * that nothing the container prints can pass for one of them.
 */
export function newNonce(): string {
  return `srd-${randomBytes(12).toString('hex')}`;
}

const flag = (on: boolean) => (on ? '1' : '0');

export function deployProgram(plan: DeployPlan, nonce: string): string {
  const { spec, registry, sudo } = plan;
  return remoteProgram(
    remoteFiles.deployContainer(),
    {
      NONCE: nonce,
      NAME: spec.container,
      IMAGE: spec.image,
      RESTART: spec.restart,
      STOP_TIMEOUT: String(plan.stopTimeoutSeconds),
      HEALTH_TIMEOUT: String(plan.healthTimeoutSeconds),
      HEALTH_CMD: plan.healthCmd ?? '',
      KEEP_PREVIOUS: flag(plan.keepPrevious),
      ROLLBACK: flag(plan.rollback),
      PRUNE: flag(plan.prune),
      REGISTRY: registry?.host ?? '',
      REGISTRY_USERNAME: registry?.username ?? '',
      REGISTRY_PASSWORD: registry?.password ?? '',
      ENV_LINES: lines(spec.env.map(([key, value]) => `${key}=${value}`)),
      PORTS: lines(spec.ports.map(formatPort)),
      VOLUMES: lines(spec.volumes.map(formatVolume)),
      RUN_ARGS: lines(spec.runArgs),
      SUDO_ASK: sudo?.docker ? sudo.prompt : '',
    },
    sudo ? { SUDO_PROMPT: `${sudo.prompt}: ` } : {},
  );
}
