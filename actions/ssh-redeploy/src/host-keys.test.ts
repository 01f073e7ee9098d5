import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import {
  algorithmsToOffer,
  fingerprintOf,
  hostsFieldMatches,
  judgeHostKey,
  fingerprintsFor,
  parseFingerprints,
  parseKnownHosts,
  type HostKeyPolicy,
} from './host-keys';

/** An Ed25519 public key blob in SSH wire format. */
function ed25519Blob(): Buffer {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const string = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  return Buffer.concat([string(Buffer.from('ssh-ed25519')), string(raw)]);
}

const blob = ed25519Blob();
const other = ed25519Blob();
const line = (hosts: string, key = blob, marker = '') =>
  `${marker}${hosts} ssh-ed25519 ${key.toString('base64')} comment`;

test('the fingerprint is SHA256 of the blob in unpadded base64, as ssh-keygen -l prints it', () => {
  const expected = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  expect(fingerprintOf(blob)).toBe(`SHA256:${expected}`);
  expect(fingerprintOf(blob)).toHaveLength(50);
});

test('fingerprints are read alone, several a line or from ssh-keygen -l lines', () => {
  const a = fingerprintOf(blob);
  const b = fingerprintOf(other);
  expect(parseFingerprints('fingerprint', `${a}\n256 ${b} root@host (ED25519)\n${a}=`)).toEqual([
    { fingerprint: a },
    { fingerprint: b },
  ]);
  expect(parseFingerprints('fingerprint', `${a} ${b}`)).toEqual([
    { fingerprint: a },
    { fingerprint: b },
  ]);
  expect(parseFingerprints('fingerprint', '')).toEqual([]);
});

test('a line binds its fingerprint to a host, or to one port of it', () => {
  const a = fingerprintOf(blob);
  const b = fingerprintOf(other);
  const pinned = parseFingerprints(
    'fingerprint',
    `Web1.example.com ${a}\n[10.0.0.5]:2222 ${b}\n${b}`,
  );
  expect(pinned).toEqual([
    { fingerprint: a, host: 'web1.example.com', port: undefined },
    { fingerprint: b, host: '10.0.0.5', port: 2222 },
    { fingerprint: b },
  ]);
  const policy: HostKeyPolicy = { fingerprints: pinned.slice(0, 2), knownHosts: [], skip: false };
  expect(fingerprintsFor(policy, 'web1.example.com', 22)).toEqual([a]);
  expect(fingerprintsFor(policy, 'WEB1.example.com', 2200)).toEqual([a]);
  expect(fingerprintsFor(policy, '10.0.0.5', 2222)).toEqual([b]);
  expect(fingerprintsFor(policy, '10.0.0.5', 22)).toEqual([]);
  // One host presenting the key bound to another is refused.
  expect(judgeHostKey(policy, 'web1.example.com', 22, other).accepted).toBe(false);
  expect(judgeHostKey(policy, '10.0.0.5', 2222, blob).accepted).toBe(false);
  expect(judgeHostKey(policy, '10.0.0.5', 2222, other).accepted).toBe(true);
  // With no fingerprint for the host, only its known-hosts key types are offered.
  expect(algorithmsToOffer(policy, '10.0.0.6', 22)).toEqual([]);
  expect(algorithmsToOffer(policy, '10.0.0.5', 2222)).toContain('ssh-ed25519');
});

test.each([
  ['web1;rm SHA256:' + 'A'.repeat(43), 'is not a host name or [host]:port'],
  ['[web1]:99999 SHA256:' + 'A'.repeat(43), 'is not a host name or [host]:port'],
])('a binding %s is refused', (text, message) => {
  expect(() => parseFingerprints('fingerprint', text)).toThrow(message);
});

test.each([
  ['43:51:43:a1:b5:fc:8b:b7:0a:3a:a9:b1:0f:66:73:a8', 'MD5 fingerprint'],
  ['SHA256:tooshort', 'is not a host key fingerprint'],
])('%s is refused', (text, message) => {
  expect(() => parseFingerprints('fingerprint', text)).toThrow(message);
});

test('known_hosts host fields: names, [host]:port, wildcards, negation, hashes', () => {
  expect(hostsFieldMatches('web1,10.0.0.5', 'web1', 22)).toBe(true);
  expect(hostsFieldMatches('web1', 'web1', 2222)).toBe(false);
  expect(hostsFieldMatches('[web1]:2222', 'web1', 2222)).toBe(true);
  expect(hostsFieldMatches('*.example.com,!db.example.com', 'web.example.com', 22)).toBe(true);
  expect(hostsFieldMatches('*.example.com,!db.example.com', 'db.example.com', 22)).toBe(false);
  expect(hostsFieldMatches('web?', 'WEB1', 22)).toBe(true);
  const salt = Buffer.from('0123456789abcdef0123');
  const hash = createHmac('sha1', salt).update('[10.0.0.5]:2222').digest('base64');
  const hashed = `|1|${salt.toString('base64')}|${hash}`;
  expect(hostsFieldMatches(hashed, '10.0.0.5', 2222)).toBe(true);
  expect(hostsFieldMatches(hashed, '10.0.0.5', 22)).toBe(false);
});

test('a key is accepted by fingerprint or by a known-hosts line for that host only', () => {
  const byLine: HostKeyPolicy = {
    fingerprints: [],
    knownHosts: parseKnownHosts('known-hosts', line('[h]:2222')),
    skip: false,
  };
  expect(judgeHostKey(byLine, 'h', 2222, blob).accepted).toBe(true);
  expect(judgeHostKey(byLine, 'h', 22, blob).accepted).toBe(false);
  expect(judgeHostKey(byLine, 'h', 2222, other).accepted).toBe(false);
  const both: HostKeyPolicy = { ...byLine, fingerprints: [{ fingerprint: fingerprintOf(other) }] };
  expect(judgeHostKey(both, 'h', 2222, other).accepted).toBe(true);
  expect(judgeHostKey(both, 'h', 2222, blob).accepted).toBe(true);
});

test('a @revoked key is refused even when a fingerprint or skipping would accept it', () => {
  const policy: HostKeyPolicy = {
    fingerprints: [{ fingerprint: fingerprintOf(blob) }],
    knownHosts: parseKnownHosts('known-hosts', line('h', blob, '@revoked ')),
    skip: true,
  };
  expect(judgeHostKey(policy, 'h', 22, blob)).toEqual({ accepted: false, revoked: true });
});

test('known-hosts key types are offered first; alone, they are all that is offered', () => {
  const knownHosts = parseKnownHosts('known-hosts', line('h'));
  expect(algorithmsToOffer({ fingerprints: [], knownHosts, skip: false }, 'h', 22)).toEqual([
    'ssh-ed25519',
  ]);
  const rsaFirst = algorithmsToOffer(
    { fingerprints: [{ fingerprint: fingerprintOf(blob) }], knownHosts, skip: false },
    'h',
    22,
  );
  expect(rsaFirst[0]).toBe('ssh-ed25519');
  expect(rsaFirst).toContain('rsa-sha2-512');
});

test.each([
  ['@cert-authority *.example.com ssh-ed25519 AAAA', 'host certificates are not supported'],
  ['just-a-host', 'is not a known_hosts line'],
  [`h ssh-rsa ${blob.toString('base64')}`, 'is a ssh-ed25519 key but the line says ssh-rsa'],
  [`h ssh-dss ${blob.toString('base64')}`, 'not supported'],
  ['# only a comment', 'holds no known_hosts line'],
])('known-hosts %j is refused', (text, message) => {
  expect(() => parseKnownHosts('known-hosts', text)).toThrow(message);
});
