// A WireGuard peer of a test file's own, in a network namespace reached from the host through
// a veth pair, with an HTTP service on the namespace's loopback that only the tunnel leads to.
//
// This machine has no WireGuard kernel module, so the peer is the userspace wireguard-go,
// started in the foreground so that its PID is known and it can be stopped by it. Its UAPI
// socket lives in the shared /var/run/wireguard, so the interface name carries the slot.
// The peer is configured before any client exists: a responder that is not ready loses the
// first handshake, and the initiator only retries 5 s later.
//
// Test files run in parallel: each passes its own `slot` (1-49), which picks the names, the
// addresses (in 198.18.0.0/15, the block set aside for network tests) and the port.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDnsAnswerer, type DnsAnswerer } from './dns-answerer';
import { command, link, Namespace, serveHttp } from './namespace';
import { sleep } from './processes';

export interface WireGuardPeerOptions {
  /** 1-49, unique among the test files that may run at the same time. */
  slot: number;
  /**
   * Serve DNS for this domain at the service address, behind the tunnel (dnsmasq,
   * dns-answerer.ts): what a client's `DNS =` line names. `db.DOMAIN` is the service's address.
   */
  dnsDomain?: string;
}

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export interface WireGuardPeer {
  namespace: string;
  /** host:port the client sends its UDP to. */
  endpoint: string;
  /** The peer's keys, and a pair for the client that the peer accepts. */
  peerKeys: KeyPair;
  clientKeys: KeyPair;
  /** The client's address in the tunnel and the peer's. */
  clientAddress: string;
  peerAddress: string;
  service: { address: string; port: number; url: string; body: string };
  /** With dnsDomain: the DNS server behind the peer. */
  dns?: DnsAnswerer;
  /** A wg-quick config for the client. */
  clientConfig(options?: {
    allowedIps?: string[];
    peerPublicKey?: string;
    extra?: string[];
  }): string;
  /** The peer's own view: `wg show` in its namespace. */
  show(): Promise<string>;
  stop(): Promise<void>;
}

function wg(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('wg', args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`wg ${args[0]}: ${stderr || error.message}`))
        : resolve(stdout.trim()),
    );
    // `wg genkey` reads nothing: a closed stdin is no failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

export async function makeKeyPair(): Promise<KeyPair> {
  const privateKey = await wg(['genkey']);
  return { privateKey, publicKey: await wg(['pubkey'], `${privateKey}\n`) };
}

export async function startWireGuardPeer(options: WireGuardPeerOptions): Promise<WireGuardPeer> {
  const { slot } = options;
  if (!Number.isInteger(slot) || slot < 1 || slot > 49) throw new Error(`slot ${slot} is not 1-49`);
  const folder = await mkdtemp(path.join(tmpdir(), `vpnc-wg-${slot}-`));
  await chmod(folder, 0o700);
  const namespace = await Namespace.create(`vpnc-wgs-${slot}`);
  const stop = async () => {
    await namespace.remove();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const host = `198.18.${100 + slot}.2`;
    await link(
      { name: `vcw${slot}h`, address: `198.18.${100 + slot}.1/30` },
      { name: `vcw${slot}n`, address: `${host}/30`, namespace },
    );
    const service = {
      address: `198.18.${200 + slot}.1`,
      port: 8080,
      body: `wireguard service behind slot ${slot}`,
    };
    const www = path.join(folder, 'www');
    await mkdir(www);
    await chmod(www, 0o755);
    await writeFile(path.join(www, 'index.html'), service.body);
    await serveHttp(namespace, service.address, service.port, www);
    const dns = options.dnsDomain
      ? await startDnsAnswerer(namespace, {
          address: service.address,
          folder,
          domain: options.dnsDomain,
          records: { [`db.${options.dnsDomain}`]: service.address },
        })
      : undefined;

    const peerKeys = await makeKeyPair();
    const clientKeys = await makeKeyPair();
    const port = 51820 + slot;
    const device = `vcwg${slot}`;
    const peerAddress = `198.19.${100 + slot}.1`;
    const clientAddress = `198.19.${100 + slot}.2`;

    namespace.start('wireguard-go', '-f', device);
    const until = Date.now() + 5_000;
    while (
      !(await namespace.ip('link', 'show', 'dev', device).then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > until) throw new Error(`wireguard-go did not create ${device}`);
      await sleep(20);
    }
    const configFile = path.join(folder, `${device}.conf`);
    await writeFile(
      configFile,
      [
        '[Interface]',
        `PrivateKey = ${peerKeys.privateKey}`,
        `ListenPort = ${port}`,
        '[Peer]',
        `PublicKey = ${clientKeys.publicKey}`,
        `AllowedIPs = ${clientAddress}/32`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    await namespace.exec('wg', 'setconf', device, configFile);
    await namespace.ip('address', 'add', `${peerAddress}/24`, 'dev', device);
    await namespace.ip('link', 'set', device, 'up');

    return {
      namespace: namespace.name,
      endpoint: `${host}:${port}`,
      peerKeys,
      clientKeys,
      clientAddress,
      peerAddress,
      service: { ...service, url: `http://${service.address}:${service.port}/` },
      dns,
      clientConfig: ({
        allowedIps = [`${peerAddress}/32`, `${service.address}/32`],
        peerPublicKey = peerKeys.publicKey,
        extra = [],
      } = {}) =>
        [
          '[Interface]',
          `PrivateKey = ${clientKeys.privateKey}`,
          `Address = ${clientAddress}/24`,
          ...extra,
          '',
          '[Peer]',
          `PublicKey = ${peerPublicKey}`,
          `Endpoint = ${host}:${port}`,
          `AllowedIPs = ${allowedIps.join(', ')}`,
          '',
        ].join('\n'),
      show: () => command('ip', ['netns', 'exec', namespace.name, 'wg', 'show', device]),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
