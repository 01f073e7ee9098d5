import { ConfigurationError } from '../../shared/errors';
import { formatHostPort, isIpv6, parseHostPort } from '../../shared/host-port';
import { parseList } from '../../shared/input-values';

/** One server to reach: where, as whom, and how it is named in logs and results. */
export interface Target {
  host: string;
  port: number;
  username: string;
  /** The entry as logs and `results` name it: `host`, `host:port`, `user@host:port`. */
  label: string;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/;

export function isHostname(text: string): boolean {
  return HOSTNAME.test(text) || isIpv6(text);
}

export function parseUsername(input: string, raw: string): string {
  if (!USERNAME.test(raw)) {
    throw new ConfigurationError(
      input,
      `'${raw}' is not a user name: letters, digits, '.', '_' and '-' only, at most 32 characters.`,
    );
  }
  return raw;
}

export function parsePort(input: string, raw: string): number {
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port < 1 || port > 65535) {
    throw new ConfigurationError(input, `'${raw}' is not a port: use a number from 1 to 65535.`);
  }
  return port;
}

/**
 * Reads `host`: entries one a line or comma-separated, each `host`, `host:port`,
 * `user@host:port` or `[ipv6]:port`. A user or port in an entry overrides the defaults.
 */
export function parseTargets(raw: string, defaults: { port: number; username?: string }): Target[] {
  const entries = parseList(raw);
  if (entries.length === 0) {
    throw new ConfigurationError(
      'host',
      'is required: the server to connect to, e.g. host: deploy.example.com, or several, one a line (user@host:port each if they differ).',
    );
  }
  const targets = entries.map((entry) => parseEntry(entry, defaults));
  const seen = new Set<string>();
  for (const target of targets) {
    const key = `${target.username}@${target.host.toLowerCase()}:${target.port}`;
    if (seen.has(key)) {
      throw new ConfigurationError('host', `${target.label} is listed twice.`);
    }
    seen.add(key);
  }
  return targets;
}

function parseEntry(entry: string, defaults: { port: number; username?: string }): Target {
  const invalid = (why: string) =>
    new ConfigurationError(
      'host',
      `'${entry}' ${why} Write each entry as host, host:port or user@host:port ([ipv6]:port for IPv6 addresses).`,
    );
  let rest = entry;
  let username: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    username = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USERNAME.test(username)) throw invalid('has an invalid user name.');
  }
  const address = parseHostPort(rest);
  if (!address) throw invalid(addressProblem(rest));
  const { host } = address;
  if (!isHostname(host)) throw invalid('is not a host name or an address.');
  const port = address.port ?? defaults.port;
  username ??= defaults.username;
  if (username === undefined) {
    throw new ConfigurationError(
      'username',
      `is required: the user to log in as on ${entry}. Set username, or write the entry as user@${entry}.`,
    );
  }
  const label =
    (at >= 0 ? `${username}@` : '') +
    formatHostPort(host, address.port !== undefined || port !== 22 ? port : undefined);
  return { host, port, username, label };
}

/** Why an entry is not `host`, `host:port`, `[ipv6]:port` or a bare IPv6 address. */
function addressProblem(text: string): string {
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed && !isIpv6(bracketed[1])) return 'is not an IPv6 address in brackets.';
  const hostAndPort = /^([^:]*):([^:]*)$/.exec(text);
  const portText = bracketed ? bracketed[2] : hostAndPort?.[2];
  if (portText === undefined || (hostAndPort && !HOSTNAME.test(hostAndPort[1]))) {
    return 'is not a host name or an address.';
  }
  return /^\d{1,5}$/.test(portText) ? 'has a port outside 1-65535.' : 'has an invalid port.';
}
