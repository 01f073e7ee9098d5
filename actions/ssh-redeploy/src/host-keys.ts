// Host-key verification: which keys a server may present, from `fingerprint` and
// `known-hosts`, and which host-key algorithms to offer so that it presents one of them.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from '../../shared/errors';

/** The host-key algorithms ssh2 speaks, in the order it prefers them. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

/** A key's type as its blob names it (`ssh-rsa` for every RSA signature algorithm). */
function keyTypeOfAlgorithm(algorithm: string): string {
  return algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;
}

export function algorithmsOfKeyType(keyType: string): string[] {
  return HOST_KEY_ALGORITHMS.filter((algorithm) => keyTypeOfAlgorithm(algorithm) === keyType);
}

export interface KnownHostsEntry {
  /** The host patterns, or a hashed name (`|1|salt|hash`). */
  hosts: string;
  keyType: string;
  /** The key blob in base64, as in the line. */
  key: string;
  revoked: boolean;
  line: number;
}

/** A fingerprint from `fingerprint`, for every host or bound to one. */
export interface PinnedFingerprint {
  /** `SHA256:` + unpadded base64. */
  fingerprint: string;
  /** The host it is bound to (lowercase), as `host` names it; undefined for every host. */
  host?: string;
  /** With `host`, the one port it is bound to; undefined for every port. */
  port?: number;
}

export interface HostKeyPolicy {
  fingerprints: PinnedFingerprint[];
  knownHosts: KnownHostsEntry[];
  /** insecure-skip-host-key-check: any key is accepted (with a warning). */
  skip: boolean;
}

/** `SHA256:` + unpadded base64 of the SHA-256 of a key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The type a key blob declares (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

const SHA256_FINGERPRINT = /SHA256:([A-Za-z0-9+/]{43})=?(?![A-Za-z0-9+/])/g;

const HOST_NAME = /^[A-Za-z0-9._:%-]+$/;

/** `host` or `[host]:port`, as a line of `fingerprint` binds a fingerprint to them. */
function parseBinding(input: string, text: string, word: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(word);
  const host = (bracketed ? bracketed[1] : word).toLowerCase();
  const port = bracketed ? Number(bracketed[2]) : undefined;
  if (!HOST_NAME.test(host) || (port !== undefined && (port < 1 || port > 65535))) {
    throw new ConfigurationError(
      input,
      `'${text}': ${word} is not a host name or [host]:port. A line reads SHA256:... for every host, 'host SHA256:...' for one host, or '[host]:port SHA256:...' for one port of it.`,
    );
  }
  return { host, port };
}

/**
 * Reads `fingerprint`: one or more `SHA256:...`, one a line or comma-separated, each for every
 * host; `host SHA256:...` binds one to that host on every port, `[host]:port SHA256:...` to
 * that port only. Whole lines of `ssh-keygen -l` output (`256 SHA256:... comment (ED25519)`)
 * are accepted as well, for every host.
 */
export function parseFingerprints(input: string, raw: string): PinnedFingerprint[] {
  const pinned: PinnedFingerprint[] = [];
  for (const line of raw.split(/[\n,]/)) {
    const text = line.trim();
    if (text === '') continue;
    const found = [...text.matchAll(SHA256_FINGERPRINT)].map((match) => `SHA256:${match[1]}`);
    if (found.length === 0) {
      const md5 = /^(MD5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(text);
      throw new ConfigurationError(
        input,
        md5
          ? `'${text}' is an MD5 fingerprint, which is too weak to rely on. Give the SHA256 form, printed by ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server.`
          : `'${text}' is not a host key fingerprint. Give SHA256:<43 characters>, as printed by ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server.`,
      );
    }
    const words = text.split(/\s+/);
    // `host SHA256:...`: a first word that is neither a fingerprint nor ssh-keygen's bit count.
    const bound = words.length === 2 && !/^SHA256:/.test(words[0]) && !/^\d+$/.test(words[0]);
    if (bound) {
      pinned.push({ fingerprint: found[0], ...parseBinding(input, text, words[0]) });
    } else {
      pinned.push(...found.map((fingerprint) => ({ fingerprint })));
    }
  }
  const seen = new Set<string>();
  return pinned.filter((entry) => {
    const key = `${entry.fingerprint} ${entry.host ?? ''} ${entry.port ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The fingerprints that may verify this host and port: those for every host, and its own. */
export function fingerprintsFor(policy: HostKeyPolicy, host: string, port: number): string[] {
  const name = host.toLowerCase();
  return policy.fingerprints
    .filter(
      (entry) =>
        entry.host === undefined ||
        (entry.host === name && (entry.port === undefined || entry.port === port)),
    )
    .map((entry) => entry.fingerprint);
}

const KEY_TYPES = new Set(HOST_KEY_ALGORITHMS.map(keyTypeOfAlgorithm));

/** Reads `known-hosts`: lines in OpenSSH's known_hosts format, hashed names included. */
export function parseKnownHosts(input: string, raw: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  raw.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0].startsWith('@')) {
      const marker = fields.shift()!;
      if (marker === '@revoked') revoked = true;
      else if (marker === '@cert-authority') {
        throw new ConfigurationError(
          input,
          `line ${index + 1} is a @cert-authority line; host certificates are not supported. Give the hosts' own keys (ssh-keyscan -p PORT HOST).`,
        );
      } else {
        throw new ConfigurationError(input, `line ${index + 1} has an unknown marker ${marker}.`);
      }
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      throw new ConfigurationError(
        input,
        `line ${index + 1} is not a known_hosts line. Each line reads 'host-patterns key-type base64-key', as printed by ssh-keyscan -p PORT HOST.`,
      );
    }
    if (!KEY_TYPES.has(keyType)) {
      throw new ConfigurationError(
        input,
        `line ${index + 1} holds a ${keyType} key, which is not supported; give the server's ssh-ed25519, ecdsa-sha2-* or ssh-rsa key.`,
      );
    }
    const declared = keyTypeOf(Buffer.from(key, 'base64'));
    if (declared !== keyType) {
      throw new ConfigurationError(
        input,
        `line ${index + 1}: the key is a ${declared} key but the line says ${keyType}; copy the line again.`,
      );
    }
    entries.push({ hosts, keyType, key, revoked, line: index + 1 });
  });
  if (entries.length === 0) {
    throw new ConfigurationError(input, 'holds no known_hosts line.');
  }
  return entries;
}

/** How a host and port are written in known_hosts: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether a known_hosts host field names this host and port (patterns, negations, hashes). */
export function hostsFieldMatches(hosts: string, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    const given = Buffer.from(hash, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function globMatches(pattern: string, name: string): boolean {
  const expression = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(name.toLowerCase());
}

export function entriesFor(policy: HostKeyPolicy, host: string, port: number): KnownHostsEntry[] {
  return policy.knownHosts.filter((entry) => hostsFieldMatches(entry.hosts, host, port));
}

export type Verdict = { accepted: true; how: string } | { accepted: false; revoked: boolean };

/** Whether a key the server presented is one the policy accepts for this host and port. */
export function judgeHostKey(
  policy: HostKeyPolicy,
  host: string,
  port: number,
  blob: Buffer,
): Verdict {
  const entries = entriesFor(policy, host, port);
  const base64 = blob.toString('base64');
  if (entries.some((entry) => entry.revoked && entry.key === base64)) {
    return { accepted: false, revoked: true };
  }
  if (policy.skip) return { accepted: true, how: 'not checked (insecure-skip-host-key-check)' };
  const fingerprint = fingerprintOf(blob);
  if (fingerprintsFor(policy, host, port).includes(fingerprint)) {
    return { accepted: true, how: "matches 'fingerprint'" };
  }
  const line = entries.find((entry) => !entry.revoked && entry.key === base64);
  if (line) return { accepted: true, how: `matches line ${line.line} of 'known-hosts'` };
  return { accepted: false, revoked: false };
}

/**
 * The host-key algorithms to offer, best first. Key types listed in known-hosts for the host
 * come first, so the server presents a key we can check; with only known-hosts, nothing else
 * is offered (a fingerprint could be of any type, so with fingerprints everything is).
 */
export function algorithmsToOffer(policy: HostKeyPolicy, host: string, port: number): string[] {
  if (policy.skip) return [...HOST_KEY_ALGORITHMS];
  const known = new Set(
    entriesFor(policy, host, port)
      .filter((entry) => !entry.revoked)
      .map((entry) => entry.keyType),
  );
  const preferred = HOST_KEY_ALGORITHMS.filter((algorithm) =>
    known.has(keyTypeOfAlgorithm(algorithm)),
  );
  if (fingerprintsFor(policy, host, port).length === 0) return preferred;
  return [...preferred, ...HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
}

/** The help shown when neither a fingerprint nor known-hosts is given. */
export function howToGetFingerprint(host: string, port: number): string {
  const portFlag = port === 22 ? '' : `-p ${port} `;
  return (
    "The server's host key must be verified before logging in, or anyone on the network path could pose as it. " +
    `Give 'fingerprint' (SHA256:...), from ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub run on the server (or ssh-keyscan ${portFlag}${host} | ssh-keygen -lf - from a machine you trust), ` +
    `or 'known-hosts', the lines ssh-keyscan ${portFlag}${host} prints. ` +
    'Store it as a secret or variable. Only for a throwaway server: insecure-skip-host-key-check: true.'
  );
}
