// Reading an OpenVPN client config and writing the action's own copy of it. The user's file is
// never touched: the copy drops what would fight the action and carries the credentials given
// as inputs as inline blocks.
import { isIPv6 } from 'node:net';
import { ConfigurationError } from '../../shared/errors';
import { coveredDefaultRoutes, describeCover, netmaskPrefix, parseCidr } from './address-ranges';

export type ConfigItem =
  /** `lineNumber` counts from 1, in the text the item was read from. */
  | { kind: 'directive'; name: string; args: string[]; line: string; lineNumber?: number }
  | { kind: 'block'; name: string; content: string[] }
  | { kind: 'text'; line: string };

/** Splits a config line into words the way OpenVPN does: quotes group, backslash escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if ((char === '#' || char === ';') && !inWord) {
      break;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const BLOCK_OPEN = /^\s*<([A-Za-z0-9-]+)>\s*$/;

export function parseOpenVpnConfig(text: string): ConfigItem[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const items: ConfigItem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = BLOCK_OPEN.exec(line);
    if (open) {
      const name = open[1].toLowerCase();
      const close = lines.findIndex(
        (candidate, index) =>
          index > i && candidate.trim().toLowerCase() === `</${name}>`.toLowerCase(),
      );
      if (close < 0) {
        throw new ConfigurationError(
          'config',
          `the inline block <${name}> opened on line ${i + 1} is never closed with </${name}>.`,
        );
      }
      items.push({ kind: 'block', name, content: lines.slice(i + 1, close) });
      i = close;
      continue;
    }
    const words = splitWords(line.trim());
    if (words.length === 0) {
      items.push({ kind: 'text', line });
      continue;
    }
    // OpenVPN accepts command-line spelling (--name) in config files too.
    const name = words[0].replace(/^--/, '').toLowerCase();
    items.push({ kind: 'directive', name, args: words.slice(1), line, lineNumber: i + 1 });
  }
  return items;
}

export interface Remote {
  host: string;
  port: string;
  proto?: string;
}

/** The servers the config names, <connection> blocks included, in order. */
export function remotesOf(items: ConfigItem[]): Remote[] {
  const defaultPort =
    directive(items, 'rport')?.args[0] ?? directive(items, 'port')?.args[0] ?? '1194';
  const remotes: Remote[] = [];
  const collect = (list: ConfigItem[], port: string) => {
    for (const item of list) {
      if (item.kind === 'directive' && item.name === 'remote' && item.args[0]) {
        remotes.push({ host: item.args[0], port: item.args[1] ?? port, proto: item.args[2] });
      }
      if (item.kind === 'block' && item.name === 'connection') {
        collect(parseOpenVpnConfig(item.content.join('\n')), port);
      }
    }
  };
  collect(items, defaultPort);
  return remotes;
}

function directive(items: ConfigItem[], name: string) {
  return items.find(
    (item): item is Extract<ConfigItem, { kind: 'directive' }> =>
      item.kind === 'directive' && item.name === name,
  );
}

function hasBlock(items: ConfigItem[], name: string): boolean {
  return items.some((item) => item.kind === 'block' && item.name === name);
}

/** Whether the client pulls options from the server, so pushed routes can be filtered. */
export function pullsOptions(items: ConfigItem[]): boolean {
  return directive(items, 'client') !== undefined || directive(items, 'pull') !== undefined;
}

/** The config's `verb`: how much OpenVPN logs (1 when the config does not say). */
export function logVerbosity(items: ConfigItem[]): number {
  const verbs = items.filter(
    (item): item is Extract<ConfigItem, { kind: 'directive' }> =>
      item.kind === 'directive' && item.name === 'verb',
  );
  const value = Number(verbs.at(-1)?.args[0] ?? '1');
  return Number.isFinite(value) ? value : 1;
}

/** Blocks whose content is secret: never printed, masked in logs. */
const SECRET_BLOCKS = new Set([
  'key',
  'tls-auth',
  'tls-crypt',
  'tls-crypt-v2',
  'secret',
  'pkcs12',
  'auth-user-pass',
  'http-proxy-user-pass',
]);

/** The secret parts of a config (key blocks, inline passwords), to mask before anything prints. */
export function secretBlockContents(items: ConfigItem[]): string[] {
  return items
    .filter(
      (item): item is Extract<ConfigItem, { kind: 'block' }> =>
        item.kind === 'block' && SECRET_BLOCKS.has(item.name),
    )
    .map((item) => item.content.join('\n'))
    .filter((content) => content.trim() !== '');
}

export interface OpenVpnCredentials {
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  keyPassphrase?: string;
  tlsAuthKey?: string;
  tlsCryptKey?: string;
}

/** Checks that the config and the credential inputs can work together; throws on a mistake. */
export function checkOpenVpnConfig(items: ConfigItem[], credentials: OpenVpnCredentials): void {
  if (remotesOf(items).length === 0) {
    throw new ConfigurationError(
      'config',
      "names no server: an OpenVPN client config needs a 'remote HOST PORT' line.",
    );
  }
  const authUserPass = directive(items, 'auth-user-pass');
  if (
    authUserPass &&
    authUserPass.args.length === 0 &&
    !hasBlock(items, 'auth-user-pass') &&
    credentials.username === undefined
  ) {
    throw new ConfigurationError(
      'username',
      "is required: the config has 'auth-user-pass', so the server asks for a username and password. Pass them as secrets: username: ${{ secrets.VPN_USERNAME }} and password: ${{ secrets.VPN_PASSWORD }}.",
    );
  }
  const hasKey =
    credentials.key !== undefined ||
    directive(items, 'key') !== undefined ||
    hasBlock(items, 'key') ||
    directive(items, 'pkcs12') !== undefined ||
    hasBlock(items, 'pkcs12');
  if (credentials.keyPassphrase !== undefined && !hasKey) {
    throw new ConfigurationError(
      'key-passphrase',
      "is given, but there is no client key: pass the key in 'key' or in the config.",
    );
  }
  const keyText =
    credentials.key ??
    (
      items.find((item) => item.kind === 'block' && item.name === 'key') as
        { content: string[] } | undefined
    )?.content.join('\n');
  if (keyText?.includes('ENCRYPTED') && credentials.keyPassphrase === undefined) {
    throw new ConfigurationError(
      'key-passphrase',
      'is required: the client key is encrypted. Pass its passphrase as a secret: key-passphrase: ${{ secrets.VPN_KEY_PASSPHRASE }}.',
    );
  }
}

/**
 * Directives that make OpenVPN, which runs as root, run a program, load code, read another
 * config or move out of the folder the action gives it; with why each is refused.
 */
const RUNS_PROGRAMS: Record<string, string> = {
  up: 'runs a program as the tunnel comes up',
  down: 'runs a program as the tunnel goes down',
  'route-up': 'runs a program once the routes are added',
  'route-pre-down': 'runs a program before the routes are removed',
  ipchange: "runs a program when the server's address changes",
  'tls-verify': 'runs a program to check certificates',
  'auth-user-pass-verify': 'runs a program to check passwords',
  'learn-address': 'runs a program for each address learnt',
  'client-connect': 'runs a program as a client connects',
  'client-disconnect': 'runs a program as a client disconnects',
  'tls-crypt-v2-verify': 'runs a program to check client keys',
  iproute: 'runs another program in the place of ip',
  plugin: 'loads a library into OpenVPN',
  config: 'reads another config file, which the action does not check',
  cd: 'moves OpenVPN to another folder',
  chroot: 'moves OpenVPN into another root folder',
};

/** Why a directive is refused, or undefined when it is not. */
function refusal(name: string, args: string[]): string | undefined {
  if (name === 'script-security') {
    return Number(args[0]) >= 2 ? 'lets the config run programs' : undefined;
  }
  return RUNS_PROGRAMS[name];
}

/**
 * Refuses a config that would have OpenVPN run programs (or read files the action has not
 * seen) as root. Every such line is named, so that the user knows what will not run.
 * `input` is where the config came from: config or config-file.
 */
export function checkNoPrograms(items: ConfigItem[], input: 'config' | 'config-file'): void {
  const refused = items.flatMap((item) => {
    if (item.kind !== 'directive') return [];
    const reason = refusal(item.name, item.args);
    return reason === undefined
      ? []
      : [`line ${item.lineNumber ?? '?'} '${item.name}' (${reason})`];
  });
  if (refused.length === 0) return;
  throw new ConfigurationError(
    input,
    `has directives that would run programs as root, which vpn-connect refuses: ${refused.join('; ')}. ` +
      'Remove these lines: OpenVPN runs with --script-security 1. Scripts such as update-resolv-conf are not needed for DNS: the action applies the DNS servers and domains the server pushes itself (input dns).',
  );
}

/** A route directive as a CIDR, or undefined when it names a host or a keyword. */
function routeCidr(item: Extract<ConfigItem, { kind: 'directive' }>): string | undefined {
  const [network, second, gateway] = item.args;
  if (network === undefined) return undefined;
  if (item.name === 'route-ipv6') {
    return isIPv6(network.split('/')[0]) ? network : undefined;
  }
  // A route through net_gateway leaves by the runner's own network, not the tunnel.
  if (gateway === 'net_gateway') return undefined;
  const prefix = second === undefined || second === 'default' ? 32 : netmaskPrefix(second);
  if (prefix === undefined) return undefined;
  const cidr = `${network}/${prefix}`;
  return parseCidr(cidr) ? cidr : undefined;
}

/**
 * Refuses routes written in the config that together send every address through the tunnel
 * (route 0.0.0.0 128.0.0.0 and route 128.0.0.0 128.0.0.0, say), unless full-tunnel allows it.
 */
export function checkWrittenRoutes(items: ConfigItem[], fullTunnel: boolean): void {
  if (fullTunnel) return;
  const routes = items.flatMap((item) => {
    if (item.kind !== 'directive' || (item.name !== 'route' && item.name !== 'route-ipv6')) {
      return [];
    }
    const cidr = routeCidr(item);
    return cidr === undefined ? [] : [{ cidr, item }];
  });
  const [cover] = coveredDefaultRoutes(routes.map((route) => route.cidr));
  if (!cover) return;
  const lines = routes
    .filter((route) => cover.routes.includes(route.cidr))
    .map((route) => `line ${route.item.lineNumber ?? '?'} '${route.item.line.trim()}'`);
  throw new ConfigurationError(
    'full-tunnel',
    `is false, but the config routes ${describeCover(cover)} (${lines.join(', ')}): that sends all the runner's traffic, its link to GitHub included, through the tunnel. Route only the private networks, or set full-tunnel: true to accept it.`,
  );
}

export interface CopyPlan {
  credentials: OpenVpnCredentials;
  /** Absolute paths of the files the action wrote, when the matching inputs were given. */
  authFile?: string;
  askPassFile?: string;
  fullTunnel: boolean;
}

export interface Dropped {
  name: string;
  reason: string;
}

const OWNED_BY_ACTION =
  'the action runs OpenVPN as a daemon with its own log, pid file and management socket';

/** Why a directive or block must leave the copy, or undefined to keep it. */
function dropReason(name: string, plan: CopyPlan): string | undefined {
  const given = plan.credentials;
  if (['daemon', 'log', 'log-append', 'syslog', 'writepid'].includes(name)) return OWNED_BY_ACTION;
  if (name === 'management' || name.startsWith('management-')) return OWNED_BY_ACTION;
  if (name === 'redirect-gateway' && !plan.fullTunnel) {
    return 'full-tunnel is false, so the runner keeps its own default route';
  }
  if ((name === 'ca' || name === 'capath') && given.ca) return "replaced by the 'ca' input";
  if (name === 'cert' && given.cert) return "replaced by the 'cert' input";
  if (name === 'key' && given.key) return "replaced by the 'key' input";
  if (name === 'pkcs12' && (given.cert || given.key))
    return "replaced by the 'cert' and 'key' inputs";
  if (['tls-auth', 'tls-crypt', 'tls-crypt-v2'].includes(name)) {
    if (given.tlsAuthKey) return "replaced by the 'tls-auth-key' input";
    if (given.tlsCryptKey) return "replaced by the 'tls-crypt-key' input";
  }
  if (name === 'auth-user-pass' && plan.authFile) return "replaced by 'username' and 'password'";
  if (name === 'askpass' && plan.askPassFile) return "replaced by 'key-passphrase'";
  return undefined;
}

/** The text of the action's copy, and what it dropped from the user's config. */
export function buildOpenVpnCopy(
  items: ConfigItem[],
  plan: CopyPlan,
): { text: string; dropped: Dropped[] } {
  const out: string[] = [];
  const dropped: Dropped[] = [];
  let tlsAuthDirection: string | undefined;
  for (const item of items) {
    if (item.kind === 'text') {
      out.push(item.line);
      continue;
    }
    const reason = dropReason(item.name, plan);
    if (reason === undefined) {
      if (item.kind === 'directive') out.push(item.line);
      else out.push(`<${item.name}>`, ...item.content, `</${item.name}>`);
      continue;
    }
    // A dropped `tls-auth FILE 1` still tells which way the key is used.
    if (item.kind === 'directive' && item.name === 'tls-auth' && item.args[1]) {
      tlsAuthDirection = item.args[1];
    }
    const label = item.kind === 'block' ? `<${item.name}>` : item.name;
    if (!dropped.some((entry) => entry.name === label)) dropped.push({ name: label, reason });
    out.push(`# ${label} dropped by vpn-connect: ${reason}`);
  }

  const given = plan.credentials;
  const added: string[] = [];
  if (plan.authFile) added.push(`auth-user-pass ${quote(plan.authFile)}`);
  if (plan.askPassFile) added.push(`askpass ${quote(plan.askPassFile)}`);
  if (given.tlsAuthKey && !directive(items, 'key-direction')) {
    added.push(`key-direction ${tlsAuthDirection ?? '1'}`);
  }
  const block = (name: string, pem: string | undefined) => {
    if (pem) added.push(`<${name}>`, ...pem.trimEnd().split('\n'), `</${name}>`);
  };
  block('ca', given.ca);
  block('cert', given.cert);
  block('key', given.key);
  block('tls-auth', given.tlsAuthKey);
  block('tls-crypt', given.tlsCryptKey);
  if (added.length > 0) out.push('', '# Added by vpn-connect from its inputs', ...added);
  return { text: `${out.join('\n').trimEnd()}\n`, dropped };
}

/** Quotes a path for a config line when it holds spaces or quotes. */
function quote(value: string): string {
  return /^[^\s"'\\#;]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The config as it may be printed: every inline block's content replaced by a line saying how
 * many lines it held, whatever the block (certificates too: they identify the user).
 */
export function redactOpenVpnConfig(text: string): string {
  const items = parseOpenVpnConfig(text);
  const out: string[] = [];
  for (const item of items) {
    if (item.kind === 'block') {
      out.push(`<${item.name}>`, `[${item.content.length} lines redacted]`, `</${item.name}>`);
    } else {
      out.push(item.line);
    }
  }
  return out.join('\n');
}

/**
 * Options the action adds on the command line, before the config so that they win where order
 * matters (the first matching pull-filter decides).
 */
export function fullTunnelFilters(): string[][] {
  return [
    ['pull-filter', 'ignore', 'redirect-gateway'],
    // The same default route, pushed as plain routes.
    ['pull-filter', 'ignore', 'route 0.0.0.0 0.0.0.0'],
    ['pull-filter', 'ignore', 'route 0.0.0.0 128.0.0.0'],
    ['pull-filter', 'ignore', 'route 128.0.0.0 128.0.0.0'],
    ['pull-filter', 'ignore', 'route-ipv6 ::/0'],
    ['pull-filter', 'ignore', 'route-ipv6 ::/1'],
    ['pull-filter', 'ignore', 'route-ipv6 8000::/1'],
    ['pull-filter', 'ignore', 'route-ipv6 2000::/3'],
  ];
}
