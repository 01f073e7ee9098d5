// The check that the tunnel leads somewhere: a TCP connection to a host behind it.
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import type { ActionContext } from '../../shared/context';
import { formatDuration } from '../../shared/duration';
import { ActionFailure, ConfigurationError } from '../../shared/errors';
import { formatHostPort, parseHostPort, type HostPort } from '../../shared/host-port';
import type { Clock } from '../../shared/retry';
import { routeDevice } from './network';

export type CheckTarget = Required<HostPort>;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const validPort = (port: number) => port >= 1 && port <= 65535;

/** Reads `host:port`, `1.2.3.4:port` or `[v6]:port`: a port is required. */
export function parseCheckTarget(input: string, raw: string): CheckTarget {
  const text = raw.trim();
  const fix = 'Write host:port, e.g. 10.8.0.1:22, db.internal:5432 or [fd00::1]:443.';
  const parsed = parseHostPort(text);
  if (parsed?.port === undefined) {
    // Whether only the port is wrong: the same text with a valid port would read as host:port.
    const portText = /:(\d+)$/.exec(text)?.[1];
    if (
      portText !== undefined &&
      !validPort(Number(portText)) &&
      parseHostPort(`${text.slice(0, -portText.length)}1`)?.port === 1
    ) {
      throw new ConfigurationError(input, `the port ${portText} is not from 1 to 65535. ${fix}`);
    }
    throw new ConfigurationError(input, `'${raw}' is not host:port. ${fix}`);
  }
  const { host, port } = parsed;
  if (!isIP(host) && !HOSTNAME.test(host)) {
    throw new ConfigurationError(
      input,
      `'${host}' is neither an IP address nor a host name. ${fix}`,
    );
  }
  return { host, port };
}

/** One TCP connection attempt; resolves with why it failed, or undefined on success. */
function tryConnect(address: string, port: number, timeoutMs: number): Promise<string | undefined> {
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

async function resolveHost(host: string): Promise<string> {
  if (isIP(host)) return host;
  return (await lookup(host)).address;
}

/** Tries until one connection succeeds or the deadline passes; returns the last problem. */
export async function probeUntil(
  clock: Clock,
  address: string,
  port: number,
  deadline: number,
): Promise<string | undefined> {
  let problem: string | undefined = 'not tried';
  while (clock.now() < deadline) {
    problem = await tryConnect(
      address,
      port,
      Math.max(100, Math.min(3_000, deadline - clock.now())),
    );
    if (problem === undefined) return undefined;
    const pause = Math.min(250, deadline - clock.now());
    if (pause > 0) await clock.sleep(pause);
  }
  return problem;
}

/** Fails the step unless `target` accepts a TCP connection before the deadline. */
export async function checkHost(
  { exec, clock, log }: Pick<ActionContext, 'exec' | 'clock' | 'log'>,
  target: CheckTarget,
  device: string,
  deadline: number,
): Promise<void> {
  const shown = formatHostPort(target.host, target.port);
  let address: string;
  try {
    address = await resolveHost(target.host);
  } catch (error) {
    throw new ActionFailure(
      `check-host ${shown}: the name does not resolve (${(error as NodeJS.ErrnoException).code ?? String(error)}). Use the host's address inside the VPN.`,
    );
  }
  const via = await routeDevice(exec, address);
  if (via && via !== device) {
    log.warning(
      `check-host ${shown} is reached through ${via}, not through the tunnel's ${device}: its answer says nothing about the tunnel.`,
    );
  }
  const started = clock.now();
  const problem = await probeUntil(clock, address, target.port, deadline);
  if (problem !== undefined) {
    throw new ActionFailure(
      `check-host ${shown} did not accept a TCP connection through the tunnel within ${formatDuration(clock.now() - started)} (${problem}). ` +
        'The tunnel is up, but the host is not reachable through it: check the address, the port, and the routes the server pushes.',
    );
  }
  log.info(`check-host ${shown} accepted a TCP connection through ${via ?? device}.`);
}
