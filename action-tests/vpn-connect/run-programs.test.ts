// Configs that would run programs as root: OpenVPN's script hooks, plugin, config, cd and
// chroot, and wg-quick's PreUp/PostUp/PreDown/PostDown. The action refuses each with an error
// naming the line, before anything starts, so the program never runs; and OpenVPN itself runs
// with --script-security 1 after the config. Against the real OpenVPN server and WireGuard peer
// of the fixtures; each hook, had it run, would have left a file behind.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction, type ActionRun } from '../harness/run-action';
import { startOpenVpnServer, type OpenVpnServer } from '../services/openvpn-server';
import { startWireGuardPeer, type WireGuardPeer } from '../services/wireguard-peer';
import { processesRunning, recordOf } from './inspect';

jest.setTimeout(90_000);

const SLOT = 15;
let server: OpenVpnServer;
let peer: WireGuardPeer;
/** Where the hooks would leave their mark: a folder of this file's own. */
let marks: string;
let hook: string;
const runs: ActionRun[] = [];

beforeAll(async () => {
  marks = mkdtempSync(path.join(tmpdir(), 'vpnc-hooks-'));
  hook = path.join(marks, 'hook.sh');
  writeFileSync(hook, `#!/bin/sh\ntouch '${marks}/ran'\n`);
  chmodSync(hook, 0o755);
  server = await startOpenVpnServer({ slot: SLOT });
  peer = await startWireGuardPeer({ slot: SLOT });
});

afterAll(async () => {
  await server?.stop();
  await peer?.stop();
  rmSync(marks, { recursive: true, force: true });
});

afterEach(() => {
  runs.splice(0).forEach((run) => run.cleanup());
  rmSync(path.join(marks, 'ran'), { force: true });
});

async function connect(inputs: Record<string, string>, secrets: string[], workspace?: string) {
  const run = await runAction({ action: 'vpn-connect', inputs, secrets, workspace });
  runs.push(run);
  return run;
}

/** Refused before anything started: no state, no file, no process, and the hook never ran. */
function expectRefusedBeforeStart(run: ActionRun) {
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors).toHaveLength(1);
  expect(run.main.state).toEqual({});
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expect(processesRunning(run.runnerTemp)).toEqual([]);
  expect(existsSync(path.join(marks, 'ran'))).toBe(false);
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.stdout).toContain('The main step started nothing: nothing to clean up.');
}

// The fixture's client config has 7 lines; these come after it, from line 8.
describe('OpenVPN: each directive that runs a program, reads another file or moves OpenVPN is refused, naming its line', () => {
  test.each([
    ['up', () => `up ${hook}`],
    ['down', () => `down ${hook}`],
    ['route-up', () => `route-up ${hook}`],
    ['route-pre-down', () => `route-pre-down ${hook}`],
    ['ipchange', () => `ipchange ${hook}`],
    ['tls-verify', () => `tls-verify ${hook}`],
    ['auth-user-pass-verify', () => `auth-user-pass-verify ${hook} via-env`],
    ['learn-address', () => `learn-address ${hook}`],
    ['client-connect', () => `client-connect ${hook}`],
    ['client-disconnect', () => `client-disconnect ${hook}`],
    ['plugin', () => `plugin ${path.join(marks, 'plugin.so')}`],
    ['config', () => `config ${path.join(marks, 'more.ovpn')}`],
    ['cd', () => `cd ${marks}`],
    ['chroot', () => `chroot ${marks}`],
    ['iproute', () => `iproute ${hook}`],
  ])('%s', async (name, line) => {
    const run = await connect(
      { config: server.clientConfig({ extra: ['script-security 2', line()] }) },
      [server.pki.key],
    );
    expectRefusedBeforeStart(run);
    expect(run.main.errors[0]).toMatch(
      new RegExp(
        `^Input 'config': has directives that would run programs as root, which vpn-connect refuses: line 8 'script-security' \\(lets the config run programs\\); line 9 '${name}' \\([^)]+\\)\\. Remove these lines`,
      ),
    );
  });

  test('script-security 2 on its own, in a config file: the error names config-file and the line', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'vpnc-workspace-'));
    try {
      mkdirSync(path.join(workspace, 'vpn'));
      writeFileSync(
        path.join(workspace, 'vpn', 'client.ovpn'),
        server.clientConfig({ extra: ['script-security 2'] }),
      );
      const run = await connect({ 'config-file': 'vpn/client.ovpn' }, [server.pki.key], workspace);
      expectRefusedBeforeStart(run);
      expect(run.main.errors[0]).toBe(
        "Input 'config-file': has directives that would run programs as root, which vpn-connect refuses: line 8 'script-security' (lets the config run programs). Remove these lines: OpenVPN runs with --script-security 1. Scripts such as update-resolv-conf are not needed for DNS: the action applies the DNS servers and domains the server pushes itself (input dns).",
      );
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

test('OpenVPN runs with --script-security 1 after its config, and a config without hooks connects', async () => {
  let commandLine: string[] = [];
  const run = await runAction({
    action: 'vpn-connect',
    inputs: { config: server.clientConfig({ extra: ['script-security 1'] }) },
    secrets: [server.pki.key],
    beforePost: (main) => {
      const [line] = processesRunning(recordOf(main).configPath);
      commandLine = line?.split(' ').slice(1) ?? [];
    },
  });
  runs.push(run);
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  const config = commandLine.indexOf('--config');
  expect(config).toBeGreaterThan(0);
  expect(commandLine.slice(config, config + 4)).toEqual([
    '--config',
    recordOf(run.main).configPath,
    '--script-security',
    '1',
  ]);
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.warnings).toEqual([]);
});

describe('WireGuard: each command wg-quick would run as root is refused, naming its line', () => {
  // The fixture's config: [Interface], PrivateKey, Address, then the extra line (line 4).
  test.each(['PreUp', 'PostUp', 'PreDown', 'PostDown'])('%s', async (key) => {
    const run = await connect(
      { type: 'wireguard', config: peer.clientConfig({ extra: [`${key} = ${hook}`] }) },
      [peer.clientKeys.privateKey],
    );
    expectRefusedBeforeStart(run);
    expect(run.main.errors[0]).toBe(
      `Input 'config': has commands that wg-quick would run as root, which vpn-connect refuses to run: line 4 (${key}). Remove these lines; run what they did as steps of their own. For DNS, keep the DNS = line: the action applies it itself (input dns).`,
    );
  });
});
