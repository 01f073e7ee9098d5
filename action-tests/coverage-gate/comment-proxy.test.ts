// coverage-gate's comment behind a proxy, as on a self-hosted runner that sets HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY: tinyproxy on loopback, and the GitHub stand-in on an address of this
// file's own, the host's end of a veth pair into a namespace (slot 24), since a loopback host is
// never proxied. The stand-in's address is the only target.
import { link, Namespace } from '../services/namespace';
import { startTinyproxy, type Tinyproxy } from '../services/tinyproxy';
import { startGitHubStandIn, type GitHubStandIn } from './github-api';
import { gateRuns } from './workspace';

jest.setTimeout(60_000);

const SLOT = 24;
const STAND_IN_ADDRESS = `198.18.${SLOT}.1`;

let namespace: Namespace | undefined;
let proxy: Tinyproxy | undefined;
let github: GitHubStandIn | undefined;
const { workspace, gate } = gateRuns('coverage-gate-proxy-');

beforeAll(async () => {
  namespace = await Namespace.create(`cgate-px-${SLOT}`);
  await link(
    { name: `cgp${SLOT}h`, address: `${STAND_IN_ADDRESS}/30` },
    { name: `cgp${SLOT}n`, address: `198.18.${SLOT}.2/30`, namespace },
  );
  proxy = await startTinyproxy();
});

afterEach(async () => {
  await github?.close();
  github = undefined;
});

afterAll(async () => {
  await proxy?.stop();
  // Deleting the namespace deletes the veth pair, the host's end with it.
  await namespace?.remove();
});

async function comment(gh: GitHubStandIn, env: Record<string, string>) {
  const ws = workspace();
  ws.addSources('c');
  ws.addReport('c/coverage.info', 'coverage.info');
  return gate(
    ws,
    { files: 'coverage.info', comment: 'always' },
    {
      event: {
        name: 'pull_request',
        payload: { pull_request: { number: gh.pullRequest, head: { sha: 'e'.repeat(40) } } },
      },
      context: { GITHUB_API_URL: gh.apiUrl, GITHUB_TOKEN: gh.token },
      secrets: [gh.token],
      env,
    },
  );
}

test('with HTTPS_PROXY and HTTP_PROXY set, every API request goes through the proxy', async () => {
  github = await startGitHubStandIn({ host: STAND_IN_ADDRESS });
  const authority = new URL(github.apiUrl).host;
  const main = await comment(github, { HTTPS_PROXY: proxy!.url, HTTP_PROXY: proxy!.url });
  expect(main.warnings).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(github.comments).toHaveLength(1);
  // GET /user, POST /graphql, the list, the new comment.
  expect(github.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
    'GET /user',
    'POST /graphql',
    `GET /repos/${github.repository}/issues/${github.pullRequest}/comments`,
    `POST /repos/${github.repository}/issues/${github.pullRequest}/comments`,
  ]);
  // @actions/http-client tunnels every request, even to an http:// URL, one tunnel each (no
  // keep-alive): one CONNECT to the stand-in per request it saw, and nothing else.
  const proxied = await proxy!.requestsTo(authority);
  expect(proxied.map((line) => line.replace(/^.*Request \(file descriptor \d+\): /, ''))).toEqual(
    github.requests.map(() => `CONNECT ${authority} HTTP/1.1`),
  );
  expect(await proxy!.log()).not.toContain(github.token);
});

test("NO_PROXY naming the API's host sends the requests direct", async () => {
  github = await startGitHubStandIn({ host: STAND_IN_ADDRESS });
  const authority = new URL(github.apiUrl).host;
  const main = await comment(github, {
    HTTPS_PROXY: proxy!.url,
    HTTP_PROXY: proxy!.url,
    NO_PROXY: `other.example,${STAND_IN_ADDRESS}`,
  });
  expect(main.warnings).toEqual([]);
  expect(main.exitCode).toBe(0);
  expect(github.comments).toHaveLength(1);
  expect(await proxy!.requestsTo(authority)).toEqual([]);
});
