// The demo (`npm run demo`, action-tests/demo/) end to end: the seeds' pipeline against its
// sandbox of real services, run here as the script runs it. The demo checks each step as it
// goes; this file checks again what it reports against what it observed, and looks at the
// machine afterwards for anything of the sandbox that is left.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDemo, type DemoResult } from './pipeline';
import type { StepRecord } from './report';
import { leftovers, type Footprint } from './sandbox';

jest.setTimeout(180_000);

/** Apart from the VPN tests' slots (11-13, 19) and the demo script's default (22). */
const SLOT = 21;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'demo-test-'));
});

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function step(result: DemoResult, id: string): StepRecord {
  const found = result.steps.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no step ${id} in ${result.steps.map((s) => s.id).join(', ')}`);
  return found;
}

/** What of the sandbox is on the machine now, looked at by this test rather than the demo. */
async function expectNothingLeft(footprint: Footprint): Promise<void> {
  // Non-empty, so that "nothing left" cannot hold because nothing was looked for.
  expect(footprint.namespaces).toEqual([`vpnc-ovs-${SLOT}`]);
  expect(footprint.users).toEqual([`t-demo-${SLOT}`]);
  expect(footprint.groups).toEqual([`demo-docker-${SLOT}`]);
  expect(footprint.interfaces.length).toBeGreaterThanOrEqual(2);
  expect(footprint.folders.length).toBeGreaterThanOrEqual(7);
  expect(await leftovers(footprint)).toEqual([]);
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  expect(namespaces).not.toContain(`vpnc-ovs-${SLOT}`);
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  expect(routes).not.toContain(`198.18.${150 + SLOT}.1`);
  expect(routes).not.toContain(`198.19.${SLOT}.0`);
}

describe('npm run demo', () => {
  let result: DemoResult;
  const printed: string[] = [];

  beforeAll(async () => {
    result = await runDemo({
      slot: SLOT,
      summaryFile: path.join(folder, 'summaries', 'demo-summary.md'),
      print: (line) => printed.push(line),
    });
  }, 180_000);

  test('runs every step of both releases, in the order of a job, and passes', () => {
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(
      result.steps.map((s) => `${s.release} ${s.number} ${s.label} ${s.stage}: ${s.status}`),
    ).toEqual([
      '0.1.42 1 app tests run: passed',
      '0.1.42 2 coverage-gate main: passed',
      '0.1.42 3 site build run: passed',
      '0.1.42 4 docker-build-push main: passed',
      '0.1.42 4 check check: passed',
      '0.1.42 5 vpn-connect main: passed',
      '0.1.42 6 ssh-redeploy main: passed',
      '0.1.42 6 check check: passed',
      '0.1.42 7 render-hook main: passed',
      '0.1.42 5 vpn-connect post: passed',
      '0.1.42 4 docker-build-push post: passed',
      '0.1.43 8 site build run: passed',
      '0.1.43 9 docker-build-push main: passed',
      '0.1.43 9 check check: passed',
      '0.1.43 10 vpn-connect main: passed',
      '0.1.43 11 ssh-redeploy main: failed as expected',
      '0.1.43 11 check check: passed',
      '0.1.43 10 vpn-connect post: passed',
      '0.1.43 9 docker-build-push post: passed',
    ]);
  });

  test("the app's tests pass and their coverage clears the gate at 80 %", () => {
    expect(step(result, 'tests').detail).toMatch(/14 passed, 14 total/);
    const gate = step(result, 'coverage').outputs;
    expect(gate.passed).toBe('true');
    expect(Number(gate.coverage)).toBeGreaterThanOrEqual(80);
    expect(Number(gate.coverage)).toBeLessThan(100);
    expect(step(result, 'coverage').summary).toContain('src/build.js');
  });

  test('docker-build-push tags 0.1.<run number> and hands on the digest the registry holds', () => {
    const first = step(result, 'build').outputs;
    const second = step(result, 'build-2').outputs;
    expect(first.digest).toMatch(DIGEST);
    expect(second.digest).toMatch(DIGEST);
    expect(second.digest).not.toBe(first.digest);
    const repository = first['image-url'].replace(/:0\.1\.42$/, '');
    expect(repository).toMatch(new RegExp(`^198\\.18\\.${SLOT}\\.1:\\d+/demo/dashboard$`));
    expect(first['image-url']).toBe(`${repository}:0.1.42`);
    expect(first['image-ref']).toBe(`${repository}@${first.digest}`);
    expect(second['image-url']).toBe(`${repository}:0.1.43`);
    expect(result.observed.registryDigest).toBe(first.digest);
  });

  test('vpn-connect joins the university network: a route to the server through the tunnel', () => {
    for (const id of ['vpn', 'vpn-2']) {
      const outputs = step(result, id).outputs;
      expect(outputs.interface).toMatch(/^tun\d+$/);
      expect(outputs['local-ip']).toMatch(new RegExp(`^198\\.19\\.${SLOT}\\.\\d+$`));
      expect(outputs.routes.split(',')).toContain(`198.18.${150 + SLOT}.1/32`);
      expect(step(result, `${id}-post`).detail).toMatch(/^Disconnected/);
    }
  });

  test('ssh-redeploy replaces the previous container by digest, keeping its port and volume', () => {
    const imageRef = step(result, 'build').outputs['image-ref'];
    const deploy = step(result, 'deploy').outputs;
    expect(deploy['previous-image']).toBe('demo/dashboard:0.1.41');
    expect(result.observed.previousImage).toBe('demo/dashboard:0.1.41');
    expect(deploy['deployed-image']).toBe(imageRef);
    expect(JSON.parse(deploy.results)).toEqual([
      expect.objectContaining({
        host: `198.18.${150 + SLOT}.1`,
        status: 'success',
        previousImage: 'demo/dashboard:0.1.41',
        deployedImage: imageRef,
      }),
    ]);
    // Seen from the runner through the tunnel, on the server address and the kept port.
    const served = result.observed.afterDeploy!;
    expect(served.page).toContain('<p>Release 0.1.42, built from commit');
    expect(served.health).toBe('ok 0.1.42');
    // The named volume outlived the previous container: its start log has both releases.
    expect(served.starts).toEqual(['0.1.41', '0.1.42']);
    expect(served.containerImage).toBe(imageRef);
    expect(served.containers).toEqual(['dashboard']);
  });

  test('render-hook deploys the image-url of the build and waits until it is live', () => {
    const render = step(result, 'render').outputs;
    expect(render.status).toBe('live');
    expect(render['deploy-id']).toMatch(/^dep-/);
    expect(result.observed.renderDeploys).toEqual([
      { id: render['deploy-id'], imageRef: step(result, 'build').outputs['image-url'] },
    ]);
  });

  test('the release that fails its health check is rolled back; the previous one still serves', () => {
    const liveImage = step(result, 'build').outputs['image-ref'];
    const broken = step(result, 'build-2').outputs['image-ref'];
    const deploy = step(result, 'deploy-2');
    expect(deploy.status).toBe('failed as expected');
    expect(deploy.outputs['previous-image']).toBe(liveImage);
    expect(deploy.outputs['deployed-image']).toBe(broken);
    const [host] = JSON.parse(deploy.outputs.results) as { status: string; error: string }[];
    expect(host.status).toBe('rolled-back');
    expect(host.error).toContain('its HEALTHCHECK reports unhealthy');
    const served = result.observed.afterRollback!;
    expect(served.page).toContain('<p>Release 0.1.42, built from commit');
    expect(served.health).toBe('ok 0.1.42');
    expect(served.containerImage).toBe(liveImage);
    expect(served.containers).toEqual(['dashboard']);
    // 0.1.43 did start (into the same volume), failed, and 0.1.42 came back.
    expect(served.starts).toEqual(['0.1.41', '0.1.42', '0.1.43', '0.1.42']);
  });

  test('writes the job summary of every action step to one Markdown file', () => {
    const markdown = readFileSync(result.summaryFile, 'utf8');
    for (const heading of [
      '### Step 2: `coverage-gate`, passed',
      '### Step 4: `docker-build-push`, passed',
      '### Step 5: `vpn-connect`, passed',
      '### Step 6: `ssh-redeploy`, passed',
      '### Step 7: `render-hook`, passed',
      '### Step 9: `docker-build-push`, passed',
      '### Step 11: `ssh-redeploy`, failed as expected',
    ]) {
      expect(markdown).toContain(heading);
    }
    for (const id of ['coverage', 'build', 'deploy', 'render', 'deploy-2']) {
      expect(markdown).toContain(step(result, id).summary.trim());
    }
  });

  test('prints a line per step with its time, then where the summaries are', () => {
    expect(printed).toContainEqual(
      expect.stringMatching(
        /^ {2}ok {4}6 ssh-redeploy +\d+\.\d s {2}dashboard: demo\/dashboard:0\.1\.41 -> sha256:/,
      ),
    );
    expect(printed).toContainEqual(
      expect.stringMatching(
        /^ {2}ok {3}11 ssh-redeploy +\d+\.\d s {2}failed as it had to \(its HEALTHCHECK reports unhealthy\); rolled back/,
      ),
    );
    expect(printed).toContain(`Job summaries of every step: ${result.summaryFile}`);
    expect(printed.at(-1)).toMatch(/^Demo passed in \d+\.\d s\.$/);
  });

  test('tears the sandbox down: no process, namespace, interface, route, user or folder is left', async () => {
    expect(result.teardownProblems).toEqual([]);
    expect(result.leftovers).toEqual([]);
    // Three containers ran on the server: the previous release, 0.1.42, and 0.1.42 restarted.
    expect(result.footprint.pids.length).toBeGreaterThanOrEqual(3);
    await expectNothingLeft(result.footprint);
  });
});

test('a failing step stops the demo with its error, runs no later step, and still tears down', async () => {
  const printed: string[] = [];
  const summaryFile = path.join(folder, 'failing-summary.md');
  // The app's coverage is under 100 %: a gate at 100 % has to stop the pipeline at step 2.
  const result = await runDemo({
    slot: SLOT,
    summaryFile,
    minCoverage: 100,
    print: (line) => printed.push(line),
  });
  expect(result.ok).toBe(false);
  expect(result.failure?.step).toBe('2 coverage-gate');
  expect(result.failure?.message).toMatch(/^Coverage \d+\.\d+% < 100\.00% \(min-coverage\)/);
  expect(result.steps.map((s) => `${s.id}: ${s.status}`)).toEqual([
    'tests: passed',
    'coverage: failed',
  ]);
  expect(printed).toContain(
    `Demo FAILED at step 2 coverage-gate: ${result.failure?.message ?? 'no message'}`,
  );
  expect(existsSync(summaryFile)).toBe(true);
  expect(readFileSync(summaryFile, 'utf8')).toContain('### Step 2: `coverage-gate`, failed');
  expect(result.leftovers).toEqual([]);
  await expectNothingLeft(result.footprint);
});
