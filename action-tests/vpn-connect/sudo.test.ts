// vpn-connect run as GitHub-hosted runners run it: as a user who is not root but has
// password-less sudo. OpenVPN and wg-quick then run as root through `sudo -n`, write files as
// root into the user's own folder, and the post step has to take all of that down through sudo
// too. The user is made for this file and removed after it.
import { spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { runAction, type ActionRun, type JobFolders, type StepResult } from '../harness/run-action';
import {
  startOpenVpnServer,
  type OpenVpnServer,
  type OpenVpnServerOptions,
} from '../services/openvpn-server';
import { startWireGuardPeer, type WireGuardPeer } from '../services/wireguard-peer';
import { deviceExists, fetchText, filesUnder, processesRunning, recordOf } from './inspect';
import { createSudoUser, type SudoUser } from './sudo-user';

jest.setTimeout(90_000);

const SLOT = 14;
const USER = 'vpncsudo14';
const DNS_DOMAIN = `sudo-${SLOT}.test`;
const RESOLV_CONF = '/etc/resolv.conf';
const originalResolvConf = readFileSync(RESOLV_CONF, 'utf8');
let user: SudoUser;
let server: OpenVpnServer | undefined;
let serverCredentials: OpenVpnServerOptions['credentials'];
let peer: WireGuardPeer | undefined;
const runs: ActionRun[] = [];

beforeAll(() => {
  user = createSudoUser(USER);
});

afterAll(async () => {
  // A safety net only: the DNS test checks that the action itself put the file back.
  if (readFileSync(RESOLV_CONF, 'utf8') !== originalResolvConf) {
    writeFileSync(RESOLV_CONF, originalResolvConf);
  }
  await server?.stop();
  await peer?.stop();
  user?.remove();
});

afterEach(() => {
  runs.splice(0).forEach((run) => run.cleanup());
});

/** The file's one OpenVPN server, started again when a test wants it to check credentials. */
async function openVpnServer(
  credentials?: OpenVpnServerOptions['credentials'],
): Promise<OpenVpnServer> {
  if (server && serverCredentials !== credentials) {
    await server.stop();
    server = undefined;
  }
  serverCredentials = credentials;
  server ??= await startOpenVpnServer({ slot: SLOT, credentials });
  return server;
}

async function connectAsUser(
  inputs: Record<string, string>,
  secrets: string[],
  beforePost?: (main: StepResult, job: JobFolders) => Promise<void> | void,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const run = await runAction({
    action: 'vpn-connect',
    inputs,
    secrets,
    env: { ...user.env, ...env },
    runAs: { uid: user.uid, gid: user.gid },
    beforePost,
  });
  runs.push(run);
  return run;
}

interface Entry {
  owner: number;
  mode: string;
  type: 'file' | 'folder' | 'socket' | 'other';
}

/** Owner, permission bits and type of a folder and of everything directly in it. */
function entriesOf(dir: string): Record<string, Entry> {
  const describe = (file: string): Entry => {
    const stat = statSync(file);
    return {
      owner: stat.uid,
      mode: (stat.mode & 0o777).toString(8),
      type: stat.isFile()
        ? 'file'
        : stat.isDirectory()
          ? 'folder'
          : stat.isSocket()
            ? 'socket'
            : 'other',
    };
  };
  const entries: Record<string, Entry> = { '.': describe(dir) };
  for (const name of readdirSync(dir)) entries[name] = describe(path.join(dir, name));
  return entries;
}

/** The real user ID a live process runs as, from /proc. */
function processUid(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

/** Whether another unprivileged user (nobody) can read the file: it must not. */
function readableByOthers(file: string): boolean {
  return spawnSync('cat', ['--', file], { uid: 65534, gid: 65534 }).status === 0;
}

function expectNoSecretIn(dirs: string[], secrets: string[]): void {
  for (const file of dirs.flatMap((dir) => filesUnder(dir))) {
    const text = readFileSync(file, 'utf8');
    for (const secret of secrets) expect(text.includes(secret.trim())).toBe(false);
  }
}

const openVpnSecrets = (vpn: OpenVpnServer) => [vpn.pki.key, vpn.pki.encryptedKey];

test('as a user with password-less sudo: OpenVPN runs as root through sudo, check-host answers through the tunnel, and post removes the process, the interface and the root-owned files', async () => {
  const vpn = await openVpnServer();
  let during:
    | {
        body: string;
        device: boolean;
        processes: string[];
        daemonUid: number;
        entries: Record<string, Entry>;
        configReadableByOthers: boolean;
        runnerTempOwner: number;
      }
    | undefined;
  const run = await connectAsUser(
    {
      config: vpn.clientConfig({ pki: false }),
      ca: vpn.pki.ca,
      cert: vpn.pki.cert,
      key: vpn.pki.key,
      'check-host': `${vpn.service.address}:${vpn.service.port}`,
    },
    openVpnSecrets(vpn),
    async (main, job) => {
      const recorded = recordOf(main);
      const processes = processesRunning(recorded.workDir);
      during = {
        body: await fetchText(vpn.service.url),
        device: await deviceExists(main.outputs.interface),
        processes,
        daemonUid: recorded.pid ? processUid(recorded.pid) : -1,
        entries: entriesOf(recorded.workDir),
        configReadableByOthers: readableByOthers(recorded.configPath),
        runnerTempOwner: statSync(job.runnerTemp).uid,
      };
    },
  );
  const { main, post } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain(
    `Running the VPN programs through sudo, as this step runs as ${USER}.`,
  );
  expect(main.outputs.interface).toMatch(/^tun\d+$/);
  expect(main.stdout).toContain(
    `check-host ${vpn.service.address}:${vpn.service.port} accepted a TCP connection through ${main.outputs.interface}`,
  );

  expect(during?.body).toBe(vpn.service.body);
  expect(during?.device).toBe(true);
  expect(during?.processes).toHaveLength(1);
  expect(during?.daemonUid).toBe(0);
  expect(during?.runnerTempOwner).toBe(user.uid);
  const entries = during!.entries;
  // The folder and the config copy with the key are the user's, and no one else's to read.
  expect(entries['.']).toEqual({ owner: user.uid, mode: '700', type: 'folder' });
  expect(entries['client.ovpn']).toEqual({ owner: user.uid, mode: '600', type: 'file' });
  expect(during?.configReadableByOthers).toBe(false);
  // What the daemon wrote, it wrote as root, inside the user's folder.
  expect(entries['openvpn.log']).toMatchObject({ owner: 0, type: 'file' });
  expect(entries['openvpn.pid']).toMatchObject({ owner: 0, type: 'file' });
  expect(entries['management.sock']).toMatchObject({ owner: 0, type: 'socket' });

  expect(post?.errors).toEqual([]);
  expect(post?.warnings).toEqual([]);
  expect(post?.exitCode).toBe(0);
  expect(post?.stdout).toContain('Stopped OpenVPN');
  expect(post?.stdout).toContain(
    'Disconnected: no process, interface or file of this action is left.',
  );
  expect(processesRunning(recordOf(main).workDir)).toEqual([]);
  expect(await deviceExists(main.outputs.interface)).toBe(false);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expectNoSecretIn([run.runnerTemp, run.workspace, user.home], openVpnSecrets(vpn));
});

test('as a user with password-less sudo: a failure prints the root-owned OpenVPN log and leaves nothing behind', async () => {
  const vpn = await openVpnServer();
  const run = await connectAsUser(
    {
      config: vpn.clientConfig({ pki: false }),
      ca: vpn.pki.wrongCa,
      cert: vpn.pki.cert,
      key: vpn.pki.key,
    },
    openVpnSecrets(vpn),
  );
  const { main, post } = run;
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    expect.stringMatching(/^The TLS handshake with the server failed: VERIFY ERROR/),
  ]);
  // The log is root's (0600): the step reads it back through sudo.
  expect(main.stdout).toMatch(/::group::OpenVPN log\n[^]*VERIFY ERROR[^]*::endgroup::/);
  expect(recordOf(main).closed).toBe(true);
  expect(post?.exitCode).toBe(0);
  expect(post?.warnings).toEqual([]);
  expect(post?.stdout).toContain('The main step already took the tunnel down');
  expect(processesRunning(recordOf(main).workDir)).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
});

test('as a user with password-less sudo: WireGuard comes up through sudo wg-quick, reaches the peer, and post takes it down', async () => {
  peer ??= await startWireGuardPeer({ slot: SLOT, dnsDomain: DNS_DOMAIN });
  const wg = peer;
  const secrets = [wg.clientKeys.privateKey];
  let during:
    { body: string; entries: Record<string, Entry>; goUid: number; readable: boolean } | undefined;
  const run = await connectAsUser(
    {
      type: 'wireguard',
      config: wg.clientConfig(),
      'check-host': `${wg.service.address}:${wg.service.port}`,
    },
    secrets,
    async (main) => {
      const recorded = recordOf(main);
      during = {
        body: await fetchText(wg.service.url),
        entries: entriesOf(recorded.workDir),
        goUid: recorded.pid ? processUid(recorded.pid) : -1,
        readable: readableByOthers(recorded.configPath),
      };
    },
  );
  const { main, post } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  const device = main.outputs.interface;
  expect(device).toMatch(/^wg[0-9a-f]{8}$/);
  expect(main.stdout).toContain(`accepted a TCP connection through ${device}`);
  expect(during?.body).toBe(wg.service.body);
  expect(during?.goUid).toBe(0);
  expect(during?.entries['.']).toEqual({ owner: user.uid, mode: '700', type: 'folder' });
  expect(during?.entries[`${device}.conf`]).toEqual({
    owner: user.uid,
    mode: '600',
    type: 'file',
  });
  expect(during?.readable).toBe(false);

  expect(post?.errors).toEqual([]);
  expect(post?.warnings).toEqual([]);
  expect(post?.exitCode).toBe(0);
  expect(post?.stdout).toContain(`Brought ${device} down`);
  expect(await deviceExists(device)).toBe(false);
  expect(processesRunning(device)).toEqual([]);
  expect(readdirSync('/var/run/wireguard').filter((name) => name.startsWith(device))).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expectNoSecretIn([run.runnerTemp, run.workspace, user.home], secrets);
});

test('as a user with password-less sudo: the credentials file reaches the root daemon, and a RUNNER_TEMP too deep for a socket path moves the socket to a folder of the user that post removes', async () => {
  const credentials = { username: 'deployer', password: 'Pa55-w0rd-as-runner' };
  const vpn = await openVpnServer(credentials);
  // A unix socket path holds at most 107 bytes: this RUNNER_TEMP leaves no room for one.
  const deepTemp = path.join(user.home, 'w'.repeat(60), 't'.repeat(40));
  mkdirSync(deepTemp, { recursive: true });
  chownSync(path.dirname(deepTemp), user.uid, user.gid);
  chownSync(deepTemp, user.uid, user.gid);
  const secrets = [...openVpnSecrets(vpn), credentials.password];
  let during: { socketDir?: Record<string, Entry>; auth?: Entry } | undefined;
  const run = await connectAsUser(
    { config: vpn.clientConfig({ extra: ['auth-user-pass'] }), ...credentials },
    secrets,
    (main) => {
      const recorded = recordOf(main);
      during = {
        socketDir: recorded.socketDir ? entriesOf(recorded.socketDir) : undefined,
        auth: entriesOf(recorded.workDir)['auth.txt'],
      };
    },
    { RUNNER_TEMP: deepTemp },
  );
  const { main, post } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(during?.auth).toEqual({ owner: user.uid, mode: '600', type: 'file' });
  expect(during?.socketDir?.['.']).toEqual({ owner: user.uid, mode: '700', type: 'folder' });
  expect(during?.socketDir?.['management.sock']).toMatchObject({ owner: 0, type: 'socket' });
  const socketDir = recordOf(main).socketDir!;

  expect(post?.warnings).toEqual([]);
  expect(post?.exitCode).toBe(0);
  expect(post?.stdout).toContain('Stopped OpenVPN');
  expect(existsSync(socketDir)).toBe(false);
  expect(readdirSync(deepTemp)).toEqual([]);
  expect(processesRunning(recordOf(main).workDir)).toEqual([]);
  expectNoSecretIn([run.runnerTemp, user.home], secrets);
});

test("as a user with password-less sudo: the tunnel's DNS goes into /etc/resolv.conf through sudo, and post puts the file back through sudo", async () => {
  peer ??= await startWireGuardPeer({ slot: SLOT, dnsDomain: DNS_DOMAIN });
  const wg = peer;
  const before = { text: originalResolvConf, inode: lstatSync(RESOLV_CONF).ino };
  let during: { text: string; inode: number } | undefined;
  const run = await connectAsUser(
    {
      type: 'wireguard',
      config: wg.clientConfig({ extra: [`DNS = ${wg.dns!.address}, ${DNS_DOMAIN}`] }),
    },
    [wg.clientKeys.privateKey],
    () => {
      during = { text: readFileSync(RESOLV_CONF, 'utf8'), inode: lstatSync(RESOLV_CONF).ino };
    },
  );
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  expect(during?.text.split('\n').find((line) => line.startsWith('nameserver'))).toBe(
    `nameserver ${wg.dns!.address}`,
  );
  expect(during?.text).toContain(`search ${DNS_DOMAIN}`);
  expect(during?.inode).toBe(before.inode);
  expect(run.post?.warnings).toEqual([]);
  expect(run.post?.stdout).toContain(`Put the runner's ${RESOLV_CONF} back as it was.`);
  expect({ text: readFileSync(RESOLV_CONF, 'utf8'), inode: lstatSync(RESOLV_CONF).ino }).toEqual(
    before,
  );
  expect(readdirSync(run.runnerTemp)).toEqual([]);
});
