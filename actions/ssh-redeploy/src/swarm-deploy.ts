// Service mode: creates or updates a Swarm service through one SSH connection to a manager,
// then follows Swarm until every task it wants runs the new image, or Swarm has rolled back.
// The changes are made by remote/swarm-docker.sh, the looks by remote/swarm-status.sh; what
// their answers mean is decided in swarm-status.ts.
import { formatDuration } from '../../shared/duration';
import { ActionFailure, errorMessage } from '../../shared/errors';
import type { Clock } from '../../shared/retry';
import type { Connector } from './connector';
import { newNonce } from './deploy-program';
import type { HostLog } from './host-log';
import type { Target } from './hosts';
import type { ServiceMode } from './inputs';
import { lines, remoteFiles, remoteProgram } from './remote-shell';
import type { Connection, RunResult } from './ssh';
import { chooseUpdateOrder, createArguments, updateArguments } from './swarm-spec';
import {
  countConverged,
  describeTask,
  failedTasks,
  parseSnapshot,
  phaseOf,
  progressLine,
  splitSections,
  wantedTasks,
  type ServiceSnapshot,
  type ServiceStatus,
  type Task,
} from './swarm-status';

/** How often Swarm is asked how the update goes. */
const POLL_INTERVAL_MS = 500;
/** After command-timeout, how long the rollback the action asks for may take. */
const ROLLBACK_WAIT_MS = 60_000;
/** One look or one change; the whole deploy is bounded by command-timeout besides. */
const CALL_TIMEOUT_MS = 60_000;
/** Looks in a row that may fail before the deploy gives up following Swarm. */
const LOOK_ATTEMPTS = 3;
/** A failed task's log lines shown in the log and the summary. */
const LOG_LINES = 20;

export interface ServiceOutcome {
  /** The manager the deploy went through. */
  host: string;
  service: string;
  status: ServiceStatus;
  durationMs: number;
  error?: string;
  previousImage: string;
  deployedImage: string;
  /** `running/desired` */
  replicas: string;
  tasks: Array<{ node: string; state: string; image: string; error: string }>;
  /** The failed task's last log lines. */
  taskLog: string[];
}

/** One program's answer: stdout kept whole, stderr to the log. */
interface Answer {
  result: RunResult;
  stdout: string;
}

class Manager {
  constructor(
    readonly target: Target,
    private readonly connection: Connection,
    private readonly log: HostLog,
  ) {}

  async call(program: string, timeoutMs: number, quiet = false): Promise<Answer> {
    let stdout = '';
    let stderr = '';
    const result = await this.connection.run(
      program,
      {
        stdout: (chunk) => (stdout += chunk.toString('utf8')),
        stderr: (chunk) => (stderr += chunk.toString('utf8')),
      },
      timeoutMs,
    );
    if (!quiet || result.code !== 0) this.show(stderr.split('\n'));
    if (result.timedOut)
      throw new ActionFailure(`${this.target.label}: Swarm did not answer in time.`);
    if (result.connectionLost) {
      throw new ActionFailure(
        `${this.target.label}: the connection was lost (${result.connectionLost}).`,
      );
    }
    return { result, stdout };
  }

  /** Lines from the server (Swarm's words, node names), never read as workflow commands. */
  show(lines: string[]): void {
    const shown = lines.filter((line) => line.trim() !== '');
    if (shown.length === 0) return;
    this.log.startOutput();
    for (const line of shown) this.log.line(line);
    this.log.endOutput();
  }

  async look(
    service: string,
    nonce: string,
    check = false,
  ): Promise<{ swarm?: string; snapshot?: ServiceSnapshot }> {
    const program = remoteProgram(remoteFiles.swarmStatus(), {
      NONCE: nonce,
      SERVICE: service,
      CHECK: check ? '1' : '0',
    });
    const answer = await this.call(program, CALL_TIMEOUT_MS, true);
    if (answer.result.code === 11) {
      throw new ActionFailure(`${this.target.label}: Docker does not answer; see the log above.`);
    }
    if (answer.result.code !== 0) {
      throw new ActionFailure(
        `${this.target.label}: could not read the state of ${service} (exit code ${answer.result.code ?? 'none'}); see the log above.`,
      );
    }
    return {
      swarm: splitSections(answer.stdout, nonce).get('swarm')?.trim(),
      snapshot: parseSnapshot(answer.stdout, nonce),
    };
  }

  async docker(
    args: string[],
    nonce: string,
    registry?: ServiceMode['registry'],
    merge = false,
  ): Promise<Answer & { reason?: string }> {
    const program = remoteProgram(remoteFiles.swarmDocker(), {
      NONCE: nonce,
      ARGS: lines(args),
      MERGE: merge ? '1' : '0',
      REGISTRY: registry?.host ?? '',
      REGISTRY_USERNAME: registry?.username ?? '',
      REGISTRY_PASSWORD: registry?.password ?? '',
    });
    const answer = await this.call(program, CALL_TIMEOUT_MS);
    const reasonLine = answer.stdout
      .split('\n')
      .find((line) => line.startsWith(`${nonce} reason `));
    this.show(answer.stdout.split('\n').filter((line) => !line.startsWith(`${nonce} `)));
    return { ...answer, reason: reasonLine?.slice(`${nonce} reason `.length) };
  }
}

/** Connects to the first manager that answers; the others are fallbacks. */
async function reachManager(
  targets: Target[],
  connector: Connector,
  log: HostLog,
): Promise<Manager> {
  const problems: string[] = [];
  for (const target of targets) {
    try {
      const connection = await connector.connect(target);
      log.info(
        `Connected to ${target.label} as ${target.username} (host key ${connection.hostKeyNote}).`,
      );
      return new Manager(target, connection, log);
    } catch (error) {
      if (targets.length === 1) throw error;
      problems.push(errorMessage(error));
      log.info(`${errorMessage(error)} Trying the next manager.`);
    }
  }
  throw new ActionFailure(`No manager answered: ${problems.join(' ')}`);
}

function taskRows(snapshot: ServiceSnapshot | undefined): ServiceOutcome['tasks'] {
  if (!snapshot) return [];
  return wantedTasks(snapshot)
    .map((task) => ({ node: task.node, state: task.state, image: task.image, error: task.error }))
    .sort((a, b) => a.node.localeCompare(b.node));
}

/** Creates or updates the service and follows Swarm until it is done. */
export async function deployService(
  targets: Target[],
  mode: ServiceMode,
  timeoutMs: number,
  connector: Connector,
  log: HostLog,
  clock: Clock,
  warn: (message: string) => void,
): Promise<ServiceOutcome> {
  const started = clock.now();
  const deadline = started + timeoutMs;
  const nonce = newNonce();
  const { spec } = mode;
  log.begin(`${spec.service}: deploy ${spec.image ?? 'the current image'} on Swarm`);
  const manager = await reachManager(targets, connector, log);
  const label = manager.target.label;

  const first = await manager.look(spec.service, nonce, true);
  const [nodeState, control] = (first.swarm ?? '').split(' ');
  if (nodeState !== 'active') {
    throw new ActionFailure(
      `${label} is not part of a Swarm (its state is ${nodeState || 'unknown'}). Run docker swarm init there first, or use container: to run one container.`,
    );
  }
  if (control !== 'true') {
    throw new ActionFailure(
      `${label} is a Swarm worker, not a manager: services can only be changed on a manager. Name a manager in host (docker node ls on a manager lists them).`,
    );
  }
  const before = first.snapshot;
  if (!before && spec.image === undefined) {
    throw new ActionFailure(
      `${label}: there is no service ${spec.service} to update. Give image to create it, or check the name (docker service ls).`,
    );
  }

  const choice = chooseUpdateOrder(
    spec,
    spec.ports.length > 0
      ? spec.ports.filter((port) => port.mode === 'host').map((port) => port.published)
      : (before?.hostModePorts ?? []),
  );
  if (choice.notice) warn(choice.notice);
  const args = before
    ? updateArguments(spec, choice.order, before)
    : createArguments(spec, choice.order, spec.image ?? '');
  log.info(
    `${before ? 'Updating' : 'Creating'} ${spec.service} (${choice.order}, monitor ${formatDuration(spec.monitorMs)} per task).`,
  );
  const applied = await manager.docker(args, nonce, mode.registry);
  const outcome = (
    status: ServiceStatus,
    snapshot: ServiceSnapshot | undefined,
    error?: string,
    taskLog: string[] = [],
  ): ServiceOutcome => {
    const counts = snapshot ? countConverged(snapshot) : { running: 0, desired: 0 };
    return {
      host: label,
      service: spec.service,
      status,
      durationMs: clock.now() - started,
      ...(error ? { error } : {}),
      previousImage: before?.image ?? '',
      deployedImage:
        status === 'updated' || status === 'created' || status === 'unchanged'
          ? (snapshot?.image ?? '')
          : '',
      replicas: `${counts.running}/${counts.desired}`,
      tasks: taskRows(snapshot),
      taskLog,
    };
  };
  if (applied.result.code !== 0) {
    const why =
      applied.reason ??
      `docker service ${before ? 'update' : 'create'} failed (exit code ${applied.result.code ?? 'none'}); see the log above`;
    log.end(`${spec.service}: failed`);
    return outcome('failed', before, `${spec.service}: nothing was changed: ${why}.`);
  }

  // Follow Swarm until it is done, or the time is up.
  let snapshot: ServiceSnapshot | undefined = before;
  let shown = '';
  const follow = async (until: number, rollingBack: boolean) => {
    let failures = 0;
    for (;;) {
      let seen: ServiceSnapshot | undefined;
      try {
        seen = (await manager.look(spec.service, nonce)).snapshot;
        failures = 0;
      } catch (error) {
        // One look that fails (Swarm busy, a task gone between two commands) is asked again.
        failures += 1;
        if (failures >= LOOK_ATTEMPTS) throw error;
        await clock.sleep(POLL_INTERVAL_MS);
        continue;
      }
      if (!seen)
        throw new ActionFailure(
          `${label}: the service ${spec.service} disappeared during the deploy.`,
        );
      snapshot = seen;
      const line = progressLine(seen);
      if (line !== shown) {
        manager.show([line]);
        shown = line;
      }
      const phase = rollingBack
        ? seen.updateState === 'rollback_completed' &&
          countConverged(seen).running >= countConverged(seen).desired
          ? ({ done: true, status: 'rolled-back' } as const)
          : seen.updateState === 'rollback_paused'
            ? ({ done: true, status: 'failed', reason: seen.updateMessage } as const)
            : ({ done: false } as const)
        : phaseOf(seen, before, before ? 0 : failedTasks(seen, seen.image).length);
      if (phase.done) return phase;
      if (clock.now() >= until) return undefined;
      await clock.sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, until - clock.now())));
    }
  };

  let phase = await follow(deadline, false);
  let timedOut = false;
  if (phase === undefined) {
    timedOut = true;
    const waited = formatDuration(clock.now() - started);
    if (before && mode.spec.rollback) {
      warn(
        `${spec.service}: the update did not finish within command-timeout (${formatDuration(timeoutMs)}); asking Swarm to roll it back.`,
      );
      await manager.docker(['service', 'rollback', '--detach', spec.service], nonce);
      phase = (await follow(clock.now() + ROLLBACK_WAIT_MS, true)) ?? {
        done: true,
        status: 'failed',
        reason: `the rollback did not finish within ${formatDuration(ROLLBACK_WAIT_MS)} either`,
      };
    } else {
      phase = { done: true, status: 'failed', reason: `not done after ${waited}` };
    }
  }

  const final: ServiceSnapshot | undefined = snapshot;
  const status = phase.status;
  if (status === 'created' || status === 'updated' || status === 'unchanged') {
    const took = formatDuration(clock.now() - started);
    manager.show([
      `${spec.service}: ${status}, ${final ? countConverged(final).running : 0} tasks on ${final?.image ?? ''} (${took}).`,
    ]);
    log.end(`${spec.service}: ${status} (${took})`);
    return outcome(status, final);
  }

  // Something went wrong: say which task, where, and what it printed.
  // After a rollback the spec's image is the old one again: the culprits ran any other.
  const culprit: Task | undefined =
    final && !timedOut
      ? failedTasks(final, status === 'rolled-back' ? { except: final.image } : final.image)[0]
      : undefined;
  let taskLog: string[] = [];
  if (culprit) {
    const logs = await manager
      .docker(
        ['service', 'logs', '--no-task-ids', '--tail', String(LOG_LINES), culprit.id],
        nonce,
        undefined,
        true,
      )
      .catch(() => undefined);
    taskLog = (logs?.stdout ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith(`${nonce} `));
  }
  const where = culprit ? `${describeTask(culprit)}` : (phase.reason ?? 'see the log above');
  let error: string;
  if (!before) {
    // Nothing ran before: a service that never worked is removed, not left retrying.
    await manager.docker(['service', 'rm', spec.service], nonce).catch(() => undefined);
    error = `${spec.service} could not be created: ${where}${timedOut ? `; not running after command-timeout (${formatDuration(timeoutMs)})` : ''}. The service was removed.`;
  } else if (status === 'rolled-back') {
    const what = timedOut
      ? `the update to ${spec.image ?? 'the new settings'} did not finish within command-timeout (${formatDuration(timeoutMs)})`
      : `${spec.image ?? 'the update'} failed (${where})`;
    error = `${spec.service}: ${what}; rolled back: every task runs ${final?.image ?? before.image} again.`;
  } else if (status === 'paused') {
    error = `${spec.service}: the update failed (${where}) and is paused, as rollback is false: docker service rollback ${spec.service} returns to ${before.image}, docker service update ${spec.service} goes on.`;
  } else {
    error = `${spec.service}: the update failed (${phase.reason ?? where}); check it with docker service ps ${spec.service}.`;
  }
  manager.show([error]);
  log.end(`${spec.service}: ${status}`);
  return outcome(!before ? 'failed' : status, final, error, taskLog);
}
