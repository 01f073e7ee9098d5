// ssh-redeploy's keys and scripts from files, a jump host that takes passwords, and the
// connection log, against real OpenSSH servers: `key` with several keys (each server accepts
// another), `key-file` and its mode, `script-file`, `proxy-password`, `debug`.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { connectionInputs, Runs } from './run';

jest.setTimeout(60_000);

let alice: SshUser;
let bob: SshUser;
let aliceServer: SshServer;
let bobServer: SshServer;
let passwordJump: SshServer;
let workspace: string;
const runs = new Runs(() => [aliceServer, bobServer, passwordJump]);

beforeAll(async () => {
  [alice, bob] = await Promise.all([createSshUser('sk-keys-a'), createSshUser('sk-keys-b')]);
  [aliceServer, bobServer, passwordJump] = await Promise.all([
    startSshd({ name: 'sk-keys-a', user: alice }),
    startSshd({ name: 'sk-keys-b', user: bob }),
    startSshd({ name: 'sk-keys-jump', user: alice, passwordOnly: true }),
  ]);
}, 60_000);

beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'sk-keys-workspace-'));
});

afterEach(() => {
  runs.cleanup();
  rmSync(workspace, { recursive: true, force: true });
});

afterAll(async () => {
  await Promise.all([aliceServer, bobServer, passwordJump].map((server) => server?.stop()));
  await Promise.all([alice, bob].map((user) => user?.remove()));
});

/** The fingerprint of a public key file, as `ssh-keygen -l` prints it. */
function keygenFingerprint(privateKeyPath: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-f', `${privateKeyPath}.pub`], {
    encoding: 'utf8',
  });
  return line.split(' ')[1];
}

interface HostResult {
  host: string;
  status: string;
  key?: string;
  stdout: string;
}

const results = (outputs: Record<string, string>) => JSON.parse(outputs.results) as HostResult[];

describe('several keys in key', () => {
  test('each server logs in with the key it accepts, and results names it', async () => {
    // Alice's server accepts only the second key (encrypted), Bob's only the third.
    const keys = [
      alice.keys.unauthorized.privateKey,
      alice.keys.encrypted.privateKey,
      bob.keys.ecdsa.privateKey,
    ].join('');
    const { main } = await runs.run({
      ...connectionInputs(aliceServer),
      host: `${alice.name}@127.0.0.1:${aliceServer.port}\n${bob.name}@127.0.0.1:${bobServer.port}`,
      username: '',
      key: keys,
      passphrase: alice.keys.encrypted.passphrase,
      fingerprint: `[127.0.0.1]:${aliceServer.port} ${aliceServer.hostKeyFingerprint}\n[127.0.0.1]:${bobServer.port} ${bobServer.hostKeyFingerprint}`,
      script: 'id -un',
    });
    expect(main.exitCode).toBe(0);
    const [first, second] = results(main.outputs);
    expect(first).toMatchObject({ status: 'success', stdout: `${alice.name}\n` });
    expect(second).toMatchObject({ status: 'success', stdout: `${bob.name}\n` });
    expect(first.key).toBe(keygenFingerprint(alice.keys.encrypted.path));
    expect(second.key).toBe(keygenFingerprint(bob.keys.ecdsa.path));
    expect(first.key).not.toBe(second.key);
    // Alice's server saw the unauthorized key first, then accepted the encrypted one.
    expect(aliceServer.log()).toContain(`Accepted publickey for ${alice.name}`);
  });

  test('a host that accepts none of the keys fails, naming how many were tried', async () => {
    const keys = [alice.keys.unauthorized.privateKey, bob.keys.ed25519.privateKey].join('\n');
    const { main } = await runs.run({
      ...connectionInputs(aliceServer),
      key: keys,
      script: 'id -un',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors.join('\n')).toContain(
      `the server refused to log in ${alice.name} with the 2 keys given`,
    );
  });

  test('a wrong passphrase for one of the keys is a configuration error', async () => {
    const { main } = await runs.run({
      ...connectionInputs(aliceServer),
      key: `${alice.keys.ed25519.privateKey}${alice.keys.encrypted.privateKey}`,
      passphrase: 'not the passphrase',
      script: 'id -un',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain(
      "Input 'passphrase': does not decrypt the key in 'key (key 2 of 2)'",
    );
  });
});

describe('key-file', () => {
  const writeKey = (mode: number) => {
    const file = path.join(workspace, 'deploy_key');
    writeFileSync(file, alice.keys.ed25519.privateKey);
    chmodSync(file, mode);
    return 'deploy_key';
  };

  test('a key file readable by its owner alone logs in', async () => {
    const { main } = await runs.run(
      { ...connectionInputs(aliceServer), key: '', 'key-file': writeKey(0o600), script: 'id -un' },
      { workspace },
    );
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(alice.name);
    expect(results(main.outputs)[0].key).toBe(keygenFingerprint(alice.keys.ed25519.path));
  });

  test('a key file others can read (0644) is refused before any connection', async () => {
    const mark = aliceServer.log().length;
    const { main } = await runs.run(
      { ...connectionInputs(aliceServer), key: '', 'key-file': writeKey(0o644), script: 'id -un' },
      { workspace },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      "Input 'key-file': deploy_key has mode 0644: its group or others may read it, and OpenSSH refuses such a key. Make it readable by its owner alone (chmod 600 deploy_key).",
    );
    expect(aliceServer.log().slice(mark)).not.toContain('Connection from');
  });
});

describe('script-file', () => {
  test('runs the script from a file of the workspace', async () => {
    mkdirScripts();
    const { main } = await runs.run(
      { ...connectionInputs(aliceServer), 'script-file': 'deploy/run.sh' },
      { workspace },
    );
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(`from a file\n${alice.name}`);
  });

  test('script and script-file together are refused', async () => {
    mkdirScripts();
    const { main } = await runs.run(
      { ...connectionInputs(aliceServer), script: 'true', 'script-file': 'deploy/run.sh' },
      { workspace },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      "Input 'script-file': cannot be combined with script: give the script in one of them.",
    );
  });

  function mkdirScripts(): void {
    execFileSync('mkdir', ['-p', path.join(workspace, 'deploy')]);
    writeFileSync(path.join(workspace, 'deploy', 'run.sh'), "echo 'from a file'\nid -un\n");
  }
});

describe('proxy-password', () => {
  test('reaches the server through a jump host that takes only passwords', async () => {
    const mark = passwordJump.log().length;
    const { main } = await runs.run({
      ...connectionInputs(aliceServer),
      'proxy-host': '127.0.0.1',
      'proxy-port': String(passwordJump.port),
      'proxy-fingerprint': passwordJump.hostKeyFingerprint,
      'proxy-password': alice.password,
      script: 'id -un',
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(alice.name);
    expect(passwordJump.log().slice(mark)).toContain(`Accepted password for ${alice.name}`);
  });

  test('without it, the password-only jump host refuses the key', async () => {
    const { main } = await runs.run({
      ...connectionInputs(aliceServer),
      'proxy-host': '127.0.0.1',
      'proxy-port': String(passwordJump.port),
      'proxy-fingerprint': passwordJump.hostKeyFingerprint,
      script: 'id -un',
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors.join('\n')).toContain(
      `jump host 127.0.0.1:${passwordJump.port}: the server refused to log in ${alice.name} with the key given`,
    );
  });
});

describe('debug', () => {
  test('prints each connection log in a group: algorithms, host key type, auth tried', async () => {
    const { main } = await runs.run({
      ...connectionInputs(aliceServer),
      key: `${alice.keys.unauthorized.privateKey}${alice.keys.ed25519.privateKey}`,
      'proxy-host': '127.0.0.1',
      'proxy-port': String(passwordJump.port),
      'proxy-fingerprint': passwordJump.hostKeyFingerprint,
      'proxy-password': alice.password,
      debug: 'true',
      script: 'id -un',
    });
    expect(main.exitCode).toBe(0);
    const out = main.stdout;
    expect(out).toContain(`::group::Connection log: jump host 127.0.0.1:${passwordJump.port}`);
    expect(out).toContain(`::group::Connection log: 127.0.0.1:${aliceServer.port}`);
    expect(out).toMatch(/KEX algorithm: \S+/);
    expect(out).toContain(`Host key: ssh-ed25519 ${aliceServer.hostKeyFingerprint}, accepted`);
    expect(out).toContain('Authentication: trying the password');
    expect(out).toContain(
      `Authentication: trying key ${keygenFingerprint(alice.keys.unauthorized.path)}`,
    );
    expect(out).toContain(
      `Authentication: trying key ${keygenFingerprint(alice.keys.ed25519.path)}`,
    );
  });
});
