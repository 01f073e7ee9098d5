// stand-ins/serve.ts as .github/workflows/actions.yml runs it: compiled, started as a process,
// read through the file it writes, stopped with SIGTERM. The workflow itself needs GitHub; this
// shows here that each mode serves what the file says and leaves nothing when stopped.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../harness/run-action';

/** Apart from the VPN tests' slots (11-13, 19, 21, 22) and serve.ts's default (31). */
const OPENVPN_SLOT = 33;
/** `nobody`: the file must be handed to whoever ran sudo, which is not the test's user. */
const SUDO_USER = { uid: 65534, gid: 65534 };

let folder: string;
let serveJs: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  folder = mkdtempSync(path.join(tmpdir(), 'stand-ins-serve-'));
  // A build of its own: the shared .action-tests/ may be rebuilt by others meanwhile.
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = path.join(folder, 'build');
  await command(process.execPath, [
    tsc,
    '-p',
    path.join(repoRoot, 'action-tests', 'tsconfig.build.json'),
    '--outDir',
    build,
  ]);
  serveJs = path.join(build, 'stand-ins', 'serve.js');
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((child) => stop(child)));
  rmSync(folder, { recursive: true, force: true });
});

test('render: the hook answers with a deploy id, and SIGTERM stops the stand-in', async () => {
  const { child, details } = await serve(['render']);
  expect(Object.keys(details).sort()).toEqual(['apiKey', 'apiUrl', 'hookUrl', 'serviceId']);
  const answer = await fetch(String(details.hookUrl), { method: 'POST' });
  expect(answer.status).toBe(200);
  expect(((await answer.json()) as { deploy?: { id?: string } }).deploy?.id).toMatch(/^dep-/);
  expect(await stop(child)).toBe(0);
  await expect(fetch(String(details.hookUrl), { method: 'POST' })).rejects.toThrow();
}, 30_000);

test('sshd: the key logs in where the host key says, and stopping removes the user', async () => {
  const { child, details, file } = await serve(['sshd'], { SUDO_UID: '65534', SUDO_GID: '65534' });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(file)).toMatchObject(SUDO_USER);
  const { host, port, user, privateKey, hostPublicKey } = details as Record<string, string>;
  expect(host).toBe('127.0.0.1');

  const fingerprint = await command('ssh-keygen', ['-lf', writeSecret('host.pub', hostPublicKey)]);
  expect(fingerprint).toMatch(/^256 SHA256:[A-Za-z0-9+/]{43} .*\(ED25519\)$/m);
  const knownHosts = writeSecret('known_hosts', `[${host}]:${port} ${hostPublicKey}\n`);
  const ssh = (hosts: string) =>
    command('ssh', [
      ...['-i', writeSecret('id', privateKey), '-p', String(port), '-o', 'BatchMode=yes'],
      ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${hosts}`],
      `${user}@${host}`,
      'id -un',
    ]);
  expect((await ssh(knownHosts)).trim()).toBe(user);
  // The host key is really checked: against another one, the same login is refused.
  await command('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(folder, 'other')]);
  const other = readFileSync(path.join(folder, 'other.pub'), 'utf8');
  await expect(ssh(writeSecret('other_hosts', `[${host}]:${port} ${other}`))).rejects.toThrow(
    /Host key verification failed/,
  );

  expect(await stop(child)).toBe(0);
  expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(new RegExp(`^${user}:`, 'm'));
  await expect(ssh(knownHosts)).rejects.toThrow(/Connection refused/);
}, 60_000);

test('openvpn: the service answers in the namespace, and stopping removes the namespace', async () => {
  const { child, details, file } = await serve(['openvpn', String(OPENVPN_SLOT)]);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const { config, ca, cert, key, namespace, serviceUrl, serviceBody } = details as Record<
    string,
    string
  >;
  expect(config).toMatch(/^remote 198\.18\.33\.2 \d+$/m);
  // The PKI travels apart from the config, for the action's masked inputs.
  expect(config).not.toContain('BEGIN');
  expect(ca).toContain('BEGIN CERTIFICATE');
  expect(cert).toContain('BEGIN CERTIFICATE');
  expect(key).toContain('BEGIN PRIVATE KEY');
  expect(await command('ip', ['netns', 'list'])).toContain(namespace);
  const body = await command('ip', [
    ...['netns', 'exec', namespace, 'busybox', 'wget', '-q', '-O', '-', serviceUrl],
  ]);
  expect(body).toBe(serviceBody);

  expect(await stop(child)).toBe(0);
  expect(await command('ip', ['netns', 'list'])).not.toContain(namespace);
}, 60_000);

async function serve(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; details: Record<string, unknown>; file: string }> {
  const file = path.join(folder, `${args[0]}.json`);
  const [mode, ...rest] = args;
  const child = spawn(process.execPath, [serveJs, mode, file, ...rest], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const until = Date.now() + 30_000;
  while (!(existsSync(file) && statSync(file).size > 0)) {
    if (child.exitCode !== null || Date.now() > until) {
      throw new Error(`serve ${args.join(' ')} wrote no file (exit ${child.exitCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    details: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
    file,
  };
}

/** SIGTERM, as a runner or a user ends the process; resolves with its exit code. */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

function writeSecret(name: string, text: string): string {
  const file = path.join(folder, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function command(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}
