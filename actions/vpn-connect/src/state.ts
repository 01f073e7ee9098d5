// What main hands to post: one record of everything it started and wrote, saved as soon as
// each thing exists, so that post can clean up after a main step that died half-way.
import type { Runner } from '../../shared/runner';
import type { ResolvConfState } from './dns';

/** How the runner's DNS was changed, saved before the change: what post puts back. */
export type DnsRecord =
  | { method: 'resolvectl'; device: string }
  | { method: 'resolv.conf'; file: string; original: ResolvConfState };

export interface TunnelRecord {
  type: 'openvpn' | 'wireguard';
  /** The action's own folder (mode 700) under RUNNER_TEMP; every file it writes is inside. */
  workDir: string;
  /** A folder outside workDir, made only when workDir's path is too long for a unix socket. */
  socketDir?: string;
  /** The config copy: OpenVPN's command line names it, so it identifies our process. */
  configPath: string;
  pidFile?: string;
  /** The OpenVPN daemon, or WireGuard's userspace wireguard-go, that this step started. */
  pid?: number;
  device?: string;
  /** The device's ifindex when it came up: a later device of the same name is not ours. */
  deviceIndex?: number;
  /** The runner's DNS as it was, once the action is about to change it. */
  dns?: DnsRecord;
  /** Set once main has torn everything down itself. */
  closed?: boolean;
}

const KEY = 'tunnel';

export function saveRecord(runner: Pick<Runner, 'saveState'>, record: TunnelRecord): void {
  runner.saveState(KEY, JSON.stringify(record));
}

export function loadRecord(runner: Pick<Runner, 'getState'>): TunnelRecord | undefined {
  const text = runner.getState(KEY);
  if (text === '') return undefined;
  return JSON.parse(text) as TunnelRecord;
}
