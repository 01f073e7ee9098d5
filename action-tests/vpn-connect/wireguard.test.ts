// vpn-connect with type: wireguard, run as the runner runs it, against a real WireGuard peer in
// a network namespace (action-tests/services/wireguard-peer.ts). The runner's side is brought
// up by wg-quick, which falls back to wireguard-go here, as there is no kernel module.
import { readdirSync, readFileSync } from 'node:fs';
import { runAction, type ActionRun } from '../harness/run-action';
import { startWireGuardPeer, makeKeyPair, type WireGuardPeer } from '../services/wireguard-peer';
import {
  deviceExists,
  fetchText,
  filesUnder,
  modesUnder,
  processesRunning,
  recordOf,
} from './inspect';

jest.setTimeout(90_000);

const SLOT = 13;
let peer: WireGuardPeer;
const runs: ActionRun[] = [];

beforeAll(async () => {
  peer = await startWireGuardPeer({ slot: SLOT });
});

afterAll(async () => {
  await peer?.stop();
});

afterEach(() => {
  runs.splice(0).forEach((run) => run.cleanup());
});

const secrets = () => [peer.clientKeys.privateKey];

async function connect(
  inputs: Record<string, string>,
  beforePost?: Parameters<typeof runAction>[0]['beforePost'],
): Promise<ActionRun> {
  const run = await runAction({
    action: 'vpn-connect',
    inputs: { type: 'wireguard', ...inputs },
    secrets: secrets(),
    beforePost,
  });
  runs.push(run);
  return run;
}

function wireGuardGoFor(device: string): string[] {
  return processesRunning(device).filter((line) =>
    / wireguard-go /.test(` ${line.split(' ').slice(1).join(' ')} `),
  );
}

test('connects once the handshake is done, reaches the service behind the peer, and post leaves nothing', async () => {
  let during:
    | { body: string; processes: string[]; modes: Record<string, string>; handshake: string }
    | undefined;
  const run = await connect(
    { config: peer.clientConfig(), 'check-host': `${peer.service.address}:${peer.service.port}` },
    async (main) => {
      const recorded = recordOf(main);
      during = {
        body: await fetchText(peer.service.url),
        processes: wireGuardGoFor(main.outputs.interface),
        modes: modesUnder(recorded.workDir),
        handshake: await peer.show(),
      };
    },
  );
  const { main, post } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  const device = main.outputs.interface;
  expect(device).toMatch(/^wg[0-9a-f]{8}$/);
  expect(main.outputs['local-ip']).toBe(peer.clientAddress);
  expect(main.outputs.routes.split(',')).toEqual(
    expect.arrayContaining([`198.19.${100 + SLOT}.0/24`, `${peer.service.address}/32`]),
  );
  expect(main.stdout).toContain(`accepted a TCP connection through ${device}`);
  expect(main.summary).toContain('<td>WireGuard</td>');
  expect(main.summary).toContain(`<td>${peer.endpoint}</td>`);

  expect(during?.body).toBe(peer.service.body);
  expect(during?.processes).toHaveLength(1);
  expect(during?.handshake).toContain('latest handshake');
  expect(during?.modes['.']).toBe('700');
  expect(during?.modes[`${device}.conf`]).toBe('600');

  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  expect(post?.stdout).toContain(`Brought ${device} down`);
  expect(await deviceExists(device)).toBe(false);
  expect(wireGuardGoFor(device)).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expect(readdirSync('/var/run/wireguard').filter((name) => name.startsWith(device))).toEqual([]);
  for (const file of [...filesUnder(run.runnerTemp), ...filesUnder(run.workspace)]) {
    expect(readFileSync(file, 'utf8')).not.toContain(peer.clientKeys.privateKey);
  }
});

test('a peer that does not know the key gives no handshake: the step fails at connect-timeout and leaves nothing', async () => {
  const stranger = await makeKeyPair();
  const run = await connect({
    config: peer.clientConfig({ peerPublicKey: stranger.publicKey }),
    'connect-timeout': '2s',
  });
  const { main, post } = run;
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toMatch(
    /^No WireGuard handshake with .* within 'connect-timeout' \(2\.0s\)/,
  );
  expect(main.durationMs).toBeLessThan(6_000);
  const device = recordOf(main).device!;
  expect(await deviceExists(device)).toBe(false);
  expect(wireGuardGoFor(device)).toEqual([]);
  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
});

test('an AllowedIPs default route is refused unless full-tunnel is true, before anything starts', async () => {
  const run = await connect({ config: peer.clientConfig({ allowedIps: ['0.0.0.0/0'] }) });
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors).toEqual([
    expect.stringMatching(/^Input 'full-tunnel': is false, but AllowedIPs has 0\.0\.0\.0\/0/),
  ]);
  expect(run.main.state).toEqual({});
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expect(run.post?.stdout).toContain('nothing to clean up');
});

test.each([
  [{ username: 'someone', password: 'x' }, "Input 'username': applies to OpenVPN only."],
  [
    { config: '[Peer]\nPublicKey = abc\n' },
    "Input 'config': needs exactly one [Interface] section",
  ],
])('%p is refused: %s', async (inputs, message) => {
  const run = await connect({ config: peer.clientConfig(), ...inputs });
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors[0].startsWith(message)).toBe(true);
  expect(run.main.state).toEqual({});
});

test('echo-config prints the config with its keys redacted', async () => {
  const run = await connect({ config: peer.clientConfig(), 'echo-config': 'true' });
  expect(run.main.exitCode).toBe(0);
  expect(run.main.stdout).toContain('PrivateKey = [redacted]');
  expect(run.main.stdout).toContain(`Endpoint = ${peer.endpoint}`);
});
