// The private keys a step logs in with: `key` (or `key-file`) may hold several, one after
// another. Each is read, decrypted and parsed once, before any connection, and every host is
// offered each key in turn, as an SSH agent with several identities does.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ParsedKey } from 'ssh2';
import { ConfigurationError, errorMessage } from '../../shared/errors';
import { fingerprintOf } from './host-keys';

/** One armoured block: `-----BEGIN X-----` to `-----END X-----`. */
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The keys of a `key` input, in order. Text without any armoured block is returned whole, so
 * that reading it says what is wrong with it.
 */
export function splitKeys(text: string): string[] {
  const blocks = [...text.matchAll(BLOCK)].map((match) => `${match[0]}\n`);
  return blocks.length > 0 ? blocks : [text];
}

/** A key ready to offer: parsed once, with the fingerprint `ssh-keygen -l` prints for it. */
export interface LoginKey {
  parsed: ParsedKey;
  /** `SHA256:` and unpadded base64 of the public key blob. */
  fingerprint: string;
}

export function loginKey(parsed: ParsedKey): LoginKey {
  return { parsed, fingerprint: fingerprintOf(parsed.getPublicSSH()) };
}

/**
 * Reads `key-file` from the workspace (relative paths) and refuses it, as OpenSSH does, when
 * its group or others have any permission on it: a key others can read is no longer secret.
 */
export function readKeyFile(given: string, workspace: string): string {
  const resolved = path.resolve(workspace, given);
  let mode: number;
  try {
    mode = statSync(resolved).mode;
  } catch (error) {
    throw new ConfigurationError(
      'key-file',
      `cannot read ${given} (${errorMessage(error)}): give the path of a file the job wrote, e.g. with install -m 600 /dev/null key && printf '%s\\n' "$KEY" > key.`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigurationError(
      'key-file',
      `${given} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}: its group or others may read it, and OpenSSH refuses such a key. Make it readable by its owner alone (chmod 600 ${given}).`,
    );
  }
  try {
    return readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new ConfigurationError('key-file', `cannot read ${given} (${errorMessage(error)}).`);
  }
}
