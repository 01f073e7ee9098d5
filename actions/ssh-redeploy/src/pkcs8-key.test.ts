import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { utils, type ParsedKey } from 'ssh2';
import { fromPkcs8, isPkcs8 } from './pkcs8-key';

const PASSPHRASE = "it's a passphrase";
let folder: string;

beforeAll(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'pkcs8-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function pkcs8(type: 'rsa' | 'ec' | 'ed25519' | 'x25519', encrypted: boolean): string {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : type === 'ed25519'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('x25519');
  return pair.privateKey
    .export({
      type: 'pkcs8',
      format: 'pem',
      ...(encrypted ? { cipher: 'aes-256-cbc', passphrase: PASSPHRASE } : {}),
    })
    .toString();
}

/** The `type base64` public line ssh2 makes of a key. */
function ssh2PublicLine(key: string): string {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  const one: ParsedKey = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  return `${one.type} ${one.getPublicSSH().toString('base64')}`;
}

function write(name: string, text: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** What OpenSSH's ssh-keygen -y makes of a key file: its public line without the comment. */
function sshKeygenPublic(file: string, passphrase = ''): string {
  return execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', file], { encoding: 'utf8' })
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
}

describe.each([false, true])('PKCS#8, encrypted: %s', (encrypted) => {
  test.each(['rsa', 'ec'] as const)(
    '%s: ssh2 reads the converted key as the same key ssh-keygen reads',
    (type) => {
      const key = pkcs8(type, encrypted);
      expect(isPkcs8(key)).toBe(true);
      const converted = fromPkcs8('key', 'passphrase', key, encrypted ? PASSPHRASE : undefined);
      expect(converted).not.toContain('ENCRYPTED');
      const original = write(`${type}-${encrypted}.pem`, key);
      expect(ssh2PublicLine(converted)).toBe(
        sshKeygenPublic(original, encrypted ? PASSPHRASE : ''),
      );
    },
  );

  test('ed25519: ssh2 reads it as an OpenSSH key, the public half the README command gives', () => {
    const key = pkcs8('ed25519', encrypted);
    const converted = fromPkcs8('key', 'passphrase', key, encrypted ? PASSPHRASE : undefined);
    expect(converted.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    // OpenSSH reads the converted key too.
    const file = write(`ed25519-${encrypted}.key`, converted);
    expect(sshKeygenPublic(file)).toBe(ssh2PublicLine(converted));
    // The README's way to the public half for authorized_keys, with openssl.
    const original = write(`ed25519-${encrypted}.pem`, key);
    const readme = execFileSync(
      'sh',
      [
        '-c',
        `printf 'ssh-ed25519 %s\\n' "$( (printf '\\0\\0\\0\\013ssh-ed25519\\0\\0\\0\\040'; openssl pkey -in "$1" -passin env:PASS -pubout -outform DER | tail -c 32) | base64 -w0)"`,
        'sh',
        original,
      ],
      { encoding: 'utf8', env: { ...process.env, PASS: PASSPHRASE } },
    ).trim();
    expect(readme).toBe(ssh2PublicLine(converted));
  });
});

test('an encrypted key without its passphrase, or with a wrong one, names passphrase', () => {
  const key = pkcs8('ec', true);
  expect(() => fromPkcs8('key', 'passphrase', key, undefined)).toThrow(
    "Input 'passphrase': is required: the key in 'key' is encrypted. Pass its passphrase as a secret.",
  );
  expect(() => fromPkcs8('proxy-key', 'proxy-passphrase', key, 'wrong')).toThrow(
    "Input 'proxy-passphrase': does not decrypt the key in 'proxy-key'.",
  );
});

test('a PKCS#8 key that is not an SSH key type, or is cut short, is refused', () => {
  expect(() => fromPkcs8('key', 'passphrase', pkcs8('x25519', false), undefined)).toThrow(
    "Input 'key': holds a PKCS#8 x25519 key; SSH keys are Ed25519, ECDSA or RSA.",
  );
  const cut = pkcs8('rsa', false).split('\n').slice(0, 5).join('\n');
  expect(() => fromPkcs8('key', 'passphrase', cut, undefined)).toThrow(
    /^Input 'key': holds a PKCS#8 key that cannot be read/,
  );
});
