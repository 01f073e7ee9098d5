// ssh-redeploy's script mode, bundle run as the runner runs it, against real OpenSSH servers.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../services/processes';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { runLive } from './live';
import { connectionInputs, Runs } from './run';

jest.setTimeout(60_000);

let user: SshUser;
let servers: SshServer[] = [];
const runs = new Runs(() => servers);

beforeAll(async () => {
  user = await createSshUser('srd-script');
  // Three servers for the same user: several hosts, one home to leave marks in.
  servers = await Promise.all([0, 1, 2].map(() => startSshd({ name: 'srd-script', user })));
}, 60_000);

afterAll(async () => {
  runs.cleanup();
  await Promise.all(servers.map((server) => server.stop()));
  await user?.remove();
});

afterEach(() => runs.cleanup());

const home = (file: string) => path.join(user.home, file);
const one = () => connectionInputs(servers[0]);

/** Inputs for several servers in one step: a host line and a fingerprint line each. */
function several(count: number): Record<string, string> {
  const chosen = servers.slice(0, count);
  return {
    ...connectionInputs(chosen[0]),
    host: chosen.map((server) => `127.0.0.1:${server.port}`).join('\n'),
    fingerprint: chosen.map((server) => server.hostKeyFingerprint).join('\n'),
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

test('a script runs as the user, in bash, and its stdout becomes the output', async () => {
  const { main } = await runs.run({
    ...one(),
    script: 'echo "user=$(id -un)"\necho "shell=${BASH_VERSION:+bash}"\necho to-stderr >&2\n',
  });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.stdout).toBe(`user=${user.name}\nshell=bash`);
  expect(main.stdout).toContain('to-stderr');
  const [result] = JSON.parse(main.outputs.results) as Array<Record<string, unknown>>;
  expect(result).toMatchObject({
    host: `127.0.0.1:${servers[0].port}`,
    status: 'success',
    exitCode: 0,
  });
  expect(result.durationMs).toEqual(expect.any(Number));
  expect(main.summary).toContain('<td>✅ success</td>');
});

test('a failing command stops the script and fails the step with its exit code', async () => {
  const { main } = await runs.run({
    ...one(),
    script: 'echo before\nsh -c "exit 7"\necho after\n',
  });
  expect(main.exitCode).toBe(1);
  expect(main.outputs.stdout).toBe('before');
  expect(main.errors).toEqual([
    `127.0.0.1:${servers[0].port}: the script failed with exit code 7.`,
  ]);
  expect(JSON.parse(main.outputs.results)).toMatchObject([{ status: 'failed', exitCode: 7 }]);
});

test.each([
  ['an unset variable (set -u)', 'echo "$NOT_SET_ANYWHERE"\necho after'],
  ['a failing pipeline stage (pipefail)', 'false | cat\necho after'],
  ['exit with a code', 'exit 42'],
])('%s fails the script', async (_, script) => {
  const { main } = await runs.run({ ...one(), script });
  expect(main.exitCode).toBe(1);
  expect(main.outputs.stdout).not.toContain('after');
  expect(main.errors[0]).toMatch(/the script failed with exit code \d+\.$/);
});

test('envs values arrive byte for byte, and nothing in them is run', async () => {
  const canary = home('pwned');
  const hostile = [
    `it's "quoted" \`touch ${canary}\` $(touch ${canary}) $HOME \\ \\n`,
    "'; touch " + canary + "; echo '",
    '\ttabs\r\nand lines\n\n',
    'ünïcödé ✓ \u0001',
  ].join('\n');
  const { main } = await runs.run(
    {
      ...one(),
      envs: 'HOSTILE, PLAIN',
      script: 'printf %s "$HOSTILE" > "$HOME/hostile"\nprintf %s "$PLAIN" > "$HOME/plain"\n',
    },
    { env: { HOSTILE: hostile, PLAIN: 'simple' } },
  );
  expect(main.exitCode).toBe(0);
  expect(readFileSync(home('hostile'), 'utf8')).toBe(hostile);
  expect(readFileSync(home('plain'), 'utf8')).toBe('simple');
  expect(existsSync(canary)).toBe(false);
});

test('an envs name that is not set fails before connecting', async () => {
  const before = servers[0].log().split('Connection from').length;
  const { main } = await runs.run({ ...one(), envs: 'NOT_IN_THE_STEP', script: 'true' });
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(/^Input 'envs': NOT_IN_THE_STEP is not set/);
  expect(servers[0].log().split('Connection from').length).toBe(before);
});

test("the script's stdin is empty: a command reading it neither hangs nor eats the script", async () => {
  const { main } = await runs.run({
    ...one(),
    script: 'cat\nread -r line || echo "read got end-of-file"\necho still running\n',
    'command-timeout': '20s',
  });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.stdout).toBe('read got end-of-file\nstill running');
});

test('output streams live, while the script is still running', async () => {
  const gate = home('gate');
  // The script waits for a file the test creates only once it has seen the first line.
  const script = `echo first-line\nwhile [ ! -e ${gate} ]; do sleep 0.1; done\necho second-line\n`;
  let sawFirstWhileRunning = false;
  const result = await runLive({ ...one(), script, 'command-timeout': '20s' }, (line) => {
    if (line === 'first-line') {
      sawFirstWhileRunning = true;
      writeFileSync(gate, '');
    }
  });
  expect(sawFirstWhileRunning).toBe(true);
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toContain('second-line');
});

test('what the server prints cannot act as a workflow command', async () => {
  const { main } = await runs.run({ ...one(), script: 'echo "::error::forged by the server"' });
  expect(main.exitCode).toBe(0);
  const lines = main.stdout.split('\n');
  const forged = lines.indexOf('::error::forged by the server');
  const stop = lines.findIndex((line) => line.startsWith('::stop-commands::'));
  const token = lines[stop]?.slice('::stop-commands::'.length);
  const resume = lines.indexOf(`::${token}::`);
  expect(stop).toBeGreaterThanOrEqual(0);
  expect(stop).toBeLessThan(forged);
  expect(forged).toBeLessThan(resume);
});

test('with several hosts at once, no line of a server acts as a workflow command', async () => {
  const forged = `printf 'x\\r::add-mask::web1\\n  ::ERROR::forged\\nand ##[warning]forged too\\n'`;
  const { main } = await runs.run({ ...several(2), parallel: '2', script: forged });
  expect(main.exitCode).toBe(0);
  const own = (command: string) => main.commands.filter((c) => c.command === command);
  expect(own('add-mask').map((c) => c.message)).not.toContain('web1');
  expect(own('error')).toEqual([]);
  expect(own('warning')).toEqual([]);
  // The text is all there, one host's lines prefixed with its name.
  expect(main.stdout).toContain(`127.0.0.1:${servers[0].port} | x\n`);
  expect(main.stdout.replace(/\u200b/g, '')).toContain(
    `127.0.0.1:${servers[1].port} | ::add-mask::web1\n`,
  );
});

test('a timeout longer than a timer can hold is refused before connecting', async () => {
  const mark = servers[0].log().length;
  const { main } = await runs.run({ ...one(), 'command-timeout': '600h', script: 'true' });
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    "Input 'command-timeout': '600h' is longer than a step can wait: give at most 596h (about 24.8 days).",
  ]);
  expect(servers[0].log().slice(mark)).not.toContain('Connection from');
});

test('at command-timeout the remote processes are ended and the step fails', async () => {
  const { main } = await runs.run({
    ...one(),
    'command-timeout': '2s',
    script: `sleep 301 &\necho $! > ${home('background.pid')}\necho $$ > ${home('shell.pid')}\nsleep 302\n`,
  });
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    `127.0.0.1:${servers[0].port}: the script did not finish within command-timeout (2.0s); it was sent SIGTERM, then SIGKILL what was left of it after 15 s.`,
  ]);
  const pids = ['background.pid', 'shell.pid'].map((file) =>
    Number(readFileSync(home(file), 'utf8')),
  );
  expect(await waitUntil(() => pids.every((pid) => !isAlive(pid)), 5_000)).toBe(true);
});

test("at command-timeout the script's own cleanup runs: SIGTERM comes first", async () => {
  const marker = home('cleaned-up');
  const { main } = await runs.run({
    ...one(),
    'command-timeout': '2s',
    script: `trap 'echo cleaned up > ${marker}; exit 143' TERM\nsleep 303 &\nwait\n`,
  });
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(/did not finish within command-timeout \(2\.0s\)/);
  expect(readFileSync(marker, 'utf8')).toBe('cleaned up\n');
});

test('a server that stops answering cannot hold the step past command-timeout, keepalives off', async () => {
  // The script freezes the user's own sshd session: the server then reads and answers nothing.
  const started = Date.now();
  try {
    const { main } = await runs.run({
      ...one(),
      'keepalive-interval': '0',
      'command-timeout': '2s',
      script: `pkill -STOP -u "$(id -u)" -x sshd\nsleep 304\n`,
    });
    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      `127.0.0.1:${servers[0].port}: the script did not finish within command-timeout (2.0s), and then the connection failed (no answer for 28 s): its processes may still run there.`,
    ]);
    expect(Date.now() - started).toBeLessThan(2_000 + 30_000);
  } finally {
    // The frozen session and its script go.
    spawnSync('pkill', ['-CONT', '-u', user.name, '-x', 'sshd']);
    spawnSync('pkill', ['-KILL', '-u', user.name, '-f', 'sleep 304']);
  }
});

test('several hosts run in parallel, each with its own result and log group', async () => {
  const barrier = home('barrier');
  // Every host waits until all three have arrived: it can only succeed if they run at once.
  const script = [
    `mkdir -p ${barrier}`,
    'set -- $SSH_CONNECTION',
    `touch ${barrier}/$4`,
    `for i in $(seq 100); do [ "$(ls ${barrier} | wc -l)" -ge 3 ] && break; sleep 0.1; done`,
    `[ "$(ls ${barrier} | wc -l)" -ge 3 ]`,
    'echo "served by port $4"',
  ].join('\n');
  const { main } = await runs.run({ ...several(3), parallel: '3', script });

  expect(main.exitCode).toBe(0);
  const results = JSON.parse(main.outputs.results) as Array<Record<string, unknown>>;
  expect(results.map((result) => [result.host, result.status, result.stdout])).toEqual(
    servers.map((server) => [
      `127.0.0.1:${server.port}`,
      'success',
      `served by port ${server.port}\n`,
    ]),
  );
  expect(main.outputs.stdout).toBe('');
  for (const server of servers) {
    expect(main.stdout).toContain(`127.0.0.1:${server.port} | served by port ${server.port}`);
    expect(main.stdout).toContain(`::group::127.0.0.1:${server.port}: success`);
  }
});

/** A script that fails with exit code 3 on the given server only. */
const failOn = (server: SshServer) =>
  `set -- $SSH_CONNECTION\nif [ "$4" = ${server.port} ]; then exit 3; fi\necho ok on $4\n`;

test('with fail-fast, hosts after a failed one are not started', async () => {
  const { main } = await runs.run({
    ...several(3),
    parallel: '1',
    script: failOn(servers[1]),
  });
  expect(main.exitCode).toBe(1);
  const results = JSON.parse(main.outputs.results) as Array<Record<string, unknown>>;
  expect(results.map((result) => [result.status, result.exitCode])).toEqual([
    ['success', 0],
    ['failed', 3],
    ['skipped', null],
  ]);
  expect(main.errors).toEqual([
    `127.0.0.1:${servers[1].port}: the script failed with exit code 3.`,
    expect.stringMatching(/^The script failed on 1 of 3 hosts \(1 not started, fail-fast\)/),
  ]);
  expect(main.summary).toContain('<td>⏭️ skipped</td>');
});

test('without fail-fast, every host runs and the step still fails', async () => {
  const { main } = await runs.run({
    ...several(3),
    parallel: '1',
    'fail-fast': 'false',
    script: failOn(servers[1]),
  });
  expect(main.exitCode).toBe(1);
  const results = JSON.parse(main.outputs.results) as Array<Record<string, unknown>>;
  expect(results.map((result) => result.status)).toEqual(['success', 'failed', 'success']);
  expect(main.errors.at(-1)).toMatch(/^The script failed on 1 of 3 hosts: /);
});

test('a host entry carries its own user and port', async () => {
  const { main } = await runs.run({
    ...connectionInputs(servers[0]),
    host: `${user.name}@127.0.0.1:${servers[0].port}`,
    username: 'someone-else',
    port: '1',
    script: 'id -un',
  });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.stdout).toBe(user.name);
  expect(JSON.parse(main.outputs.results)).toMatchObject([
    { host: `${user.name}@127.0.0.1:${servers[0].port}` },
  ]);
});
