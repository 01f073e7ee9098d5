// render-hook's bundle behind a proxy, as on a self-hosted runner that sets HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY: tinyproxy on loopback, and the Render stand-in on an address of
// this file's own, the host's end of a veth pair into a namespace (slot 18), since a loopback
// host is never proxied. The stand-in's address is the only target.
import { runAction, type ActionRun } from '../harness/run-action';
import { link, Namespace } from '../services/namespace';
import { startTinyproxy, type Tinyproxy } from '../services/tinyproxy';
import { startRenderStandIn, type RenderStandIn } from '../stand-ins/render';

const SLOT = 18;
const STAND_IN_ADDRESS = `198.18.${SLOT}.1`;

let namespace: Namespace | undefined;
let proxy: Tinyproxy | undefined;
let render: RenderStandIn | undefined;
const runs: ActionRun[] = [];

beforeAll(async () => {
  namespace = await Namespace.create(`rhook-px-${SLOT}`);
  await link(
    { name: `rhp${SLOT}h`, address: `${STAND_IN_ADDRESS}/30` },
    { name: `rhp${SLOT}n`, address: `198.18.${SLOT}.2/30`, namespace },
  );
  proxy = await startTinyproxy();
});

afterEach(async () => {
  await render?.close();
  runs.splice(0).forEach((run) => run.cleanup());
});

afterAll(async () => {
  await proxy?.stop();
  // Deleting the namespace deletes the veth pair, the host's end with it.
  await namespace?.remove();
});

async function start(): Promise<{ render: RenderStandIn; authority: string }> {
  render = await startRenderStandIn({
    imageRepository: 'docker.io/octo/oc-lettings',
    host: STAND_IN_ADDRESS,
  });
  return { render, authority: new URL(render.apiUrl).host };
}

async function deploy(standIn: RenderStandIn, env: Record<string, string>): Promise<ActionRun> {
  const run = await runAction({
    action: 'render-hook',
    inputs: {
      'deploy-hook-url': standIn.hookUrl,
      'api-url': standIn.apiUrl,
      'image-url': 'docker.io/octo/oc-lettings:0.1.42',
      wait: 'true',
      'api-key': standIn.apiKey,
      'poll-interval': '20ms',
    },
    secrets: [standIn.hookUrl, standIn.hookKey, standIn.apiKey],
    env,
  });
  runs.push(run);
  return run;
}

test.each([
  ['HTTPS_PROXY and HTTP_PROXY', (url: string) => ({ HTTPS_PROXY: url, HTTP_PROXY: url })],
  ['https_proxy and http_proxy', (url: string) => ({ https_proxy: url, http_proxy: url })],
])('with %s set, every request goes through the proxy, in a tunnel', async (_, proxyEnv) => {
  const { render: standIn, authority } = await start();
  const { main } = await deploy(standIn, proxyEnv(proxy!.url));

  expect(main.errors).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(main.outputs.status).toBe('live');
  const proxied = await proxy!.requestsTo(authority);
  // One tunnel per request: the hook call, the service lookup and each look at the deploy.
  expect(standIn.requests.length).toBeGreaterThan(3);
  expect(proxied).toHaveLength(standIn.requests.length);
  for (const line of proxied) expect(line).toContain(`CONNECT ${authority} HTTP/1.1`);
  // The proxy sees where, never what: no path, no hook key.
  expect(await proxy!.log()).not.toContain(standIn.hookKey);
});

test("NO_PROXY naming the stand-in's host sends every request direct", async () => {
  const { render: standIn, authority } = await start();
  const proxyEnv = { HTTPS_PROXY: proxy!.url, HTTP_PROXY: proxy!.url };

  const proxiedRun = await deploy(standIn, proxyEnv);
  expect(proxiedRun.main.exitCode).toBe(0);
  const throughProxy = (await proxy!.requestsTo(authority)).length;
  expect(throughProxy).toBe(standIn.requests.length);

  const before = standIn.requests.length;
  const noProxy = `other.example,${STAND_IN_ADDRESS}`;
  const direct = await deploy(standIn, { ...proxyEnv, NO_PROXY: noProxy });
  expect(direct.main.errors).toEqual([]);
  expect(direct.main.exitCode).toBe(0);
  expect(direct.main.outputs.status).toBe('live');
  expect(standIn.requests.length - before).toBeGreaterThan(3);
  expect(await proxy!.requestsTo(authority)).toHaveLength(throughProxy);
});
