// The tunnel's DNS: which servers and search domains it brings (OpenVPN's dhcp-option, written
// or pushed; WireGuard's DNS line), how the runner is told of them (systemd-resolved, else
// /etc/resolv.conf) and the resolv.conf text that carries them. Pure: resolver.ts applies it.
import { isIP } from 'node:net';
import type { ConfigItem } from './openvpn-config';

export interface DnsSettings {
  servers: string[];
  domains: string[];
}

export function hasDns(dns: DnsSettings): boolean {
  return dns.servers.length > 0 || dns.domains.length > 0;
}

// A search domain goes into resolv.conf or resolvectl's argv: letters, digits, dots and hyphens
// only, so that nothing a server pushes can add a line of its own.
const DOMAIN = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

/** Adds one `dhcp-option` (its words after the name) to the settings. */
function addDhcpOption(dns: DnsSettings, [kind = '', value = '']: string[]): void {
  const type = kind.toUpperCase();
  if ((type === 'DNS' || type === 'DNS6') && isIP(value) !== 0) {
    if (!dns.servers.includes(value)) dns.servers.push(value);
  } else if ((type === 'DOMAIN' || type === 'DOMAIN-SEARCH') && DOMAIN.test(value)) {
    const domain = value.replace(/\.$/, '');
    if (!dns.domains.includes(domain)) dns.domains.push(domain);
  }
}

type PullFilter = { action: string; text: string };

/** OpenVPN's first-match rule: a filter applies when its text begins the pushed option. */
function keptByFilters(option: string, filters: PullFilter[]): boolean {
  const match = filters.find((filter) => option.startsWith(filter.text));
  return match === undefined || match.action === 'accept';
}

/**
 * The DNS an OpenVPN connection brings: the config's own dhcp-option lines, then what the
 * server pushed and the config's pull-filters let through.
 */
export function openVpnDns(items: ConfigItem[], pushed: string[]): DnsSettings {
  const dns: DnsSettings = { servers: [], domains: [] };
  const filters: PullFilter[] = [];
  for (const item of items) {
    if (item.kind !== 'directive') continue;
    if (item.name === 'dhcp-option') addDhcpOption(dns, item.args);
    if (item.name === 'pull-filter' && item.args.length >= 2) {
      filters.push({ action: item.args[0], text: item.args[1] });
    }
  }
  for (const option of pushed) {
    const words = option.split(/\s+/);
    if (words[0] === 'dhcp-option' && keptByFilters(option, filters)) {
      addDhcpOption(dns, words.slice(1));
    }
  }
  return dns;
}

/** wg-quick's reading of a DNS line: addresses are servers, the rest search domains. */
export function wireGuardDns(values: string[]): DnsSettings {
  const dns: DnsSettings = { servers: [], domains: [] };
  for (const value of values) {
    if (isIP(value) !== 0) addDhcpOption(dns, ['DNS', value]);
    else addDhcpOption(dns, ['DOMAIN', value]);
  }
  return dns;
}

/** What /etc/resolv.conf was before the action changed it, to put back exactly. */
export type ResolvConfState =
  { kind: 'file'; text: string } | { kind: 'symlink'; target: string } | { kind: 'missing' };

export function sameResolvConf(a: ResolvConfState, b: ResolvConfState): boolean {
  if (a.kind === 'file' && b.kind === 'file') return a.text === b.text;
  if (a.kind === 'symlink' && b.kind === 'symlink') return a.target === b.target;
  return a.kind === b.kind;
}

/**
 * Where the runner's resolver takes its servers from: systemd-resolved when it runs and
 * /etc/resolv.conf leads to it (a link into /run/systemd/resolve/, or its stub 127.0.0.53);
 * otherwise the file itself, which the C library reads.
 */
export function dnsMethod(runner: {
  resolvedRuns: boolean;
  resolvConf: ResolvConfState;
}): 'resolvectl' | 'resolv.conf' {
  if (!runner.resolvedRuns) return 'resolv.conf';
  const { resolvConf } = runner;
  if (resolvConf.kind === 'symlink' && resolvConf.target.includes('/run/systemd/resolve/')) {
    return 'resolvectl';
  }
  if (resolvConf.kind === 'file' && /^\s*nameserver\s+127\.0\.0\.53\s*$/m.test(resolvConf.text)) {
    return 'resolvectl';
  }
  return 'resolv.conf';
}

/**
 * The resolv.conf the action writes: the tunnel's servers first, then the runner's own (the C
 * library asks them in order, and stops at the third); the tunnel's search domains before the
 * runner's; the runner's other lines (options) kept.
 */
export function resolvConfText(original: string, dns: DnsSettings): string {
  const servers = [...dns.servers];
  const domains = [...dns.domains];
  const others: string[] = [];
  for (const line of original.split('\n')) {
    const [keyword, ...values] = line.trim().split(/\s+/);
    if (keyword === 'nameserver') {
      for (const value of values.slice(0, 1)) if (!servers.includes(value)) servers.push(value);
    } else if (keyword === 'search' || keyword === 'domain') {
      for (const value of values) if (!domains.includes(value)) domains.push(value);
    } else if (line.trim() !== '' && !line.startsWith('# Written by vpn-connect')) {
      others.push(line);
    }
  }
  return [
    "# Written by vpn-connect for the job's VPN; the runner's own file is put back when the job ends.",
    ...servers.map((server) => `nameserver ${server}`),
    ...(domains.length > 0 ? [`search ${domains.join(' ')}`] : []),
    ...others,
    '',
  ].join('\n');
}

/** `servers 10.8.0.1, search corp.example`, for the log. */
export function describeDns(dns: DnsSettings): string {
  const parts = [];
  if (dns.servers.length > 0) parts.push(`servers ${dns.servers.join(', ')}`);
  if (dns.domains.length > 0) parts.push(`search domains ${dns.domains.join(', ')}`);
  return parts.join('; ');
}
