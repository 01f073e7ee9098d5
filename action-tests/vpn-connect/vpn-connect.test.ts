// vpn-connect's bundle, run as the runner runs it, against a real OpenVPN server in a network
// namespace (action-tests/services/openvpn-server.ts). The tunnel is built on this machine for
// real: between main and post, the service behind the server answers through it.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  nodeBinary,
  repoRoot,
  runAction,
  type ActionRun,
  type StepResult,
} from '../harness/run-action';
import {
  startOpenVpnServer,
  type OpenVpnServer,
  type OpenVpnServerOptions,
} from '../services/openvpn-server';
import {
  deviceExists,
  fetchText,
  filesUnder,
  ipJson,
  modesUnder,
  processesRunning,
  recordOf,
} from './inspect';

jest.setTimeout(90_000);

const SLOT = 11;
let server: OpenVpnServer | undefined;
const runs: ActionRun[] = [];
const workspaces: string[] = [];

afterEach(async () => {
  runs.splice(0).forEach((run) => run.cleanup());
  workspaces.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  await server?.stop();
  server = undefined;
});

async function start(options: Omit<OpenVpnServerOptions, 'slot'> = {}): Promise<OpenVpnServer> {
  server = await startOpenVpnServer({ slot: SLOT, ...options });
  return server;
}

function secretsOf(vpn: OpenVpnServer, extra: string[] = []): string[] {
  return [
    vpn.pki.key,
    vpn.pki.encryptedKey,
    vpn.pki.keyPassphrase,
    ...(vpn.tlsCryptKey ? [vpn.tlsCryptKey] : []),
    ...(vpn.tlsAuthKey ? [vpn.tlsAuthKey] : []),
    ...extra,
  ];
}

async function connect(
  inputs: Record<string, string>,
  options: {
    secrets?: string[];
    beforePost?: (main: StepResult) => Promise<void> | void;
    workspace?: string;
  } = {},
): Promise<ActionRun> {
  const run = await runAction({
    action: 'vpn-connect',
    inputs,
    secrets: options.secrets ?? (server ? secretsOf(server) : []),
    beforePost: options.beforePost,
    workspace: options.workspace,
  });
  runs.push(run);
  return run;
}

/** Runs the post bundle once more, with the state main saved, as a re-run job would. */
function runPostAgain(run: ActionRun) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    RUNNER_TEMP: run.runnerTemp,
    GITHUB_WORKSPACE: run.workspace,
  };
  for (const [name, value] of Object.entries(run.main.state)) env[`STATE_${name}`] = value;
  return spawnSync(nodeBinary(), [path.join(repoRoot, 'dist', 'vpn-connect', 'post', 'index.js')], {
    env,
    encoding: 'utf8',
  });
}

/** Routes of the main table that lead to `address` specifically (not the default route). */
async function routesTo(address: string): Promise<string[]> {
  const routes = await ipJson<{ dst: string; dev: string }[]>(['route', 'show', 'match', address]);
  return routes
    .filter((route) => route.dst !== 'default')
    .map((route) => `${route.dst} ${route.dev}`);
}

/** What must hold once post has run, whatever main did. */
async function expectNothingLeft(run: ActionRun, main: StepResult, secrets: string[]) {
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.warnings).toEqual([]);
  expect(processesRunning(run.runnerTemp)).toEqual([]);
  const device = main.outputs.interface || recordOf(main).device;
  if (device) expect(await deviceExists(device)).toBe(false);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  for (const file of [...filesUnder(run.runnerTemp), ...filesUnder(run.workspace)]) {
    const text = readFileSync(file, 'utf8');
    for (const secret of secrets) expect(text.includes(secret.trim())).toBe(false);
  }
}

test('connects with certificates, reaches the service behind the server, and post leaves nothing', async () => {
  const vpn = await start();
  let reachable = '';
  let during:
    | { device: boolean; processes: string[]; modes: Record<string, string>; routes: string[] }
    | undefined;
  const run = await connect(
    { config: vpn.clientConfig(), 'check-host': `${vpn.service.address}:${vpn.service.port}` },
    {
      beforePost: async (main) => {
        const recorded = recordOf(main);
        reachable = await fetchText(vpn.service.url);
        during = {
          device: await deviceExists(main.outputs.interface),
          processes: processesRunning(recorded.workDir),
          modes: modesUnder(recorded.workDir),
          routes: await routesTo(vpn.service.address),
        };
      },
    },
  );
  const { main } = run;
  if (process.env.SHOW_STEPS) process.stdout.write(`${main.stdout}\n---\n${run.post?.stdout}\n`);
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.outputs.interface).toMatch(/^tun\d+$/);
  expect(main.outputs['local-ip']).toMatch(new RegExp(`^198\\.19\\.${SLOT}\\.\\d+$`));
  expect(main.outputs.routes.split(',')).toEqual(
    expect.arrayContaining([`198.19.${SLOT}.0/24`, `${vpn.service.address}/32`]),
  );
  expect(main.stdout).toContain(
    `check-host ${vpn.service.address}:${vpn.service.port} accepted a TCP connection through ${main.outputs.interface}`,
  );
  expect(main.summary).toContain(`<td>${main.outputs.interface}</td>`);
  expect(main.summary).toContain(`<td>${main.outputs['local-ip']}</td>`);
  expect(reachable).toBe(vpn.service.body);
  expect(during?.device).toBe(true);
  expect(during?.processes).toHaveLength(1);
  expect(during?.routes).toEqual([`${vpn.service.address} ${main.outputs.interface}`]);
  // The action's folder is 700, and what it wrote is 600.
  expect(during?.modes['.']).toBe('700');
  expect(during?.modes['client.ovpn']).toBe('600');

  expect(run.post?.stdout).toContain('Stopped OpenVPN');
  await expectNothingLeft(run, main, secretsOf(vpn));
  // The service is out of reach again: no route leads to it through any tunnel.
  expect(await routesTo(vpn.service.address)).toEqual([]);
});

test('credentials given as inputs go into a copy; the user file stays as it was and conflicting lines are dropped with a notice', async () => {
  const vpn = await start();
  const workspace = mkdtempSync(path.join(tmpdir(), 'vpnc-workspace-'));
  workspaces.push(workspace);
  mkdirSync(path.join(workspace, 'vpn'));
  const userConfig = vpn.clientConfig({
    pki: false,
    extra: [
      'daemon',
      'log /tmp/should-not-be-written.log',
      'ca ca.crt',
      'management 127.0.0.1 7505',
    ],
  });
  const file = path.join(workspace, 'vpn', 'client.ovpn');
  writeFileSync(file, userConfig);
  let copy = '';
  const run = await connect(
    {
      'config-file': 'vpn/client.ovpn',
      ca: vpn.pki.ca,
      cert: vpn.pki.cert,
      key: vpn.pki.key,
      'echo-config': 'true',
    },
    {
      workspace,
      beforePost: (main) => {
        copy = readFileSync(recordOf(main).configPath, 'utf8');
      },
    },
  );
  const { main } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(readFileSync(file, 'utf8')).toBe(userConfig);
  expect(main.notices).toEqual([
    "The action's copy of client.ovpn leaves out daemon, log, management (the action runs OpenVPN as a daemon with its own log, pid file and management socket); ca (replaced by the 'ca' input). The file itself is unchanged.",
  ]);
  expect(copy).toContain(vpn.pki.key.trim());
  expect(copy).not.toMatch(/^(daemon|log|ca|management)\b/m);
  // echo-config shows the copy, every inline block reduced to a line count.
  expect(main.stdout).toContain('::group::Effective OpenVPN config (secrets redacted)');
  expect(main.stdout).toMatch(/<key>\n\[\d+ lines redacted\]\n<\/key>/);
  const printed = main.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
  expect(printed.join('\n')).not.toContain('-----BEGIN');
  expect(existsSync('/tmp/should-not-be-written.log')).toBe(false);
  await expectNothingLeft(run, main, secretsOf(vpn));
});

test("relative paths in a config file are read from the file's folder, though OpenVPN runs as a daemon", async () => {
  const vpn = await start();
  const workspace = mkdtempSync(path.join(tmpdir(), 'vpnc-workspace-'));
  workspaces.push(workspace);
  const folder = path.join(workspace, 'deploy', 'vpn');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'ca.crt'), vpn.pki.ca);
  writeFileSync(path.join(folder, 'client.crt'), vpn.pki.cert);
  writeFileSync(path.join(folder, 'client.key'), vpn.pki.key, { mode: 0o600 });
  writeFileSync(
    path.join(folder, 'client.ovpn'),
    vpn.clientConfig({ pki: false, extra: ['ca ca.crt', 'cert client.crt', 'key client.key'] }),
  );
  const run = await connect({ 'config-file': 'deploy/vpn/client.ovpn' }, { workspace });
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  expect(run.main.notices).toEqual([]);
  expect(run.post?.exitCode).toBe(0);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  // The user's own files are theirs: all still there.
  expect(readdirSync(folder).sort()).toEqual(['ca.crt', 'client.crt', 'client.key', 'client.ovpn']);
});

test('a config OpenVPN refuses fails at once with its own words', async () => {
  const vpn = await start();
  const run = await connect({ config: vpn.clientConfig({ extra: ['no-such-directive 1'] }) });
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors[0]).toMatch(
    /^OpenVPN did not start: .*Unrecognized option or missing or extra parameter\(s\).*no-such-directive/,
  );
  expect(run.main.durationMs).toBeLessThan(3_000);
  await expectNothingLeft(run, run.main, secretsOf(vpn));
});

test("the server's words in OpenVPN's log, printed after a failure, never act as workflow commands", async () => {
  // The client logs what the server pushes; a check-host that does not answer fails the step.
  const vpn = await start({ pushSetenv: 'x##[error]by-the-server' });
  const run = await connect({
    config: vpn.clientConfig(),
    'check-host': `${vpn.service.address}:${vpn.service.port + 1}`,
    'connect-timeout': '2s',
  });
  expect(run.main.exitCode).toBe(1);
  expect(run.main.stdout.replace(/\u200b/g, '')).toMatch(/PUSH.*##\[error\]by-the-server/);
  expect(run.main.commands.filter((c) => c.message.includes('by-the-server'))).toEqual([]);
  await expectNothingLeft(run, run.main, secretsOf(vpn));
});

test('a connect-timeout longer than a timer can hold is refused before anything starts', async () => {
  const vpn = await start();
  const run = await connect({ config: vpn.clientConfig(), 'connect-timeout': '600h' });
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors).toEqual([
    "Input 'connect-timeout': '600h' is longer than a step can wait: give at most 596h (about 24.8 days).",
  ]);
  expect(run.main.stdout).not.toContain('OpenVPN');
  // Nothing started, so nothing was recorded for post to take down.
  expect(run.main.state.tunnel).toBeUndefined();
});

test('username and password reach the server through an auth file of mode 600, gone after post', async () => {
  const credentials = { username: 'deployer', password: 'Pa55-w0rd-tunnel' };
  const vpn = await start({ credentials });
  let authMode = '';
  const run = await connect(
    { config: vpn.clientConfig({ extra: ['auth-user-pass'] }), ...credentials },
    {
      secrets: secretsOf(vpn, [credentials.password]),
      beforePost: (main) => {
        authMode = modesUnder(recordOf(main).workDir)['auth.txt'];
      },
    },
  );
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  expect(authMode).toBe('600');
  expect(run.main.commands).toContainEqual({
    command: 'add-mask',
    properties: {},
    message: credentials.password,
  });
  await expectNothingLeft(run, run.main, secretsOf(vpn, [credentials.password]));
});

test('a tls-crypt key given as an input is used', async () => {
  const vpn = await start({ tlsCrypt: true });
  const run = await connect({ config: vpn.clientConfig(), 'tls-crypt-key': vpn.tlsCryptKey! });
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  await expectNothingLeft(run, run.main, secretsOf(vpn));
});

test('a tls-auth key given as an input is used in the client direction', async () => {
  const vpn = await start({ tlsAuth: true });
  let copy = '';
  const run = await connect(
    { config: vpn.clientConfig(), 'tls-auth-key': vpn.tlsAuthKey! },
    { beforePost: (main) => void (copy = readFileSync(recordOf(main).configPath, 'utf8')) },
  );
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  expect(copy).toMatch(/^key-direction 1$/m);
  await expectNothingLeft(run, run.main, secretsOf(vpn));
});

test('an encrypted key is opened with key-passphrase', async () => {
  const vpn = await start();
  const run = await connect({
    config: vpn.clientConfig({ pki: false }),
    ca: vpn.pki.ca,
    cert: vpn.pki.cert,
    key: vpn.pki.encryptedKey,
    'key-passphrase': vpn.pki.keyPassphrase,
  });
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  await expectNothingLeft(run, run.main, secretsOf(vpn));
});

/** A failed main: fast, clear, with the log in a group, and nothing left even before post. */
async function expectCleanFailure(run: ActionRun, message: RegExp, withinMs: number) {
  const { main } = run;
  expect(main.exitCode).toBe(1);
  expect(main.errors).toHaveLength(1);
  expect(main.errors[0]).toMatch(message);
  expect(main.durationMs).toBeLessThan(withinMs);
  expect(main.stdout).toContain('::group::OpenVPN log');
  expect(recordOf(main).closed).toBe(true);
  expect(run.post?.stdout).toContain('The main step already took the tunnel down');
  await expectNothingLeft(run, main, secretsOf(server!));
}

test('a CA that did not sign the server certificate fails at once, naming the CA', async () => {
  const vpn = await start();
  const run = await connect({
    config: vpn.clientConfig({ pki: false }),
    ca: vpn.pki.wrongCa,
    cert: vpn.pki.cert,
    key: vpn.pki.key,
  });
  await expectCleanFailure(
    run,
    /^The TLS handshake with the server failed: VERIFY ERROR: .*The server's certificate is not signed by the CA this client trusts: check 'ca'/,
    5_000,
  );
});

test('a wrong password fails at once with AUTH_FAILED', async () => {
  const credentials = { username: 'deployer', password: 'Pa55-w0rd-tunnel' };
  const vpn = await start({ credentials });
  const run = await connect(
    {
      config: vpn.clientConfig({ extra: ['auth-user-pass'] }),
      username: 'deployer',
      password: 'not-the-password',
    },
    { secrets: secretsOf(vpn, ['not-the-password']) },
  );
  await expectCleanFailure(
    run,
    /^The server refused the username and password \(AUTH_FAILED\)/,
    5_000,
  );
});

test('an unreachable server fails at connect-timeout, saying what the log last complained of', async () => {
  const vpn = await start();
  const config = vpn
    .clientConfig()
    .replace(`remote ${vpn.host} ${vpn.port}`, `remote ${vpn.host} ${vpn.port + 100}`);
  const run = await connect({ config, 'connect-timeout': '2s' });
  await expectCleanFailure(
    run,
    /^OpenVPN did not connect within 'connect-timeout' \(2\.0s\); its last state was WAIT and the last problem it logged: read UDPv4 \[ECONNREFUSED\]/,
    5_000,
  );
});

test('a check-host that does not answer through the tunnel fails the step, which takes the tunnel down', async () => {
  const vpn = await start();
  const run = await connect({
    config: vpn.clientConfig(),
    'check-host': `${vpn.service.address}:${vpn.service.port + 1}`,
    'connect-timeout': '2s',
  });
  await expectCleanFailure(
    run,
    /^check-host 198\.18\.\d+\.1:8081 did not accept a TCP connection through the tunnel within 5\.\ds \(ECONNREFUSED\)/,
    9_000,
  );
});

test('a check-host that is not behind the tunnel still has to answer, and the step warns that it proves nothing', async () => {
  const vpn = await start();
  const local = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
  try {
    const port = (local.address() as AddressInfo).port;
    const run = await connect({ config: vpn.clientConfig(), 'check-host': `127.0.0.1:${port}` });
    expect(run.main.exitCode).toBe(0);
    expect(run.main.warnings).toEqual([
      `check-host 127.0.0.1:${port} is reached through lo, not through the tunnel's ${run.main.outputs.interface}: its answer says nothing about the tunnel.`,
    ]);
  } finally {
    await new Promise((resolve) => local.close(resolve));
  }
});

test('post run a second time finds nothing to do and does no harm', async () => {
  const vpn = await start();
  const run = await connect({ config: vpn.clientConfig() });
  expect(run.main.exitCode).toBe(0);
  await expectNothingLeft(run, run.main, secretsOf(vpn));
  const again = runPostAgain(run);
  expect(again.status).toBe(0);
  expect(again.stdout).not.toMatch(/::(warning|error)::/);
  expect(again.stdout).toContain(
    'Disconnected: no process, interface or file of this action is left.',
  );
  expect(again.stdout).not.toContain('Stopped OpenVPN');
});

test('a runner user that is not root and has no password-less sudo is told so, before anything starts', () => {
  // The harness runs steps as this test's user (root); this one runs the bundle as nobody.
  const job = mkdtempSync(path.join(tmpdir(), 'vpnc-nobody-'));
  workspaces.push(job);
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    RUNNER_TEMP: job,
    GITHUB_WORKSPACE: job,
    INPUT_TYPE: 'openvpn',
    INPUT_CONFIG: 'client\nremote 198.18.1.2 1194\n',
    'INPUT_CONNECT-TIMEOUT': '60s',
    'INPUT_FULL-TUNNEL': 'false',
    INPUT_DNS: 'true',
    INPUT_INSTALL: 'true',
    'INPUT_ECHO-CONFIG': 'false',
  };
  const step = spawnSync(nodeBinary(), [path.join(repoRoot, 'dist', 'vpn-connect', 'index.js')], {
    env,
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
  });
  expect(step.status).toBe(1);
  expect(step.stdout).toMatch(
    /::error::This step runs as nobody, not root, and 'sudo -n' does not work here \(.+\)\. Creating a tunnel interface needs root/,
  );
  expect(readdirSync(job)).toEqual([]);
});

describe('bad input fails before anything starts, naming the input', () => {
  test.each([
    [{ config: '' }, "Input 'config': is required, or 'config-file'"],
    [{ 'config-file': 'vpn/client.ovpn' }, "Input 'config-file': and 'config' are both given"],
    [
      { 'config-file': 'missing.ovpn', config: '' },
      "Input 'config-file': there is no file at missing.ovpn",
    ],
    [{ type: 'ipsec' }, "Input 'type': 'ipsec' is not a VPN type."],
    [{ username: 'deployer' }, "Input 'password': is required with 'username'"],
    [{ password: 'only-a-password' }, "Input 'username': is required with 'password'."],
    [{ ca: 'not a certificate' }, "Input 'ca': is not a PEM certificate"],
    [{ 'tls-crypt-key': 'nope' }, "Input 'tls-crypt-key': is not an OpenVPN static key"],
    [{ 'check-host': '198.18.1.1' }, "Input 'check-host': '198.18.1.1' is not host:port."],
    [{ 'check-host': 'db:99999' }, "Input 'check-host': the port 99999 is not from 1 to 65535."],
    [{ 'connect-timeout': 'soon' }, "Input 'connect-timeout': 'soon' is not a duration."],
    [{ 'full-tunnel': 'maybe' }, "Input 'full-tunnel': 'maybe' is not a boolean."],
    [{ config: 'client\ndev tun\n' }, "Input 'config': names no server"],
    [
      { config: 'client\nremote 198.18.1.2\nauth-user-pass\n' },
      "Input 'username': is required: the config has 'auth-user-pass'",
    ],
    [
      { config: 'client\nremote 198.18.1.2\n<key>\nabc\n' },
      "Input 'config': the inline block <key> opened on line 3 is never closed",
    ],
  ])('%p', async (inputs, message) => {
    const run = await connect({ config: 'client\nremote 198.18.1.2 1194\n', ...inputs });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.errors).toHaveLength(1);
    expect(run.main.errors[0].startsWith(message)).toBe(true);
    expect(run.main.state).toEqual({});
    expect(readdirSync(run.runnerTemp)).toEqual([]);
    expect(run.post?.exitCode).toBe(0);
    expect(run.post?.stdout).toContain('The main step started nothing: nothing to clean up.');
  });
});
