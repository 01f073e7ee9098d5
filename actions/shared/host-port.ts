// `host:port` as people and programs write it: an IPv6 address goes in brackets (`[fd00::1]:22`),
// since its own colons would otherwise read as the port's.
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  /** Absent when the text named no port. */
  port?: number;
}

export function isIpv6(host: string): boolean {
  return isIP(host) === 6;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
export function formatHostPort(host: string, port?: number): string {
  const shown = isIpv6(host) ? `[${host}]` : host;
  return port === undefined ? shown : `${shown}:${port}`;
}

/**
 * Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (which cannot carry a
 * port). Undefined when the text has none of these shapes: brackets around something that is
 * not an IPv6 address, a port that is not 1-65535, an empty host. The host's own grammar is the
 * caller's to check.
 */
export function parseHostPort(text: string): HostPort | undefined {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    [, host, portText] = bracketed;
    if (!isIpv6(host)) return undefined;
  } else if (text.indexOf(':') !== text.lastIndexOf(':')) {
    if (!isIpv6(text)) return undefined;
    host = text;
  } else {
    [host, portText] = text.split(':');
  }
  if (host === '' || /[[\]]/.test(host)) return undefined;
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}
