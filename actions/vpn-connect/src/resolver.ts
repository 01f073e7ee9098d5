// Telling the runner's resolver about the tunnel's DNS, and putting its own back. What was
// there is saved (through `keep`) before anything changes, so that post can undo it even after
// a main step that died half-way. Root's rights come through the Privilege, as for the tunnel.
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import type { ActionContext } from '../../shared/context';
import { ActionFailure } from '../../shared/errors';
import {
  describeDns,
  dnsMethod,
  resolvConfText,
  sameResolvConf,
  type DnsSettings,
  type ResolvConfState,
} from './dns';
import type { DnsRecord, TunnelRecord } from './state';
import { describeFailure, findExecutable, type Privilege } from './system';

type ResolverContext = Pick<ActionContext, 'exec' | 'log'>;

const RESOLV_CONF = '/etc/resolv.conf';
// systemd-resolved keeps its runtime files here while it runs (/run is emptied at boot).
const RESOLVED_RUNTIME = '/run/systemd/resolve';
const COMMAND_TIMEOUT_MS = 30_000;

function readResolvConf(file: string): ResolvConfState {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return { kind: 'missing' };
  if (stat.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(file) };
  return { kind: 'file', text: readFileSync(file, 'utf8') };
}

async function run(
  { exec }: ResolverContext,
  privilege: Privilege,
  file: string,
  args: string[],
  input?: string,
): Promise<void> {
  const result = await exec(...privilege.command(file, args), {
    timeoutMs: COMMAND_TIMEOUT_MS,
    input,
  });
  if (result.code !== 0) {
    throw new ActionFailure(
      `${file} ${args[0]} failed: ${describeFailure(result, COMMAND_TIMEOUT_MS)}`,
    );
  }
}

/** Writes the file in place (same inode, mode and owner), as a bind-mounted file needs. */
function writeInPlace(ctx: ResolverContext, privilege: Privilege, file: string, text: string) {
  return run(ctx, privilege, 'tee', ['--', file], text);
}

/**
 * Points the runner's resolver at the tunnel's servers and search domains: per link through
 * resolvectl where systemd-resolved answers the runner's lookups, else in /etc/resolv.conf.
 */
export async function applyDns(
  ctx: ResolverContext,
  privilege: Privilege,
  device: string,
  dns: DnsSettings,
  keep: (found: Partial<TunnelRecord>) => void,
): Promise<void> {
  const original = readResolvConf(RESOLV_CONF);
  const resolvectl = findExecutable('resolvectl');
  const method = dnsMethod({
    resolvedRuns: resolvectl !== undefined && existsSync(RESOLVED_RUNTIME),
    resolvConf: original,
  });
  if (method === 'resolvectl' && resolvectl) {
    keep({ dns: { method, device } });
    if (dns.servers.length > 0) {
      await run(ctx, privilege, resolvectl, ['dns', device, ...dns.servers]);
    }
    if (dns.domains.length > 0) {
      await run(ctx, privilege, resolvectl, ['domain', device, ...dns.domains]);
    }
    ctx.log.info(`DNS through systemd-resolved on ${device}: ${describeDns(dns)}.`);
    return;
  }
  keep({ dns: { method: 'resolv.conf', file: RESOLV_CONF, original } });
  const text = resolvConfText(original.kind === 'file' ? original.text : readTarget(), dns);
  // A link (to a resolver's generated file) is replaced by a file, not written through.
  if (original.kind === 'symlink') await run(ctx, privilege, 'rm', ['-f', '--', RESOLV_CONF]);
  await writeInPlace(ctx, privilege, RESOLV_CONF, text);
  ctx.log.info(
    `DNS in ${RESOLV_CONF}${original.kind === 'symlink' ? ` (in the place of its link to ${original.target})` : ''}: ${describeDns(dns)}.`,
  );
}

/** What a linked resolv.conf reads as, to keep its servers after the tunnel's. */
function readTarget(): string {
  try {
    return readFileSync(RESOLV_CONF, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Puts the runner's DNS back as it was. Checks before it acts: running it again, or when the
 * change was never made, does nothing.
 */
export async function restoreDns(
  ctx: ResolverContext,
  record: DnsRecord,
  privilege: Privilege,
  deviceExists: () => Promise<boolean>,
): Promise<void> {
  if (record.method === 'resolvectl') {
    // systemd-resolved forgets a link's settings when the link goes.
    if (!(await deviceExists())) return;
    const resolvectl = findExecutable('resolvectl') ?? 'resolvectl';
    await run(ctx, privilege, resolvectl, ['revert', record.device]);
    ctx.log.info(`Reverted the DNS settings of ${record.device} (resolvectl revert).`);
    return;
  }
  const { file, original } = record;
  if (sameResolvConf(readResolvConf(file), original)) return;
  const current = readResolvConf(file);
  if (original.kind === 'file') {
    if (current.kind === 'symlink') await run(ctx, privilege, 'rm', ['-f', '--', file]);
    await writeInPlace(ctx, privilege, file, original.text);
  } else {
    await run(ctx, privilege, 'rm', ['-f', '--', file]);
    if (original.kind === 'symlink')
      await run(ctx, privilege, 'ln', ['-s', '--', original.target, file]);
  }
  if (!sameResolvConf(readResolvConf(file), original)) {
    throw new Error(`${file} is still not as it was before the job`);
  }
  ctx.log.info(`Put the runner's ${file} back as it was.`);
}
