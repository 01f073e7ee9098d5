// Taking the tunnel down: the one process this action started, its interface, its files. Used
// by main when it fails after starting something, and by post. Each part checks before it acts,
// so running it again, or after a main step that stopped early, does no harm.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { ActionContext } from '../../shared/context';
import { errorMessage } from '../../shared/errors';
import type { RunProcess } from '../../shared/process';
import { interfaceIndex } from './network';
import { restoreDns } from './resolver';
import type { TunnelRecord } from './state';
import { describeFailure, findExecutable, liveCommandLine, type Privilege } from './system';

type TeardownContext = Pick<ActionContext, 'exec' | 'clock' | 'log'>;

const TERM_GRACE_MS = 5_000;
const KILL_GRACE_MS = 2_000;
const KILL_TIMEOUT_MS = 10_000;
const WG_QUICK_DOWN_TIMEOUT_MS = 30_000;
const LINK_DELETE_TIMEOUT_MS = 120_000;
const RM_TIMEOUT_MS = 30_000;

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

async function waitGone(
  { clock }: TeardownContext,
  pid: number,
  record: TunnelRecord,
  ms: number,
): Promise<boolean> {
  const until = clock.now() + ms;
  while (clock.now() < until) {
    if (!isOurProcess(liveCommandLine(pid), record)) return true;
    await clock.sleep(25);
  }
  return !isOurProcess(liveCommandLine(pid), record);
}

async function signal(
  exec: RunProcess,
  pid: number,
  name: 'SIGTERM' | 'SIGKILL',
  privilege: Privilege,
) {
  if (privilege.isRoot) {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    return;
  }
  const result = await exec(...privilege.command('kill', [`-${name.slice(3)}`, String(pid)]), {
    timeoutMs: KILL_TIMEOUT_MS,
  });
  if (result.code !== 0 && liveCommandLine(pid)) {
    throw new Error(`could not signal process ${pid}: ${describeFailure(result, KILL_TIMEOUT_MS)}`);
  }
}

/** SIGTERM, a grace period, then SIGKILL: only ever to the PID this action recorded. */
async function stopProcess(
  ctx: TeardownContext,
  record: TunnelRecord,
  privilege: Privilege,
): Promise<void> {
  const { exec, log } = ctx;
  const pid = recordedPid(record);
  if (pid === undefined) return;
  if (!isOurProcess(liveCommandLine(pid), record)) {
    log.debug(`Process ${pid} has already ended.`);
    return;
  }
  const name = record.type === 'openvpn' ? 'OpenVPN' : 'wireguard-go';
  await signal(exec, pid, 'SIGTERM', privilege);
  if (await waitGone(ctx, pid, record, TERM_GRACE_MS)) {
    log.info(`Stopped ${name} (process ${pid}).`);
    return;
  }
  log.warning(`${name} (process ${pid}) did not stop within 5s of SIGTERM; sending SIGKILL.`);
  await signal(exec, pid, 'SIGKILL', privilege);
  if (!(await waitGone(ctx, pid, record, KILL_GRACE_MS))) {
    throw new Error(`${name} (process ${pid}) is still running after SIGKILL`);
  }
}

/** Whether the device still exists as the very interface this action brought up. */
async function ourDeviceExists(
  exec: RunProcess,
  device: string,
  record: TunnelRecord,
): Promise<boolean> {
  return (
    record.deviceIndex !== undefined && (await interfaceIndex(exec, device)) === record.deviceIndex
  );
}

async function bringDeviceDown(
  { exec, log }: TeardownContext,
  record: TunnelRecord,
  privilege: Privilege,
) {
  const { device } = record;
  if (!device || !(await ourDeviceExists(exec, device, record))) return;
  if (record.type === 'wireguard' && existsSync(record.configPath)) {
    const wgQuick = findExecutable('wg-quick') ?? 'wg-quick';
    const result = await exec(...privilege.command(wgQuick, ['down', record.configPath]), {
      timeoutMs: WG_QUICK_DOWN_TIMEOUT_MS,
    });
    if (result.code === 0) {
      log.info(`Brought ${device} down (wg-quick down).`);
      return;
    }
    log.warning(
      `wg-quick down failed (${describeFailure(result, WG_QUICK_DOWN_TIMEOUT_MS)}); deleting ${device}.`,
    );
  }
  if (!(await ourDeviceExists(exec, device, record))) return;
  const ip = findExecutable('ip') ?? 'ip';
  const result = await exec(...privilege.command(ip, ['link', 'delete', 'dev', device]), {
    timeoutMs: LINK_DELETE_TIMEOUT_MS,
  });
  if (result.code !== 0 && (await ourDeviceExists(exec, device, record))) {
    throw new Error(
      `could not delete interface ${device}: ${describeFailure(result, LINK_DELETE_TIMEOUT_MS)}`,
    );
  }
  log.info(`Deleted interface ${device}.`);
}

async function removeFolder(
  exec: RunProcess,
  dir: string | undefined,
  privilege: Privilege,
): Promise<void> {
  if (!dir || !existsSync(dir)) return;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    // Files the daemon wrote as root may need root to go.
    const result = await exec(...privilege.command('rm', ['-rf', '--', dir]), {
      timeoutMs: RM_TIMEOUT_MS,
    });
    if (result.code !== 0 || existsSync(dir)) {
      throw new Error(`could not delete ${dir}: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/**
 * Takes everything down, in an order that lets each part clean up after itself: the runner's
 * DNS first (systemd-resolved keeps it with the interface, which is still there); then for
 * OpenVPN the daemon (it removes its routes and device as it exits); for WireGuard wg-quick
 * down (wireguard-go exits when its device goes). Failures are reported as warnings and
 * the remaining parts still run. Returns whether everything is gone.
 */
export async function teardown(
  ctx: TeardownContext,
  record: TunnelRecord,
  privilege: Privilege,
): Promise<boolean> {
  const stop = () => stopProcess(ctx, record, privilege);
  const bringDown = () => bringDeviceDown(ctx, record, privilege);
  const parts: [string, () => Promise<void>][] =
    record.type === 'openvpn'
      ? [
          ['stop OpenVPN', stop],
          ['bring the interface down', bringDown],
        ]
      : [
          ['bring the interface down', bringDown],
          ['stop wireguard-go', stop],
        ];
  parts.push([
    'delete the files',
    async () => {
      await removeFolder(ctx.exec, record.workDir, privilege);
      await removeFolder(ctx.exec, record.socketDir, privilege);
    },
  ]);
  const { dns, device } = record;
  if (dns) {
    parts.unshift([
      "put the runner's DNS back",
      () =>
        restoreDns(ctx, dns, privilege, () =>
          device ? ourDeviceExists(ctx.exec, device, record) : Promise.resolve(false),
        ),
    ]);
  }
  let clean = true;
  for (const [what, part] of parts) {
    try {
      await part();
    } catch (error) {
      clean = false;
      ctx.log.warning(`Could not ${what}: ${errorMessage(error)}`);
    }
  }
  return clean;
}
