// An OpenSSH server of a test file's own, on a free loopback port, with fresh host keys of
// every type and a non-root user whose keys are generated for that test file. Test files run
// in parallel: user names, folders and ports are unique, and stop() removes all of it.
//
// Pitfalls this handles (see shared/notes/real-services.md): sshd wants /run/sshd; a user made
// by useradd is locked (`!`), which with `UsePAM no` refuses even public keys until its
// password field is set (to `*` or a password); StrictModes wants the home, ~/.ssh and
// authorized_keys owned by the user and not writable by others.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort, stopChild } from './processes';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyPair {
  type: KeyType;
  /** The private key's text, as a user pastes it into a secret. */
  privateKey: string;
  /** The `ssh-ed25519 AAAA... comment` line. */
  publicKey: string;
  /** Where the private key file is (mode 600, owned by root), for the OpenSSH client. */
  path: string;
  /** Set for the encrypted key. */
  passphrase?: string;
}

export interface UserKeys {
  /** OpenSSH format, authorized. */
  ed25519: KeyPair;
  /** PEM format (`BEGIN RSA PRIVATE KEY`), authorized. */
  rsa: KeyPair;
  /** OpenSSH format, authorized. */
  ecdsa: KeyPair;
  /** Ed25519 encrypted with `passphrase` (bcrypt KDF, aes256-ctr), authorized. */
  encrypted: KeyPair & { passphrase: string };
  /** A valid key that is in no authorized_keys file. */
  unauthorized: KeyPair;
  /**
   * Authorized keys in PKCS#8 form (`BEGIN PRIVATE KEY`, `BEGIN ENCRYPTED PRIVATE KEY`): RSA
   * and ECDSA from `ssh-keygen -m PKCS8`; Ed25519, which OpenSSH 9.2 cannot write in that
   * form, from Node's crypto. The encrypted ones are encrypted with `passphrase`.
   */
  pkcs8: Record<'rsa' | 'ecdsa' | 'ed25519' | 'encryptedEcdsa' | 'encryptedEd25519', KeyPair>;
}

export interface SshUser {
  name: string;
  home: string;
  /** The user's primary group and the supplementary ones it was given. */
  groups: string[];
  keys: UserKeys;
  /** The account's password, for servers started with allowPassword. */
  password: string;
  /** Deletes the user and its home. */
  remove(): Promise<void>;
}

export interface HostKey {
  type: KeyType;
  /** `SHA256:` + unpadded base64, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The public key line, `ssh-ed25519 AAAA...`. */
  publicKey: string;
}

export interface SshServer {
  /** 127.0.0.1, or the listenAddress given. */
  host: string;
  port: number;
  /** The user's name (its other details are in `account`). */
  user: string;
  account: SshUser;
  keys: UserKeys;
  /** Fingerprint of the Ed25519 host key, the type clients negotiate first. */
  hostKeyFingerprint: string;
  /** A known_hosts line for the Ed25519 host key: `[127.0.0.1]:PORT ssh-ed25519 AAAA...` (`HOST ssh-ed25519 ...` on port 22). */
  knownHostsLine: string;
  hostKeys: Record<KeyType, HostKey>;
  /** sshd's pid, for tests that look at its children. */
  pid: number;
  folder: string;
  /** sshd's log (LogLevel DEBUG1): shows whether a client ever reached authentication. */
  log(): string;
  /** Stops sshd (by its pid), removes its folder and, unless given one, the user. */
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Goes into user and folder names; lowercase letters, digits and hyphens. */
  name: string;
  /** An existing user to serve (several servers may share one); else one is created. */
  user?: SshUser;
  /** Supplementary groups for a user created here (e.g. a Docker socket's group). */
  groups?: string[];
  /** `SetEnv` lines: variables every session of the user gets (e.g. DOCKER_HOST). */
  setEnv?: Record<string, string>;
  /** Allow TCP forwarding, for use as a jump host (default true). */
  allowTcpForwarding?: boolean;
  /** Allow forwarding Unix sockets, such as Docker's (default true, as sshd's own default). */
  allowStreamLocalForwarding?: boolean;
  /** A port to listen on, for tests of a server that comes up late; else a free one. */
  port?: number;
  /** Accept the user's password as well as its keys (default: keys only). */
  allowPassword?: boolean;
  /** Accept the user's password and nothing else: no key logs in (implies allowPassword). */
  passwordOnly?: boolean;
  /**
   * A network namespace (a name under /var/run/netns) to run sshd in: a server reachable only
   * through whatever leads into that namespace (a VPN, a veth). Its sessions run there too.
   * The port then defaults to 22, the namespace's own.
   */
  namespace?: string;
  /** The address to listen on (default 127.0.0.1); with namespace, one of the namespace's. */
  listenAddress?: string;
  /**
   * Offer the sftp subsystem (sshd's internal-sftp), with this umask for the files it creates
   * (e.g. '077'); '' for the server's own. Absent: no sftp, as before.
   */
  sftpUmask?: string;
}

const READY_TIMEOUT_MS = 10_000;
const HOST_KEY_TYPES: KeyType[] = ['ed25519', 'ecdsa', 'rsa'];

/** Creates a non-root user with a fresh set of keys, unlocked for public-key login. */
export async function createSshUser(name: string, groups: string[] = []): Promise<SshUser> {
  const user = userName(name);
  const folder = await mkdtemp(`/tmp/sshuser-${user}-`);
  await chmod(folder, 0o755);
  const home = path.join(folder, 'home');
  const remove = async () => {
    await retryBusy(() => run('userdel', ['-f', user]), true);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    // A user left by a killed run of the same test file would make useradd fail.
    if (userExists(user)) await run('userdel', ['-r', '-f', user]);
    await retryBusy(() =>
      run('useradd', [
        '--create-home',
        '--home-dir',
        home,
        '--shell',
        '/bin/bash',
        '--user-group',
        ...(groups.length > 0 ? ['--groups', groups.join(',')] : []),
        user,
      ]),
    );
    // A password unlocks the account (useradd leaves it locked, which refuses even keys).
    const password = `pw-${randomBytes(9).toString('hex')}`;
    await retryBusy(() => run('chpasswd', [], `${user}:${password}\n`));
    const keyFolder = path.join(folder, 'keys');
    await mkdir(keyFolder, { mode: 0o700 });
    const passphrase = `pass ${randomBytes(6).toString('hex')} 'quoted'`;
    const [ed25519, rsa, ecdsa, encrypted, unauthorized, pkcs8Rsa, pkcs8Ecdsa, encryptedEcdsa] =
      await Promise.all([
        generateKey(keyFolder, 'id_ed25519', 'ed25519'),
        generateKey(keyFolder, 'id_rsa_pem', 'rsa', { format: 'PEM' }),
        generateKey(keyFolder, 'id_ecdsa', 'ecdsa'),
        generateKey(keyFolder, 'id_encrypted', 'ed25519', { passphrase }),
        generateKey(keyFolder, 'id_unauthorized', 'ed25519'),
        generateKey(keyFolder, 'id_rsa_pkcs8', 'rsa', { format: 'PKCS8' }),
        generateKey(keyFolder, 'id_ecdsa_pkcs8', 'ecdsa', { format: 'PKCS8' }),
        generateKey(keyFolder, 'id_ecdsa_pkcs8_enc', 'ecdsa', { format: 'PKCS8', passphrase }),
      ]);
    const pkcs8 = {
      rsa: pkcs8Rsa,
      ecdsa: pkcs8Ecdsa,
      encryptedEcdsa,
      ed25519: await ed25519Pkcs8(keyFolder, 'id_ed25519_pkcs8'),
      encryptedEd25519: await ed25519Pkcs8(keyFolder, 'id_ed25519_pkcs8_enc', passphrase),
    };
    const sshDir = path.join(home, '.ssh');
    await mkdir(sshDir, { recursive: true, mode: 0o700 });
    const authorized = path.join(sshDir, 'authorized_keys');
    await writeFile(
      authorized,
      [ed25519, rsa, ecdsa, encrypted, ...Object.values(pkcs8)]
        .map((key) => key.publicKey)
        .join('\n') + '\n',
      { mode: 0o600 },
    );
    const { uid, gid } = ids(user);
    for (const item of [home, sshDir, authorized]) await chown(item, uid, gid);
    await chmod(home, 0o700);
    return {
      name: user,
      home,
      groups: [user, ...groups],
      keys: {
        ed25519,
        rsa,
        ecdsa,
        encrypted: { ...encrypted, passphrase },
        unauthorized,
        pkcs8,
      },
      password,
      remove,
    };
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}

/** Starts sshd -D on a free 127.0.0.1 port (or as options say) and waits until it listens. */
export async function startSshd(options: SshdOptions): Promise<SshServer> {
  const sshd = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((file) => existsSync(file));
  if (!sshd) throw new Error('sshd is not installed: apt-get install openssh-server.');
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const nsenter = ['/usr/bin/nsenter', '/bin/nsenter'].find((file) => existsSync(file));
  if (options.namespace !== undefined && !nsenter) {
    throw new Error('nsenter is not installed: apt-get install util-linux.');
  }

  const ownsUser = options.user === undefined;
  const account = options.user ?? (await createSshUser(options.name, options.groups ?? []));
  const folder = await mkdtemp(`/tmp/sshd-${userName(options.name)}-`);
  const host = options.listenAddress ?? '127.0.0.1';
  let child: ChildProcess | undefined;
  const logPath = path.join(folder, 'sshd.log');
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const killOnExit = () => child?.kill('SIGKILL');

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child) await killAndWait(child);
    child = undefined;
    await rm(folder, { recursive: true, force: true });
    if (ownsUser) await account.remove();
  };

  try {
    const hostKeyFiles = await Promise.all(
      HOST_KEY_TYPES.map((type) => generateKey(folder, `ssh_host_${type}_key`, type)),
    );
    const hostKeys = Object.fromEntries(
      hostKeyFiles.map((key) => [
        key.type,
        { type: key.type, fingerprint: fingerprintOf(key.publicKey), publicKey: key.publicKey },
      ]),
    ) as Record<KeyType, HostKey>;

    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (options.namespace === undefined ? await freePort() : 22);
      const config = path.join(folder, 'sshd_config');
      await writeFile(config, sshdConfig(options, account, folder, hostKeyFiles, host, port));
      await writeFile(logPath, '');
      const argv = [sshd, '-D', '-f', config, '-E', logPath];
      // nsenter execs sshd once in the namespace, so the child's pid is sshd's.
      child =
        options.namespace === undefined
          ? spawn(argv[0], argv.slice(1), { stdio: 'ignore' })
          : spawn(nsenter!, [`--net=/var/run/netns/${options.namespace}`, ...argv], {
              stdio: 'ignore',
            });
      child.on('error', () => undefined);
      process.once('exit', killOnExit);
      // From here, a namespace's addresses cannot be dialled: sshd's log says when it listens.
      const ready =
        options.namespace === undefined
          ? await waitForBanner(child, host, port)
          : await waitForListening(child, log);
      if (ready === 'ready') {
        const started = child;
        return {
          host,
          port,
          user: account.name,
          account,
          keys: account.keys,
          hostKeyFingerprint: hostKeys.ed25519.fingerprint,
          knownHostsLine: `${port === 22 ? host : `[${host}]:${port}`} ${stripComment(hostKeys.ed25519.publicKey)}`,
          hostKeys,
          pid: started.pid!,
          folder,
          log,
          stop,
        };
      }
      process.removeListener('exit', killOnExit);
      await killAndWait(child);
      // Another test file may have taken the port between our probe and sshd's bind.
      if (ready !== 'port taken' || attempt >= 5 || options.port !== undefined) {
        throw new Error(`sshd did not start (${ready}):\n${log().slice(-2000)}`);
      }
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** `SHA256:` + unpadded base64 of the key blob, the form `ssh-keygen -l` prints. */
function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function sshdConfig(
  options: SshdOptions,
  account: SshUser,
  folder: string,
  hostKeys: KeyPair[],
  host: string,
  port: number,
): string {
  const lines = [
    `Port ${port}`,
    `ListenAddress ${host}`,
    ...hostKeys.map((key) => `HostKey ${key.path}`),
    `PidFile ${path.join(folder, 'sshd.pid')}`,
    `AuthenticationMethods ${options.passwordOnly ? 'password' : options.allowPassword ? 'any' : 'publickey'}`,
    `PubkeyAuthentication ${options.passwordOnly ? 'no' : 'yes'}`,
    `PasswordAuthentication ${options.allowPassword || options.passwordOnly ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin no',
    `AllowUsers ${account.name}`,
    'StrictModes yes',
    `AllowTcpForwarding ${options.allowTcpForwarding === false ? 'no' : 'yes'}`,
    `AllowStreamLocalForwarding ${options.allowStreamLocalForwarding === false ? 'no' : 'yes'}`,
    'X11Forwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    // Every parallel test and the fan-out benchmark open connections at once.
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'LogLevel DEBUG1',
  ];
  if (options.sftpUmask !== undefined) {
    if (!/^[0-7]{0,4}$/.test(options.sftpUmask)) throw new Error('startSshd: sftpUmask is octal');
    lines.push(
      `Subsystem sftp internal-sftp${options.sftpUmask === '' ? '' : ` -u ${options.sftpUmask}`}`,
    );
  }
  const variables = Object.entries(options.setEnv ?? {});
  for (const [name, value] of variables) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /["\s\\]/.test(value)) {
      throw new Error(`startSshd: SetEnv ${name}=${value} cannot be written safely`);
    }
  }
  // sshd keeps the first SetEnv line only: every variable goes on that one.
  if (variables.length > 0) {
    lines.push(`SetEnv ${variables.map(([name, value]) => `${name}=${value}`).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function generateKey(
  folder: string,
  file: string,
  type: KeyType,
  options: { passphrase?: string; format?: 'PEM' | 'PKCS8' } = {},
): Promise<KeyPair> {
  const keyPath = path.join(folder, file);
  const args = ['-q', '-t', type, '-N', options.passphrase ?? '', '-C', `${file}@action-tests`];
  args.push('-f', keyPath);
  if (type === 'rsa') args.push('-b', '2048');
  if (options.format) args.push('-m', options.format);
  const result = await run('ssh-keygen', args);
  if (result.code !== 0) throw new Error(`ssh-keygen ${type}: ${result.stderr}`);
  return {
    type,
    privateKey: await readFile(keyPath, 'utf8'),
    publicKey: (await readFile(`${keyPath}.pub`, 'utf8')).trim(),
    path: keyPath,
    passphrase: options.passphrase,
  };
}

/** An Ed25519 key in PKCS#8 form, from Node's crypto; its public half in OpenSSH's form. */
async function ed25519Pkcs8(folder: string, file: string, passphrase?: string): Promise<KeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const text = privateKey
    .export({
      type: 'pkcs8',
      format: 'pem',
      ...(passphrase === undefined ? {} : { cipher: 'aes-256-cbc', passphrase }),
    })
    .toString();
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  const keyPath = path.join(folder, file);
  await writeFile(keyPath, text, { mode: 0o600 });
  return {
    type: 'ed25519',
    privateKey: text,
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${file}@action-tests`,
    path: keyPath,
    passphrase,
  };
}

function stripComment(publicKeyLine: string): string {
  return publicKeyLine.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Linux user names: at most 32 characters; each test file passes a name of its own. */
function userName(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 20);
  return `t-${base}`;
}

function userExists(user: string): boolean {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((line) => line.split(':')[0] === user);
}

function ids(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.split(':')[0] === user);
  if (!line) throw new Error(`user ${user} was not created`);
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * useradd, usermod and userdel lock /etc/passwd; two test files creating users at once make
 * one of them fail with "cannot lock", which is worth another try.
 */
async function retryBusy(
  command: () => Promise<CommandResult>,
  tolerateMissing = false,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await command();
    if (result.code === 0) return;
    if (tolerateMissing && /does not exist/.test(result.stderr)) return;
    if (attempt < 20 && /lock|try again/i.test(result.stderr)) {
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      continue;
    }
    throw new Error(`user administration failed (${result.code}): ${result.stderr.trim()}`);
  }
}

/** 'ready', 'port taken', or what went wrong. */
async function waitForBanner(child: ChildProcess, host: string, port: number): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // sshd -D exits at once when it cannot bind; anything else is a real failure.
      return child.exitCode === 255 ? 'port taken' : `exited with ${child.exitCode}`;
    }
    if (await answersWithBanner(host, port)) return 'ready';
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return 'no banner within 10 s';
}

/** 'ready' once sshd logs that it listens (it binds before it logs), or what went wrong. */
async function waitForListening(child: ChildProcess, log: () => string): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (/^Server listening on /m.test(log())) return 'ready';
    if (child.exitCode !== null || child.signalCode !== null) {
      return `exited with ${child.exitCode ?? child.signalCode}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return 'not listening within 10 s';
}

function answersWithBanner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let received = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) done(received.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/**
 * Stops sshd and whatever its sessions left running: without a terminal, a session's
 * processes outlive sshd, so they are found by walking /proc from sshd's pid and killed by pid.
 */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of descendants(child.pid!)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await stopChild(child, 5000);
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields resume after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(program: string, args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => resolve({ code: 127, stdout, stderr: error.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
