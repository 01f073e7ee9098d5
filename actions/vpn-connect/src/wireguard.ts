// Waiting for a WireGuard interface's handshake with its peers.
import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { ActionContext } from '../../shared/context';
import { formatDuration } from '../../shared/duration';
import { ActionFailure } from '../../shared/errors';
import { describeFailure, type Privilege } from './system';
import { probeAddress, type WireGuardConfig } from './wireguard-config';

/** `wg show DEVICE latest-handshakes`: public key -> seconds since the epoch (0: never). */
export function parseHandshakes(output: string): Map<string, number> {
  const handshakes = new Map<string, number>();
  for (const line of output.split('\n')) {
    const [key, time] = line.trim().split(/\s+/);
    if (key && time !== undefined) handshakes.set(key, Number(time));
  }
  return handshakes;
}

/** Sends one UDP packet to the discard port: WireGuard starts a handshake to carry it. */
function nudge(address: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv4(address) ? 'udp4' : 'udp6');
    socket.on('error', () => {
      socket.close();
      resolve();
    });
    socket.send(Buffer.alloc(1), 9, address, () => {
      socket.close();
      resolve();
    });
  });
}

const NUDGE_EVERY_MS = 1_000;
const POLL_EVERY_MS = 25;
const WG_SHOW_TIMEOUT_MS = 10_000;

/**
 * Waits until every peer that has an Endpoint has completed a handshake: proof that the keys
 * match and the peer answers, which an interface merely being up is not.
 */
export async function waitForHandshakes(
  { exec, clock }: Pick<ActionContext, 'exec' | 'clock'>,
  wg: string,
  device: string,
  config: WireGuardConfig,
  privilege: Privilege,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  const peers = config.peers.filter((peer) => peer.endpoint);
  const probes = peers.map((peer) => probeAddress(peer, config.addresses));
  let lastNudge = 0;
  let waiting: typeof peers;
  for (;;) {
    if (clock.now() - lastNudge >= NUDGE_EVERY_MS) {
      lastNudge = clock.now();
      await Promise.all(
        probes.filter((address): address is string => address !== undefined).map(nudge),
      );
    }
    const result = await exec(...privilege.command(wg, ['show', device, 'latest-handshakes']), {
      timeoutMs: WG_SHOW_TIMEOUT_MS,
    });
    if (result.code !== 0) {
      throw new ActionFailure(
        `Could not read the state of ${device}: ${describeFailure(result, WG_SHOW_TIMEOUT_MS)}`,
      );
    }
    const handshakes = parseHandshakes(result.stdout);
    waiting = peers.filter((peer) => !((handshakes.get(peer.publicKey) ?? 0) > 0));
    if (waiting.length === 0) return;
    if (clock.now() > deadline) break;
    await clock.sleep(POLL_EVERY_MS);
  }
  const names = waiting.map((peer) => `${peer.publicKey.slice(0, 8)}... at ${peer.endpoint}`);
  throw new ActionFailure(
    `No WireGuard handshake with ${names.join(', ')} within 'connect-timeout' (${formatDuration(timeoutMs)}). ` +
      "Check that the Endpoint is reachable over UDP from the runner, that the peer lists this runner's public key, and the PublicKey (and PresharedKey) in the config.",
  );
}
