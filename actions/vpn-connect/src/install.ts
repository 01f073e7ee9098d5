// Making sure the VPN programs are there, installing them with apt-get when allowed.
import { existsSync } from 'node:fs';
import type { ActionContext } from '../../shared/context';
import { ActionFailure } from '../../shared/errors';
import type { RunProcess } from '../../shared/process';
import { describeFailure, findExecutable, type Privilege } from './system';

export interface Tool {
  program: string;
  debianPackage: string;
}

/** What each type needs; wireguard-go only where the kernel has no WireGuard module. */
export function requiredTools(type: 'openvpn' | 'wireguard', kernelWireGuard: boolean): Tool[] {
  const ip = { program: 'ip', debianPackage: 'iproute2' };
  if (type === 'openvpn') return [{ program: 'openvpn', debianPackage: 'openvpn' }, ip];
  return [
    { program: 'wg-quick', debianPackage: 'wireguard-tools' },
    { program: 'wg', debianPackage: 'wireguard-tools' },
    ip,
    ...(kernelWireGuard ? [] : [{ program: 'wireguard-go', debianPackage: 'wireguard-go' }]),
  ];
}

export function missingPackages(tools: Tool[], find: (program: string) => string | undefined) {
  return [
    ...new Set(tools.filter((tool) => !find(tool.program)).map((tool) => tool.debianPackage)),
  ];
}

async function hasKernelWireGuard(exec: RunProcess): Promise<boolean> {
  if (existsSync('/sys/module/wireguard')) return true;
  return (await exec('modinfo', ['-n', 'wireguard'], { timeoutMs: 10_000 })).code === 0;
}

/** apt-get's argv: non-interactive, and waiting for another apt or dpkg to finish. */
export function aptGetArguments(command: 'install' | 'update', packages: string[] = []): string[] {
  return [
    'DEBIAN_FRONTEND=noninteractive',
    'apt-get',
    '-o',
    'DPkg::Lock::Timeout=300',
    '-q',
    command,
    ...(command === 'install' ? ['-y', '--no-install-recommends', ...packages] : []),
  ];
}

const APT_TIMEOUT_MS = 600_000;

export async function ensureTools(
  { exec, log }: Pick<ActionContext, 'exec' | 'log'>,
  type: 'openvpn' | 'wireguard',
  install: boolean,
  privilege: Privilege,
): Promise<void> {
  const tools = requiredTools(type, type === 'wireguard' && (await hasKernelWireGuard(exec)));
  const missing = missingPackages(tools, (program) => findExecutable(program));
  if (missing.length === 0) return;
  if (!install) {
    throw new ActionFailure(
      `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed. Set install: true, or install ${missing.length > 1 ? 'them' : 'it'} in an earlier step.`,
    );
  }
  if (!findExecutable('apt-get')) {
    throw new ActionFailure(
      `${missing.join(', ')} must be installed, and this runner has no apt-get: install ${missing.length > 1 ? 'them' : 'it'} in an earlier step.`,
    );
  }
  log.info(`Installing ${missing.join(', ')} with apt-get.`);
  const apt = (args: string[]) =>
    exec(...privilege.command('env', args), { timeoutMs: APT_TIMEOUT_MS });
  const attempt = () => apt(aptGetArguments('install', missing));
  let result = await attempt();
  if (result.code !== 0) {
    // The package lists of a fresh runner image can be stale; refresh them once.
    log.info('apt-get install failed; updating the package lists and trying again.');
    await apt(aptGetArguments('update'));
    result = await attempt();
  }
  if (result.code !== 0) {
    throw new ActionFailure(
      `Could not install ${missing.join(', ')}: ${describeFailure(result, APT_TIMEOUT_MS)}`,
    );
  }
  const still = missingPackages(tools, (program) => findExecutable(program));
  if (still.length > 0) {
    throw new ActionFailure(`apt-get ran, but ${still.join(', ')} is still missing.`);
  }
}
