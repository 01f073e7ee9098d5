import { formatDuration } from '../../shared/duration';
import { errorMessage } from '../../shared/errors';
import type { Clock } from '../../shared/retry';
import type { Connector } from './connector';
import { deployProgram, newNonce, type DeployPlan } from './deploy-program';
import type { HostOutcome, HostStatus } from './fan-out';
import type { HostLog } from './host-log';
import type { Target } from './hosts';
import type { ContainerMode } from './inputs';
import { runOnHost } from './run-script';
import { newSudoPrompt, signalName, type RunResult } from './ssh';

/** What the deploy program reported through its marker lines. */
export interface DeployReport {
  result?: HostStatus;
  reason?: string;
  previousImage?: string;
  deployedImage?: string;
  restored?: string;
  /** The container the deploy began to change (`changing`): absent, nothing was changed. */
  changing?: string;
  /** The failed container's last log lines. */
  containerLog: string[];
}

/** Reads a marker line (`<nonce> <key> <value>`) into the report; false for other lines. */
export function readMarker(line: string, nonce: string, report: DeployReport): boolean {
  if (!line.startsWith(`${nonce} `)) return false;
  const rest = line.slice(nonce.length + 1);
  const space = rest.indexOf(' ');
  const key = space < 0 ? rest : rest.slice(0, space);
  const value = space < 0 ? '' : rest.slice(space + 1);
  switch (key) {
    case 'result':
      if (['success', 'failed', 'rolled-back'].includes(value)) report.result = value as HostStatus;
      break;
    case 'reason':
      report.reason = value;
      break;
    case 'previous-image':
      report.previousImage = value;
      break;
    case 'deployed-image':
      report.deployedImage = value;
      break;
    case 'restored':
      report.restored = value;
      break;
    case 'changing':
      report.changing = value;
      break;
    case 'log':
      report.containerLog.push(value);
      break;
  }
  return true;
}

function planOf(mode: ContainerMode, sudoPrompt: string): DeployPlan {
  return {
    spec: mode.spec,
    registry: mode.registry,
    keepPrevious: mode.keepPrevious,
    prune: mode.prune,
    healthCmd: mode.healthCmd,
    healthTimeoutSeconds: Math.ceil(mode.healthTimeoutMs / 1000),
    rollback: mode.rollback,
    stopTimeoutSeconds: mode.stopTimeoutSeconds,
    ...(mode.terminal && {
      sudo: {
        prompt: sudoPrompt,
        docker: mode.terminal.sudoPassword !== undefined,
      },
    }),
  };
}

/** Replaces the container on one host and says how it went. */
export async function deployContainerOn(
  target: Target,
  mode: ContainerMode,
  timeoutMs: number,
  connector: Connector,
  log: HostLog,
  clock: Clock,
): Promise<HostOutcome> {
  const started = clock.now();
  const nonce = newNonce();
  // On a terminal, sudo prompts with a text of this deploy's own, which the step answers.
  const sudo = newSudoPrompt();
  const report: DeployReport = { containerLog: [] };
  const outcome = (status: HostStatus, exitCode: number | null, error?: string): HostOutcome => ({
    host: target.label,
    status,
    exitCode,
    durationMs: clock.now() - started,
    ...(error ? { error } : {}),
    previousImage: report.previousImage,
    deployedImage: report.deployedImage,
    containerLog: report.containerLog,
  });

  log.begin(`${target.label}: deploy ${mode.spec.image} as ${mode.spec.container}`);
  let result: RunResult;
  try {
    const program = deployProgram(planOf(mode, sudo.prompt), nonce);
    result = await runOnHost(target, program, timeoutMs, connector, log, {
      // On a terminal, stderr comes on the same stream, and lines end with CRLF (LineSplitter
      // takes the CR off): the marker lines read the same.
      stdoutLine: (line) => readMarker(line, nonce, report),
      terminal: mode.terminal && {
        prompt: sudo.marker,
        sudoPassword: mode.terminal.sudoPassword,
      },
    });
  } catch (error) {
    const message = errorMessage(error);
    log.info(message);
    log.end(`${target.label}: failed`);
    return outcome('failed', null, message);
  }

  const took = formatDuration(clock.now() - started);
  const final = judge(target.label, mode, result, report, timeoutMs);
  const done = outcome(final.status, result.code, final.error);
  log.info(
    final.error ??
      `${target.label}: ${mode.spec.container} now runs ${report.deployedImage ?? mode.spec.image} (${took}).`,
  );
  log.end(`${target.label}: ${final.status} (${took})`);
  return done;
}

/** The host's status and, unless it succeeded, the sentence that says why. */
function judge(
  label: string,
  mode: ContainerMode,
  result: RunResult,
  report: DeployReport,
  timeoutMs: number,
): { status: HostStatus; error?: string } {
  const container = mode.spec.container;
  if (result.timedOut && report.result === 'rolled-back') {
    return {
      status: 'rolled-back',
      error: `${label}: the deploy did not finish within command-timeout (${formatDuration(timeoutMs)}); rolled back: the service was restored to ${report.restored ?? report.previousImage ?? 'the previous container'}.`,
    };
  }
  if (result.timedOut) {
    const then = result.connectionLost
      ? `, and then the connection failed (${result.connectionLost}); check ${container} and ${container}-previous on the server`
      : report.reason
        ? `: ${report.reason}`
        : ` and was ended; check ${container} and ${container}-previous on the server`;
    return {
      status: 'failed',
      error: `${label}: the deploy did not finish within command-timeout (${formatDuration(timeoutMs)})${then}.`,
    };
  }
  if (result.sudoRefused) {
    // The first docker command is the first to ask: most often, nothing was changed yet.
    const where =
      report.changing === undefined
        ? 'nothing was changed on the server'
        : `check ${container} and ${container}-previous on the server`;
    return {
      status: 'failed',
      error: `${label}: ${result.sudoRefused} The deploy stopped: ${where}.`,
    };
  }
  if (result.connectionLost) {
    return {
      status: 'failed',
      error: `${label}: the connection was lost during the deploy (${result.connectionLost}); check ${container} on the server.`,
    };
  }
  if (report.result === 'success' && result.code === 0) return { status: 'success' };
  if (report.result === 'rolled-back') {
    return {
      status: 'rolled-back',
      error: `${label}: ${report.deployedImage ?? mode.spec.image} failed (${report.reason ?? 'see the log'}); rolled back: the service was restored to ${report.restored ?? report.previousImage ?? 'the previous container'}.`,
    };
  }
  if (report.result === 'failed') {
    return { status: 'failed', error: `${label}: ${report.reason ?? 'the deploy failed'}.` };
  }
  return {
    status: 'failed',
    error: `${label}: the deploy stopped at an unexpected error (exit code ${result.code ?? signalName(result) ?? 'none'}); see the log, and check ${container} and ${container}-previous on the server.`,
  };
}
