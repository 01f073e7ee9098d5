// full-tunnel, against a server that pushes redirect-gateway. Accepting that push on the host
// would send this machine's own traffic into the tunnel, so here the action's OpenVPN and its
// `ip` run in a client namespace of the fixture's (through the PATH the fixture provides),
// whose default route goes through the server's namespace. The bundle and its logic are the
// same as on the host; only where the tunnel is built differs.
import { readdirSync } from 'node:fs';
import { runAction, type ActionRun, type StepResult } from '../harness/run-action';
import { startOpenVpnServer, type OpenVpnServer } from '../services/openvpn-server';
import { deviceExists, ipJson, processesRunning } from './inspect';

jest.setTimeout(90_000);

const SLOT = 12;
// An address outside every network of the test: where "the internet" would be routed.
const OUTSIDE = '203.0.113.7';
let server: OpenVpnServer;
const runs: ActionRun[] = [];

beforeAll(async () => {
  server = await startOpenVpnServer({ slot: SLOT, redirectGateway: true, clientNamespace: true });
});

afterAll(async () => {
  await server?.stop();
});

afterEach(() => {
  runs.splice(0).forEach((run) => run.cleanup());
});

interface Routing {
  defaultRoutes: string[];
  outsideVia: string;
}

async function routing(): Promise<Routing> {
  const namespace = server.clientNamespace!;
  const defaults = await ipJson<{ dst: string; gateway?: string; dev: string }[]>(
    ['route', 'show', 'default'],
    namespace,
  );
  const [outside] = await ipJson<{ dev: string }[]>(['route', 'get', OUTSIDE], namespace);
  return {
    defaultRoutes: defaults.map((route) => `${route.gateway ?? ''} ${route.dev}`),
    outsideVia: outside.dev,
  };
}

async function connect(
  inputs: Record<string, string>,
  beforePost: (main: StepResult) => Promise<void>,
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

async function expectRestored(run: ActionRun, before: Routing) {
  expect(run.post?.exitCode).toBe(0);
  expect(run.post?.warnings).toEqual([]);
  expect(await deviceExists(run.main.outputs.interface, server.clientNamespace)).toBe(false);
  expect(processesRunning(run.runnerTemp)).toEqual([]);
  expect(readdirSync(run.runnerTemp)).toEqual([]);
  expect(await routing()).toEqual(before);
}

test('by default the pushed redirect-gateway is ignored: the default route stays, the pushed service route is kept', async () => {
  const before = await routing();
  let during: Routing | undefined;
  const run = await connect({}, async () => {
    during = await routing();
  });
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  expect(before.outsideVia).toBe(`vcc${SLOT}s`);
  expect(during).toEqual(before);
  const routes = run.main.outputs.routes.split(',');
  expect(routes).toContain(`${server.service.address}/32`);
  expect(routes).not.toContain('0.0.0.0/1');
  expect(routes).not.toContain('128.0.0.0/1');
  await expectRestored(run, before);
});

test("a redirect-gateway in the user's own config is left out too, with a notice", async () => {
  const before = await routing();
  let during: Routing | undefined;
  const run = await connect(
    { config: server.clientConfig({ extra: ['redirect-gateway def1'] }) },
    async () => {
      during = await routing();
    },
  );
  expect(run.main.exitCode).toBe(0);
  expect(run.main.notices).toEqual([
    expect.stringContaining(
      'leaves out redirect-gateway (full-tunnel is false, so the runner keeps its own default route)',
    ),
  ]);
  expect(during).toEqual(before);
  await expectRestored(run, before);
});

test('full-tunnel: true takes the pushed default route through the tunnel, and post gives it back', async () => {
  const before = await routing();
  let during: Routing | undefined;
  const run = await connect({ 'full-tunnel': 'true' }, async () => {
    during = await routing();
  });
  expect(run.main.errors).toEqual([]);
  expect(run.main.exitCode).toBe(0);
  const device = run.main.outputs.interface;
  expect(run.main.outputs.routes.split(',')).toEqual(
    expect.arrayContaining(['0.0.0.0/1', '128.0.0.0/1', `${server.service.address}/32`]),
  );
  expect(during?.outsideVia).toBe(device);
  // def1 overrides the default route with two halves; the route itself is kept for after.
  expect(during?.defaultRoutes).toEqual(before.defaultRoutes);
  await expectRestored(run, before);
});
