// ssh-redeploy's request-pty and sudo-password against a real OpenSSH server whose user must
// type its password for sudo (no NOPASSWD, no cached credentials).
import { rmSync, writeFileSync } from 'node:fs';
import { findLeaks } from '../harness/leaks';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { connectionInputs, Runs } from './run';

jest.setTimeout(60_000);

let user: SshUser;
let server: SshServer;
let second: SshServer;
let jump: SshServer;
let sudoers: string;
const runs = new Runs(() => [server, second, jump]);

beforeAll(async () => {
  user = await createSshUser('sk-sudo');
  // sudo skips files whose names hold a dot: the user name has none.
  sudoers = `/etc/sudoers.d/${user.name}`;
  writeFileSync(
    sudoers,
    `${user.name} ALL=(ALL) ALL\nDefaults:${user.name} timestamp_timeout=0\n`,
    {
      mode: 0o440,
    },
  );
  [server, second, jump] = await Promise.all([
    startSshd({ name: 'sk-sudo', user }),
    startSshd({ name: 'sk-sudo-2', user }),
    startSshd({ name: 'sk-sudo-jump', user }),
  ]);
}, 60_000);

afterEach(() => runs.cleanup());

afterAll(async () => {
  await Promise.all([server, second, jump].map((s) => s?.stop()));
  rmSync(sudoers ?? '/nonexistent', { force: true });
  await user?.remove();
});

const script = 'echo before\nsudo id -u\necho after';

/** Where `secret` shows in any place a step's words can go: its log, its outputs, its summary. */
const leaksOf = (secret: string, run: Awaited<ReturnType<Runs['run']>>) =>
  findLeaks([secret], {
    stdout: run.main.stdout,
    stderr: run.main.stderr,
    outputs: JSON.stringify(run.main.outputs),
    summary: run.main.summary ?? '',
  });

test('request-pty answers sudo with sudo-password, which shows nowhere', async () => {
  const run = await runs.run({
    ...connectionInputs(server),
    script,
    'request-pty': 'true',
    'sudo-password': user.password,
  });
  const { main } = run;
  expect(main.exitCode).toBe(0);
  expect(main.outputs.stdout.split('\n').filter((line) => !line.includes('[sudo]'))).toEqual([
    'before',
    '0',
    'after',
  ]);
  expect(main.stdout).toMatch(/\[sudo\] password for t-sk-sudo \[[0-9a-f]{16}\]: /);
  expect(leaksOf(user.password, run)).toEqual([]);
});

test('with several hosts, through a jump host, each host gets its answer', async () => {
  const run = await runs.run({
    ...connectionInputs(server),
    host: `127.0.0.1:${server.port}\n127.0.0.1:${second.port}`,
    fingerprint: `${server.hostKeyFingerprint}\n${second.hostKeyFingerprint}`,
    'proxy-host': '127.0.0.1',
    'proxy-port': String(jump.port),
    'proxy-fingerprint': jump.hostKeyFingerprint,
    parallel: '2',
    script,
    'request-pty': 'true',
    'sudo-password': user.password,
  });
  expect(run.main.exitCode).toBe(0);
  const results = JSON.parse(run.main.outputs.results) as Array<{ status: string; stdout: string }>;
  expect(results.map((result) => result.status)).toEqual(['success', 'success']);
  for (const result of results) expect(result.stdout).toMatch(/\n0\nafter\n$/);
  expect(leaksOf(user.password, run)).toEqual([]);
});

test('without sudo-password, the step fails as soon as sudo asks, naming the input', async () => {
  const started = Date.now();
  const { main } = await runs.run({
    ...connectionInputs(server),
    script,
    'request-pty': 'true',
    'command-timeout': '1m',
  });
  expect(main.exitCode).toBe(1);
  // At once: not after sudo's own timeout, nor command-timeout.
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(main.errors.join('\n')).toContain(
    `127.0.0.1:${server.port}: sudo asked for a password and 'sudo-password' is not set.`,
  );
  expect(main.outputs.stdout).not.toContain('after');
});

test('a wrong sudo-password fails at sudo’s second prompt, and is never shown', async () => {
  const wrong = 'wrong-sudo-password-7319';
  const run = await runs.run(
    { ...connectionInputs(server), script, 'request-pty': 'true', 'sudo-password': wrong },
    { secrets: [wrong] },
  );
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors.join('\n')).toContain(
    "sudo refused the password in 'sudo-password' and asked again",
  );
  expect(leaksOf(wrong, run)).toEqual([]);
});

test('sudo-password without request-pty is refused before connecting', async () => {
  const { main } = await runs.run({
    ...connectionInputs(server),
    script,
    'sudo-password': user.password,
  });
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toBe(
    "Input 'sudo-password': needs request-pty: true: sudo asks for its password on a terminal, and the step answers it there.",
  );
});
