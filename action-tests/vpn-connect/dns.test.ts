// The tunnel's DNS on the runner: the DNS server and search domain an OpenVPN server pushes
// (dhcp-option DNS and DOMAIN), or a WireGuard config's DNS line, answer the runner's own
// lookups between main and post, through the tunnel; post (or main, when it fails) puts the
// runner's DNS back exactly as it was. The DNS server is dnsmasq in the fixture's namespace,
// reachable only through the tunnel, answering for its names and NXDOMAIN for all others,
// so no lookup of these tests leaves for the runner's own DNS server.
//
// This machine has no systemd-resolved and a plain /etc/resolv.conf file: the tests run the
// resolv.conf path, the one that runs here. They change the machine's real /etc/resolv.conf
// for a few seconds; afterAll puts it back should a test fail half-way.
import { lookup } from 'node:dns/promises';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { runAction, type ActionRun, type StepResult } from '../harness/run-action';
import { startOpenVpnServer, type OpenVpnServer } from '../services/openvpn-server';
import { startWireGuardPeer, type WireGuardPeer } from '../services/wireguard-peer';
import { deviceExists, fetchText, processesRunning, recordOf } from './inspect';

jest.setTimeout(90_000);

const SLOT = 16;
const RESOLV_CONF = '/etc/resolv.conf';
const OPENVPN_DOMAIN = `corp-${SLOT}.test`;
const WIREGUARD_DOMAIN = `wg-${SLOT}.test`;
let server: OpenVpnServer;
let peer: WireGuardPeer;
const runs: ActionRun[] = [];

interface ResolvConf {
  kind: 'file' | 'symlink';
  content: string;
  mode: number;
  inode: number;
}

/** The runner's DNS as a later step sees it: what /etc/resolv.conf is, exactly. */
function resolvConf(): ResolvConf {
  const stat = lstatSync(RESOLV_CONF);
  return stat.isSymbolicLink()
    ? { kind: 'symlink', content: readlinkSync(RESOLV_CONF), mode: stat.mode, inode: stat.ino }
    : {
        kind: 'file',
        content: readFileSync(RESOLV_CONF, 'utf8'),
        mode: stat.mode,
        inode: stat.ino,
      };
}

const original = resolvConf();

beforeAll(async () => {
  if (original.kind !== 'file') {
    throw new Error(`these tests expect ${RESOLV_CONF} to be a file here, not a ${original.kind}`);
  }
  server = await startOpenVpnServer({ slot: SLOT, dnsDomain: OPENVPN_DOMAIN });
  peer = await startWireGuardPeer({ slot: SLOT, dnsDomain: WIREGUARD_DOMAIN });
});

afterAll(async () => {
  // A safety net only: each test checks that the action itself put the file back.
  if (resolvConf().content !== original.content) writeFileSync(RESOLV_CONF, original.content);
  await server?.stop();
  await peer?.stop();
});

afterEach(() => {
  runs.splice(0).forEach((run) => run.cleanup());
});

/** Resolves a name as any program of a later step would: the C library's resolver. */
function lookUp(name: string): Promise<string> {
  return lookup(name, { family: 4 }).then(
    (answer) => answer.address,
    (error: NodeJS.ErrnoException) => `not resolved (${error.code ?? error.message})`,
  );
}

interface During {
  resolvConf: ResolvConf;
  fullName: string;
  shortName: string;
  body: string;
}

/**
 * Looks the private names up, only once the tunnel's server is the runner's first: before
 * that, the lookups would go to the runner's own DNS server, which no test may reach.
 */
async function lookUpDuring(domain: string, url: string, server: string): Promise<During> {
  const now = resolvConf();
  const [first] = now.content.split('\n').filter((line) => line.startsWith('nameserver'));
  if (first !== `nameserver ${server}`) {
    return { resolvConf: now, fullName: 'not applied', shortName: 'not applied', body: '' };
  }
  return {
    resolvConf: now,
    fullName: await lookUp(`db.${domain}`),
    // A bare name is tried with the search domain the tunnel brought.
    shortName: await lookUp('db'),
    body: await fetchText(url.replace(/\/\/[^:/]+/, `//db.${domain}`)).catch(String),
  };
}

async function connect(
  inputs: Record<string, string>,
  options: {
    beforePost?: (main: StepResult) => Promise<void>;
    timeoutMs?: number;
    secrets: string[];
  },
): Promise<ActionRun> {
  const run = await runAction({ action: 'vpn-connect', inputs, ...options });
  runs.push(run);
  return run;
}

function expectRestored(run: ActionRun) {
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.warnings).toEqual([]);
  expect(resolvConf()).toEqual(original);
  expect(processesRunning(run.runnerTemp)).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
}

test('OpenVPN: the pushed DNS server and domain resolve a private name through the tunnel; post puts resolv.conf back exactly', async () => {
  const dns = server.dns!;
  let during: During | undefined;
  const run = await connect(
    { config: server.clientConfig() },
    {
      secrets: [server.pki.key],
      beforePost: async () => {
        during = await lookUpDuring(OPENVPN_DOMAIN, server.service.url, dns.address);
      },
    },
  );
  const { main } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.stdout).toContain(
    `DNS in ${RESOLV_CONF}: servers ${dns.address}; search domains ${OPENVPN_DOMAIN}.`,
  );
  expect(during?.fullName).toBe(server.service.address);
  expect(during?.shortName).toBe(server.service.address);
  expect(during?.body).toBe(server.service.body);
  // The tunnel's server comes first; the runner's own stay after it.
  const lines = during!.resolvConf.content.split('\n');
  expect(lines.filter((line) => line.startsWith('nameserver'))[0]).toBe(
    `nameserver ${dns.address}`,
  );
  expect(lines).toContain(`search ${OPENVPN_DOMAIN}`);
  for (const line of original.content.split('\n').filter((l) => l.startsWith('nameserver'))) {
    expect(lines).toContain(line);
  }
  // Written in place: the same file, mode and all.
  expect(during?.resolvConf.inode).toBe(original.inode);
  // The queries came from the runner's address inside the tunnel.
  const queries = await dns.queries();
  expect(queries).toContainEqual({
    type: 'A',
    name: `db.${OPENVPN_DOMAIN}`,
    from: main.outputs['local-ip'],
  });

  expect(run.post?.stdout).toContain(`Put the runner's ${RESOLV_CONF} back as it was.`);
  expectRestored(run);
});

test('dns: false leaves the runner its own DNS, and says what it did not use', async () => {
  let during: ResolvConf | undefined;
  const run = await connect(
    { config: server.clientConfig(), dns: 'false' },
    {
      secrets: [server.pki.key],
      beforePost: () => {
        during = resolvConf();
        return Promise.resolve();
      },
    },
  );
  expect(run.main.exitCode).toBe(0);
  expect(run.main.stdout).toContain(
    `dns is false: the tunnel's DNS (servers ${server.dns!.address}; search domains ${OPENVPN_DOMAIN}) is not used.`,
  );
  expect(during).toEqual(original);
  expectRestored(run);
});

test('a main step that fails after the DNS was applied puts it back itself', async () => {
  const run = await connect(
    {
      config: server.clientConfig(),
      'check-host': `${server.service.address}:${server.service.port + 1}`,
      'connect-timeout': '2s',
    },
    { secrets: [server.pki.key] },
  );
  expect(run.main.exitCode).toBe(1);
  expect(run.main.errors[0]).toMatch(/^check-host \S+ did not accept a TCP connection/);
  expect(run.main.stdout).toContain(`DNS in ${RESOLV_CONF}: servers ${server.dns!.address}`);
  expect(run.main.stdout).toContain(`Put the runner's ${RESOLV_CONF} back as it was.`);
  expect(recordOf(run.main).closed).toBe(true);
  expectRestored(run);
});

test('a main step killed half-way, DNS applied, is undone by post', async () => {
  let during: ResolvConf | undefined;
  const run = await connect(
    {
      config: server.clientConfig(),
      // An address of the tunnel's network that no one holds: the check waits, and the runner
      // kills the step (as a cancelled job would) while it does.
      'check-host': `198.19.${SLOT}.200:80`,
    },
    {
      secrets: [server.pki.key],
      timeoutMs: 6_000,
      beforePost: () => {
        during = resolvConf();
        return Promise.resolve();
      },
    },
  );
  expect(run.main.timedOut).toBe(true);
  expect(during?.content).toContain(`nameserver ${server.dns!.address}`);
  const device = recordOf(run.main).device;
  expect(device).toBeDefined();
  expect(run.post?.stdout).toContain(`Put the runner's ${RESOLV_CONF} back as it was.`);
  expectRestored(run);
  expect(await deviceExists(device!)).toBe(false);
});

test("WireGuard: the config's DNS line resolves a private name through the tunnel; post puts resolv.conf back exactly", async () => {
  const dns = peer.dns!;
  let during: During | undefined;
  const run = await connect(
    {
      type: 'wireguard',
      config: peer.clientConfig({ extra: [`DNS = ${dns.address}, ${WIREGUARD_DOMAIN}`] }),
    },
    {
      secrets: [peer.clientKeys.privateKey],
      beforePost: async () => {
        during = await lookUpDuring(WIREGUARD_DOMAIN, peer.service.url, dns.address);
      },
    },
  );
  const { main } = run;
  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.notices).toEqual([]);
  expect(during?.fullName).toBe(peer.service.address);
  expect(during?.shortName).toBe(peer.service.address);
  expect(during?.body).toBe(peer.service.body);
  expect(await dns.queries()).toContainEqual({
    type: 'A',
    name: `db.${WIREGUARD_DOMAIN}`,
    from: peer.clientAddress,
  });
  expectRestored(run);
});

test('WireGuard with dns: false: the DNS line is left out of the copy with a notice', async () => {
  let during: ResolvConf | undefined;
  const run = await connect(
    {
      type: 'wireguard',
      config: peer.clientConfig({ extra: [`DNS = ${peer.dns!.address}`] }),
      dns: 'false',
    },
    {
      secrets: [peer.clientKeys.privateKey],
      beforePost: () => {
        during = resolvConf();
        return Promise.resolve();
      },
    },
  );
  expect(run.main.exitCode).toBe(0);
  expect(run.main.notices).toEqual([
    "The action's copy of 'config' leaves out DNS (the 'dns' input is false). The file itself is unchanged.",
  ]);
  expect(during).toEqual(original);
  expectRestored(run);
});
