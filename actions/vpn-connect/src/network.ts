// What the kernel says about the tunnel, through `ip -j` (iproute2's JSON output).
import type { RunProcess } from '../../shared/process';
import { findExecutable } from './system';

interface IpRoute {
  dst?: string;
  type?: string;
  dev?: string;
}

/**
 * The unicast routes among `ip -j route show table all` output, as CIDRs: what the tunnel
 * sends through its interface. Link-local routes every interface has are left out.
 */
export function routeCidrs(json: string, family: 4 | 6): string[] {
  let routes: IpRoute[];
  try {
    routes = JSON.parse(json || '[]') as IpRoute[];
  } catch {
    return [];
  }
  const hostPrefix = family === 4 ? 32 : 128;
  const cidrs = routes
    .filter((route) => route.type === undefined || route.type === 'unicast')
    .map((route) => route.dst ?? '')
    .filter((dst) => dst !== '' && !dst.startsWith('fe80:'))
    .map((dst) => {
      if (dst === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
      return dst.includes('/') ? dst : `${dst}/${hostPrefix}`;
    });
  return [...new Set(cidrs)];
}

function ip(): string {
  return findExecutable('ip') ?? 'ip';
}

const IP_TIMEOUT_MS = 10_000;

/** Reading routes and links needs no privilege. */
export async function tunnelRoutes(exec: RunProcess, device: string): Promise<string[]> {
  const [v4, v6] = await Promise.all(
    ([4, 6] as const).map((family) =>
      exec(ip(), [`-${family}`, '-j', 'route', 'show', 'table', 'all', 'dev', device], {
        timeoutMs: IP_TIMEOUT_MS,
      }),
    ),
  );
  return [...routeCidrs(v4.stdout, 4), ...routeCidrs(v6.stdout, 6)];
}

/** The interface's index, which tells it apart from a later interface of the same name. */
export async function interfaceIndex(
  exec: RunProcess,
  device: string,
): Promise<number | undefined> {
  const result = await exec(ip(), ['-j', 'link', 'show', 'dev', device], {
    timeoutMs: IP_TIMEOUT_MS,
  });
  if (result.code !== 0) return undefined;
  try {
    const [link] = JSON.parse(result.stdout) as { ifindex?: number }[];
    return link?.ifindex;
  } catch {
    return undefined;
  }
}

/** The interface that holds an address, e.g. the tun device OpenVPN gave the local IP. */
export async function interfaceWithAddress(
  exec: RunProcess,
  address: string,
): Promise<string | undefined> {
  const result = await exec(ip(), ['-j', 'address', 'show'], { timeoutMs: IP_TIMEOUT_MS });
  try {
    const links = JSON.parse(result.stdout) as {
      ifname: string;
      addr_info?: { local?: string }[];
    }[];
    return links.find((link) => link.addr_info?.some((info) => info.local === address))?.ifname;
  } catch {
    return undefined;
  }
}

/** The interface the kernel would send a packet to `address` through. */
export async function routeDevice(exec: RunProcess, address: string): Promise<string | undefined> {
  const result = await exec(ip(), ['-j', 'route', 'get', address], { timeoutMs: IP_TIMEOUT_MS });
  try {
    const [route] = JSON.parse(result.stdout) as IpRoute[];
    return route?.dev;
  } catch {
    return undefined;
  }
}
