import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError, errorMessage } from '../../shared/errors';
import { formatHostPort } from '../../shared/host-port';
import {
  parseBoolean,
  parseInteger,
  parseList,
  parsePositiveDuration,
} from '../../shared/input-values';
import { parseDuration } from '../../shared/duration';
import { maskSecret } from '../../shared/mask';
import type { Runner } from '../../shared/runner';
import {
  parseContainerName,
  parseEnv,
  parseImage,
  parsePorts,
  parseRegistry,
  parseRestart,
  parseRunArgs,
  parseVolumes,
  type ContainerSpec,
} from './container-spec';
import {
  entriesFor,
  howToGetFingerprint,
  knownHostsName,
  fingerprintsFor,
  parseFingerprints,
  parseKnownHosts,
  type HostKeyPolicy,
  type KnownHostsEntry,
} from './host-keys';
import { isHostname, parsePort, parseTargets, parseUsername, type Target } from './hosts';
import { readKeyFile } from './keys';
import { isAssignableName } from './remote-shell';
import {
  parseConstraints,
  parseNetworks,
  parseRatio,
  parseServiceName,
  parseServicePorts,
  parseUpdateOrder,
  type ServiceSpec,
} from './swarm-spec';
import type { Credentials, Endpoint } from './ssh';
import { parseFileMode, parseUploadMappings, type UploadSettings } from './upload-plan';

export interface ScriptMode {
  kind: 'script';
  script: string;
  /** The `envs` variables with their values from the step's environment. */
  variables: Record<string, string>;
  /** request-pty: the script runs on a terminal, where sudo's prompt gets sudo-password. */
  terminal?: { sudoPassword?: string };
}

export interface ContainerMode {
  kind: 'container';
  spec: ContainerSpec;
  registry?: { host: string; username: string; password: string };
  keepPrevious: boolean;
  prune: boolean;
  healthCmd?: string;
  healthTimeoutMs: number;
  rollback: boolean;
  stopTimeoutSeconds: number;
  /**
   * request-pty: the deploy program runs on a terminal, where sudo's prompt gets
   * sudo-password; with sudo-password, docker runs through sudo.
   */
  terminal?: { sudoPassword?: string };
}

/** `upload` with no script or deploy: the step only copies files. */
export interface UploadOnlyMode {
  kind: 'upload';
}

export interface ServiceMode {
  kind: 'service';
  spec: ServiceSpec;
  registry?: { host: string; username: string; password: string };
}

export interface StackMode {
  kind: 'stack';
  stack: string;
  /** The compose file's path in the workspace, as given, and resolved. */
  composeFile: { given: string; path: string };
  image?: string;
  /** Services whose image becomes `image`; empty: those of the same repository. */
  stackServices: string[];
  prune: boolean;
  registry?: { host: string; username: string; password: string };
}

export interface Inputs {
  targets: Target[];
  credentials: Credentials;
  hostKeys: HostKeyPolicy;
  /** Set when insecure-skip-host-key-check is true and nothing else verifies the hosts. */
  insecure: boolean;
  proxy?: { endpoint: Endpoint; hostKeys: HostKeyPolicy };
  connectTimeoutMs: number;
  retries: number;
  keepaliveIntervalMs: number;
  commandTimeoutMs: number;
  parallel: number;
  failFast: boolean;
  mode: ScriptMode | ContainerMode | ServiceMode | StackMode | UploadOnlyMode;
  /** `upload`: files copied to every host before the script or the deploy. */
  upload?: UploadSettings;
  /** debug: each connection's log (algorithms, authentication, host key) in a log group. */
  debug: boolean;
  /** Things worth a warning that are not errors. */
  notes: string[];
}

/** Values this short are everywhere in logs (ports, flags): masked on their own they garble them. */
const SHORTEST_MASKED_VALUE = 6;

/**
 * Reads and checks every input; `environment` holds the variables `envs` names. Secrets are
 * masked before anything can print them.
 */
export function getInputs(runner: Runner, environment: NodeJS.ProcessEnv): Inputs {
  const secret = (value: string) => maskSecret(value, (form) => runner.setSecret(form));
  const key = secret(readKeys(runner, environment));
  const passphrase = secret(runner.getInput('passphrase'));
  const password = secret(runner.getInput('password'));
  const proxyKey = secret(runner.getInput('proxy-key'));
  const proxyPassphrase = secret(runner.getInput('proxy-passphrase'));
  const proxyPassword = secret(runner.getInput('proxy-password'));
  const registryPassword = secret(runner.getInput('registry-password'));
  const envText = secret(runner.getInput('env'));
  const sudoPassword = secret(runner.getInput('sudo-password'));
  const notes: string[] = [];

  const port = parsePort('port', runner.getInput('port'));
  const usernameText = runner.getInput('username');
  const username = usernameText === '' ? undefined : parseUsername('username', usernameText);
  const targets = parseTargets(runner.getInput('host'), { port, username });

  if (key === '' && password === '') {
    throw new ConfigurationError(
      'key',
      'is required (or password): the private key to log in with, as a secret: key: ${{ secrets.DEPLOY_KEY }}.',
    );
  }
  const credentials: Credentials = {
    privateKey: key || undefined,
    passphrase: passphrase || undefined,
    password: password || undefined,
  };

  const knownHostsText = runner.getInput('known-hosts');
  const knownHosts = knownHostsText === '' ? [] : parseKnownHosts('known-hosts', knownHostsText);
  const fingerprints = parseFingerprints('fingerprint', runner.getInput('fingerprint'));
  const skipRequested = parseBoolean(
    'insecure-skip-host-key-check',
    runner.getInput('insecure-skip-host-key-check'),
  );
  const verified = fingerprints.length > 0 || knownHosts.length > 0;
  if (skipRequested && verified) {
    notes.push(
      "insecure-skip-host-key-check is ignored: 'fingerprint' or 'known-hosts' is given, so host keys are verified.",
    );
  }
  const insecure = skipRequested && !verified;
  if (!verified && !insecure) {
    throw new ConfigurationError(
      'fingerprint',
      howToGetFingerprint(targets[0].host, targets[0].port),
    );
  }
  const hostKeys: HostKeyPolicy = { fingerprints, knownHosts, skip: insecure };
  if (!insecure) requireAWayToVerify(hostKeys, targets);

  const proxy = readProxy(
    runner,
    { username, credentials, knownHosts, insecure },
    { key: proxyKey, passphrase: proxyPassphrase, password: proxyPassword },
  );

  const mode = readMode(runner, environment, { envText, registryPassword });
  const terminal = readTerminal(runner, mode.kind, sudoPassword);
  if ((mode.kind === 'script' || mode.kind === 'container') && terminal) mode.terminal = terminal;
  const upload = readUpload(runner, mode.kind);
  const commandTimeoutMs = parsePositiveDuration(
    'command-timeout',
    runner.getInput('command-timeout'),
  );
  if (mode.kind === 'service' && mode.spec.monitorMs >= commandTimeoutMs) {
    throw new ConfigurationError(
      'command-timeout',
      'must be longer than health-timeout: each step of a rolling update waits health-timeout, and the whole update runs within command-timeout.',
    );
  }
  if (mode.kind === 'container' && mode.healthTimeoutMs >= commandTimeoutMs) {
    throw new ConfigurationError(
      'command-timeout',
      'must be longer than health-timeout: the deploy, health check included, runs within it, and a deploy killed half-way cannot roll back.',
    );
  }

  return {
    targets,
    credentials,
    hostKeys,
    insecure,
    proxy,
    connectTimeoutMs: parsePositiveDuration('connect-timeout', runner.getInput('connect-timeout')),
    retries: parseInteger('retries', runner.getInput('retries'), 0, 10),
    keepaliveIntervalMs: parseDuration('keepalive-interval', runner.getInput('keepalive-interval')),
    commandTimeoutMs,
    parallel: parseInteger('parallel', runner.getInput('parallel'), 1, 100),
    failFast: parseBoolean('fail-fast', runner.getInput('fail-fast')),
    mode,
    upload,
    debug: parseBoolean('debug', runner.getInput('debug')),
    notes,
  };
}

/**
 * `request-pty` and `sudo-password`: a terminal for the script or the deploy program, where
 * sudo gets its answer.
 */
function readTerminal(
  runner: Runner,
  kind: Inputs['mode']['kind'],
  sudoPassword: string,
): ScriptMode['terminal'] {
  const requested = parseBoolean('request-pty', runner.getInput('request-pty'));
  if (!requested) {
    if (sudoPassword !== '') {
      throw new ConfigurationError(
        'sudo-password',
        'needs request-pty: true: sudo asks for its password on a terminal, and the step answers it there.',
      );
    }
    return undefined;
  }
  if (kind !== 'script' && kind !== 'container') {
    throw new ConfigurationError(
      'request-pty',
      kind === 'upload'
        ? 'is for a script or a container deploy: an upload alone runs no command. Remove it.'
        : 'is for script and container modes: Swarm mode runs docker without a terminal, so the user needs access to the Docker daemon (the docker group). Remove it.',
    );
  }
  return sudoPassword === '' ? {} : { sudoPassword };
}

/** `key`, or `key-file` (the key or keys in a file the job wrote): one of the two. */
function readKeys(runner: Runner, environment: NodeJS.ProcessEnv): string {
  const key = runner.getInput('key');
  const keyFile = runner.getInput('key-file');
  if (keyFile === '') return key;
  if (key !== '') {
    throw new ConfigurationError(
      'key-file',
      'cannot be combined with key: give the keys in one of them (key may hold several, one after another).',
    );
  }
  return readKeyFile(keyFile, environment.GITHUB_WORKSPACE ?? '.');
}

/** `script`, or `script-file` (a file of the workspace): one of the two. */
function readScript(runner: Runner, environment: NodeJS.ProcessEnv): string {
  const script = runner.getInput('script');
  const scriptFile = runner.getInput('script-file');
  if (scriptFile === '') return script;
  if (script !== '') {
    throw new ConfigurationError(
      'script-file',
      'cannot be combined with script: give the script in one of them.',
    );
  }
  const file = path.resolve(environment.GITHUB_WORKSPACE ?? '.', scriptFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      'script-file',
      `cannot read ${scriptFile} (${errorMessage(error)}): give a path in the workspace, after actions/checkout.`,
    );
  }
  if (text.trim() === '') {
    throw new ConfigurationError('script-file', `${scriptFile} is empty: nothing to run.`);
  }
  return text;
}

function readUpload(runner: Runner, kind: Inputs['mode']['kind']): UploadSettings | undefined {
  const mappings = parseUploadMappings(runner.getInput('upload'));
  const fileMode = parseFileMode(runner.getInput('upload-mode'));
  const mirror = parseBoolean('upload-delete', runner.getInput('upload-delete'));
  if (mappings.length === 0) {
    const stray = fileMode !== undefined ? 'upload-mode' : mirror ? 'upload-delete' : undefined;
    if (stray) {
      throw new ConfigurationError(
        'upload',
        `is required with ${stray}: the files to copy, LOCAL => REMOTE a line.`,
      );
    }
    return undefined;
  }
  if (kind === 'service' || kind === 'stack') {
    throw new ConfigurationError(
      'upload',
      `is for script and container modes, not ${kind} mode: Swarm runs the services on nodes of its choice. Upload in a step of its own (upload without script), to each node that needs the files.`,
    );
  }
  return { mappings, fileMode, mirror };
}

/**
 * A host that no fingerprint and no known-hosts line applies to could never be verified: say
 * so now, before connecting anywhere.
 */
function requireAWayToVerify(policy: HostKeyPolicy, targets: Target[]): void {
  for (const target of targets) {
    if (fingerprintsFor(policy, target.host, target.port).length > 0) continue;
    const lines = entriesFor(policy, target.host, target.port).filter((entry) => !entry.revoked);
    if (lines.length > 0) continue;
    const name = knownHostsName(target.host, target.port);
    if (policy.fingerprints.length > 0) {
      throw new ConfigurationError(
        'fingerprint',
        `has no fingerprint for ${formatHostPort(target.host, target.port === 22 ? undefined : target.port)}: each of its lines is bound to another host. Add a line '${name} SHA256:...' for it${policy.knownHosts.length > 0 ? ', or a known-hosts line' : ''}.`,
      );
    }
    throw new ConfigurationError(
      'known-hosts',
      `has no line for ${name}${target.port === 22 ? '' : ' (off port 22, known_hosts names a host [host]:port)'}. ` +
        `Add the output of ssh-keyscan ${target.port === 22 ? '' : `-p ${target.port} `}${target.host}, or give 'fingerprint'.`,
    );
  }
}

function readProxy(
  runner: Runner,
  main: {
    username?: string;
    credentials: Credentials;
    knownHosts: KnownHostsEntry[];
    insecure: boolean;
  },
  secrets: { key: string; passphrase: string; password: string },
): Inputs['proxy'] {
  const hostText = runner.getInput('proxy-host');
  const port = parsePort('proxy-port', runner.getInput('proxy-port'));
  const usernameText = runner.getInput('proxy-username');
  const fingerprintText = runner.getInput('proxy-fingerprint');
  if (hostText === '') {
    const stray = [
      usernameText && 'proxy-username',
      secrets.key && 'proxy-key',
      secrets.password && 'proxy-password',
      fingerprintText && 'proxy-fingerprint',
    ].filter(Boolean);
    if (stray.length > 0) {
      throw new ConfigurationError(
        'proxy-host',
        `is required when ${stray.join(', ')} is set: the jump host to connect through.`,
      );
    }
    return undefined;
  }
  if (!isHostname(hostText)) {
    throw new ConfigurationError('proxy-host', `'${hostText}' is not a host name or an address.`);
  }
  const username =
    usernameText === '' ? main.username : parseUsername('proxy-username', usernameText);
  if (username === undefined) {
    throw new ConfigurationError(
      'proxy-username',
      'is required: the user to log in as on the jump host.',
    );
  }
  // The jump host takes the main credentials unless it has its own.
  const credentials: Credentials =
    secrets.key !== '' || secrets.password !== ''
      ? {
          privateKey: secrets.key || undefined,
          passphrase: secrets.passphrase || undefined,
          password: secrets.password || undefined,
        }
      : main.credentials;
  const fingerprints = parseFingerprints('proxy-fingerprint', fingerprintText);
  const hostKeys: HostKeyPolicy = {
    fingerprints,
    knownHosts: main.knownHosts,
    skip: main.insecure && fingerprints.length === 0,
  };
  if (
    fingerprintsFor(hostKeys, hostText, port).length === 0 &&
    !hostKeys.skip &&
    entriesFor(hostKeys, hostText, port).filter((entry) => !entry.revoked).length === 0
  ) {
    throw new ConfigurationError('proxy-fingerprint', howToGetFingerprint(hostText, port));
  }
  const label = formatHostPort(hostText, port === 22 ? undefined : port);
  return {
    endpoint: { host: hostText, port, username, credentials, label: `jump host ${label}` },
    hostKeys,
  };
}

const CONTAINER_INPUTS = [
  'ports',
  'volumes',
  'env',
  'run-args',
  'registry',
  'registry-username',
  'registry-password',
  'health-cmd',
] as const;

function readMode(
  runner: Runner,
  environment: NodeJS.ProcessEnv,
  secrets: { envText: string; registryPassword: string },
): Inputs['mode'] {
  const script = readScript(runner, environment);
  const serviceText = runner.getInput('service');
  const stackText = runner.getInput('stack');
  const composeText = runner.getInput('compose-file');
  const stackServicesText = runner.getInput('stack-services');
  const serviceValues: Record<(typeof SERVICE_INPUTS)[number], string> = {
    replicas: runner.getInput('replicas'),
    networks: runner.getInput('networks'),
    constraints: runner.getInput('constraints'),
    'update-order': runner.getInput('update-order'),
  };
  const imageText = runner.getInput('image');
  const containerText = runner.getInput('container');
  const envsText = runner.getInput('envs');
  const containerValues: Record<(typeof CONTAINER_INPUTS)[number], string> = {
    ports: runner.getInput('ports'),
    volumes: runner.getInput('volumes'),
    env: secrets.envText,
    'run-args': runner.getInput('run-args'),
    registry: runner.getInput('registry'),
    'registry-username': runner.getInput('registry-username'),
    'registry-password': secrets.registryPassword,
    'health-cmd': runner.getInput('health-cmd'),
  };
  const restartText = runner.getInput('restart');
  const keepPrevious = parseBoolean('keep-previous', runner.getInput('keep-previous'));
  const prune = parseBoolean('prune', runner.getInput('prune'));
  const healthTimeoutMs = parsePositiveDuration(
    'health-timeout',
    runner.getInput('health-timeout'),
  );
  const rollback = parseBoolean('rollback', runner.getInput('rollback'));
  const stopTimeoutMs = parseDuration('stop-timeout', runner.getInput('stop-timeout'));

  if (script !== '' && (imageText !== '' || containerText !== '')) {
    throw new ConfigurationError(
      'script',
      'cannot be combined with image and container: a step either runs a script or replaces a container. Use two steps for both.',
    );
  }
  if (stackText === '' && (composeText !== '' || stackServicesText !== '')) {
    throw new ConfigurationError(
      'stack',
      `is required with ${composeText !== '' ? 'compose-file' : 'stack-services'}: the name to deploy the compose file's services under.`,
    );
  }
  if (stackText !== '') {
    const other = [
      script !== '' && 'script',
      containerText !== '' && 'container',
      serviceText !== '' && 'service',
    ].find(Boolean);
    if (other) {
      throw new ConfigurationError(
        other,
        'cannot be combined with stack: a step runs a script, replaces a container, updates a service or deploys a stack. Use one step for each.',
      );
    }
    const onlyForOthers = [
      ...(['ports', 'volumes', 'env', 'run-args', 'health-cmd'] as const).filter(
        (name) => containerValues[name] !== '',
      ),
      ...SERVICE_INPUTS.filter((name) => serviceValues[name] !== ''),
    ];
    if (onlyForOthers.length > 0) {
      throw new ConfigurationError(
        onlyForOthers[0],
        'is not used in stack mode: the compose file says how its services run. Write it there.',
      );
    }
    if (composeText === '') {
      throw new ConfigurationError(
        'compose-file',
        'is required with stack: the compose file in the workspace to deploy (e.g. docker-stack.yml).',
      );
    }
    return {
      kind: 'stack',
      stack: parseServiceName('stack', stackText),
      composeFile: {
        given: composeText,
        path: path.resolve(environment.GITHUB_WORKSPACE ?? '.', composeText),
      },
      image: imageText === '' ? undefined : parseImage(imageText),
      stackServices: parseList(stackServicesText, /[\s,]+/).map((name) =>
        parseServiceName('stack-services', name),
      ),
      prune,
      registry: readRegistry(containerValues),
    };
  }
  if (serviceText !== '') {
    if (script !== '') {
      throw new ConfigurationError(
        'script',
        'cannot be combined with service: a step either runs a script or updates a service. Use two steps for both.',
      );
    }
    if (containerText !== '') {
      throw new ConfigurationError(
        'container',
        'cannot be combined with service: container replaces one container per server, service updates a Swarm service. Keep one.',
      );
    }
    if (containerValues['run-args'] !== '') {
      throw new ConfigurationError(
        'run-args',
        'is for container mode; a Swarm service takes its settings from ports, volumes, env, networks, constraints and health-cmd.',
      );
    }
    return readServiceMode(runner, serviceText, imageText, containerValues, {
      healthTimeoutMs,
      rollback,
      stopTimeoutMs,
      serviceValues,
    });
  }
  const strayService = SERVICE_INPUTS.filter((name) => serviceValues[name] !== '');
  if (strayService.length > 0) {
    throw new ConfigurationError(
      strayService[0],
      'belongs to service mode (service) and is not used without it; remove it, or set service.',
    );
  }
  if (script !== '') {
    const stray = CONTAINER_INPUTS.filter((name) => containerValues[name] !== '');
    if (stray.length > 0) {
      throw new ConfigurationError(
        stray[0],
        'belongs to container mode (image + container) and is not used with script; remove it.',
      );
    }
    return { kind: 'script', script, variables: readVariables(envsText, environment) };
  }
  if (imageText === '' && containerText === '') {
    // Copying files is a step of its own (upload without script).
    if (runner.getInput('upload').trim() !== '' && envsText === '') return { kind: 'upload' };
    throw new ConfigurationError(
      'script',
      'or image + container is required: a script to run on the servers, or an image to run as a container there.',
    );
  }
  if (envsText !== '') {
    throw new ConfigurationError(
      'envs',
      "is for script mode; in container mode give the container's variables in 'env' (KEY=VALUE lines).",
    );
  }
  if (imageText === '') {
    throw new ConfigurationError(
      'image',
      'is required with container: the image to run, best by digest.',
    );
  }
  if (containerText === '') {
    throw new ConfigurationError(
      'container',
      'is required with image: the name of the container to replace.',
    );
  }
  const env = parseEnv(containerValues.env);
  for (const [, value] of env) {
    if (value.length >= SHORTEST_MASKED_VALUE) maskSecret(value, (form) => runner.setSecret(form));
  }
  const spec: ContainerSpec = {
    image: parseImage(imageText),
    container: parseContainerName(containerText),
    ports: parsePorts(containerValues.ports),
    volumes: parseVolumes(containerValues.volumes),
    env,
    runArgs: parseRunArgs(containerValues['run-args']),
    restart: parseRestart(restartText),
  };
  return {
    kind: 'container',
    spec,
    registry: readRegistry(containerValues),
    keepPrevious,
    prune,
    healthCmd: containerValues['health-cmd'] || undefined,
    healthTimeoutMs,
    rollback,
    stopTimeoutSeconds: Math.ceil(stopTimeoutMs / 1000),
  };
}

const SERVICE_INPUTS = ['replicas', 'networks', 'constraints', 'update-order'] as const;

function readServiceMode(
  runner: Runner,
  serviceText: string,
  imageText: string,
  values: Record<(typeof CONTAINER_INPUTS)[number], string>,
  common: {
    healthTimeoutMs: number;
    rollback: boolean;
    stopTimeoutMs: number;
    serviceValues: Record<(typeof SERVICE_INPUTS)[number], string>;
  },
): ServiceMode {
  const service = parseServiceName('service', serviceText);
  const env = parseEnv(values.env);
  for (const [, value] of env) {
    if (value.length >= SHORTEST_MASKED_VALUE) maskSecret(value, (form) => runner.setSecret(form));
  }
  const replicasText = common.serviceValues.replicas.trim();
  const spec: ServiceSpec = {
    service,
    image: imageText === '' ? undefined : parseImage(imageText),
    ports: parseServicePorts(values.ports),
    volumes: parseVolumes(values.volumes),
    env,
    replicas: replicasText === '' ? undefined : parseInteger('replicas', replicasText, 0, 1000),
    networks: parseNetworks(common.serviceValues.networks),
    constraints: parseConstraints(common.serviceValues.constraints),
    healthCmd: values['health-cmd'] || undefined,
    updateParallelism: parseInteger(
      'update-parallelism',
      runner.getInput('update-parallelism'),
      0,
      1000,
    ),
    updateDelayMs: parseDuration('update-delay', runner.getInput('update-delay')),
    updateOrder: parseUpdateOrder(common.serviceValues['update-order']),
    monitorMs: common.healthTimeoutMs,
    rollback: common.rollback,
    maxFailureRatio: parseRatio('max-failure-ratio', runner.getInput('max-failure-ratio')),
    stopGracePeriodMs: common.stopTimeoutMs,
  };
  if (spec.healthCmd !== undefined && /[\n\r]/.test(spec.healthCmd)) {
    throw new ConfigurationError(
      'health-cmd',
      'must be one line in service mode (Swarm runs it with the image shell, as CMD-SHELL).',
    );
  }
  return { kind: 'service', spec, registry: readRegistry(values) };
}

function readRegistry(values: {
  registry: string;
  'registry-username': string;
  'registry-password': string;
}): ContainerMode['registry'] {
  const { registry, 'registry-username': username, 'registry-password': password } = values;
  if (registry === '' && username === '' && password === '') return undefined;
  if (registry === '' || username === '' || password === '') {
    throw new ConfigurationError(
      registry === '' ? 'registry' : username === '' ? 'registry-username' : 'registry-password',
      'is required: registry, registry-username and registry-password go together, to log in to the registry on the server.',
    );
  }
  if (/[\s\0]/.test(username)) {
    throw new ConfigurationError('registry-username', 'cannot hold spaces or line breaks.');
  }
  return { host: parseRegistry(registry), username, password };
}

/** `envs`: names of the step's environment variables to hand to the script. */
function readVariables(raw: string, environment: NodeJS.ProcessEnv): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const name of parseList(raw, /[\s,]+/)) {
    if (!isAssignableName(name)) {
      throw new ConfigurationError(
        'envs',
        `'${name}' cannot be a shell variable: letters, digits and '_', not starting with a digit, and not one of bash's read-only names.`,
      );
    }
    const value = environment[name];
    if (value === undefined) {
      throw new ConfigurationError(
        'envs',
        `${name} is not set in the step's environment. Set it under the step's env: (e.g. ${name}: \${{ secrets.${name} }}).`,
      );
    }
    variables[name] = value;
  }
  return variables;
}
