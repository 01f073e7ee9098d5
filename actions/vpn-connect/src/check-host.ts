// The check that the tunnel leads somewhere: a TCP connection to a host behind it.
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { ConfigurationError } from '../../shared/errors';

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Reads `host:port`, `1.2.3.4:port` or `[v6]:port`. */
export function parseHostPort(input: string, raw: string): HostPort {
  const text = raw.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const fix = 'Write host:port, e.g. 10.8.0.1:22, db.internal:5432 or [fd00::1]:443.';
  if (!match) throw new ConfigurationError(input, `'${raw}' is not host:port. ${fix}`);
  const [, host, portText] = match;
  const port = Number(portText);
  if (!(port >= 1 && port <= 65535)) {
    throw new ConfigurationError(input, `the port ${portText} is not from 1 to 65535. ${fix}`);
  }
  if (!isIP(host) && !HOSTNAME.test(host)) {
    throw new ConfigurationError(
      input,
      `'${host}' is neither an IP address nor a host name. ${fix}`,
    );
  }
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One TCP connection attempt; resolves with why it failed, or undefined on success. */
export function tryConnect(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

export async function resolveHost(host: string): Promise<string> {
  if (isIP(host)) return host;
  return (await lookup(host)).address;
}

/** Tries until one connection succeeds or the deadline passes; returns the last problem. */
export async function probeUntil(
  address: string,
  port: number,
  deadline: number,
  now: () => number = Date.now,
): Promise<string | undefined> {
  let problem: string | undefined = 'not tried';
  while (now() < deadline) {
    problem = await tryConnect(address, port, Math.max(100, Math.min(3_000, deadline - now())));
    if (problem === undefined) return undefined;
    const pause = Math.min(250, deadline - now());
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  return problem;
}
