// The demo: the seeds' pipeline end to end against the sandbox (sandbox.ts). Each action's
// compiled bundle runs through the harness exactly as a runner runs it, and each step takes its
// inputs from the outputs of the steps before it, as `${{ steps.<id>.outputs.<name> }}` would.
//
// Release 0.1.42, run 42, one job:
//    1 app tests, with coverage (a `run:` step)
//    2 coverage-gate, min-coverage 80
//    3 site build (a `run:` step)
//    4 docker-build-push, tagged 0.1.{{run_number}}, to the registry with basic auth
//    5 vpn-connect: OpenVPN into the university network
//    6 ssh-redeploy of the image by digest, port and named volume kept, health-checked;
//      then a look through the tunnel at what the server serves
//    7 render-hook with the image-url, waiting until live
//    post steps, in reverse order: vpn-connect disconnects, docker-build-push logs out
// Release 0.1.43, run 43: the app listens on the wrong port, so its health check fails:
//    8 site build, 9 docker-build-push, 10 vpn-connect, 11 ssh-redeploy (fails, rolled back),
//    then a look through the tunnel: the previous container still serves.
//
// A runner runs post steps at the end of the job, last first. So the steps after one that has a
// post step run inside the harness's beforePost hook of that step: their order, and the moment
// the VPN goes down, are the runner's.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findLeaks } from '../harness/leaks';
import { repoRoot, runAction, type ActionRun, type StepResult } from '../harness/run-action';
import { processesRunning } from '../vpn-connect/inspect';
import { stopPid } from '../services/processes';
import { seconds, stepLine, summaryMarkdown, type StepRecord, type StepStatus } from './report';
import {
  APP,
  APP_FOLDER,
  emptyFootprint,
  httpGet,
  leftovers,
  runProgram,
  startSandbox,
  type Footprint,
  type ProgramResult,
  type Sandbox,
} from './sandbox';

export interface DemoOptions {
  /** 1-49: picks the namespace, addresses and names, so a test and a demo can run at once. */
  slot: number;
  /** Where the job summaries go. */
  summaryFile: string;
  /** Each line of the report, as it happens. */
  print: (line: string) => void;
  /** The coverage gate's min-coverage (default 80, the seed's); above the app's, step 2 fails. */
  minCoverage?: number;
  /**
   * Aborting (Ctrl-C) starts no further step; as on a cancelled run, the step under way ends,
   * the post steps run, and the sandbox is torn down.
   */
  signal?: AbortSignal;
}

/** What the server serves, looked at from the runner through the tunnel, and what runs there. */
export interface ServedState {
  page: string;
  health: string;
  /** Versions in the start log the app keeps in its named volume, oldest first. */
  starts: string[];
  /** The image of the `dashboard` container. */
  containerImage: string;
  /** Every container on the server, by name. */
  containers: string[];
}

export interface Observed {
  /** The previous release's image, which the server ran before the demo. */
  previousImage?: string;
  /** The digest the registry gives for tag 0.1.42. */
  registryDigest?: string;
  afterDeploy?: ServedState;
  afterRollback?: ServedState;
  /** The deploys the Render stand-in received. */
  renderDeploys: { id: string; imageRef?: string }[];
}

export interface DemoResult {
  ok: boolean;
  /** The step that stopped the demo, and its error. */
  failure?: { step: string; message: string };
  steps: StepRecord[];
  observed: Observed;
  summaryFile: string;
  /** What the sandbox created, and what of it was still there after teardown. */
  footprint: Footprint;
  leftovers: string[];
  teardownProblems: string[];
  durationMs: number;
}

const STEP_TIMEOUT_MS = 90_000;
const JEST = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
const MIN_COVERAGE = 80;

class StepFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

interface Release {
  version: string;
  runNumber: number;
  title: string;
  /** The GITHUB_* variables that differ from one run to the next. */
  context: Record<string, string>;
}

function release(runNumber: number, title: string): Release {
  // Each run builds a commit of its own.
  const sha = createHash('sha1').update(`demo commit of run ${runNumber}`).digest('hex');
  return {
    version: `0.1.${runNumber}`,
    runNumber,
    title,
    context: {
      GITHUB_RUN_NUMBER: String(runNumber),
      GITHUB_RUN_ID: String(7000 + runNumber),
      GITHUB_SHA: sha,
    },
  };
}

interface UsesStep {
  id: string;
  number: number;
  action: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
  /** The release must not go live: the step has to fail. */
  expectFailure?: boolean;
  /** Checks the main step's outputs; says what happened, or throws saying what is wrong. */
  verify(main: StepResult): string;
  /** The job's later steps, which a runner runs before this step's post step. */
  then?(main: StepResult): Promise<void>;
}

interface RunStep {
  id: string;
  number: number;
  label: string;
  program: string;
  args: string[];
  env?: Record<string, string>;
  describe(result: ProgramResult): string;
}

/** One demo: the sandbox, the shared workspace (the checkout), and what the steps did. */
class Demo {
  readonly steps: StepRecord[] = [];
  readonly runs: ActionRun[] = [];
  readonly observed: Observed = { renderDeploys: [] };

  constructor(
    readonly sandbox: Sandbox,
    readonly workspace: string,
    private readonly print: (line: string) => void,
    private readonly secrets: string[],
    private readonly signal: AbortSignal | undefined,
  ) {}

  private startOrStop(name: string): void {
    if (this.signal?.aborted) throw new StepFailure(name, 'interrupted before it started');
  }

  heading(release: Release): void {
    this.print('');
    this.print(release.title);
  }

  private record(step: StepRecord): void {
    this.steps.push(step);
    this.print(stepLine(step));
  }

  /** A `run:` step, in the workspace, with the job's environment. */
  async run(release: Release, step: RunStep): Promise<ProgramResult> {
    this.startOrStop(`${step.number} ${step.label}`);
    const started = Date.now();
    const result = await runProgram(step.program, step.args, {
      cwd: this.workspace,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? this.workspace,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        ...release.context,
        ...step.env,
      },
    });
    const ok = result.code === 0;
    const problem = ok ? undefined : `exit code ${result.code}: ${lastLines(result, 6)}`;
    this.record({
      id: step.id,
      number: step.number,
      release: release.version,
      label: step.label,
      stage: 'run',
      status: ok ? 'passed' : 'failed',
      durationMs: Date.now() - started,
      detail: problem ?? step.describe(result),
      outputs: {},
      summary: '',
    });
    if (problem) throw new StepFailure(`${step.number} ${step.label}`, problem);
    return result;
  }

  /** A look at the result from the runner's side; says what it saw, or throws. */
  async check(release: Release, number: number, id: string, look: () => string | Promise<string>) {
    this.startOrStop(`${number} check`);
    const started = Date.now();
    let detail: string;
    let problem: string | undefined;
    try {
      detail = await look();
    } catch (error) {
      problem = errorText(error);
      detail = problem;
    }
    this.record({
      id,
      number,
      release: release.version,
      label: 'check',
      stage: 'check',
      status: problem ? 'failed' : 'passed',
      durationMs: Date.now() - started,
      detail,
      outputs: {},
      summary: '',
    });
    if (problem) throw new StepFailure(`${number} check`, problem);
  }

  /** A `uses:` step: the action's bundle through the harness, then its post step. */
  async uses(release: Release, step: UsesStep): Promise<StepResult> {
    this.startOrStop(`${step.number} ${step.action}`);
    let failure: StepFailure | undefined;
    let later: unknown;
    let run: ActionRun;
    try {
      run = await runAction({
        action: step.action,
        inputs: step.inputs,
        env: step.env,
        context: release.context,
        workspace: this.workspace,
        timeoutMs: STEP_TIMEOUT_MS,
        beforePost: async (main) => {
          failure = this.judge(release, step, main, 'main');
          if (failure || !step.then) return;
          try {
            await step.then(main);
          } catch (error) {
            later = error;
          }
        },
      });
    } catch (error) {
      throw new StepFailure(`${step.number} ${step.action}`, errorText(error));
    }
    this.runs.push(run);
    this.sandbox.footprint.folders.push(path.dirname(run.runnerTemp));
    const postFailure = run.post ? this.judge(release, step, run.post, 'post') : undefined;
    if (failure) throw failure;
    if (later) throw later instanceof Error ? later : new Error(errorText(later));
    if (postFailure) throw postFailure;
    return run.main;
  }

  private judge(
    release: Release,
    step: UsesStep,
    result: StepResult,
    stage: 'main' | 'post',
  ): StepFailure | undefined {
    const leaks = findLeaks(this.secrets, {
      stdout: result.stdout,
      stderr: result.stderr,
      'job summary': result.summary,
    });
    let problem: string | undefined;
    let detail = '';
    const describe = () => {
      try {
        detail = stage === 'main' ? step.verify(result) : lastInfo(result);
      } catch (error) {
        problem = errorText(error);
      }
    };
    if (leaks.length > 0) problem = `a secret was printed: ${leaks.join('; ')}`;
    else if (result.timedOut) problem = `still running after ${seconds(STEP_TIMEOUT_MS)}: killed`;
    else if (stage === 'main' && step.expectFailure) {
      if (result.exitCode === 0) problem = 'it succeeded, but this release had to fail';
      else describe();
    } else if (result.exitCode !== 0) problem = stepError(result);
    // Post steps warn rather than fail; here a warning means something may be left behind.
    else if (stage === 'post' && result.warnings.length > 0) {
      problem = `warned: ${result.warnings.join('; ')}`;
    } else describe();

    const status: StepStatus = problem
      ? 'failed'
      : stage === 'main' && step.expectFailure
        ? 'failed as expected'
        : 'passed';
    this.record({
      id: stage === 'main' ? step.id : `${step.id}-post`,
      number: step.number,
      release: release.version,
      label: step.action,
      stage,
      status,
      durationMs: result.durationMs,
      detail: problem ?? detail,
      outputs: result.outputs,
      summary: result.summary,
    });
    if (!problem) return undefined;
    const name = `${step.number} ${step.action}${stage === 'post' ? ' (post)' : ''}`;
    return new StepFailure(name, problem);
  }
}

/** The sentence a failed step ended with: its ::error::, else the end of its stderr. */
function stepError(result: StepResult): string {
  if (result.errors.length > 0) return result.errors.join('; ');
  const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
  return `exit code ${result.exitCode ?? result.signal}${tail ? `: ${tail}` : ''}`;
}

/** What a step last said in its log, without workflow commands: a post step's conclusion. */
function lastInfo(result: StepResult): string {
  const lines = result.stdout.split('\n').filter((line) => line.trim() && !line.startsWith('::'));
  return lines.at(-1)?.trim() ?? 'done';
}

function lastLines(result: ProgramResult, count: number): string {
  const text = `${result.stdout}\n${result.stderr}`.trim().split('\n');
  return text.slice(-count).join(' | ');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

function short(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1…');
}

interface HostResult {
  host: string;
  status: string;
  error?: string;
  previousImage?: string;
  deployedImage?: string;
}

function firstHost(main: StepResult): HostResult {
  const results = JSON.parse(main.outputs.results ?? '[]') as HostResult[];
  if (results.length !== 1) throw new Error(`results has ${results.length} hosts, expected 1`);
  return results[0];
}

// ---- The steps, as a workflow would write them ----

function appTests(demo: Demo, number: number): RunStep {
  return {
    id: 'tests',
    number,
    label: 'app tests',
    program: process.execPath,
    args: [
      JEST,
      '--config',
      'jest.config.js',
      '--ci',
      '--coverage',
      '--cacheDirectory',
      path.join(demo.sandbox.folder, 'jest-cache'),
    ],
    describe: (result) => {
      const tests = /Tests:\s+(.*)/.exec(result.stderr)?.[1]?.trim() ?? 'tests passed';
      return `jest --coverage: ${tests}; report in coverage/lcov.info`;
    },
  };
}

function siteBuild(release: Release, number: number, id: string): RunStep {
  return {
    id,
    number,
    label: 'site build',
    program: process.execPath,
    args: ['src/build.js', 'site'],
    env: { VERSION: release.version, COMMIT: release.context.GITHUB_SHA },
    describe: (result) => `node src/build.js site: ${result.stdout.trim()}`,
  };
}

function coverageGate(number: number, minimum: number): UsesStep {
  return {
    id: 'coverage',
    number,
    action: 'coverage-gate',
    inputs: { files: 'coverage/lcov.info', 'min-coverage': String(minimum) },
    verify: (main) => {
      expectEqual('output passed', main.outputs.passed, 'true');
      return `${main.outputs.coverage} % of lines covered, at least ${minimum} % required: passed`;
    },
  };
}

function buildAndPush(
  demo: Demo,
  release: Release,
  number: number,
  id: string,
  buildArgs: Record<string, string>,
  then: (main: StepResult) => Promise<void>,
): UsesStep {
  const { sandbox } = demo;
  const image = `${sandbox.registry.address}/${APP.repository}`;
  const args = { BASE_IMAGE: sandbox.runner.baseImage, VERSION: release.version, ...buildArgs };
  return {
    id,
    number,
    action: 'docker-build-push',
    inputs: {
      image,
      username: sandbox.registry.username,
      password: sandbox.registry.password,
      tags: '0.1.{{run_number}}',
      'build-args': Object.entries(args)
        .map(([key, value]) => `${key}=${value}`)
        .join('\n'),
    },
    env: {
      DOCKER_HOST: sandbox.runner.host,
      DOCKER_CONFIG: path.join(sandbox.folder, 'runner-docker-config'),
      // Debian's docker CLI: BuildKit without buildx, which is not installable here.
      PATH: `/usr/bin:${process.env.PATH ?? '/bin'}`,
    },
    verify: (main) => {
      const { digest } = main.outputs;
      if (!/^sha256:[0-9a-f]{64}$/.test(digest ?? '')) throw new Error(`digest is '${digest}'`);
      expectEqual('output image-url', main.outputs['image-url'], `${image}:${release.version}`);
      expectEqual('output image-ref', main.outputs['image-ref'], `${image}@${digest}`);
      return `pushed ${image}:${release.version} as ${short(digest)}`;
    },
    then: async (main) => {
      await demo.check(release, number, `${id}-registry`, async () => {
        // What the registry itself says the tag is, not what the action says it pushed.
        const pushed = await sandbox.registry.digest(APP.repository, release.version);
        if (release.runNumber === 42) demo.observed.registryDigest = pushed;
        expectEqual(`the registry's digest of ${release.version}`, pushed, main.outputs.digest);
        return `the registry has ${release.version} = ${short(pushed ?? '')}, the digest the step handed on`;
      });
      await then(main);
    },
  };
}

function connectVpn(
  demo: Demo,
  number: number,
  id: string,
  then: (main: StepResult) => Promise<void>,
): UsesStep {
  const { vpn, vpnCredentials, ssh, serviceAddress } = demo.sandbox;
  return {
    id,
    number,
    action: 'vpn-connect',
    inputs: {
      config: vpn.clientConfig({ pki: false, extra: ['auth-user-pass'] }),
      ca: vpn.pki.ca,
      cert: vpn.pki.cert,
      key: vpn.pki.key,
      username: vpnCredentials.username,
      password: vpnCredentials.password,
      'check-host': `${serviceAddress}:${ssh.port}`,
      'connect-timeout': '30s',
    },
    verify: (main) => {
      const routes = (main.outputs.routes ?? '').split(',').filter(Boolean);
      if (!routes.includes(`${serviceAddress}/32`)) {
        throw new Error(`routes is '${main.outputs.routes}', without ${serviceAddress}/32`);
      }
      if (!main.outputs.interface) throw new Error('no interface output');
      return `${main.outputs.interface} ${main.outputs['local-ip']}, route ${routes.join(', ')}; ${serviceAddress}:${ssh.port} answers`;
    },
    then,
  };
}

function redeploy(
  demo: Demo,
  number: number,
  id: string,
  image: string,
  expected: { previousImage: string; fails: boolean },
): UsesStep {
  const { sandbox } = demo;
  return {
    id,
    number,
    action: 'ssh-redeploy',
    expectFailure: expected.fails,
    inputs: {
      host: sandbox.serviceAddress,
      username: sandbox.ssh.user,
      key: sandbox.ssh.keys.ed25519.privateKey,
      fingerprint: sandbox.ssh.hostKeyFingerprint,
      image,
      container: APP.container,
      ports: `${sandbox.serviceAddress}:${APP.port}:${APP.port}`,
      volumes: `${APP.volume}:${APP.volumeTarget}`,
      'run-args': '--init',
      registry: sandbox.registry.address,
      'registry-username': sandbox.registry.username,
      'registry-password': sandbox.registry.password,
      'health-timeout': '30s',
      'connect-timeout': '10s',
      retries: '1',
    },
    verify: (main) => {
      const host = firstHost(main);
      expectEqual('output previous-image', main.outputs['previous-image'], expected.previousImage);
      expectEqual('output deployed-image', main.outputs['deployed-image'], image);
      if (expected.fails) {
        expectEqual('the host status in results', host.status, 'rolled-back');
        const reason = /failed \((.*)\); rolled back/.exec(host.error ?? '')?.[1] ?? host.error;
        return `failed as it had to (${reason}); rolled back to ${short(expected.previousImage.split('@')[1] ?? expected.previousImage)}`;
      }
      expectEqual('the host status in results', host.status, 'success');
      return `${APP.container}: ${expected.previousImage} -> ${short(image.split('@')[1] ?? image)}, healthy, port ${APP.port} and volume ${APP.volume} kept`;
    },
  };
}

function renderDeploy(demo: Demo, number: number, imageUrl: string): UsesStep {
  const { render } = demo.sandbox;
  return {
    id: 'render',
    number,
    action: 'render-hook',
    inputs: {
      'deploy-hook-url': render.hookUrl,
      'image-url': imageUrl,
      wait: 'true',
      'api-key': render.apiKey,
      'api-url': render.apiUrl,
      'poll-interval': '250ms',
      timeout: '1m',
    },
    verify: (main) => {
      expectEqual('output status', main.outputs.status, 'live');
      const deploy = render.deploys.find((candidate) => candidate.id === main.outputs['deploy-id']);
      if (!deploy) throw new Error(`the stand-in has no deploy ${main.outputs['deploy-id']}`);
      expectEqual('the image Render was asked to deploy', deploy.imageRef, imageUrl);
      demo.observed.renderDeploys = render.deploys.map((d) => ({ id: d.id, imageRef: d.imageRef }));
      return `${deploy.id} of ${imageUrl}: live after ${deploy.looks} looks`;
    },
  };
}

/** GET through the tunnel; retried briefly, as a container just started may not listen yet. */
async function fetchServed(url: string): Promise<string> {
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      const answer = await httpGet(url);
      if (answer.status === 200) return answer.body;
      if (Date.now() > until) throw new Error(`${url} answered ${answer.status}`);
    } catch (error) {
      if (Date.now() > until) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function servedState(demo: Demo): Promise<ServedState> {
  const { sandbox } = demo;
  const base = `http://${sandbox.serviceAddress}:${APP.port}`;
  const page = await fetchServed(`${base}/`);
  const health = (await fetchServed(`${base}/health`)).trim();
  const starts = (await fetchServed(`${base}/starts.txt`))
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[1] ?? line);
  const format = '{{.Config.Image}} {{.State.Pid}}';
  const [containerImage, pid] = (
    await sandbox.serverDocker(['inspect', '--format', format, APP.container])
  ).split(' ');
  sandbox.footprint.pids.push(Number(pid));
  const containers = (await sandbox.serverDocker(['ps', '--all', '--format', '{{.Names}}']))
    .split('\n')
    .filter(Boolean)
    .sort();
  return { page, health, starts, containerImage, containers };
}

async function firstRelease(demo: Demo, minCoverage: number): Promise<string> {
  const run = release(
    42,
    'Release 0.1.42 (run 42): tests, coverage gate, image, VPN, SSH redeploy, Render',
  );
  const { sandbox } = demo;
  let imageRef = '';
  demo.heading(run);
  await demo.run(run, appTests(demo, 1));
  await demo.uses(run, coverageGate(2, minCoverage));
  await demo.run(run, siteBuild(run, 3, 'site'));
  await demo.uses(
    run,
    buildAndPush(demo, run, 4, 'build', {}, async (build) => {
      imageRef = build.outputs['image-ref'];
      await demo.uses(
        run,
        connectVpn(demo, 5, 'vpn', async () => {
          await demo.uses(
            run,
            redeploy(demo, 6, 'deploy', imageRef, {
              previousImage: sandbox.previousImage,
              fails: false,
            }),
          );
          await demo.check(run, 6, 'served', async () => {
            const state = await servedState(demo);
            demo.observed.afterDeploy = state;
            if (!state.page.includes(`Release ${run.version},`)) {
              throw new Error(`the page does not show release ${run.version}: ${state.page}`);
            }
            expectEqual('the running image', state.containerImage, imageRef);
            expectEqual('the starts in the volume', state.starts, [
              APP.previousVersion,
              run.version,
            ]);
            expectEqual('the containers on the server', state.containers, [APP.container]);
            return `through the tunnel, ${sandbox.serviceAddress}:${APP.port} serves ${run.version} (${state.health}); the volume's start log: ${state.starts.join(', ')}`;
          });
          await demo.uses(run, renderDeploy(demo, 7, build.outputs['image-url']));
        }),
      );
    }),
  );
  return imageRef;
}

async function secondRelease(demo: Demo, liveImage: string): Promise<void> {
  const run = release(
    43,
    'Release 0.1.43 (run 43): the app listens on the wrong port, so its health check fails',
  );
  demo.heading(run);
  await demo.run(run, siteBuild(run, 8, 'site-2'));
  await demo.uses(
    run,
    // A configuration mistake: the health check and the published port expect 8050.
    buildAndPush(demo, run, 9, 'build-2', { LISTEN_PORT: '8081' }, async (build) => {
      await demo.uses(
        run,
        connectVpn(demo, 10, 'vpn-2', async () => {
          await demo.uses(
            run,
            redeploy(demo, 11, 'deploy-2', build.outputs['image-ref'], {
              previousImage: liveImage,
              fails: true,
            }),
          );
          await demo.check(run, 11, 'served-2', async () => {
            const state = await servedState(demo);
            demo.observed.afterRollback = state;
            if (!state.page.includes('Release 0.1.42,')) {
              throw new Error(`the page does not show release 0.1.42 any more: ${state.page}`);
            }
            expectEqual('the running image', state.containerImage, liveImage);
            expectEqual('the containers on the server', state.containers, [APP.container]);
            return `0.1.42 still serves through the tunnel (${state.health}); the volume's start log: ${state.starts.join(', ')}`;
          });
        }),
      );
    }),
  );
}

/** Runs the whole demo, tears the sandbox down, and says what happened; never throws. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  const started = Date.now();
  const startedAt = new Date();
  let sandbox: Sandbox | undefined;
  let demo: Demo | undefined;
  let failure: DemoResult['failure'];
  const footprint = emptyFootprint();

  const pipeline = async () => {
    print(`Starting the sandbox (slot ${options.slot})`);
    sandbox = await startSandbox(options.slot, (line) => print(`  ${line}`), footprint);
    print(`  sandbox up in ${seconds(Date.now() - started)}`);
    const workspace = path.join(sandbox.folder, 'workspace');
    // The checkout: the sample app, without what a local run of its tests may have left.
    cpSync(APP_FOLDER, workspace, {
      recursive: true,
      filter: (source) => path.basename(source) !== 'coverage',
    });
    mkdirSync(path.join(sandbox.folder, 'runner-docker-config'));
    const secrets = [
      sandbox.registry.password,
      sandbox.ssh.keys.ed25519.privateKey,
      sandbox.vpn.pki.key,
      sandbox.vpnCredentials.password,
      sandbox.render.hookKey,
      sandbox.render.apiKey,
    ];
    if (options.signal?.aborted) throw new StepFailure('sandbox', 'interrupted');
    demo = new Demo(sandbox, workspace, print, secrets, options.signal);
    demo.observed.previousImage = sandbox.previousImage;
    const liveImage = await firstRelease(demo, options.minCoverage ?? MIN_COVERAGE);
    await secondRelease(demo, liveImage);
  };

  try {
    await pipeline();
  } catch (error) {
    failure =
      error instanceof StepFailure
        ? { step: error.step, message: error.message }
        : { step: sandbox ? 'demo' : 'sandbox', message: errorText(error) };
    // Ctrl-C also reaches the services (same process group): what failed next says little.
    if (options.signal?.aborted) {
      failure = { step: 'interrupted', message: `after the interruption: ${failure.message}` };
    }
  }

  const steps = demo?.steps ?? [];
  const releases = [
    { version: '0.1.42', title: 'Release 0.1.42 (run 42)' },
    { version: '0.1.43', title: 'Release 0.1.43 (run 43), rolled back' },
  ];
  mkdirSync(path.dirname(options.summaryFile), { recursive: true });
  writeFileSync(options.summaryFile, summaryMarkdown(steps, releases, startedAt));

  print('');
  const teardownStarted = Date.now();
  const teardownProblems: string[] = [];
  if (sandbox) {
    // A step cut short (a timeout, Ctrl-C) may have left its processes: they carry their job
    // folder in their arguments.
    for (const folder of footprint.folders) {
      for (const entry of processesRunning(folder)) await stopPid(Number(entry.split(' ')[0]));
    }
    teardownProblems.push(...(await sandbox.stop()));
  }
  for (const run of demo?.runs ?? []) run.cleanup();
  const left = await leftovers(footprint);
  if (left.length > 0 || teardownProblems.length > 0) {
    print(`Sandbox torn down in ${seconds(Date.now() - teardownStarted)}, but:`);
    for (const line of [...teardownProblems, ...left.map((what) => `left behind: ${what}`)]) {
      print(`  ${line}`);
    }
  } else {
    print(
      `Sandbox torn down in ${seconds(Date.now() - teardownStarted)}: no process, namespace, interface, route, container, user or folder of it is left.`,
    );
  }
  print(`Job summaries of every step: ${options.summaryFile}`);
  const ok = !failure && left.length === 0 && teardownProblems.length === 0;
  const durationMs = Date.now() - started;
  if (failure?.step === 'interrupted') print(`Demo interrupted; ${failure.message}`);
  else if (failure) print(`Demo FAILED at step ${failure.step}: ${failure.message}`);
  else if (!ok) print('Demo FAILED: the sandbox was not torn down cleanly.');
  else print(`Demo passed in ${seconds(durationMs)}.`);
  return {
    ok,
    failure,
    steps,
    observed: demo?.observed ?? { renderDeploys: [] },
    summaryFile: options.summaryFile,
    footprint,
    leftovers: left,
    teardownProblems,
    durationMs,
  };
}
