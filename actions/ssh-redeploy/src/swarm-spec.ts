// Service mode's inputs, each checked against Docker's own grammar, and the arguments of
// `docker service create` and `docker service update` made from them. Nothing here runs
// anything: swarm-deploy.ts hands the arguments, one a line, to remote/swarm-apply.sh.
import { ConfigurationError } from '../../shared/errors';
import { parseLines } from '../../shared/input-values';
import type { VolumeMount } from './container-spec';

export interface ServicePort {
  mode: 'host' | 'ingress';
  published: number;
  target: number;
  protocol: 'tcp' | 'udp';
}

export type UpdateOrder = 'start-first' | 'stop-first';

export interface ServiceSpec {
  service: string;
  image?: string;
  ports: ServicePort[];
  volumes: VolumeMount[];
  env: Array<[string, string]>;
  /** Given: the service's replicas (create: default 1; update: unchanged when absent). */
  replicas?: number;
  networks: string[];
  constraints: string[];
  healthCmd?: string;
  updateParallelism: number;
  updateDelayMs: number;
  /** Absent: start-first, or stop-first when a port is published in host mode. */
  updateOrder?: UpdateOrder;
  /** Swarm's --update-monitor: how long each new task must stay up. */
  monitorMs: number;
  rollback: boolean;
  maxFailureRatio: number;
  stopGracePeriodMs: number;
}

/**
 * Swarm's rule for service names (a DNS label: letters, digits and '-', not at either end, at
 * most 63 characters); stacks prefix them with `<stack>_`, which a name may then hold.
 */
const SERVICE_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;

export function parseServiceName(input: string, raw: string): string {
  if (!SERVICE_NAME.test(raw)) {
    throw new ConfigurationError(
      input,
      `'${raw}' is not a Swarm ${input === 'stack' ? 'stack' : 'service'} name: letters, digits, '-' and '_', starting and ending with a letter or digit, at most 63 characters.`,
    );
  }
  return raw;
}

/** Network names as Docker takes them. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function parseNetworks(raw: string): string[] {
  return parseLines(raw).flatMap((line) =>
    line.split(',').map((name) => {
      const network = name.trim();
      if (!NETWORK_NAME.test(network)) {
        throw new ConfigurationError(
          'networks',
          `'${network}' is not a network name: letters, digits, '_', '.' and '-', starting with a letter or digit.`,
        );
      }
      return network;
    }),
  );
}

/**
 * `constraints`: one a line, `node.role==worker`, `node.labels.zone!=b`..., as Swarm reads them:
 * a key of letters, digits and `._-`, `==` or `!=`, and a value without spaces or commas (a
 * comma would split the flag's value in two).
 */
const CONSTRAINT = /^(node|engine)\.[a-zA-Z0-9_.-]+ *(==|!=) *[^\s,]+$/;

export function parseConstraints(raw: string): string[] {
  return parseLines(raw).map((line) => {
    if (!CONSTRAINT.test(line)) {
      throw new ConfigurationError(
        'constraints',
        `'${line}' is not a placement constraint. Write one a line, e.g. node.role==worker or node.labels.zone!=b.`,
      );
    }
    return line.replace(/ +/g, '');
  });
}

function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `ports` in service mode: one a line, `[mode=host,]published:target[/udp]`. */
export function parseServicePorts(raw: string): ServicePort[] {
  return parseLines(raw).map((line) => {
    const match = /^(?:mode=(host|ingress),)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(line);
    const published = match ? portNumber(match[2]) : undefined;
    const target = match ? portNumber(match[3]) : undefined;
    if (!match || published === undefined || target === undefined) {
      throw new ConfigurationError(
        'ports',
        `'${line}' is not a published port of a service. Write [mode=host,]published:target[/udp], one a line, e.g. 8050:8050 (through the routing mesh) or mode=host,8050:8050.`,
      );
    }
    return {
      mode: (match[1] ?? 'ingress') as ServicePort['mode'],
      published,
      target,
      protocol: (match[4] ?? 'tcp') as ServicePort['protocol'],
    };
  });
}

function formatServicePort(port: ServicePort): string {
  return `mode=${port.mode},published=${port.published},target=${port.target},protocol=${port.protocol}`;
}

/** A mount as `docker service create --mount` takes it. */
function formatMount(volume: VolumeMount): string {
  const type = volume.source.startsWith('/') ? 'bind' : 'volume';
  return `type=${type},source=${volume.source},target=${volume.target}${volume.readOnly ? ',readonly' : ''}`;
}

/** A ratio from 0 to 1, as Swarm's --update-max-failure-ratio takes it. */
export function parseRatio(input: string, raw: string): number {
  const text = raw.trim();
  const value = Number(text);
  if (!/^(0|1|0?\.\d+|1\.0*)$/.test(text) || value < 0 || value > 1) {
    throw new ConfigurationError(
      input,
      `'${raw}' must be a fraction from 0 to 1 (0.2 lets one task in five fail).`,
    );
  }
  return value;
}

export function parseUpdateOrder(raw: string): UpdateOrder | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (text === 'start-first' || text === 'stop-first') return text;
  throw new ConfigurationError(
    'update-order',
    `'${raw}' is not an update order: start-first (a new task is healthy before an old one stops) or stop-first.`,
  );
}

/** Durations as Docker reads them: whole milliseconds. */
function dockerDuration(ms: number): string {
  return `${Math.round(ms)}ms`;
}

export interface UpdateOrderChoice {
  order: UpdateOrder;
  /** Why stop-first was chosen for the user, for a notice. */
  notice?: string;
}

/**
 * start-first keeps the service answering through an update; a port published in host mode
 * can be held by one task per node only, so there stop-first it must be.
 */
export function chooseUpdateOrder(
  spec: Pick<ServiceSpec, 'updateOrder' | 'service'>,
  hostModePorts: number[],
): UpdateOrderChoice {
  if (spec.updateOrder) return { order: spec.updateOrder };
  if (hostModePorts.length === 0) return { order: 'start-first' };
  return {
    order: 'stop-first',
    notice: `${spec.service} publishes port ${hostModePorts.join(', ')} in host mode, where two tasks on one node would clash: updating stop-first (each old task stops before its new one starts). Publish through the routing mesh (ingress) for start-first updates, or set update-order.`,
  };
}

/** The settings of an update, and of the rollback Swarm makes when one fails. */
function updateFlags(spec: ServiceSpec, order: UpdateOrder): string[] {
  const flags: string[] = [];
  for (const kind of ['update', 'rollback']) {
    flags.push(
      `--${kind}-parallelism=${spec.updateParallelism}`,
      `--${kind}-delay=${dockerDuration(spec.updateDelayMs)}`,
      `--${kind}-order=${order}`,
      `--${kind}-monitor=${dockerDuration(spec.monitorMs)}`,
      `--${kind}-max-failure-ratio=${spec.maxFailureRatio}`,
    );
  }
  flags.push(`--update-failure-action=${spec.rollback ? 'rollback' : 'pause'}`);
  flags.push('--rollback-failure-action=pause');
  return flags;
}

/**
 * The argument remote/swarm-docker.sh replaces with the health-cmd flags when the image has no
 * HEALTHCHECK of its own (Swarm's flags would override it), and drops otherwise.
 */
export const HEALTH_ARGUMENT = '@health';

/** health-cmd as Swarm's flags, for the image that has no HEALTHCHECK. */
export function healthFlags(spec: ServiceSpec): string[] {
  if (spec.healthCmd === undefined) return [];
  return [`--health-cmd=${spec.healthCmd}`, '--health-interval=2s', '--health-retries=3'];
}

/**
 * Flags that take back an earlier health-cmd of the service's spec, when the image has a
 * HEALTHCHECK now: with no command and no interval or retries, Docker runs the image's.
 */
export function healthResetFlags(existingTest: string[]): string[] {
  if (existingTest[0] !== 'CMD' && existingTest[0] !== 'CMD-SHELL') return [];
  return ['--health-cmd=', '--health-interval=0s', '--health-retries=0'];
}

const healthPlace = (spec: ServiceSpec) => (spec.healthCmd === undefined ? [] : [HEALTH_ARGUMENT]);

/** `docker service create` for a service that does not exist yet. */
export function createArguments(spec: ServiceSpec, order: UpdateOrder, image: string): string[] {
  return [
    'service',
    'create',
    '--detach',
    '--with-registry-auth',
    `--name=${spec.service}`,
    `--replicas=${spec.replicas ?? 1}`,
    `--stop-grace-period=${dockerDuration(spec.stopGracePeriodMs)}`,
    ...updateFlags(spec, order),
    ...spec.ports.map((port) => `--publish=${formatServicePort(port)}`),
    ...spec.volumes.map((volume) => `--mount=${formatMount(volume)}`),
    ...spec.env.map(([key, value]) => `--env=${key}=${value}`),
    ...spec.networks.map((network) => `--network=${network}`),
    ...spec.constraints.map((constraint) => `--constraint=${constraint}`),
    ...healthPlace(spec),
    image,
  ];
}

/** What a service already has, as far as an update needs to know. */
export interface ExistingService {
  ports: Array<{ published: number; target: number; protocol: string; mode: string }>;
  mounts: string[];
  env: string[];
  constraints: string[];
}

/**
 * `docker service update` to the new image and settings. Lists given replace what the service
 * has (ports, mounts, env, constraints); lists not given are left alone. Networks are set at
 * creation only: Swarm names a service's networks by ID, and moving a running service between
 * networks is a change of its own.
 */
export function updateArguments(
  spec: ServiceSpec,
  order: UpdateOrder,
  existing: ExistingService,
): string[] {
  const args = ['service', 'update', '--detach', '--with-registry-auth'];
  if (spec.image !== undefined) args.push(`--image=${spec.image}`);
  if (spec.replicas !== undefined) args.push(`--replicas=${spec.replicas}`);
  args.push(`--stop-grace-period=${dockerDuration(spec.stopGracePeriodMs)}`);
  args.push(...updateFlags(spec, order));
  if (spec.ports.length > 0) {
    for (const port of existing.ports) {
      args.push(`--publish-rm=${port.published}`);
    }
    args.push(...spec.ports.map((port) => `--publish-add=${formatServicePort(port)}`));
  }
  if (spec.volumes.length > 0) {
    for (const target of existing.mounts) args.push(`--mount-rm=${target}`);
    args.push(...spec.volumes.map((volume) => `--mount-add=${formatMount(volume)}`));
  }
  if (spec.env.length > 0) {
    const given = new Set(spec.env.map(([key]) => key));
    for (const entry of existing.env) {
      const key = entry.split('=')[0];
      if (!given.has(key)) args.push(`--env-rm=${key}`);
    }
    args.push(...spec.env.map(([key, value]) => `--env-add=${key}=${value}`));
  }
  if (spec.constraints.length > 0) {
    for (const constraint of existing.constraints) {
      if (!spec.constraints.includes(constraint)) args.push(`--constraint-rm=${constraint}`);
    }
    for (const constraint of spec.constraints) {
      if (!existing.constraints.includes(constraint)) args.push(`--constraint-add=${constraint}`);
    }
  }
  args.push(...healthPlace(spec));
  args.push(spec.service);
  return args;
}
