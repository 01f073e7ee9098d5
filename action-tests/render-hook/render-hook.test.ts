// render-hook's bundle, run as the runner runs it, against the Render stand-in.
import { runAction, type ActionRun } from '../harness/run-action';
import {
  startRenderStandIn,
  type RenderStandIn,
  type RenderStandInOptions,
} from '../stand-ins/render';

const IMAGE = 'docker.io/octo/oc-lettings:0.1.42';

let render: RenderStandIn;
const runs: ActionRun[] = [];

afterEach(async () => {
  await render?.close();
  runs.splice(0).forEach((run) => run.cleanup());
});

async function start(options: RenderStandInOptions = {}): Promise<RenderStandIn> {
  render = await startRenderStandIn({ imageRepository: 'docker.io/octo/oc-lettings', ...options });
  return render;
}

async function deploy(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const run = await runAction({
    action: 'render-hook',
    inputs: {
      'deploy-hook-url': render.hookUrl,
      'api-url': render.apiUrl,
      'poll-interval': '20ms',
      ...inputs,
    },
    secrets: [render.hookUrl, render.hookKey, render.apiKey],
    env,
  });
  runs.push(run);
  return run;
}

const waiting = () => ({ wait: 'true', 'api-key': render.apiKey });

test('a deploy reaches live, with the image sent URL-encoded exactly once', async () => {
  await start();
  const { main } = await deploy({ 'image-url': IMAGE, ...waiting() });

  expect(main.exitCode).toBe(0);
  expect(main.errors).toEqual([]);
  const [call] = render.hookCalls();
  expect(render.hookCalls()).toHaveLength(1);
  expect(call.url.match(/imgURL=/g)).toHaveLength(1);
  expect(call.url).toContain('imgURL=docker.io%2Focto%2Foc-lettings%3A0.1.42');
  expect(render.deploys[0].imageRef).toBe(IMAGE);
  expect(main.outputs).toEqual({
    'service-id': render.serviceId,
    'deploy-id': render.deploys[0].id,
    status: 'live',
    'dashboard-url': `https://dashboard.render.com/web/${render.serviceId}/deploys/${render.deploys[0].id}`,
  });
  for (const status of ['created', 'build_in_progress', 'update_in_progress', 'live']) {
    expect(main.stdout).toContain(`Deploy ${render.deploys[0].id}: ${status}`);
  }
  expect(main.summary).toContain('<td>live</td>');
  expect(main.summary).toContain(`<td>${IMAGE}</td>`);
  expect(main.summary).toContain(`<td>oc-lettings (${render.serviceId})</td>`);
});

test('every API call carries the key as a Bearer token', async () => {
  await start();
  await deploy(waiting());
  const apiCalls = render.requests.filter((request) => request.path.startsWith('/v1/'));
  expect(apiCalls.length).toBeGreaterThan(1);
  for (const call of apiCalls) expect(call.headers.authorization).toBe(`Bearer ${render.apiKey}`);
});

test.each(['build_failed', 'update_failed', 'pre_deploy_failed', 'canceled'])(
  'a deploy ending %s fails the step, naming the status',
  async (status) => {
    await start({ statuses: ['created', 'build_in_progress', status] });
    const { main } = await deploy({ 'image-url': IMAGE, ...waiting() });

    expect(main.exitCode).toBe(1);
    expect(main.errors).toEqual([
      `Deploy ${render.deploys[0].id} of ${render.serviceId} ended with status ${status}. Its logs: https://dashboard.render.com/web/${render.serviceId}/deploys/${render.deploys[0].id}`,
    ]);
    expect(main.outputs.status).toBe(status);
    expect(main.summary).toContain(`<td>${status}</td>`);
  },
);

test('a deploy replaced by a newer one succeeds with a warning', async () => {
  await start({ statuses: ['build_in_progress', 'deactivated'] });
  const { main } = await deploy(waiting());
  expect(main.exitCode).toBe(0);
  expect(main.outputs.status).toBe('deactivated');
  expect(main.warnings.join('\n')).toContain('a newer deploy has since replaced it');
});

test('a 429 from the hook is retried after its Retry-After, and the deploy goes on', async () => {
  await start({ hookFailures: [{ status: 429, retryAfter: '1' }] });
  const { main } = await deploy({ 'image-url': IMAGE, ...waiting() });

  expect(main.exitCode).toBe(0);
  expect(main.outputs.status).toBe('live');
  const calls = render.hookCalls();
  expect(calls).toHaveLength(2);
  expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(1_000);
  expect(render.deploys).toHaveLength(1);
  expect(main.warnings[0]).toMatch(
    /^The deploy hook answered HTTP 429: scripted 429; calling the deploy hook again in 1\.0s\.$/,
  );
});

test('5xx answers and dropped connections from the hook are retried with backoff', async () => {
  await start({ hookDrops: 1, hookFailures: [{ status: 503 }] });
  const { main } = await deploy(waiting());
  expect(main.exitCode).toBe(0);
  expect(render.hookCalls()).toHaveLength(3);
  expect(main.warnings).toHaveLength(2);
  expect(main.warnings[0]).toContain('no response from http://127.0.0.1:');
  expect(main.warnings[1]).toContain('answered HTTP 503');
});

test('a hook that keeps failing gives up after a bounded number of calls', async () => {
  await start({
    hookFailures: Array.from({ length: 10 }, () => ({ status: 500, retryAfter: '0' })),
  });
  const { main } = await deploy(waiting());
  expect(main.exitCode).toBe(1);
  expect(render.hookCalls()).toHaveLength(4);
  expect(main.errors[0]).toMatch(
    /^Could not trigger a deploy of srv-\w+: The deploy hook answered HTTP 500/,
  );
  expect(main.outputs.status).toBe('');
});

test('429 and 5xx while polling are asked again', async () => {
  await start({ deployFailures: [{ status: 429, retryAfter: '0' }, { status: 502 }] });
  const { main } = await deploy(waiting());
  expect(main.exitCode).toBe(0);
  expect(main.outputs.status).toBe('live');
  expect(main.warnings.filter((warning) => warning.endsWith('asking again.'))).toHaveLength(2);
});

test('at the timeout the step fails, saying the last status seen', async () => {
  await start({ statuses: ['queued', 'build_in_progress'] });
  const { main } = await deploy({ ...waiting(), timeout: '1s', 'poll-interval': '100ms' });
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toBe(
    `Deploy ${render.deploys[0].id} of ${render.serviceId} did not finish within 'timeout' (1.0s); its last status was build_in_progress. Raise 'timeout' if deploys take longer.`,
  );
  expect(main.outputs.status).toBe('build_in_progress');
  expect(main.durationMs).toBeLessThan(5_000);
});

test('the timeout counts hook retries: a Retry-After past it fails at once', async () => {
  await start({ hookFailures: [{ status: 429, retryAfter: '120' }] });
  const { main } = await deploy({ ...waiting(), timeout: '5s' });
  expect(main.exitCode).toBe(1);
  expect(render.hookCalls()).toHaveLength(1);
  expect(main.errors[0]).toContain('answered HTTP 429');
  expect(main.durationMs).toBeLessThan(3_000);
});

test('the service lookup before the trigger is bounded by the timeout too', async () => {
  await start({ serviceFailures: [{ status: 503, retryAfter: '120' }] });
  const { main } = await deploy({ ...waiting(), timeout: '5s' });
  expect(main.exitCode).toBe(1);
  expect(main.errors[0]).toContain('answered HTTP 503');
  expect(render.hookCalls()).toEqual([]);
  expect(main.durationMs).toBeLessThan(3_000);
});

test('without wait, the step reports the triggered deploy and never calls the API', async () => {
  await start();
  const { main } = await deploy({ 'image-url': IMAGE });
  expect(main.exitCode).toBe(0);
  expect(main.outputs.status).toBe('triggered');
  expect(main.outputs['deploy-id']).toBe(render.deploys[0].id);
  expect(render.requests.filter((request) => request.path.startsWith('/v1/'))).toEqual([]);
});

test('a hook answer without an id is followed by finding the deploy created after the call', async () => {
  await start({ omitDeployId: true, emptyLists: 1 });
  const { main } = await deploy({ 'image-url': IMAGE, ...waiting() });
  expect(main.exitCode).toBe(0);
  expect(main.outputs['deploy-id']).toBe(render.deploys[0].id);
  expect(main.outputs.status).toBe('live');
  const lists = render.requests.filter((request) => request.path.endsWith('/deploys'));
  expect(lists).toHaveLength(2);
  const hookSentAt = render.hookCalls()[0].at;
  expect(Date.parse(lists[0].query.get('createdAfter')!)).toBeLessThanOrEqual(hookSentAt);
});

test('an older deploy is not mistaken for the one the hook started', async () => {
  await start({ omitDeployId: true, statuses: ['live'] });
  await deploy({ 'image-url': 'docker.io/octo/oc-lettings:0.1.41' });
  const { main } = await deploy({ 'image-url': IMAGE, ...waiting() });
  expect(render.deploys).toHaveLength(2);
  expect(main.outputs['deploy-id']).toBe(render.deploys[1].id);
});

test('a wrong hook key fails at once, saying so', async () => {
  await start();
  const { main } = await deploy({
    'deploy-hook-url': render.hookUrl.replace(/key=.*/, 'key=wrong-key-123'),
  });
  expect(main.exitCode).toBe(1);
  expect(render.hookCalls()).toHaveLength(1);
  expect(main.errors[0]).toContain(
    "HTTP 401: Unauthorized. The key in 'deploy-hook-url' was refused",
  );
});

test('an image Render refuses for the service fails at once, saying why', async () => {
  await start();
  const { main } = await deploy({ 'image-url': 'docker.io/someone-else/app:1' });
  expect(main.exitCode).toBe(1);
  expect(render.hookCalls()).toHaveLength(1);
  expect(main.errors[0]).toContain("'image-url' must name the service's own image");
});

test('a wrong API key fails before any deploy is triggered', async () => {
  await start();
  const { main } = await deploy({ wait: 'true', 'api-key': 'rnd_notTheRightKey42' });
  expect(main.exitCode).toBe(1);
  expect(render.hookCalls()).toEqual([]);
  expect(main.errors[0]).toContain("HTTP 401: unauthorized. Render refused 'api-key'");
});

describe('bad input fails before any request, naming the input', () => {
  test.each([
    [{ 'deploy-hook-url': '' }, "Input 'deploy-hook-url': is required."],
    [
      { 'deploy-hook-url': 'api.render.com/deploy/srv-x?key=abc' },
      "Input 'deploy-hook-url': is not a URL",
    ],
    [
      { 'deploy-hook-url': 'https://api.render.com/services/srv-x?key=abc' },
      "Input 'deploy-hook-url': the path must be /deploy/srv-",
    ],
    [
      { 'deploy-hook-url': 'https://api.render.com/deploy/srv-x' },
      "Input 'deploy-hook-url': the 'key' query parameter is missing",
    ],
    [
      { 'image-url': 'Octo/App:latest' },
      "Input 'image-url': 'Octo/App:latest' is not an image reference",
    ],
    [
      { 'image-url': 'app:1; curl evil' },
      "Input 'image-url': 'app:1; curl evil' is not an image reference",
    ],
    [{ wait: 'true' }, "Input 'api-key': is required when wait is true"],
    [{ wait: 'sometimes' }, "Input 'wait': 'sometimes' is not a boolean"],
    [{ timeout: '15 minutes' }, "Input 'timeout': '15 minutes' is not a duration"],
    // Past what a timer holds (2^31 ms, about 24.8 days): a timer would fire at once.
    [{ timeout: '600h' }, "Input 'timeout': '600h' is longer than a step can wait"],
    [{ 'poll-interval': '600h' }, "Input 'poll-interval': '600h' is longer than a step can wait"],
    [{ 'poll-interval': '0' }, "Input 'poll-interval': must be longer than zero."],
    [{ 'api-url': 'file:///etc/passwd' }, "Input 'api-url': must be"],
  ])('%p', async (inputs, message) => {
    await start();
    const { main } = await deploy(inputs);
    expect(main.exitCode).toBe(1);
    expect(main.errors).toHaveLength(1);
    expect(main.errors[0].startsWith(message)).toBe(true);
    expect(render.requests).toEqual([]);
  });
});

test('with debug logging on, no key is printed, whatever happens', async () => {
  await start({
    hookFailures: [{ status: 500, retryAfter: '0' }],
    deployFailures: [{ status: 401 }],
  });
  // The harness fails the run if the hook URL, its key or the API key shows anywhere.
  const { main } = await deploy({ 'image-url': IMAGE, ...waiting() }, { RUNNER_DEBUG: '1' });
  expect(main.exitCode).toBe(1);
  const masks = main.commands
    .filter((command) => command.command === 'add-mask')
    .map((command) => command.message);
  expect(masks).toEqual(expect.arrayContaining([render.hookUrl, render.hookKey, render.apiKey]));
  const firstMask = main.stdout.indexOf('::add-mask::');
  expect(main.stdout.slice(0, firstMask).trim()).toBe('');
});

describe("Render's answers are data: hostile text in them is printed inert and escaped", () => {
  const HOSTILE_STATUSES = [
    '::error::build broke\r::add-mask::abc',
    '  ##[warning]older form\n::set-output name=x::y',
    'live',
  ];
  const SERVICE_NAME = `<img src=x onerror="alert(1)"> 'web' & co ::error::name`;
  const SERVICE_PAGE = `https://dashboard.render.com/web/srv-x'"><script>alert(1)</script>?q=##[error]x`;
  const API_MESSAGE = '::error::from a 503\n::add-mask::abc\r##[warning]older';

  test.each(['x\r::add-mask::abc', 'dep-1/../../x', '"><a href=javascript:alert(1)>id</a>'])(
    'a deploy id %j',
    async (deployId) => {
      await start({
        deployIds: [deployId],
        statuses: HOSTILE_STATUSES,
        serviceName: SERVICE_NAME,
        serviceDashboardUrl: SERVICE_PAGE,
        commitMessage: '<b>fix</b>\r::error::commit\n##[warning]commit',
        deployFailures: [{ status: 503, body: { id: 'unavailable', message: API_MESSAGE } }],
      });
      const { main } = await deploy({ 'image-url': IMAGE, ...waiting() });

      expect(main.exitCode).toBe(0);
      expect(main.outputs['deploy-id']).toBe(deployId);
      expect(main.outputs.status).toBe('live');

      // The only commands are the step's own: its masks, and its two warnings (a 503 asked
      // again, a status it does not know), each on one line.
      const secrets = [render.hookUrl, render.hookKey, render.apiKey];
      const masks = secrets.flatMap((secret) => [secret, encodeURIComponent(secret)]);
      for (const command of main.commands.filter((c) => c.command === 'add-mask'))
        expect(masks).toContain(command.message);
      expect(main.commands.filter((c) => c.command !== 'add-mask').map((c) => c.command)).toEqual([
        'warning',
        'warning',
      ]);
      expect(main.warnings[0]).toMatch(/^Render's API, asked for deploy .* answered HTTP 503: /);
      expect(main.warnings[1]).toMatch(/^Render reports a status this action does not know/);
      for (const warning of main.warnings) expect(warning).not.toMatch(/[\r\n]/);

      // The deploy's path holds the id as one percent-encoded segment.
      const encoded = encodeURIComponent(deployId);
      const looks = render.requests.filter((request) => request.path.includes('/deploys/'));
      expect(looks.length).toBeGreaterThan(0);
      for (const look of looks)
        expect(look.url).toBe(`/v1/services/${render.serviceId}/deploys/${encoded}`);

      // The summary escapes every text of Render's, in cells and in the link's address.
      expect(main.summary).not.toMatch(/<img|<script|<a href=javascript|<b>/);
      expect(main.summary).toContain(
        '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &#39;web&#39; &amp; co',
      );
      const link = /<a href="([^"]*)">Open the deploy on Render<\/a>/.exec(main.summary);
      expect(link?.[1]).toMatch(
        /^https:\/\/dashboard\.render\.com\/web\/srv-x&#39;%22%3E%3Cscript/,
      );
      expect(link?.[1]).toContain(`/deploys/${encoded.replace(/'/g, '&#39;')}`);
      expect(main.outputs['dashboard-url']).toMatch(
        new RegExp(`/deploys/${escapeRegExp(encoded)}$`),
      );
    },
  );
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
