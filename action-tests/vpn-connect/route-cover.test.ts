// The full-tunnel guard by address arithmetic: routes that together cover a default route are
// full tunnel however they are split, pushed by the server or written in the config. Pushed
// routes are only known once OpenVPN has added them, so, as in full-tunnel.test.ts, the
// action's OpenVPN and `ip` run in a client namespace of the fixture's (through the PATH it
// provides), whose default route leads through the server's namespace: what the tunnel takes
// over is that namespace's traffic, never this machine's.
import { readdirSync } from 'node:fs';
import { runAction, type ActionRun, type StepResult } from '../harness/run-action';
import { startOpenVpnServer, type OpenVpnServer } from '../services/openvpn-server';
import { startWireGuardPeer, type WireGuardPeer } from '../services/wireguard-peer';
import { deviceExists, ipJson, processesRunning, recordOf } from './inspect';

jest.setTimeout(90_000);

const SLOT = 17;
// An address outside every network of the test: where "the internet" would be routed.
const OUTSIDE = '203.0.113.7';
// Four quarters of the IPv4 space: no one of them is a default route, or a half of one.
const QUARTERS = ['0.0.0.0', '64.0.0.0', '128.0.0.0', '192.0.0.0'];
let server: OpenVpnServer;
let peer: WireGuardPeer;
const runs: ActionRun[] = [];

beforeAll(async () => {
  server = await startOpenVpnServer({
    slot: SLOT,
    clientNamespace: true,
    pushRoutes: QUARTERS.map((network) => `${network} 192.0.0.0`),
  });
  peer = await startWireGuardPeer({ slot: SLOT });
});

afterAll(async () => {
  await server?.stop();
  await peer?.stop();
});

afterEach(() => {
  runs.splice(0).forEach((run) => run.cleanup());
});

/** The interface the client namespace sends an outside address through. */
async function outsideVia(): Promise<string> {
  const [route] = await ipJson<{ dev: string }[]>(
    ['route', 'get', OUTSIDE],
    server.clientNamespace,
  );
  return route.dev;
}

async function connect(
  inputs: Record<string, string>,
  beforePost?: (main: StepResult) => Promise<void>,
): Promise<ActionRun> {
  const run = await runAction({
    action: 'vpn-connect',
    inputs: { config: server.clientConfig(), ...inputs },
    secrets: [server.pki.key],
    env: { PATH: `${server.clientPath}:${process.env.PATH}` },
    beforePost,
  });
  runs.push(run);
  return run;
}

async function expectNothingLeft(run: ActionRun, device: string | undefined) {
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.warnings).toEqual([]);
  if (device) expect(await deviceExists(device, server.clientNamespace)).toBe(false);
  expect(processesRunning(run.runnerTemp)).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expect(await outsideVia()).toBe(`vcc${SLOT}s`);
}

test('pushed routes that together cover 0.0.0.0/0 are full tunnel: refused, and the tunnel taken down, unless full-tunnel is true', async () => {
  let during = '';
  const refused = await connect({}, async () => {
    during = await outsideVia();
  });
  expect(refused.main.exitCode).toBe(1);
  expect(refused.main.errors).toEqual([
    "Input 'full-tunnel': is false, but the tunnel's routes include 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/2, 192.0.0.0/2, which together cover the default route 0.0.0.0/0: the server pushed routes that would send all the runner's traffic, its link to GitHub included, through the tunnel. The action took the tunnel down. Have the server push only the private networks, or set full-tunnel: true to accept them.",
  ]);
  // Main took it down at once: the namespace's traffic did not stay in the tunnel.
  expect(recordOf(refused.main).closed).toBe(true);
  expect(during).toBe(`vcc${SLOT}s`);
  await expectNothingLeft(refused, recordOf(refused.main).device);

  // The same server, accepted: the namespace's traffic goes through the tunnel until post.
  const accepted = await connect({ 'full-tunnel': 'true' }, async () => {
    during = await outsideVia();
  });
  expect(accepted.main.errors).toEqual([]);
  expect(accepted.main.exitCode).toBe(0);
  expect(accepted.main.outputs.routes.split(',')).toEqual(
    expect.arrayContaining(QUARTERS.map((network) => `${network}/2`)),
  );
  expect(during).toBe(accepted.main.outputs.interface);
  await expectNothingLeft(accepted, accepted.main.outputs.interface);
});

describe('routes written in the config that together cover a default route are refused before anything starts', () => {
  test.each([
    [
      ['route 0.0.0.0 128.0.0.0', 'route 128.0.0.0 128.0.0.0'],
      "the config routes 0.0.0.0/1, 128.0.0.0/1, which together cover the default route 0.0.0.0/0 (line 8 'route 0.0.0.0 128.0.0.0', line 9 'route 128.0.0.0 128.0.0.0')",
    ],
    [
      ['route-ipv6 ::/1', 'route-ipv6 8000::/1'],
      "the config routes ::/1, 8000::/1, which together cover the default route ::/0 (line 8 'route-ipv6 ::/1', line 9 'route-ipv6 8000::/1')",
    ],
  ])('%p', async (routes, message) => {
    const run = await connect({ config: server.clientConfig({ extra: routes }) });
    expect(run.main.exitCode).toBe(1);
    expect(run.main.errors).toEqual([
      `Input 'full-tunnel': is false, but ${message}: that sends all the runner's traffic, its link to GitHub included, through the tunnel. Route only the private networks, or set full-tunnel: true to accept it.`,
    ]);
    expect(run.main.state).toEqual({});
    await expectNothingLeft(run, undefined);
  });
});

test('WireGuard AllowedIPs = 0.0.0.0/1, 128.0.0.0/1 is full tunnel: refused before anything starts', async () => {
  const run = await runAction({
    action: 'vpn-connect',
    inputs: {
      type: 'wireguard',
      config: peer.clientConfig({ allowedIps: ['0.0.0.0/1', '128.0.0.0/1'] }),
    },
    secrets: [peer.clientKeys.privateKey],
  });
  runs.push(run);
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors).toEqual([
    "Input 'full-tunnel': is false, but AllowedIPs has 0.0.0.0/1, 128.0.0.0/1, which together cover the default route 0.0.0.0/0: that sends all the runner's traffic, its link to GitHub included, through the tunnel. List only the private networks in AllowedIPs, or set full-tunnel: true to accept it.",
  ]);
  expect(run.main.state).toEqual({});
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expect(run.post?.stdout).toContain('nothing to clean up');
});
