// Reading a wg-quick config (INI-like: [Interface] and [Peer] sections of `Key = Value`) and
// writing the action's copy of it.
import { isIPv4 } from 'node:net';
import { ConfigurationError } from '../../shared/errors';
import { coveredDefaultRoutes, describeCover } from './address-ranges';

export interface WireGuardPeer {
  publicKey: string;
  endpoint?: string;
  allowedIps: string[];
}

export interface WireGuardConfig {
  privateKey: string;
  presharedKeys: string[];
  addresses: string[];
  peers: WireGuardPeer[];
  /** wg-quick's Table; `off` means it adds no routes. */
  table?: string;
  /** The [Interface] DNS values: servers (addresses) and search domains (the rest). */
  dns: string[];
  /** PreUp, PostUp, PreDown and PostDown lines: commands wg-quick would run as root. */
  hooks: { key: string; lineNumber: number }[];
  /** The lines, for the copy. */
  lines: string[];
}

/** The wg-quick settings whose value is a command it runs, as root, around up and down. */
const HOOKS = ['PreUp', 'PostUp', 'PreDown', 'PostDown'];

interface Entry {
  section: string;
  key: string;
  value: string;
  lineNumber: number;
}

function entries(lines: string[]): Entry[] {
  const found: Entry[] = [];
  let section = '';
  lines.forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1].toLowerCase();
      return;
    }
    const setting = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (!setting) {
      // The line is not quoted: it may hold a key.
      throw new ConfigurationError(
        'config',
        `is not a wg-quick config: line ${index + 1} reads neither [Section] nor Key = Value.`,
      );
    }
    found.push({
      section,
      key: setting[1].toLowerCase(),
      value: setting[2].trim(),
      lineNumber: index + 1,
    });
  });
  return found;
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export function parseWireGuardConfig(text: string): WireGuardConfig {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const config: WireGuardConfig = {
    privateKey: '',
    presharedKeys: [],
    addresses: [],
    peers: [],
    dns: [],
    hooks: [],
    lines,
  };
  for (const { section, key, value, lineNumber } of entries(lines)) {
    if (section === 'interface') {
      if (key === 'privatekey') config.privateKey = value;
      if (key === 'address') config.addresses.push(...list(value));
      if (key === 'table') config.table = value;
      if (key === 'dns') config.dns.push(...list(value));
      const hook = HOOKS.find((name) => name.toLowerCase() === key);
      if (hook) config.hooks.push({ key: hook, lineNumber });
    } else if (section === 'peer') {
      if (key === 'publickey') config.peers.push({ publicKey: value, allowedIps: [] });
      const peer = config.peers.at(-1);
      if (key === 'endpoint' && peer) peer.endpoint = value;
      if (key === 'allowedips' && peer) peer.allowedIps.push(...list(value));
      if (key === 'presharedkey') config.presharedKeys.push(value);
    } else if (section === '') {
      throw new ConfigurationError(
        'config',
        'is not a wg-quick config: settings must come under an [Interface] or [Peer] header.',
      );
    }
  }
  const interfaces = lines.filter((line) => /^\s*\[interface\]\s*$/i.test(line)).length;
  if (interfaces !== 1) {
    throw new ConfigurationError(
      'config',
      `needs exactly one [Interface] section, not ${interfaces}: it is a wg-quick config.`,
    );
  }
  return config;
}

const DEFAULT_ROUTES = new Set(['0.0.0.0/0', '::/0']);

/**
 * Checks what the action needs of a WireGuard config; throws a ConfigurationError otherwise.
 * `input` is the input the config came from: config or config-file.
 */
export function checkWireGuardConfig(
  config: WireGuardConfig,
  fullTunnel: boolean,
  input: 'config' | 'config-file' = 'config',
): void {
  if (config.hooks.length > 0) {
    const lines = config.hooks.map(({ key, lineNumber }) => `line ${lineNumber} (${key})`);
    throw new ConfigurationError(
      input,
      `has commands that wg-quick would run as root, which vpn-connect refuses to run: ${lines.join(', ')}. ` +
        'Remove these lines; run what they did as steps of their own. For DNS, keep the DNS = line: the action applies it itself (input dns).',
    );
  }
  if (config.privateKey === '') {
    throw new ConfigurationError('config', 'has no PrivateKey in its [Interface] section.');
  }
  if (config.addresses.length === 0) {
    throw new ConfigurationError(
      'config',
      'has no Address in its [Interface] section: the runner would have no address in the tunnel. Add e.g. Address = 10.0.0.2/24.',
    );
  }
  if (config.peers.length === 0) {
    throw new ConfigurationError('config', 'has no [Peer] with a PublicKey.');
  }
  if (!config.peers.some((peer) => peer.endpoint)) {
    throw new ConfigurationError(
      'config',
      'has no [Peer] with an Endpoint: the runner cannot reach a peer it has no address for.',
    );
  }
  const [cover] = coveredDefaultRoutes(config.peers.flatMap((peer) => peer.allowedIps));
  if (cover && !fullTunnel && config.table?.toLowerCase() !== 'off') {
    throw new ConfigurationError(
      'full-tunnel',
      `is false, but AllowedIPs has ${describeCover(cover)}: that sends all the runner's traffic, its link to GitHub included, through the tunnel. List only the private networks in AllowedIPs, or set full-tunnel: true to accept it.`,
    );
  }
}

function isDefaultRoute(cidr: string): boolean {
  return DEFAULT_ROUTES.has(cidr.replace(/\s/g, ''));
}

export function secretsOf(config: WireGuardConfig): string[] {
  return [config.privateKey, ...config.presharedKeys].filter(Boolean);
}

export interface WireGuardCopyOptions {
  /** The `dns` input: whether the action applies the DNS line itself. */
  dns: boolean;
}

/**
 * The copy: the user's lines, without SaveConfig (it would write the copy back at down), and
 * without DNS, which the action applies itself (wg-quick would hand it to resolvconf, which
 * many runners lack and whose change the action could not undo exactly).
 */
export function buildWireGuardCopy(
  config: WireGuardConfig,
  options: WireGuardCopyOptions,
): { text: string; dropped: { name: string; reason: string }[] } {
  const dropped: { name: string; reason: string }[] = [];
  const drop = (name: string, reason: string) => {
    if (!dropped.some((entry) => entry.name === name)) dropped.push({ name, reason });
    return `# ${name} dropped by vpn-connect: ${reason}`;
  };
  const out = config.lines.map((line) => {
    if (/^\s*saveconfig\s*=/i.test(line)) {
      return drop('SaveConfig', 'the copy is deleted when the job ends');
    }
    if (/^\s*dns\s*=/i.test(line)) {
      if (options.dns) return '# DNS applied by vpn-connect itself';
      return drop('DNS', "the 'dns' input is false");
    }
    return line;
  });
  return { text: `${out.join('\n').trimEnd()}\n`, dropped };
}

/** The config as it may be printed: key values replaced. */
export function redactWireGuardConfig(text: string): string {
  return text.replace(/^(\s*(?:PrivateKey|PresharedKey)\s*=\s*).*$/gim, '$1[redacted]');
}

/** The runner's own address in the tunnel: the first IPv4 Address, else the first one. */
export function localAddress(config: WireGuardConfig): string {
  const bare = config.addresses.map((address) => address.split('/')[0]);
  return bare.find((address) => isIPv4(address)) ?? bare[0] ?? '';
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((total, part) => total * 256 + Number(part), 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * An address to send one packet to, so that WireGuard starts its handshake with the peer: one
 * inside the peer's AllowedIPs, not the runner's own (that would never leave the host). A peer
 * that only has the default route is probed at the first other host of the runner's subnet.
 */
export function probeAddress(peer: WireGuardPeer, addresses: string[]): string | undefined {
  const own = new Set(addresses.map((address) => address.split('/')[0]));
  const ranges = peer.allowedIps.filter((cidr) => !isDefaultRoute(cidr));
  const candidates = ranges.length > 0 ? ranges : addresses;
  for (const cidr of candidates) {
    const [address, prefixText] = cidr.split('/');
    if (!isIPv4(address)) {
      if (prefixText === '128' && !own.has(address)) return address;
      continue;
    }
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefix === 32) {
      if (!own.has(address)) return address;
      continue;
    }
    const size = 2 ** (32 - prefix);
    const network = ipv4ToNumber(address) - (ipv4ToNumber(address) % size);
    for (let offset = 1; offset < Math.min(size - 1, 4); offset++) {
      const candidate = numberToIpv4(network + offset);
      if (!own.has(candidate)) return candidate;
    }
  }
  return undefined;
}
