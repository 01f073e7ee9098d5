// The one module that speaks SSH, through ssh2. ssh2 is big: it is loaded on first use, after
// the inputs have been read and checked, so a configuration error fails fast.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type {
  AnyAuthMethod,
  AuthenticationType,
  AuthHandlerMiddleware,
  Client,
  ClientChannel,
  ConnectConfig,
  ServerHostKeyAlgorithm,
} from 'ssh2';
import type { ActionContext } from '../../shared/context';
import { ActionFailure, ConfigurationError, errorMessage } from '../../shared/errors';
import { formatDuration } from '../../shared/duration';
import { formatHostPort } from '../../shared/host-port';
import type { ProcessResult } from '../../shared/process';
import { withRetry } from '../../shared/retry';
import { loginKey, splitKeys, type LoginKey } from './keys';
import { fromPkcs8, isPkcs8 } from './pkcs8-key';
import {
  algorithmsOfKeyType,
  algorithmsToOffer,
  fingerprintOf,
  judgeHostKey,
  keyTypeOf,
  knownHostsName,
  type HostKeyPolicy,
} from './host-keys';
import { killProgram, PGID_LINE, remoteCommand, terminalRemoteCommand } from './remote-shell';

interface Ssh2 {
  Client: typeof import('ssh2').Client;
  parseKey: typeof import('ssh2').utils.parseKey;
}
let loaded: Ssh2 | undefined;

/**
 * Loads ssh2 (a chunk of its own in the bundle, read only when a connection is due): its client
 * and key parser alone, not its index, which also loads Node's http, https and tls for HTTP
 * agents the action never uses (about a quarter of the CPU time ssh2 takes to load).
 */
export async function loadSsh2(): Promise<void> {
  if (loaded) return;
  const [client, keyParser] = await Promise.all([
    import('ssh2/lib/client.js'),
    import('ssh2/lib/protocol/keyParser.js'),
  ]);
  loaded = { Client: client.default, parseKey: keyParser.parseKey };
}

function ssh2(): Ssh2 {
  if (!loaded) throw new Error('ssh2 is used before loadSsh2()');
  return loaded;
}

export interface Credentials {
  /** The key input's text: one private key, or several one after another. */
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /** The keys, each parsed once by readLoginKeys before any connection, offered in order. */
  keys?: LoginKey[];
}

export interface Endpoint {
  host: string;
  port: number;
  username: string;
  credentials: Credentials;
  /** How logs name it. */
  label: string;
}

export interface ConnectionSettings {
  policy: HostKeyPolicy;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Further attempts after a failed connection. */
  retries: number;
  /** The input a fingerprint for this connection is given in, for messages. */
  fingerprintInput?: string;
  /** Receives the connection log (debug: true): algorithms, authentication, host key. */
  debug?: (line: string) => void;
}

/**
 * Every key of a key input, read, decrypted and parsed once (see readPrivateKey). Returns
 * the keys and the texts converted from PKCS#8, which the caller masks like the input.
 */
export function readLoginKeys(
  keyInput: string,
  passphraseInput: string,
  text: string,
  passphrase: string | undefined,
): { keys: LoginKey[]; converted: string[] } {
  const keys: LoginKey[] = [];
  const converted: string[] = [];
  const texts = splitKeys(text);
  for (const [index, keyText] of texts.entries()) {
    const which = texts.length > 1 ? `${keyInput} (key ${index + 1} of ${texts.length})` : keyInput;
    const read = readPrivateKey(which, passphraseInput, keyText, passphrase);
    if (read.converted) converted.push(read.privateKey);
    const parsed = ssh2().parseKey(read.privateKey, read.passphrase);
    // readPrivateKey has read it already: this cannot fail.
    if (parsed instanceof Error) throw parsed;
    keys.push(loginKey(Array.isArray(parsed) ? (parsed[0] as typeof parsed) : parsed));
  }
  return { keys, converted };
}

/**
 * The private key in a form ssh2 reads, checked before any connection (see checkPrivateKey):
 * a PKCS#8 key is decrypted and converted (pkcs8-key.ts), in memory only.
 */
function readPrivateKey(
  keyInput: string,
  passphraseInput: string,
  key: string,
  passphrase: string | undefined,
): { privateKey: string; passphrase?: string; converted: boolean } {
  if (isPkcs8(key)) {
    const privateKey = fromPkcs8(keyInput, passphraseInput, key, passphrase);
    checkPrivateKey(keyInput, passphraseInput, privateKey, undefined);
    return { privateKey, converted: true };
  }
  checkPrivateKey(keyInput, passphraseInput, key, passphrase);
  return { privateKey: key, passphrase, converted: false };
}

/**
 * Checks that a private key can be read, and decrypted with its passphrase, before any
 * connection: a wrong passphrase is the user's mistake, not the server's refusal.
 */
function checkPrivateKey(
  keyInput: string,
  passphraseInput: string,
  key: string,
  passphrase: string | undefined,
): void {
  const parsed = ssh2().parseKey(key, passphrase);
  if (parsed instanceof Error) {
    const message = parsed.message;
    if (/no passphrase/i.test(message)) {
      throw new ConfigurationError(
        passphraseInput,
        `is required: the key in '${keyInput}' is encrypted. Pass its passphrase as a secret.`,
      );
    }
    if (/passphrase|decrypt|bad decrypt/i.test(message) && passphrase !== undefined) {
      throw new ConfigurationError(passphraseInput, `does not decrypt the key in '${keyInput}'.`);
    }
    throw new ConfigurationError(
      keyInput,
      `is not a private key this action can read (${message}). Give the whole private key file, from its -----BEGIN line to its -----END line: OpenSSH, PEM (RSA, ECDSA) or PKCS#8 format (encrypted or not), Ed25519, ECDSA or RSA.`,
    );
  }
  const first = Array.isArray(parsed) ? (parsed[0] as typeof parsed) : parsed;
  if (first.getPrivatePEM() === null && !first.isPrivateKey()) {
    throw new ConfigurationError(
      keyInput,
      'holds a public key. Give the private key (the file without .pub); its public half goes in the server user’s ~/.ssh/authorized_keys.',
    );
  }
}

/** The server's host key was not one the step accepts; no credentials were sent. */
class HostKeyRejected extends ActionFailure {
  constructor(endpoint: Endpoint, presented: Buffer[], revoked: boolean, fingerprintInput: string) {
    const keys = presented.map((key) => `${fingerprintOf(key)} (${keyTypeOf(key)})`).join(', ');
    super(
      revoked
        ? `${endpoint.label}: the server presented a host key marked @revoked in 'known-hosts' (${keys}). Refused before logging in.`
        : `${endpoint.label}: host key verification failed. The server presented ${keys}, which matches no '${fingerprintInput}' and no 'known-hosts' line for ${knownHostsName(endpoint.host, endpoint.port)}. ` +
            'Nothing was sent to it. If the server was reinstalled or its keys changed, check the new fingerprint on the server itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before updating the workflow; otherwise someone may be posing as it.',
    );
    this.name = 'HostKeyRejected';
  }
}

class AuthenticationFailed extends ActionFailure {
  constructor(endpoint: Endpoint) {
    const { privateKey, password, keys = [] } = endpoint.credentials;
    const keyWord = keys.length > 1 ? `${keys.length} keys` : 'key';
    const given = [privateKey && keyWord, password && 'password'].filter(Boolean).join(' and ');
    const checks = [
      privateKey &&
        `that the key's public half is in ~${endpoint.username}/.ssh/authorized_keys on the server`,
      password && 'the password, and that the server accepts passwords (PasswordAuthentication)',
    ].filter(Boolean);
    super(
      `${endpoint.label}: the server refused to log in ${endpoint.username} with the ${given || 'no credentials'} given. ` +
        `Check ${checks.join(', and ')}, and the user name.`,
    );
    this.name = 'AuthenticationFailed';
  }
}

/** A failure that another attempt may cure: refused, reset, timed out, unreachable. */
class TransientConnectionError extends Error {}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

function isTransient(error: unknown): boolean {
  const { code, level, message } = error as { code?: string; level?: string; message?: string };
  if (code && TRANSIENT_CODES.has(code)) return true;
  if (level === 'client-timeout' || level === 'client-socket') return true;
  return /timed out|connection refused|closed before|socket hang up|ECONNRESET/i.test(
    message ?? '',
  );
}

/** Something that can open a TCP stream to a host:port, such as a jump host. */
export type Dialer = (host: string, port: number) => Promise<Duplex>;

/** An open SSH connection to one server. */
export class Connection {
  constructor(
    readonly client: Client,
    readonly endpoint: Endpoint,
    /** How the host key was accepted, for the log. */
    readonly hostKeyNote: string,
    /** The fingerprint of the key that logged in; undefined when a password did. */
    readonly keyFingerprint?: string,
  ) {}

  /** Runs a program (see remote-shell.ts) and streams its output; never rejects on exit codes. */
  run(
    program: string,
    handlers: RunHandlers,
    timeoutMs: number,
    terminal?: TerminalOptions,
  ): Promise<RunResult> {
    return runProgram(this.client, program, handlers, timeoutMs, terminal);
  }

  /** Opens a stream to a Unix socket of the server (OpenSSH's streamlocal forwarding). */
  openSocket(socketPath: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.openssh_forwardOutStreamLocal(socketPath, (error, stream) => {
        if (error) reject(error);
        else resolve(stream);
      });
    });
  }

  /** Opens a TCP stream from the server, for a jump host. */
  dial(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
        if (!error) resolve(stream);
        // Reason 1 is SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254).
        else if ((error as Error & { reason?: unknown }).reason === 1) {
          // The jump host's sshd forbids forwarding: asking again cannot help.
          reject(
            new ActionFailure(
              `${this.endpoint.label} may not forward connections to ${formatHostPort(host, port)}: its sshd must allow TCP forwarding (AllowTcpForwarding).`,
            ),
          );
        } else {
          reject(
            new TransientConnectionError(
              `${this.endpoint.label} could not reach ${formatHostPort(host, port)} (${error.message})`,
            ),
          );
        }
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

/**
 * Connects and logs in, retrying connection failures with exponential backoff. Host-key and
 * authentication failures are not retried: another attempt would meet the same answer.
 */
export async function connect(
  endpoint: Endpoint,
  settings: ConnectionSettings,
  { log, clock }: Pick<ActionContext, 'log' | 'clock'>,
  dial?: Dialer,
): Promise<Connection> {
  try {
    return await withRetry(() => connectVerified(endpoint, settings, dial), {
      attempts: settings.retries + 1,
      backoff: { initialMs: 1_000, maxMs: 15_000 },
      clock,
      classify: (error) =>
        error instanceof TransientConnectionError
          ? { retry: true, reason: error.message }
          : { retry: false },
      onRetry: ({ attempt, delayMs, reason }) =>
        log.warning(
          `${endpoint.label}: ${reason}; connecting again in ${formatDuration(delayMs)} (attempt ${attempt + 1} of ${settings.retries + 1}).`,
        ),
    });
  } catch (error) {
    if (error instanceof TransientConnectionError) {
      throw new ActionFailure(
        `${endpoint.label}: could not connect: ${error.message}${settings.retries > 0 ? ` (${settings.retries + 1} attempts)` : ''}.`,
      );
    }
    throw error;
  }
}

/**
 * One connection, verified: when the server presents a key of another type than the one a
 * fingerprint is of, the type it presented is withdrawn from the offer and the handshake is
 * made again, until the server has no other type to present.
 */
async function connectVerified(
  endpoint: Endpoint,
  settings: ConnectionSettings,
  dial?: Dialer,
): Promise<Connection> {
  const fingerprintInput = settings.fingerprintInput ?? 'fingerprint';
  let algorithms = algorithmsToOffer(settings.policy, endpoint.host, endpoint.port);
  const presented: Buffer[] = [];
  for (;;) {
    const attempt = await handshake(endpoint, settings, algorithms, dial);
    if (attempt.connection) return attempt.connection;
    if (attempt.rejectedKey) {
      presented.push(attempt.rejectedKey);
      if (attempt.revoked) throw new HostKeyRejected(endpoint, presented, true, fingerprintInput);
      const withdrawn = algorithmsOfKeyType(keyTypeOf(attempt.rejectedKey));
      algorithms = algorithms.filter((algorithm) => !withdrawn.includes(algorithm));
      if (algorithms.length > 0) continue;
      throw new HostKeyRejected(endpoint, presented, false, fingerprintInput);
    }
    const error = attempt.error!;
    // The server has no key of the types left to offer: the ones it had were all refused.
    if (presented.length > 0 && /no matching|host key/i.test(error.message)) {
      throw new HostKeyRejected(endpoint, presented, false, fingerprintInput);
    }
    if (/no matching .*host key/i.test(error.message)) {
      throw new ActionFailure(
        `${endpoint.label}: the server has no host key of the types listed for it in 'known-hosts' (${algorithms.join(', ')}). Run ssh-keyscan ${endpoint.port === 22 ? '' : `-p ${endpoint.port} `}${endpoint.host} again and check the lines.`,
      );
    }
    throw error;
  }
}

interface HandshakeResult {
  connection?: Connection;
  rejectedKey?: Buffer;
  revoked?: boolean;
  error?: Error;
}

async function handshake(
  endpoint: Endpoint,
  settings: ConnectionSettings,
  algorithms: string[],
  dial?: Dialer,
): Promise<HandshakeResult> {
  const { Client } = ssh2();
  const sock = dial ? await dial(endpoint.host, endpoint.port) : undefined;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let verdictNote = '';
    let rejected: { key: Buffer; revoked: boolean } | undefined;
    const attempts = authAttempts(endpoint, settings.debug);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    client.on('ready', () =>
      settle(() =>
        resolve({
          connection: new Connection(client, endpoint, verdictNote, attempts.current()),
        }),
      ),
    );
    client.on('error', (error: Error & { level?: string }) => {
      settle(() => {
        client.end();
        if (rejected) {
          resolve({ rejectedKey: rejected.key, revoked: rejected.revoked });
        } else if (error.level === 'client-authentication') {
          reject(new AuthenticationFailed(endpoint));
        } else if (isTransient(error)) {
          reject(new TransientConnectionError(describeConnectionError(error, settings)));
        } else {
          resolve({ error: new ActionFailure(`${endpoint.label}: ${error.message}`) });
        }
      });
    });
    client.on('close', () =>
      settle(() => reject(new TransientConnectionError('the connection closed before logging in'))),
    );
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      authHandler: attempts.next,
      readyTimeout: settings.connectTimeoutMs,
      keepaliveInterval: settings.keepaliveIntervalMs,
      keepaliveCountMax: 3,
      tryKeyboard: false,
      algorithms: { serverHostKey: algorithms as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer) => {
        const verdict = judgeHostKey(settings.policy, endpoint.host, endpoint.port, key);
        settings.debug?.(
          `Host key: ${keyTypeOf(key)} ${fingerprintOf(key)}, ${verdict.accepted ? `accepted (${verdict.how})` : 'refused'}`,
        );
        if (verdict.accepted) {
          verdictNote = `${fingerprintOf(key)} ${verdict.how}`;
          return true;
        }
        rejected = { key, revoked: verdict.revoked };
        return false;
      },
    };
    if (sock) config.sock = sock;
    if (settings.debug) config.debug = settings.debug;
    try {
      client.connect(config);
      // SSH is a conversation of small packets: with Nagle's algorithm each answer waits for
      // the delayed ACK of the last one (40 ms on Linux), five times over before a command runs.
      client.setNoDelay(true);
    } catch (error) {
      settle(() => reject(new ActionFailure(`${endpoint.label}: ${errorMessage(error)}`)));
    }
  });
}

/**
 * What a connection tries, in order: each key, as an agent with several identities offers
 * them, then the password. The keys are parsed already: ssh2 takes them as they are.
 */
function authAttempts(
  endpoint: Endpoint,
  debug: ((line: string) => void) | undefined,
): { next: AuthHandlerMiddleware; current: () => string | undefined } {
  const { keys = [], password } = endpoint.credentials;
  const queue: Array<{ key?: LoginKey; password?: string }> = [
    ...keys.map((key) => ({ key })),
    ...(password === undefined ? [] : [{ password }]),
  ];
  let position = 0;
  let current: LoginKey | undefined;
  const next: AuthHandlerMiddleware = (methodsLeft, _partialSuccess, done) => {
    done(choose(methodsLeft));
  };
  const choose = (methodsLeft: AuthenticationType[] | null): AnyAuthMethod => {
    while (position < queue.length) {
      const attempt = queue[position++];
      const type = attempt.key ? 'publickey' : 'password';
      if (methodsLeft && !methodsLeft.includes(type)) {
        debug?.(
          `Authentication: the server does not take ${type} (it takes ${methodsLeft.join(', ')})`,
        );
        continue;
      }
      current = attempt.key;
      if (attempt.key) {
        debug?.(
          `Authentication: trying key ${attempt.key.fingerprint} (${attempt.key.parsed.type})`,
        );
        return { type: 'publickey', username: endpoint.username, key: attempt.key.parsed };
      }
      debug?.('Authentication: trying the password');
      return { type: 'password', username: endpoint.username, password: attempt.password! };
    }
    // ssh2 reads false as: nothing more to try.
    return false as unknown as AnyAuthMethod;
  };
  return { next, current: () => current?.fingerprint };
}

function describeConnectionError(
  error: Error & { code?: string },
  settings: ConnectionSettings,
): string {
  if (/timed out/i.test(error.message)) {
    return `no SSH handshake within connect-timeout (${formatDuration(settings.connectTimeoutMs)})`;
  }
  if (error.code === 'ECONNREFUSED') return 'connection refused (is sshd listening on that port?)';
  return error.message;
}

export interface RunHandlers {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

/**
 * How a program on a server ended, in the shape of a local one's (`code` null when it was
 * killed or the connection was lost), less the output, which streams to the handlers.
 */
export interface RunResult extends Pick<ProcessResult, 'code' | 'signal' | 'timedOut'> {
  /** Set when the connection dropped before the program ended. */
  connectionLost?: string;
  /** Set when the program was stopped because sudo asked what the step could not answer. */
  sudoRefused?: string;
}

/**
 * request-pty: the program runs on a terminal; sudo's prompt, `prompt` (its SUDO_PROMPT, unique
 * to the run), is answered once with the password, never through a command line.
 */
export interface TerminalOptions {
  prompt: string;
  sudoPassword?: string;
}

/**
 * A sudo prompt of the run's own, `[sudo] password for <user> [<random>]` (sudo fills in %p):
 * its random part, `marker`, is what the step watches the terminal for (TerminalOptions.prompt).
 */
export function newSudoPrompt(): { marker: string; prompt: string } {
  const marker = `[${randomBytes(8).toString('hex')}]`;
  return { marker, prompt: `[sudo] password for %p ${marker}` };
}

/** A prompt is the end of what the terminal shows, after the last line break. */
const PROMPT_TAIL_CHARACTERS = 4_096;

/** A signal as SSH names it (`KILL`, RFC 4254) in Node's words (`SIGKILL`). */
function signalOf(name: string | undefined): NodeJS.Signals | null {
  return name ? (`SIG${name}` as NodeJS.Signals) : null;
}

/** The signal that ended a program, as messages name it (`KILL`). */
export function signalName(result: RunResult): string | undefined {
  return result.signal?.replace(/^SIG/, '');
}

/**
 * After command-timeout: how long the program has between SIGTERM and SIGKILL, to clean up
 * and roll back (remote/kill-group.sh).
 */
const TERM_GRACE_SECONDS = 15;
/** How long closing a channel, or the kill program's own channel, may take. */
const KILL_GRACE_MS = 5_000;
/**
 * After command-timeout, the run ends this much later whatever the server does: a server
 * that stopped answering (without keepalives, nothing else would notice) cannot hold the step.
 */
const GIVE_UP_AFTER_TIMEOUT_MS = 28_000;

function runProgram(
  client: Client,
  program: string,
  handlers: RunHandlers,
  timeoutMs: number,
  terminal?: TerminalOptions,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const command = terminal ? terminalRemoteCommand() : remoteCommand();
    // A terminal of the usual kind; wide, so that the tools that cut lines to it cut few.
    const options = terminal ? { pty: { term: 'xterm', cols: 200, rows: 50 } } : {};
    client.exec(command, options, (error, stream: ClientChannel) => {
      if (error) {
        reject(new ActionFailure(`could not start the program: ${error.message}`));
        return;
      }
      let code: number | null = null;
      let signal: NodeJS.Signals | null = null;
      let timedOut = false;
      let pgid: string | undefined;
      let stderrHead: Buffer | undefined = Buffer.alloc(0);
      let finished = false;
      let sudoRefused: string | undefined;

      let giveUp: NodeJS.Timeout | undefined;
      const finish = (result: RunResult) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearTimeout(giveUp);
        client.removeListener('close', onConnectionClosed);
        client.removeListener('error', onConnectionError);
        resolve(result);
      };
      const onConnectionClosed = () =>
        finish({ code: null, signal: null, timedOut, connectionLost: 'the connection closed' });
      const onConnectionError = (connectionError: Error) =>
        finish({ code: null, signal: null, timedOut, connectionLost: connectionError.message });
      client.on('close', onConnectionClosed);
      client.on('error', onConnectionError);

      const timer = setTimeout(() => {
        timedOut = true;
        giveUp = setTimeout(() => {
          finish({
            code: null,
            signal: null,
            timedOut,
            connectionLost: `no answer for ${GIVE_UP_AFTER_TIMEOUT_MS / 1000} s`,
          });
          // Nothing more can be said to it: the socket goes, so that nothing waits on it.
          client.destroy();
        }, GIVE_UP_AFTER_TIMEOUT_MS);
        void killRemote(client, stream, pgid).finally(() => {
          // The channel closes once the killed processes let go of its pipes; if something
          // the program started holds them, closing it ourselves ends the wait.
          setTimeout(() => stream.close(), KILL_GRACE_MS).unref();
        });
      }, timeoutMs);

      const sudo = terminal
        ? sudoAnswerer(
            terminal,
            (text) => stream.write(text),
            (why) => {
              sudoRefused = why;
              // Closing the channel hangs up the terminal: sudo and the script end with it.
              stream.close();
            },
          )
        : undefined;
      if (terminal) {
        // One stream: the terminal. The bootstrap's line comes first, then the program is sent.
        let head: Buffer | undefined = Buffer.alloc(0);
        stream.on('data', (chunk: Buffer) => {
          if (head === undefined) {
            handlers.stdout(chunk);
            sudo!(chunk);
            return;
          }
          head = Buffer.concat([head, chunk]);
          const marker = PGID_LINE.exec(head.toString('latin1'));
          if (!marker) return;
          pgid = marker[2] || undefined;
          const before = head.subarray(0, marker.index + marker[1].length);
          const after = head.subarray(marker.index + marker[0].length);
          head = undefined;
          if (before.length > 0) handlers.stdout(before);
          stream.write(`${String(Buffer.byteLength(program)).padStart(10, '0')}${program}`);
          if (after.length > 0) {
            handlers.stdout(after);
            sudo!(after);
          }
        });
      } else {
        stream.on('data', (chunk: Buffer) => handlers.stdout(chunk));
      }
      stream.stderr.on('data', (chunk: Buffer) => {
        if (stderrHead === undefined) {
          handlers.stderr(chunk);
          return;
        }
        // The bootstrap's first line names the process group; everything else is the program's.
        stderrHead = Buffer.concat([stderrHead, chunk]);
        const text = stderrHead.toString('latin1');
        const marker = PGID_LINE.exec(text);
        if (marker) {
          pgid = marker[2] || undefined;
          const before = stderrHead.subarray(0, marker.index + marker[1].length);
          const after = stderrHead.subarray(marker.index + marker[0].length);
          stderrHead = undefined;
          if (before.length > 0) handlers.stderr(before);
          if (after.length > 0) handlers.stderr(after);
        } else if (stderrHead.length > 65_536) {
          const head = stderrHead;
          stderrHead = undefined;
          handlers.stderr(head);
        }
      });
      stream.on('exit', (exitCode: number | null, sshSignal?: string) => {
        code = exitCode;
        signal = signalOf(sshSignal);
      });
      stream.on('close', () => {
        if (stderrHead && stderrHead.length > 0) handlers.stderr(stderrHead);
        finish({ code, signal, timedOut, ...(sudoRefused ? { sudoRefused } : {}) });
      });
      // With a terminal, the channel stays open for sudo's prompts; the program follows the
      // bootstrap's line.
      if (!terminal) stream.end(program);
    });
  });
}

/**
 * Watches what the terminal shows for sudo's prompt: answers it once with the password; with
 * no password, or when sudo asks again (the password was wrong), gives up at once. What
 * follows the marker in a prompt tells one sudo from another (container mode's programs give
 * each docker call its own number): each is answered once.
 */
function sudoAnswerer(
  terminal: TerminalOptions,
  write: (text: string) => void,
  giveUp: (why: string) => void,
): (chunk: Buffer) => void {
  let tail = '';
  const answered = new Set<string>();
  let done = false;
  return (chunk) => {
    if (done) return;
    tail = (tail + chunk.toString('utf8')).slice(-PROMPT_TAIL_CHARACTERS);
    const lineBreak = Math.max(tail.lastIndexOf('\n'), tail.lastIndexOf('\r'));
    tail = tail.slice(lineBreak + 1);
    const at = tail.indexOf(terminal.prompt);
    if (at < 0 || !tail.trimEnd().endsWith(':')) return;
    const asker = tail
      .slice(at + terminal.prompt.length)
      .trimEnd()
      .slice(0, -1);
    tail = '';
    if (terminal.sudoPassword === undefined) {
      done = true;
      giveUp(
        "sudo asked for a password and 'sudo-password' is not set. Pass the user's password in it, as a secret: sudo-password: ${{ secrets.SUDO_PASSWORD }}.",
      );
    } else if (answered.has(asker)) {
      done = true;
      giveUp("sudo refused the password in 'sudo-password' and asked again. Check the secret.");
    } else {
      answered.add(asker);
      write(`${terminal.sudoPassword}\n`);
    }
  };
}

/**
 * Ends the program's whole process group from a second channel, with a program sent the way
 * every program is (SIGTERM, then SIGKILL after a grace period), then signals the first channel.
 */
async function killRemote(
  client: Client,
  stream: ClientChannel,
  pgid: string | undefined,
): Promise<void> {
  if (pgid) {
    await new Promise<void>((resolve) => {
      client.exec(remoteCommand(), (error, killer) => {
        if (error) {
          resolve();
          return;
        }
        killer.resume();
        killer.stderr.resume();
        killer.on('close', () => resolve());
        setTimeout(resolve, TERM_GRACE_SECONDS * 1000 + KILL_GRACE_MS).unref();
        killer.end(killProgram(pgid, TERM_GRACE_SECONDS));
      });
    });
  }
  try {
    stream.signal('KILL');
  } catch {
    // The channel may be gone already.
  }
}
