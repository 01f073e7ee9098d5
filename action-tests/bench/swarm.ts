// ssh-redeploy's service mode against the plain Docker CLI, on a real three-node Docker Swarm
// (action-tests/services/swarm.ts, slot 62: nodes in network namespaces, a registry with basic
// auth, sshd in the manager's namespace):
// 1. the same rolling update of a 3-replica service, flipped between the v1 and v2 images each
//    run, by the ssh-redeploy step and by `ssh user@manager docker service update
//    --detach=false ...` with the same settings, interleaved; target: the step's median under
//    1 s above the plain command's;
// 2. where the time goes, in those same runs: until Swarm's update starts, Swarm's update, and
//    after Swarm completed it until the exit, from the manager's service events (`docker
//    events`, updatestate updating and completed), and for the step, its log's milestones;
// 3. not timed for the target: one update to an image whose HEALTHCHECK fails, with
//    --update-failure-action rollback, by each: what each reports against what Swarm reached
//    (the plain command exits 0 after a rollback; the step fails with status rolled-back).
// BENCH_ROUNDS (default 5) sets the timed rounds; one warm-up round runs before them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, readActionMetadata, repoRoot } from '../harness/run-action';
import { parseFileCommands } from '../harness/runner-files';
import { clientEnvironment } from '../services/dockerd';
import { startSwarm, type Swarm } from '../services/swarm';
import { figuresTable, sideBySide } from './lib/measure';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 1;
const SLOT = 62;
const SERVICE = 'web';
const REPLICAS = 3;
const PARALLELISM = 1;
const ORDER = 'start-first';
/** Swarm's --update-monitor, the action's health-timeout: how long each new task must stay up. */
const MONITOR = '2s';
const STOP_GRACE = '1s';
/** Longest one contender's update may take, rollback included. */
const RUN_TIMEOUT_MS = 120_000;

const node = nodeBinary();
const metadata = readActionMetadata('ssh-redeploy');
const bundle = path.resolve(repoRoot, 'actions', 'ssh-redeploy', metadata.runs.main);
const folder = mkdtempSync(path.join(tmpdir(), 'bench-swarm-'));

/**
 * The settings the action gives every update (swarm-spec.ts, updateFlags), for the plain
 * command to give the same: both leave the service with the same spec.
 */
const SETTINGS = [
  `--stop-grace-period=${STOP_GRACE}`,
  ...['update', 'rollback'].flatMap((kind) => [
    `--${kind}-parallelism=${PARALLELISM}`,
    `--${kind}-delay=0s`,
    `--${kind}-order=${ORDER}`,
    `--${kind}-monitor=${MONITOR}`,
    `--${kind}-max-failure-ratio=0`,
  ]),
  '--update-failure-action=rollback',
  '--rollback-failure-action=pause',
];

/** The environment the runner gives the step: every input with its default, then ours. */
function stepEnvironment(inputs: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: folder,
    RUNNER_TEMP: folder,
    // Set by the runner in every step: the bundle speaks the runner's protocol itself.
    GITHUB_ACTIONS: 'true',
  };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV']) {
    env[name] = path.join(folder, name.toLowerCase());
  }
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    const value = inputs[name] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return env;
}

interface Execution {
  exitCode: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
  /** Each line of output with the milliseconds since the start at which it came. */
  lines: Array<[ms: number, line: string]>;
  /** Date.now() at the start and at the exit, to set against Swarm's timestamps. */
  startedAt: number;
  endedAt: number;
}

/** Runs a program to its exit; each line of its output is stamped with when it came. */
function execute(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Execution> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const began = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - began) / 1e6;
    const child = spawn(program, args, { env: options.env ?? process.env });
    let output = '';
    let partial = '';
    const lines: Execution['lines'] = [];
    const take = (chunk: string) => {
      output += chunk;
      partial += chunk;
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      const at = since();
      for (const line of complete) lines.push([at, line]);
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (partial !== '') lines.push([since(), partial]);
      resolve({ exitCode: code, output, lines, startedAt, endedAt: Date.now() });
    });
  });
}

interface ServiceResult {
  status: string;
  error?: string;
  previousImage: string;
  deployedImage: string;
  replicas: string;
}

interface StepExecution extends Execution {
  result?: ServiceResult;
}

/** A change of a service's update state, as the manager's event stream tells it. */
interface UpdateEvent {
  /** Milliseconds since the epoch, the daemon's clock (this machine's). */
  at: number;
  /** `updating`, `completed`, `rollback_started`... */
  state: string;
}

/** Follows the manager's service events: each change of `service`'s update state. */
function followUpdateStates(swarm: Swarm, service: string) {
  const events: UpdateEvent[] = [];
  const child = spawn(
    swarm.manager.dockerd.client,
    ['events', '--filter', 'type=service', '--format', '{{json .}}'],
    { env: clientEnvironment(swarm.manager.dockerd.host, path.join(folder, 'events-config')) },
  );
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = `${partial}${chunk}`.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const event = JSON.parse(line) as {
        timeNano: number;
        Actor: { Attributes: Record<string, string> };
      };
      const attributes = event.Actor.Attributes;
      const state = attributes['updatestate.new'];
      if (attributes.name === service && state) {
        events.push({ at: event.timeNano / 1e6, state: state.toLowerCase() });
      }
    }
  });
  child.on('error', () => undefined);
  return { events, stop: () => child.kill() };
}

interface Phases {
  /** From the start to Swarm's update starting, Swarm's update, and from its end to the exit. */
  before: number;
  update: number;
  after: number;
}

/** The phases of a run that updated the service, from the update states seen meanwhile. */
function phasesOf(run: Execution, events: UpdateEvent[]): Phases | undefined {
  const updating = events.find(
    (event) => event.state === 'updating' && event.at >= run.startedAt && event.at <= run.endedAt,
  );
  const completed =
    updating && events.find((event) => event.state === 'completed' && event.at >= updating.at);
  if (!updating || !completed) return undefined;
  return {
    before: updating.at - run.startedAt,
    update: completed.at - updating.at,
    after: run.endedAt - completed.at,
  };
}

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)];
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
const cell = (text: string) => text.replace(/\|/g, '\\|');

async function main(): Promise<void> {
  let swarm: Swarm | undefined;
  let stopEvents: (() => void) | undefined;
  // Ctrl-C stops the swarm too (startSwarm also removes what a killed run of this slot left).
  const interrupted = () => {
    void (swarm?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const started = Date.now();
    swarm = await startSwarm({ name: 'bench-swarm', slot: SLOT });
    const setupMs = Date.now() - started;
    const { manager, registry, server, images } = swarm;
    const updateStates = followUpdateStates(swarm, SERVICE);
    stopEvents = updateStates.stop;
    const knownHosts = path.join(folder, 'known_hosts');
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);

    /** `ssh user@manager COMMAND...`: OpenSSH, the host key checked. */
    const ssh = (command: string[], input?: string): Promise<Execution> =>
      execute(
        'ssh',
        [
          ...['-F', '/dev/null', '-i', server.keys.ed25519.path],
          ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'],
          ...['-o', `UserKnownHostsFile=${knownHosts}`],
          `${server.user}@${manager.address}`,
          ...command,
        ],
        { input },
      );
    const mustSsh = async (command: string[], input?: string): Promise<void> => {
      const run = await ssh(command, input);
      if (run.exitCode !== 0) throw new Error(`ssh ${command.join(' ')}: ${run.output}`);
    };

    // The manager's user logs in once, as someone running the command by hand would have.
    await mustSsh(
      ['docker', 'login', '--username', registry.username, '--password-stdin', registry.address],
      registry.password,
    );
    await mustSsh([
      ...['docker', 'service', 'create', '--detach=false', '--with-registry-auth'],
      ...[`--name=${SERVICE}`, `--replicas=${REPLICAS}`, ...SETTINGS, images.v1],
    ]);
    let current: 'v1' | 'v2' = 'v1';
    /** Each contender's updates, in order, the warm-up's included. */
    const plainRuns: Execution[] = [];
    const stepRuns: StepExecution[] = [];
    const next = (): 'v1' | 'v2' => (current === 'v1' ? 'v2' : 'v1');

    const plainUpdate = (image: string): Promise<Execution> =>
      ssh([
        ...['docker', 'service', 'update', '--detach=false', '--with-registry-auth'],
        ...[`--image=${image}`, ...SETTINGS, SERVICE],
      ]);
    const plainTo = async (tag: 'v1' | 'v2'): Promise<Execution> => {
      const run = await plainUpdate(images[tag]);
      if (run.exitCode !== 0 || !/verify: Service (\S+ )?converged/.test(run.output)) {
        throw new Error(`plain update to ${tag} failed (${run.exitCode}):\n${run.output}`);
      }
      current = tag;
      plainRuns.push(run);
      return run;
    };

    const stepEnv = (image: string) =>
      stepEnvironment({
        host: manager.address,
        username: server.user,
        key: server.keys.ed25519.privateKey,
        fingerprint: server.hostKeyFingerprint,
        retries: '0',
        'connect-timeout': '10s',
        service: SERVICE,
        image,
        registry: registry.address,
        'registry-username': registry.username,
        'registry-password': registry.password,
        'health-timeout': MONITOR,
        'stop-timeout': STOP_GRACE,
        'update-parallelism': String(PARALLELISM),
        'update-order': ORDER,
        'update-delay': '0s',
        'max-failure-ratio': '0',
        rollback: 'true',
        'command-timeout': `${RUN_TIMEOUT_MS / 1000}s`,
      });
    const envs = { v1: stepEnv(images.v1), v2: stepEnv(images.v2) };

    const runStep = async (env: NodeJS.ProcessEnv): Promise<StepExecution> => {
      for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) writeFileSync(env[name]!, '');
      const run = await execute(node, [bundle], { env });
      const outputs = parseFileCommands(readFileSync(env.GITHUB_OUTPUT!, 'utf8'));
      const results = outputs.results
        ? (JSON.parse(outputs.results) as ServiceResult[])
        : undefined;
      return { ...run, result: results?.[0] };
    };
    const stepTo = async (tag: 'v1' | 'v2'): Promise<StepExecution> => {
      const run = await runStep(envs[tag]);
      if (
        run.exitCode !== 0 ||
        run.result?.status !== 'updated' ||
        !run.result.deployedImage.startsWith(`${images[tag]}@`)
      ) {
        throw new Error(`step update to ${tag} failed (${run.exitCode}):\n${run.output}`);
      }
      current = tag;
      stepRuns.push(run);
      return run;
    };

    // Each run updates from what the run before left, so each contender goes v1 → v2 and
    // v2 → v1 in turn (the order of the two alternates each round).
    const timed = await sideBySide(
      [
        {
          name: 'ssh user@manager docker service update --detach=false',
          run: async () => {
            await plainTo(next());
          },
        },
        {
          name: 'ssh-redeploy step, service mode',
          run: async () => {
            await stepTo(next());
          },
        },
      ],
      ROUNDS,
      WARMUP,
    );

    const inspect = (format: string) =>
      swarm!.docker(['service', 'inspect', '--format', format, SERVICE]);
    const spec = await inspect('{{.Spec.TaskTemplate.ContainerSpec.Image}}');
    if (!spec.startsWith(`${images[current]}@`)) {
      throw new Error(`the service runs ${spec}, not ${images[current]}, after the rounds`);
    }

    // Where the time goes in the timed runs (the warm-up's left out).
    const phaseRow = (name: string, runs: Execution[]): string => {
      const phases = runs.slice(WARMUP).flatMap((run) => {
        const found = phasesOf(run, updateStates.events);
        return found ? [found] : [];
      });
      const of = (key: keyof Phases) => seconds(median(phases.map((phase) => phase[key])));
      return `| ${name} | ${phases.length} | ${of('before')} | ${of('update')} | ${of('after')} |`;
    };
    const phaseRows = [
      phaseRow('docker service update --detach=false', plainRuns),
      phaseRow('ssh-redeploy step', stepRuns),
    ];
    /** The median time since its start at which the step's log reached a line. */
    const milestone = (pattern: RegExp): string =>
      seconds(
        median(
          stepRuns.slice(WARMUP).flatMap((run) => {
            const found = run.lines.find(([, line]) => pattern.test(line));
            return found ? [found[0]] : [];
          }),
        ),
      );
    const milestones = [
      `first line ${milestone(/^::group::/)} s`,
      `connected ${milestone(/^Connected to /)} s`,
      `first look done ${milestone(/^(Updating|Creating) /)} s`,
      `first progress line ${milestone(new RegExp(`^${SERVICE}: \\d+/\\d+ tasks`))} s`,
      `[completed] seen ${milestone(/\[completed\]$/)} s`,
    ];

    /** What Swarm reached: its update state, and the images of the tasks it wants running. */
    const reached = async (): Promise<string> => {
      const state = await inspect('{{.UpdateStatus.State}}');
      const tasks = await swarm!.docker([
        ...['service', 'ps', '--filter', 'desired-state=running'],
        ...['--format', '{{.Image}} {{.CurrentState}}', SERVICE],
      ]);
      const running = tasks
        .split('\n')
        .filter((line) => / Running /.test(line))
        .map((line) => line.split(' ')[0].replace(/@.*$/, '').split(':').pop());
      return `${state}, ${running.length}/${REPLICAS} running ${[...new Set(running)].join(', ')}`;
    };
    const rollbackRows: string[] = [];
    {
      const from = current;
      const run = await plainUpdate(images.unhealthy);
      const said = run.output
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => /^rollback:|converged/.test(line));
      const told = [...new Set(said)].join(' / ') || '(nothing)';
      rollbackRows.push(
        `| docker service update --detach=false | ${from} → unhealthy | ${run.exitCode} | ${cell(told)} | ${await reached()} | ${seconds(run.endedAt - run.startedAt)} |`,
      );
    }
    {
      const from = current;
      const run = await runStep(stepEnv(images.unhealthy));
      const told = run.result
        ? `status ${run.result.status}: ${run.result.error ?? ''}`
        : '(no results output)';
      rollbackRows.push(
        `| ssh-redeploy step | ${from} → unhealthy | ${run.exitCode} | ${cell(told)} | ${await reached()} | ${seconds(run.endedAt - run.startedAt)} |`,
      );
    }

    const [plain, step] = timed;
    const overheadMs = step.medianMs - plain.medianMs;
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    process.stdout.write(
      `ssh-redeploy service mode under Node ${version}, against OpenSSH and the docker CLI on the manager ` +
        `of a ${swarm.nodes.length}-node Swarm (started in ${seconds(setupMs)} s).\n\n` +
        `Rolling update of ${SERVICE} (${REPLICAS} replicas, parallelism ${PARALLELISM}, ${ORDER}, monitor ${MONITOR}), ` +
        `v1 ⇄ v2, ${ROUNDS} interleaved rounds after ${WARMUP} warm-up:\n\n${figuresTable(timed)}\n\n` +
        `Difference of medians (step - plain): ${overheadMs.toFixed(0)} ms (target: under 1000 ms)\n\n` +
        `Where the time goes, medians of the same runs in seconds (Swarm's update: from its update state ` +
        `updating to completed, in the manager's service events):\n\n` +
        `| contender | runs | until Swarm's update starts | Swarm's update | after Swarm completed |\n|---|---|---|---|---|\n` +
        `${phaseRows.join('\n')}\n\n` +
        `The step's log, medians since its start: ${milestones.join(', ')}.\n\n` +
        `An update to an image whose HEALTHCHECK fails, --update-failure-action rollback (not timed for the target):\n\n` +
        `| contender | update | exit code | says | Swarm reached | s |\n|---|---|---|---|---|---|\n` +
        `${rollbackRows.join('\n')}\n`,
    );
  } finally {
    stopEvents?.();
    await swarm?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
