// Container mode's inputs, each checked against a strict grammar: every value that reaches
// the server is both validated here and quoted in the deploy program's prelude.
import { ConfigurationError } from '../../shared/errors';
import { formatHostPort, isIpv6, parseHostPort } from '../../shared/host-port';
import { parseImageReference } from '../../shared/image-reference';
import { parseLines } from '../../shared/input-values';

export interface PortMapping {
  /** IPv4 address, or IPv6 without brackets; absent: every address. */
  ip?: string;
  /** Absent: Docker picks a free port. */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface VolumeMount {
  /** A named volume or an absolute path on the server. */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  image: string;
  container: string;
  ports: PortMapping[];
  volumes: VolumeMount[];
  env: Array<[string, string]>;
  runArgs: string[];
  restart: string;
}

/** Docker's rule for container names; `-previous` is appended to it, so leave room. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/;

export function parseContainerName(raw: string): string {
  if (!CONTAINER_NAME.test(raw)) {
    throw new ConfigurationError(
      'container',
      `'${raw}' is not a container name: start with a letter or digit, then letters, digits, '_', '.' or '-' (at most 100 characters).`,
    );
  }
  return raw;
}

export function parseImage(raw: string): string {
  if (!parseImageReference(raw)) {
    throw new ConfigurationError(
      'image',
      `'${raw}' is not an image reference. Write registry/name:tag or registry/name@sha256:<digest> (a digest, such as docker-build-push's image-ref output, pins exactly what was built).`,
    );
  }
  return raw;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `ports`: one mapping a line, `[ip:]host-port:container-port[/tcp|udp|sctp]`. */
export function parsePorts(raw: string): PortMapping[] {
  return parseLines(raw).map((line) => {
    const fail = () =>
      new ConfigurationError(
        'ports',
        `'${line}' is not a port mapping. Write [ip:]host-port:container-port[/udp], one a line, e.g. 127.0.0.1:8050:8050 or 8080:80.`,
      );
    const match = /^(?:(\[[^\]]+\]|[0-9.]+):)?(\d*):(\d+)(?:\/(tcp|udp|sctp))?$/.exec(line);
    if (!match) throw fail();
    const [, ipText, hostText, containerText, protocol] = match;
    let ip: string | undefined;
    if (ipText !== undefined) {
      ip = ipText.startsWith('[') ? ipText.slice(1, -1) : ipText;
      if (!(ipText.startsWith('[') ? isIpv6(ip) : IPV4.test(ip))) throw fail();
    }
    const hostPort = hostText === '' ? undefined : portNumber(hostText);
    const containerPort = portNumber(containerText);
    if ((hostText !== '' && hostPort === undefined) || containerPort === undefined) throw fail();
    return {
      ip,
      hostPort,
      containerPort,
      protocol: (protocol ?? 'tcp') as PortMapping['protocol'],
    };
  });
}

export function formatPort(port: PortMapping): string {
  const ip = port.ip === undefined ? '' : `${formatHostPort(port.ip)}:`;
  return `${ip}${port.hostPort ?? ''}:${port.containerPort}/${port.protocol}`;
}

/** A mount as docker run --volume takes it. */
export function formatVolume(volume: VolumeMount): string {
  return `${volume.source}:${volume.target}${volume.readOnly ? ':ro' : ''}`;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Absolute paths of plain characters, without `..`: docker -v splits on ':' and nothing else is needed. */
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._@%+=~/-]*$/;

function isAbsolutePath(text: string): boolean {
  return ABSOLUTE_PATH.test(text) && !text.split('/').includes('..');
}

/** `volumes`: one a line, `volume-name-or-/path:/path-in-container[:ro|:rw]`. */
export function parseVolumes(raw: string): VolumeMount[] {
  return parseLines(raw).map((line) => {
    const fail = (why: string) =>
      new ConfigurationError(
        'volumes',
        `'${line}' ${why} Write name-or-/path:/path-in-container[:ro], one a line, e.g. notebooks:/home/jovyan/work.`,
      );
    const parts = line.split(':');
    if (parts.length < 2 || parts.length > 3) throw fail('is not a volume mount.');
    const [source, target, mode] = parts;
    if (!VOLUME_NAME.test(source) && !isAbsolutePath(source)) {
      throw fail(
        'does not start with a volume name or an absolute path (letters, digits and ._@%+=~/- only, no ..).',
      );
    }
    if (!isAbsolutePath(target) || target === '/') {
      throw fail(
        'has no absolute path inside the container (letters, digits and ._@%+=~/- only, no ..).',
      );
    }
    if (mode !== undefined && mode !== 'ro' && mode !== 'rw')
      throw fail('has a mode other than ro or rw.');
    return { source, target, readOnly: mode === 'ro' };
  });
}

/**
 * `env`: `KEY=VALUE` lines, for docker's --env-file, which takes each line as it is (no quotes,
 * no expansion): so a value cannot span lines.
 */
export function parseEnv(raw: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const seen = new Set<string>();
  raw.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const equals = line.indexOf('=');
    const key = equals > 0 ? line.slice(0, equals).trim() : '';
    // The message names the line, never its value: the whole input is a secret.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new ConfigurationError(
        'env',
        `line ${index + 1} is not KEY=VALUE with a KEY of letters, digits and '_'. One variable a line; a value cannot span lines.`,
      );
    }
    if (seen.has(key)) throw new ConfigurationError('env', `${key} is set twice.`);
    seen.add(key);
    entries.push([key, line.slice(equals + 1)]);
  });
  return entries;
}

/** Options this action sets itself; given in run-args they would fight with it. */
const MANAGED_OPTIONS = new Map([
  ['--name', "the 'container' input"],
  ['--detach', 'the action (it always runs the container detached)'],
  ['-d', 'the action (it always runs the container detached)'],
  ['--rm', 'the action (a removed container could not be rolled back to)'],
  ['--restart', "the 'restart' input"],
  ['--env-file', "the 'env' input"],
  ['--interactive', 'the action (the container runs detached)'],
  ['-i', 'the action (the container runs detached)'],
  ['--tty', 'the action (the container runs detached)'],
  ['-t', 'the action (the container runs detached)'],
  ['--attach', 'the action (the container runs detached)'],
  ['-a', 'the action (the container runs detached)'],
  ['--cidfile', 'the action'],
]);

/**
 * `run-args`: extra `docker run` options, separated by spaces or lines, each `--option` or
 * `--option=value` (quote a value holding spaces: --label="a b"). An option's value must be
 * joined to it with `=`, so that no word can be taken for the image or a command.
 */
export function parseRunArgs(raw: string): string[] {
  const words = splitWords(raw);
  for (const word of words) {
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    if (!/^--[a-z][a-z0-9-]*$/.test(name)) {
      throw new ConfigurationError(
        'run-args',
        `'${word}' is not a --option or --option=value. Join each value to its option with '=' (--memory=512m, not --memory 512m or -m 512m).`,
      );
    }
    const owner = MANAGED_OPTIONS.get(name);
    if (owner) {
      throw new ConfigurationError(
        'run-args',
        `${name} is set by ${owner}; remove it from run-args.`,
      );
    }
    if (/[\n\0]/.test(word)) {
      throw new ConfigurationError('run-args', `'${name}' has a value with a line break.`);
    }
  }
  return words;
}

/** Splits on blanks; single or double quotes keep blanks in a word and are removed. */
function splitWords(raw: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (const character of raw) {
    if (quote) {
      if (character === quote) quote = undefined;
      else word += character;
    } else if (character === '"' || character === "'") {
      quote = character;
      inWord = true;
    } else if (/\s/.test(character)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += character;
      inWord = true;
    }
  }
  if (quote) throw new ConfigurationError('run-args', `has an unclosed ${quote} quote.`);
  if (inWord) words.push(word);
  return words;
}

export function parseRestart(raw: string): string {
  if (!/^(no|always|unless-stopped|on-failure(:\d{1,4})?)$/.test(raw)) {
    throw new ConfigurationError(
      'restart',
      `'${raw}' is not a restart policy: use no, always, unless-stopped or on-failure[:max-retries].`,
    );
  }
  return raw;
}

const REGISTRY_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export function parseRegistry(raw: string): string {
  const address = parseHostPort(raw);
  // An IPv6 address needs its brackets here, or its last group would read as a port.
  const named =
    address !== undefined &&
    (REGISTRY_NAME.test(address.host) || (isIpv6(address.host) && raw.startsWith('[')));
  if (!named) {
    throw new ConfigurationError(
      'registry',
      `'${raw}' is not a registry host. Write the host and optional port only, e.g. ghcr.io or registry.example.com:5000.`,
    );
  }
  return raw;
}
