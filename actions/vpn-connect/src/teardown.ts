// Taking the tunnel down: the one process this action started, its interface, its files. Used
// by main when it fails after starting something, and by post. Each part checks before it acts,
// so running it again, or after a main step that stopped early, does no harm.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { errorMessage } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { interfaceIndex } from './network';
import type { TunnelRecord } from './state';
import { describeFailure, findExecutable, liveCommandLine, sleep, type Privilege } from './system';

const TERM_GRACE_MS = 5_000;
const KILL_GRACE_MS = 2_000;

/** Whether a live process is the one this action started, judged by its command line. */
export function isOurProcess(argv: string[] | undefined, record: TunnelRecord): boolean {
  if (!argv) return false;
  if (record.type === 'openvpn') return argv.includes(record.configPath);
  return argv.some((arg) => /wireguard-go$/.test(arg)) && argv.at(-1) === record.device;
}

function recordedPid(record: TunnelRecord): number | undefined {
  if (record.pid) return record.pid;
  if (!record.pidFile || !existsSync(record.pidFile)) return undefined;
  const pid = Number(readFileSync(record.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

async function waitGone(pid: number, record: TunnelRecord, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isOurProcess(liveCommandLine(pid), record)) return true;
    await sleep(25);
  }
  return !isOurProcess(liveCommandLine(pid), record);
}

async function signal(pid: number, name: 'SIGTERM' | 'SIGKILL', privilege: Privilege) {
  if (privilege.isRoot) {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    return;
  }
  const result = await privilege.run('kill', [`-${name.slice(3)}`, String(pid)], {
    timeoutMs: 10_000,
  });
  if (result.code !== 0 && liveCommandLine(pid)) {
    throw new Error(`could not signal process ${pid}: ${describeFailure(result)}`);
  }
}

/** SIGTERM, a grace period, then SIGKILL: only ever to the PID this action recorded. */
async function stopProcess(record: TunnelRecord, privilege: Privilege, log: Logger): Promise<void> {
  const pid = recordedPid(record);
  if (pid === undefined) return;
  if (!isOurProcess(liveCommandLine(pid), record)) {
    log.debug(`Process ${pid} has already ended.`);
    return;
  }
  const name = record.type === 'openvpn' ? 'OpenVPN' : 'wireguard-go';
  await signal(pid, 'SIGTERM', privilege);
  if (await waitGone(pid, record, TERM_GRACE_MS)) {
    log.info(`Stopped ${name} (process ${pid}).`);
    return;
  }
  log.warning(`${name} (process ${pid}) did not stop within 5s of SIGTERM; sending SIGKILL.`);
  await signal(pid, 'SIGKILL', privilege);
  if (!(await waitGone(pid, record, KILL_GRACE_MS))) {
    throw new Error(`${name} (process ${pid}) is still running after SIGKILL`);
  }
}

/** Whether the recorded device still exists as the very interface this action brought up. */
async function ourDeviceExists(record: TunnelRecord): Promise<boolean> {
  if (!record.device || record.deviceIndex === undefined) return false;
  return (await interfaceIndex(record.device)) === record.deviceIndex;
}

async function bringDeviceDown(record: TunnelRecord, privilege: Privilege, log: Logger) {
  if (!(await ourDeviceExists(record))) return;
  if (record.type === 'wireguard' && existsSync(record.configPath)) {
    const wgQuick = findExecutable('wg-quick') ?? 'wg-quick';
    const result = await privilege.run(wgQuick, ['down', record.configPath], {
      timeoutMs: 30_000,
    });
    if (result.code === 0) {
      log.info(`Brought ${record.device} down (wg-quick down).`);
      return;
    }
    log.warning(`wg-quick down failed (${describeFailure(result)}); deleting ${record.device}.`);
  }
  if (!(await ourDeviceExists(record))) return;
  const result = await privilege.run(findExecutable('ip') ?? 'ip', [
    'link',
    'delete',
    'dev',
    record.device!,
  ]);
  if (result.code !== 0 && (await ourDeviceExists(record))) {
    throw new Error(`could not delete interface ${record.device}: ${describeFailure(result)}`);
  }
  log.info(`Deleted interface ${record.device}.`);
}

async function removeFolder(dir: string | undefined, privilege: Privilege): Promise<void> {
  if (!dir || !existsSync(dir)) return;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    // Files the daemon wrote as root may need root to go.
    const result = await privilege.run('rm', ['-rf', '--', dir], { timeoutMs: 30_000 });
    if (result.code !== 0 || existsSync(dir)) {
      throw new Error(`could not delete ${dir}: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/**
 * Takes everything down, in an order that lets each part clean up after itself: for OpenVPN
 * the daemon first (it removes its routes and device as it exits); for WireGuard wg-quick
 * down first (wireguard-go exits when its device goes). Failures are reported as warnings and
 * the remaining parts still run. Returns whether everything is gone.
 */
export async function teardown(
  record: TunnelRecord,
  privilege: Privilege,
  log: Logger,
): Promise<boolean> {
  const parts: [string, () => Promise<void>][] =
    record.type === 'openvpn'
      ? [
          ['stop OpenVPN', () => stopProcess(record, privilege, log)],
          ['bring the interface down', () => bringDeviceDown(record, privilege, log)],
        ]
      : [
          ['bring the interface down', () => bringDeviceDown(record, privilege, log)],
          ['stop wireguard-go', () => stopProcess(record, privilege, log)],
        ];
  parts.push([
    'delete the files',
    async () => {
      await removeFolder(record.workDir, privilege);
      await removeFolder(record.socketDir, privilege);
    },
  ]);
  let clean = true;
  for (const [what, part] of parts) {
    try {
      await part();
    } catch (error) {
      clean = false;
      log.warning(`Could not ${what}: ${errorMessage(error)}`);
    }
  }
  return clean;
}
