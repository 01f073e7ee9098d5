// Starting OpenVPN as a daemon and following it through its management socket until it is
// connected or clearly cannot be.
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { ActionContext } from '../../shared/context';
import { formatDuration } from '../../shared/duration';
import { ActionFailure } from '../../shared/errors';
import type { RunProcess } from '../../shared/process';
import type { Clock } from '../../shared/retry';
import { ConnectionProgress, parseManagementLine, type Outcome } from './management';
import { fullTunnelFilters } from './openvpn-config';
import { describeFailure, type Privilege } from './system';

export interface OpenVpnLaunch {
  /** Absolute path of the openvpn program. */
  program: string;
  configPath: string;
  /** Where the config's relative paths are read from. */
  configDir: string;
  logFile: string;
  pidFile: string;
  socketPath: string;
  /** Whether pushed default routes are refused (only possible when the client pulls). */
  filterDefaultRoute: boolean;
  /** The runner's user, allowed on the management socket when OpenVPN runs through sudo. */
  managementUser?: string;
  /**
   * Log at verb 3, where the config asks for less: the server's pushed options (routes, DNS)
   * are only logged from there, and the action reads them from the log.
   */
  raiseVerbosity: boolean;
}

/** OpenVPN's command line. The management hold makes it wait until the action is listening. */
export function openVpnArguments(launch: OpenVpnLaunch): string[] {
  const filters = launch.filterDefaultRoute
    ? fullTunnelFilters().flatMap(([name, ...args]) => [`--${name}`, ...args])
    : [];
  return [
    // --cd also keeps the daemon from moving to /, so relative paths keep working.
    '--cd',
    launch.configDir,
    ...filters,
    '--config',
    launch.configPath,
    // After the config, so that they win over it: no program of the config's runs as root.
    '--script-security',
    '1',
    ...(launch.raiseVerbosity ? ['--verb', '3'] : []),
    '--daemon',
    '--log',
    launch.logFile,
    '--writepid',
    launch.pidFile,
    '--management',
    launch.socketPath,
    'unix',
    ...(launch.managementUser ? ['--management-client-user', launch.managementUser] : []),
    '--management-hold',
    '--management-query-passwords',
  ];
}

export interface Connected {
  pid: number;
  localIp: string;
  /** The server's address and port, as OpenVPN reached it. */
  remote: string;
  device?: string;
  withErrors: boolean;
  /** The options the server pushed, as OpenVPN logged them (`route ...`, `dhcp-option ...`). */
  pushed: string[];
}

/**
 * Starts the daemon and follows it until it is connected; `onPid` hears of its process as soon
 * as it is known, so that a failure half-way still leaves it to stop.
 */
export async function connectOpenVpn(
  { exec, clock }: Pick<ActionContext, 'exec' | 'clock'>,
  launch: OpenVpnLaunch,
  privilege: Privilege,
  deadline: number,
  timeoutMs: number,
  onPid: (pid: number) => void,
): Promise<Connected> {
  const startTimeoutMs = Math.max(1_000, deadline - clock.now());
  const started = await exec(...privilege.command(launch.program, openVpnArguments(launch)), {
    timeoutMs: startTimeoutMs,
  });
  if (started.code !== 0) {
    // Options are checked before the daemon opens its log: the reason is on stderr.
    const reason = `${started.stderr}\n${started.stdout}`
      .split('\n')
      .find((line) => /error/i.test(line));
    throw new ActionFailure(
      `OpenVPN did not start: ${reason?.trim() ?? describeFailure(started, startTimeoutMs)}`,
    );
  }
  const socket = await attach(clock, launch, deadline, timeoutMs, onPid);
  return follow(clock, socket, deadline, timeoutMs, onPid);
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the management socket, which the daemon opens right after forking. */
async function attach(
  clock: Clock,
  launch: OpenVpnLaunch,
  deadline: number,
  timeoutMs: number,
  onPid: (pid: number) => void,
): Promise<Socket> {
  let reportedPid: number | undefined;
  for (;;) {
    const pid = readPid(launch.pidFile);
    if (pid !== undefined && pid !== reportedPid) onPid((reportedPid = pid));
    if (existsSync(launch.socketPath)) {
      try {
        return await open(launch.socketPath);
      } catch {
        // Created but not yet listening: try again.
      }
    }
    if (existsSync(launch.logFile) && /Exiting due to fatal error/.test(readLog(launch.logFile))) {
      throw new ActionFailure('OpenVPN exited as it started: see its log.');
    }
    if (clock.now() > deadline) {
      throw new ActionFailure(
        `OpenVPN did not open its management socket within 'connect-timeout' (${formatDuration(timeoutMs)}).`,
      );
    }
    await clock.sleep(5);
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function open(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function follow(
  clock: Clock,
  socket: Socket,
  deadline: number,
  timeoutMs: number,
  onPid: (pid: number) => void,
): Promise<Connected> {
  const progress = new ConnectionProgress();
  let pid = 0;
  return new Promise<Connected>((resolve, reject) => {
    let buffer = '';
    let settled = false;
    const finish = (outcome: Outcome | { kind: 'error'; error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      socket.end();
      if (outcome.kind === 'connected') {
        resolve({
          pid,
          localIp: outcome.localIp,
          remote: outcome.remote,
          device: progress.device,
          withErrors: outcome.withErrors,
          pushed: progress.pushed,
        });
      } else if (outcome.kind === 'failed') {
        reject(new ActionFailure(outcome.message));
      } else {
        reject(outcome.error);
      }
    };
    // A timer, not clock.sleep: it is cancelled once the socket settles, where a sleep would
    // keep the step alive until the deadline.
    const timer = setTimeout(
      () => {
        const problem = progress.lastProblem();
        finish({
          kind: 'failed',
          message:
            `OpenVPN did not connect within 'connect-timeout' (${formatDuration(timeoutMs)}); ` +
            `its last state was ${progress.lastState}${progress.lastReason ? ` (${progress.lastReason})` : ''}` +
            `${problem ? ` and the last problem it logged: ${problem}` : ''}. ` +
            'Check that the server is reachable from the runner (address, port, protocol, firewall), or raise connect-timeout.',
        });
      },
      Math.max(0, deadline - clock.now()),
    );

    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split(/\r?\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseManagementLine(line);
        if (event.type === 'other') {
          const reply = /^SUCCESS: pid=(\d+)/.exec(event.line);
          if (reply) onPid((pid = Number(reply[1])));
          continue;
        }
        const outcome = progress.handle(event);
        if (outcome) return finish(outcome);
      }
    });
    socket.on('close', () => {
      const problem = progress.lastProblem();
      finish({
        kind: 'failed',
        message: `OpenVPN exited before connecting${problem ? `: ${problem}` : ''}. See its log.`,
      });
    });
    socket.on('error', (error) => finish({ kind: 'error', error }));
    // Listen to everything first, then let it connect; `hold off` keeps later restarts (after
    // the action has gone) from waiting for a release nobody will send.
    socket.write('pid\nlog on\nstate on\nhold off\nhold release\n');
  });
}

/** The daemon's log, read as root when it wrote it as root. */
export async function readOpenVpnLog(
  exec: RunProcess,
  file: string,
  privilege: Privilege,
): Promise<string> {
  if (!existsSync(file)) return '';
  try {
    return readFileSync(file, 'utf8');
  } catch {
    const result = await exec(...privilege.command('cat', ['--', file]), { timeoutMs: 10_000 });
    return result.code === 0 ? result.stdout : '';
  }
}
