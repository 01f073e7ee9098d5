// The OpenVPN server and WireGuard peer fixtures: each answers in its own namespace and leaves
// nothing behind, which the vpn-connect tests count on when they check the action's clean-up.
import { command, Namespace } from './namespace';
import { startOpenVpnServer } from './openvpn-server';
import { startWireGuardPeer } from './wireguard-peer';

jest.setTimeout(120_000);

// Slots are unique among the test files that run at the same time (see openvpn-server.ts).
const OPENVPN_SLOT = 41;
const WIREGUARD_SLOT = 42;

test('the OpenVPN server listens in its namespace, serves behind it, and stop removes it all', async () => {
  const server = await startOpenVpnServer({ slot: OPENVPN_SLOT });
  try {
    const namespace = server.namespace;
    expect(await Namespace.exists(namespace)).toBe(true);
    expect(await server.log()).toMatch(/Initialization Sequence Completed/);
    const served = await command('ip', [
      'netns',
      'exec',
      namespace,
      'busybox',
      'wget',
      '-q',
      '-O',
      '-',
      server.service.url,
    ]);
    expect(served).toBe(server.service.body);
    expect(server.clientConfig()).toContain(`remote ${server.host} ${server.port}`);
  } finally {
    await server.stop();
  }
  expect(await Namespace.exists(server.namespace)).toBe(false);
});

test('the WireGuard peer knows the client key it hands out, and stop removes its namespace', async () => {
  const peer = await startWireGuardPeer({ slot: WIREGUARD_SLOT });
  try {
    expect(await Namespace.exists(peer.namespace)).toBe(true);
    const shown = await peer.show();
    expect(shown).toContain(`peer: ${peer.clientKeys.publicKey}`);
    expect(peer.clientConfig()).toContain(`PublicKey = ${peer.peerKeys.publicKey}`);
  } finally {
    await peer.stop();
  }
  expect(await Namespace.exists(peer.namespace)).toBe(false);
});
