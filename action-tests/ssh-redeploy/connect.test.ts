// ssh-redeploy's connections: host-key verification, authentication, the jump host and
// connection retries, against real OpenSSH servers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { connectionInputs, Runs } from './run';

jest.setTimeout(60_000);

let user: SshUser;
let server: SshServer;
let jump: SshServer;
let noForwarding: SshServer;
let withPasswords: SshServer;
const extra: SshServer[] = [];
const runs = new Runs(() => [server, jump, noForwarding, withPasswords, ...extra]);

beforeAll(async () => {
  user = await createSshUser('srd-connect');
  [server, jump, noForwarding, withPasswords] = await Promise.all([
    startSshd({ name: 'srd-connect', user }),
    startSshd({ name: 'srd-connect-jump', user }),
    startSshd({ name: 'srd-connect-nofwd', user, allowTcpForwarding: false }),
    startSshd({ name: 'srd-connect-password', user, allowPassword: true }),
  ]);
}, 60_000);

afterAll(async () => {
  runs.cleanup();
  await Promise.all([server, jump, noForwarding, withPasswords, ...extra].map((s) => s?.stop()));
  await user?.remove();
});

afterEach(() => runs.cleanup());

/** The sshd log written since `mark` (a length of it taken before). */
const logSince = (target: SshServer, mark: number) => target.log().slice(mark);
const script = 'id -un';

describe('host keys', () => {
  test('the right fingerprint connects, and the log says which check passed', async () => {
    const { main } = await runs.run({ ...connectionInputs(server), script });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
    expect(main.stdout).toContain(`(host key ${server.hostKeyFingerprint} matches 'fingerprint')`);
  });

  test.each(['ecdsa', 'rsa'] as const)(
    'a fingerprint of the %s host key connects too',
    async (type) => {
      const { main } = await runs.run({
        ...connectionInputs(server),
        fingerprint: server.hostKeys[type].fingerprint,
        script,
      });
      expect(main.exitCode).toBe(0);
      expect(main.stdout).toContain(`host key ${server.hostKeys[type].fingerprint} matches`);
    },
  );

  test('a wrong fingerprint is refused before authentication', async () => {
    const mark = server.log().length;
    const wrong = jump.hostKeyFingerprint;
    const { main } = await runs.run({ ...connectionInputs(server), fingerprint: wrong, script });

    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain(
      `127.0.0.1:${server.port}: host key verification failed. The server presented ${server.hostKeyFingerprint} (ssh-ed25519)`,
    );
    expect(main.errors[0]).toContain(server.hostKeys.rsa.fingerprint);
    const log = logSince(server, mark);
    expect(log).toContain('Connection from 127.0.0.1');
    // The client went away during key exchange: the server never saw a login attempt.
    expect(log).not.toMatch(/userauth-request|Accepted publickey|Failed publickey|Postponed/);
  });

  test('fingerprints bound to [host]:port verify each server with its own key', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      host: `127.0.0.1:${server.port}\n127.0.0.1:${jump.port}`,
      fingerprint: [
        `[127.0.0.1]:${server.port} ${server.hostKeyFingerprint}`,
        `[127.0.0.1]:${jump.port} ${jump.hostKeyFingerprint}`,
      ].join('\n'),
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain(`(host key ${server.hostKeyFingerprint} matches 'fingerprint')`);
    expect(main.stdout).toContain(`(host key ${jump.hostKeyFingerprint} matches 'fingerprint')`);
  });

  test('a server presenting the key bound to another server is refused before authentication', async () => {
    const mark = server.log().length;
    // The jump host's port is bound to this server's key: it is no good for this server.
    const { main } = await runs.run({
      ...connectionInputs(server),
      fingerprint: [
        `[127.0.0.1]:${jump.port} ${server.hostKeyFingerprint}`,
        `[127.0.0.1]:${server.port} ${jump.hostKeyFingerprint}`,
      ].join('\n'),
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain(
      `127.0.0.1:${server.port}: host key verification failed. The server presented ${server.hostKeyFingerprint} (ssh-ed25519)`,
    );
    expect(logSince(server, mark)).not.toMatch(/userauth-request|Accepted publickey|Postponed/);
  });

  test('a host that no fingerprint line is for fails before connecting, named', async () => {
    const mark = server.log().length;
    const { main } = await runs.run({
      ...connectionInputs(server),
      fingerprint: `[127.0.0.1]:${jump.port} ${jump.hostKeyFingerprint}`,
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `Input 'fingerprint': has no fingerprint for 127.0.0.1:${server.port}: each of its lines is bound to another host. Add a line '[127.0.0.1]:${server.port} SHA256:...' for it.`,
    );
    expect(logSince(server, mark)).not.toContain('Connection from');
  });

  test('with neither fingerprint nor known-hosts, the step fails with how to get one, without connecting', async () => {
    const mark = server.log().length;
    const { main } = await runs.run({ ...connectionInputs(server), fingerprint: '', script });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0]).toMatch(/^Input 'fingerprint': The server's host key must be verified/);
    expect(main.errors[0]).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(main.errors[0]).toContain(`ssh-keyscan -p ${server.port} 127.0.0.1 | ssh-keygen -lf -`);
    expect(logSince(server, mark)).not.toContain('Connection from');
  });

  test('the fingerprint command the help gives prints the fingerprint that works', () => {
    const scan = spawnSync('ssh-keyscan', ['-p', String(server.port), '127.0.0.1'], {
      encoding: 'utf8',
    });
    const listed = spawnSync('ssh-keygen', ['-lf', '-'], { input: scan.stdout, encoding: 'utf8' });
    expect(listed.stdout).toContain(server.hostKeyFingerprint);
  });

  test('known-hosts lines verify the host', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      fingerprint: '',
      'known-hosts': `# from ssh-keyscan\n${server.knownHostsLine}\n`,
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain("matches line 2 of 'known-hosts'");
  });

  test('hashed known-hosts lines, as ssh-keygen -H writes them, verify the host', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'srd-known-hosts-'));
    try {
      const file = path.join(folder, 'known_hosts');
      writeFileSync(file, `${server.knownHostsLine}\n`);
      const hashed = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
      expect(hashed.status).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text.startsWith('|1|')).toBe(true);
      const { main } = await runs.run({
        ...connectionInputs(server),
        fingerprint: '',
        'known-hosts': text,
        script,
      });
      expect(main.exitCode).toBe(0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("known-hosts holding another server's key for this host is refused", async () => {
    const mark = server.log().length;
    const otherKey = jump.knownHostsLine.split(' ').slice(1).join(' ');
    const { main } = await runs.run({
      ...connectionInputs(server),
      fingerprint: '',
      'known-hosts': `[127.0.0.1]:${server.port} ${otherKey}`,
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toContain('host key verification failed');
    expect(logSince(server, mark)).not.toMatch(/userauth-request/);
  });

  test('known-hosts without a line for the host and port fails before connecting', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      fingerprint: '',
      'known-hosts': server.knownHostsLine.replace(`[127.0.0.1]:${server.port}`, '127.0.0.1'),
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `Input 'known-hosts': has no line for [127.0.0.1]:${server.port} (off port 22, known_hosts names a host [host]:port). Add the output of ssh-keyscan -p ${server.port} 127.0.0.1, or give 'fingerprint'.`,
    );
  });

  test('insecure-skip-host-key-check connects, with a warning', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      fingerprint: '',
      'insecure-skip-host-key-check': 'true',
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.warnings).toEqual([
      expect.stringMatching(
        /^insecure-skip-host-key-check is on: the servers' identity is not checked/,
      ),
    ]);
  });
});

describe('authentication', () => {
  test.each([
    ['an RSA key in PEM format', 'rsa'],
    ['an ECDSA key', 'ecdsa'],
  ] as const)('%s logs in', async (_, type) => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      key: server.keys[type].privateKey,
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
  });

  test('an encrypted key logs in with its passphrase', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      key: server.keys.encrypted.privateKey,
      passphrase: server.keys.encrypted.passphrase,
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
  });

  test.each([
    ['without a passphrase', {}, "Input 'passphrase': is required: the key in 'key' is encrypted."],
    [
      'with a wrong passphrase',
      { passphrase: 'not the passphrase' },
      "Input 'passphrase': does not decrypt the key in 'key'.",
    ],
  ])('an encrypted key %s fails before connecting', async (_, extraInputs, message) => {
    const mark = server.log().length;
    const { main } = await runs.run(
      {
        ...connectionInputs(server),
        key: server.keys.encrypted.privateKey,
        ...extraInputs,
        script,
      },
      { secrets: ['not the passphrase'] },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    expect(logSince(server, mark)).not.toContain('Connection from');
  });

  test.each([
    ['RSA', 'rsa'],
    ['ECDSA', 'ecdsa'],
    ['Ed25519', 'ed25519'],
    ['encrypted ECDSA', 'encryptedEcdsa'],
    ['encrypted Ed25519', 'encryptedEd25519'],
  ] as const)('a %s key in PKCS#8 form logs in', async (_, name) => {
    const pair = user.keys.pkcs8[name];
    expect(pair.privateKey).toMatch(/^-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/);
    const { main } = await runs.run({
      ...connectionInputs(server),
      key: pair.privateKey,
      ...(pair.passphrase ? { passphrase: pair.passphrase } : {}),
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
  });

  test('an encrypted PKCS#8 key with a wrong passphrase fails before connecting', async () => {
    const mark = server.log().length;
    const { main } = await runs.run(
      {
        ...connectionInputs(server),
        key: user.keys.pkcs8.encryptedEd25519.privateKey,
        passphrase: 'not the passphrase',
        script,
      },
      { secrets: ['not the passphrase'] },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe("Input 'passphrase': does not decrypt the key in 'key'.");
    expect(logSince(server, mark)).not.toContain('Connection from');
  });

  test('a key the server does not know fails clearly', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      key: server.keys.unauthorized.privateKey,
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `127.0.0.1:${server.port}: the server refused to log in ${user.name} with the key given. Check that the key's public half is in ~${user.name}/.ssh/authorized_keys on the server, and the user name.`,
    );
    // Refused logins are not retried: the same key would be refused again.
    expect(main.warnings).toEqual([]);
  });

  test('a password logs in where the server allows passwords', async () => {
    const { main } = await runs.run({
      ...connectionInputs(withPasswords),
      key: '',
      password: user.password,
      script,
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
  });

  test('a wrong password fails clearly, and is not retried', async () => {
    const wrong = 'not-the-password-42';
    const { main } = await runs.run(
      { ...connectionInputs(withPasswords), key: '', password: wrong, retries: '3', script },
      { secrets: [wrong] },
    );
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `127.0.0.1:${withPasswords.port}: the server refused to log in ${user.name} with the password given. Check the password, and that the server accepts passwords (PasswordAuthentication), and the user name.`,
    );
    expect(main.warnings).toEqual([]);
  });

  test('a public key given as key is refused before connecting', async () => {
    const { main } = await runs.run({
      ...connectionInputs(server),
      key: server.keys.ed25519.publicKey,
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/^Input 'key': /);
  });

  test('every line of the key is masked before anything else is printed', async () => {
    const { main } = await runs.run({ ...connectionInputs(server), script });
    const masks = main.commands.filter((c) => c.command === 'add-mask').map((c) => c.message);
    for (const line of server.keys.ed25519.privateKey.trim().split('\n')) {
      expect(masks).toContain(line);
    }
    expect(main.stdout.indexOf('::add-mask::')).toBe(0);
  });
});

describe('jump host', () => {
  const viaJump = (target: SshServer) => ({
    ...connectionInputs(target),
    'proxy-host': '127.0.0.1',
    'proxy-port': String(jump.port),
    'proxy-fingerprint': jump.hostKeyFingerprint,
  });

  test('a connection through a jump host reaches the server, both verified', async () => {
    const mark = jump.log().length;
    const { main } = await runs.run({ ...viaJump(server), script });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
    expect(main.stdout).toContain(
      `Connected to jump host 127.0.0.1:${jump.port} (host key ${jump.hostKeyFingerprint} matches 'fingerprint').`,
    );
    // The jump host's sshd opened the forwarded channel to the server's port.
    expect(logSince(jump, mark)).toMatch(
      new RegExp(
        `direct-tcpip.*127\\.0\\.0\\.1 port ${server.port}|target 127\\.0\\.0\\.1 port ${server.port}`,
      ),
    );
  });

  test('a wrong proxy-fingerprint is refused and nothing reaches the server', async () => {
    const mark = server.log().length;
    const { main } = await runs.run({
      ...viaJump(server),
      'proxy-fingerprint': server.hostKeyFingerprint,
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(
      new RegExp(`^jump host 127\\.0\\.0\\.1:${jump.port}: host key verification failed`),
    );
    expect(main.errors[0]).toContain("matches no 'proxy-fingerprint'");
    expect(logSince(server, mark)).not.toContain('Connection from');
  });

  test('a jump host without a way to verify it is refused before connecting', async () => {
    const { main } = await runs.run({ ...viaJump(server), 'proxy-fingerprint': '', script });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toMatch(/^Input 'proxy-fingerprint': The server's host key must be/);
  });

  test('a jump host that refuses forwarding fails the connection, clearly', async () => {
    const { main } = await runs.run({
      ...viaJump(server),
      'proxy-port': String(noForwarding.port),
      'proxy-fingerprint': noForwarding.hostKeyFingerprint,
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors[0]).toBe(
      `jump host 127.0.0.1:${noForwarding.port} may not forward connections to 127.0.0.1:${server.port}: its sshd must allow TCP forwarding (AllowTcpForwarding).`,
    );
  });
});

describe('connection retries', () => {
  async function reservePort(): Promise<number> {
    return new Promise((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
  }

  test('a refused connection is retried with backoff, then fails saying how often it tried', async () => {
    const port = await reservePort();
    const { main } = await runs.run({
      ...connectionInputs(server),
      host: `127.0.0.1:${port}`,
      retries: '2',
      script,
    });
    expect(main.exitCode).toBe(1);
    expect(main.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^127\\.0\\.0\\.1:${port}: connection refused .*; connecting again in .* \\(attempt 2 of 3\\)\\.$`,
        ),
      ),
      expect.stringMatching(/\(attempt 3 of 3\)\.$/),
    ]);
    expect(main.errors[0]).toBe(
      `127.0.0.1:${port}: could not connect: connection refused (is sshd listening on that port?) (3 attempts).`,
    );
  });

  test('a server that comes up while the step retries is reached', async () => {
    const port = await reservePort();
    const step = runs.run({
      ...connectionInputs(server),
      host: `127.0.0.1:${port}`,
      retries: '5',
      fingerprint: '',
      'insecure-skip-host-key-check': 'true',
      script,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    extra.push(await startSshd({ name: 'srd-connect-late', user, port }));
    const { main } = await step;
    expect(main.exitCode).toBe(0);
    expect(main.outputs.stdout).toBe(user.name);
    expect(main.warnings.filter((w) => w.includes('connecting again')).length).toBeGreaterThan(0);
  });
});
