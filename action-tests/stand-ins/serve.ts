// Runs a stand-in or a service fixture as a process, for workflows (`act` or a runner) that use
// the actions from their path. Each mode writes what a consumer would need to <file> as JSON
// (mode 600) and serves until SIGTERM or SIGINT, then removes all it made:
//   serve render <file>          the Render stand-in: hook URL, API URL and key
//   serve sshd <file>            (root) an sshd on loopback with a user of its own: the user's
//                                private key and the server's Ed25519 host key
//   serve openvpn <file> [slot]  (root) an OpenVPN server in a network namespace, with a service
//                                behind it: the client config, its CA, certificate and key
// The root modes run under sudo on a hosted runner; the file is then handed to the user who
// called sudo, so the job's later steps read it without sudo.
import { chownSync, writeFileSync } from 'node:fs';
import { startOpenVpnServer } from '../services/openvpn-server';
import { startSshd } from '../services/sshd';
import { startRenderStandIn } from './render';

const USAGE = 'usage: serve render <file> | serve sshd <file> | serve openvpn <file> [slot 1-49]';

/** Outside the slots the test files use (see the SLOT constants in action-tests/). */
const DEFAULT_OPENVPN_SLOT = 31;

type Stop = () => Promise<void>;

async function serveRender(file: string): Promise<Stop> {
  const render = await startRenderStandIn({
    statuses: ['created', 'build_in_progress', 'update_in_progress', 'live'],
  });
  const { hookUrl, apiUrl, apiKey, serviceId } = render;
  writeDetails(file, { hookUrl, apiUrl, apiKey, serviceId });
  return () => render.close();
}

async function serveSshd(file: string): Promise<Stop> {
  const server = await startSshd({ name: 'serve-sshd' });
  writeDetails(file, {
    host: server.host,
    port: server.port,
    user: server.user,
    privateKey: server.keys.ed25519.privateKey,
    // The public half only: the workflow derives the fingerprint itself, as a user would.
    hostPublicKey: server.hostKeys.ed25519.publicKey,
  });
  return () => server.stop();
}

async function serveOpenVpn(file: string, slotArgument: string | undefined): Promise<Stop> {
  const slot = slotArgument === undefined ? DEFAULT_OPENVPN_SLOT : Number(slotArgument);
  const server = await startOpenVpnServer({ slot });
  writeDetails(file, {
    // The PKI goes apart from the config, into the action's ca, cert and key inputs, so that
    // each can be masked on its own.
    config: server.clientConfig({ pki: false }),
    ca: server.pki.ca,
    cert: server.pki.cert,
    key: server.pki.key,
    namespace: server.namespace,
    serviceAddress: server.service.address,
    servicePort: server.service.port,
    serviceUrl: server.service.url,
    serviceBody: server.service.body,
  });
  return () => server.stop();
}

/**
 * Mode 600 from the start (never readable by others, even for a moment), then owned by the
 * user who ran sudo, whose steps read it next.
 */
function writeDetails(file: string, details: Record<string, unknown>): void {
  writeFileSync(file, JSON.stringify(details), { mode: 0o600 });
  const uid = Number(process.env.SUDO_UID);
  const gid = Number(process.env.SUDO_GID);
  if (process.getuid?.() === 0 && Number.isInteger(uid) && Number.isInteger(gid) && uid > 0) {
    chownSync(file, uid, gid);
  }
}

async function serve(args: string[]): Promise<void> {
  const [kind, file, extra] = args;
  if (!file) throw new Error(USAGE);
  let stop: Stop;
  if (kind === 'render') stop = await serveRender(file);
  else if (kind === 'sshd') stop = await serveSshd(file);
  else if (kind === 'openvpn') stop = await serveOpenVpn(file, extra);
  else throw new Error(USAGE);
  // The OpenVPN server and its service run as daemons: without this, nothing would keep the
  // process (the one handle to stop them) alive.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  let stopping = false;
  const shutDown = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    void stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping ${kind}: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
}

serve(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
