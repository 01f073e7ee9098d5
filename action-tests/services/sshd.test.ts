// The sshd fixture, checked with OpenSSH's own client: the tests of ssh-redeploy trust what it
// says of itself (its host key's fingerprint, which keys it accepts).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSshd, type KeyPair, type SshServer } from './sshd';

jest.setTimeout(60_000);

let server: SshServer;
let folder: string;

beforeAll(async () => {
  server = await startSshd({ name: 'sshd-fixture' });
  folder = mkdtempSync(path.join(tmpdir(), 'sshd-fixture-client-'));
  writeFileSync(path.join(folder, 'known_hosts'), `${server.knownHostsLine}\n`);
});

afterAll(async () => {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function run(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function ssh(key: KeyPair, command: string) {
  return run('ssh', [
    '-i',
    key.path,
    '-p',
    String(server.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${path.join(folder, 'known_hosts')}`,
    `${server.user}@${server.host}`,
    command,
  ]);
}

test('an authorized key logs in, with the host key its known_hosts line names', async () => {
  const result = await ssh(server.keys.ed25519, 'id -un');
  expect(result.stderr).not.toMatch(/WARNING|verification failed/);
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toBe(server.user);
});

test('the fingerprint it reports is the one ssh-keyscan and ssh-keygen compute', async () => {
  const scan = await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(server.port), server.host]);
  const keyFile = path.join(folder, 'scanned.pub');
  writeFileSync(keyFile, scan.stdout);
  const printed = await run('ssh-keygen', ['-lf', keyFile]);
  expect(printed.stdout.split(' ')[1]).toBe(server.hostKeyFingerprint);
});

test('a key in no authorized_keys file is refused', async () => {
  const result = await ssh(server.keys.unauthorized, 'true');
  expect(result.code).toBe(255);
  expect(result.stderr).toMatch(/Permission denied/);
});

test('stop ends sshd and removes its folder and the user it made', async () => {
  const own = await startSshd({ name: 'sshd-fixture-stop' });
  await own.stop();
  expect(existsSync(own.folder)).toBe(false);
  expect(existsSync(own.account.home)).toBe(false);
  expect((await run('id', [own.user])).code).not.toBe(0);
});
