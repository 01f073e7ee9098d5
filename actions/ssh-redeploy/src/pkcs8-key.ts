// Private keys in PKCS#8 form (`BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY`), as
// `ssh-keygen -m PKCS8` and many key managers write them. ssh2 reads OpenSSH keys and the
// older PEM forms only: Node's crypto reads (and decrypts) the PKCS#8 key, and it is handed to
// ssh2 in a form ssh2 reads, in memory only: RSA as PKCS#1, ECDSA as SEC1, Ed25519 as an
// unencrypted OpenSSH key.
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigurationError } from '../../shared/errors';

const PKCS8_BEGIN = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;

export function isPkcs8(key: string): boolean {
  return PKCS8_BEGIN.test(key);
}

/** An SSH wire-format string: its length (4 bytes, big-endian), then its bytes. */
function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/** An Ed25519 key as an unencrypted OpenSSH private key (PROTOCOL.key of OpenSSH). */
function openSshEd25519(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const publicBytes = Buffer.from(
    createPublicKey(key).export({ format: 'jwk' }).x ?? '',
    'base64url',
  );
  const type = 'ssh-ed25519';
  const publicBlob = Buffer.concat([sshString(type), sshString(publicBytes)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([
    check,
    check,
    sshString(type),
    sshString(publicBytes),
    sshString(Buffer.concat([seed, publicBytes])),
    sshString(''),
  ]);
  // Padded to the cipher's block size (8 for none) with the bytes 1, 2, 3...
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/**
 * A PKCS#8 key, decrypted with `passphrase` when it is encrypted, in a form ssh2 reads (without
 * a passphrase). Errors name the inputs as a wrong passphrase or an unusable key deserve.
 */
export function fromPkcs8(
  keyInput: string,
  passphraseInput: string,
  key: string,
  passphrase: string | undefined,
): string {
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key);
  if (encrypted && passphrase === undefined) {
    throw new ConfigurationError(
      passphraseInput,
      `is required: the key in '${keyInput}' is encrypted. Pass its passphrase as a secret.`,
    );
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({
      key,
      format: 'pem',
      ...(encrypted ? { passphrase } : {}),
    });
  } catch (error) {
    if (encrypted) {
      throw new ConfigurationError(passphraseInput, `does not decrypt the key in '${keyInput}'.`);
    }
    throw new ConfigurationError(
      keyInput,
      `holds a PKCS#8 key that cannot be read (${(error as Error).message}). Give the whole file, from its -----BEGIN line to its -----END line.`,
    );
  }
  switch (keyObject.asymmetricKeyType) {
    case 'rsa':
      return keyObject.export({ format: 'pem', type: 'pkcs1' }).toString();
    case 'ec':
      return keyObject.export({ format: 'pem', type: 'sec1' }).toString();
    case 'ed25519':
      return openSshEd25519(keyObject);
    default:
      throw new ConfigurationError(
        keyInput,
        `holds a PKCS#8 ${keyObject.asymmetricKeyType ?? 'unknown'} key; SSH keys are Ed25519, ECDSA or RSA.`,
      );
  }
}
