// What main asks of a tunnel, whichever program carries it: one implementation per `type`
// (openvpn-tunnel.ts, wireguard-tunnel.ts), and the few things both do alike.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionContext, Log } from '../../shared/context';
import { ConfigurationError } from '../../shared/errors';
import { coveredDefaultRoutes, describeCover } from './address-ranges';
import type { DnsSettings } from './dns';
import { redactSecrets } from './redact';
import type { TunnelRecord } from './state';

export type TunnelContext = Pick<ActionContext, 'exec' | 'clock' | 'log'>;

/** A tunnel that carries traffic. */
export interface Connection {
  /** The server as the tunnel reached it, else as the config names it. */
  server: string;
  device: string;
  /** The runner's address inside the tunnel. */
  localIp: string;
  /** The DNS servers and search domains the tunnel brings (pushed, or in the config). */
  dns: DnsSettings;
}

export interface Tunnel {
  /**
   * Where the tunnel's files go, and its device when the name is chosen in advance: what post
   * needs to clean up, known before anything starts.
   */
  readonly record: TunnelRecord;
  /** The server as the config names it, for a report made before (or without) a connection. */
  describe(): string;
  /** Writes the action's copy of the config, and the files it points at, readable by us only. */
  writeConfig(): Promise<void>;
  /**
   * Brings the tunnel up and waits until it carries traffic. Each process, file and device
   * it starts is handed to `started` as soon as it exists, so that a failure half-way still
   * leaves post (and main's own clean-up) everything to take down.
   */
  connect(deadline: number, started: (found: Partial<TunnelRecord>) => void): Promise<Connection>;
  /** Prints what explains a failed start, secrets redacted: OpenVPN's log, wg-quick's output. */
  explainFailure(): Promise<void>;
}

/**
 * Refuses a tunnel whose routes, as the kernel has them, send every address of a family
 * through it: what the config's lines could not show (a server pushing four /2 routes).
 * Main takes the tunnel down on the error.
 */
export function refuseDefaultRoutes(routes: string[]): void {
  const [cover] = coveredDefaultRoutes(routes);
  if (!cover) return;
  throw new ConfigurationError(
    'full-tunnel',
    `is false, but the tunnel's routes include ${describeCover(cover)}: the server pushed routes that would send all the runner's traffic, its link to GitHub included, through the tunnel. The action took the tunnel down. Have the server push only the private networks, or set full-tunnel: true to accept them.`,
  );
}

/** Writes a file only the runner's user can read. */
export function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Writes the action's copy of the config, readable by us only, says what it leaves out of the
 * user's, and shows it, redacted, when `echo-config` asks.
 */
export async function saveConfigCopy(
  log: Log,
  inputs: { configFile?: string; echoConfig: boolean; secrets: string[] },
  file: string,
  copy: { text: string; dropped: { name: string; reason: string }[] },
  shown: { title: string; redact: (text: string) => string },
): Promise<void> {
  writePrivate(file, copy.text);
  noticeDropped(log, copy.dropped, inputs.configFile);
  if (inputs.echoConfig) {
    await printGroup(log, shown.title, redactSecrets(shown.redact(copy.text), inputs.secrets));
  }
}

/** Says which lines of the user's config the action's copy leaves out, and why. */
function noticeDropped(
  log: Log,
  dropped: { name: string; reason: string }[],
  configFile: string | undefined,
): void {
  if (dropped.length === 0) return;
  const file = configFile ? path.basename(configFile) : "'config'";
  const byReason = new Map<string, string[]>();
  for (const { name, reason } of dropped)
    byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
  const parts = [...byReason].map(([reason, names]) => `${names.join(', ')} (${reason})`);
  log.notice(
    `The action's copy of ${file} leaves out ${parts.join('; ')}. The file itself is unchanged.`,
  );
}

export function printGroup(log: Log, title: string, text: string): Promise<void> {
  return log.group(title, () => {
    log.info(text);
    return Promise.resolve();
  });
}

/** A program's output or log in a group of its own, secrets redacted; nothing when empty. */
export async function printOutput(
  log: Log,
  title: string,
  text: string,
  secrets: string[],
): Promise<void> {
  const content = text.trimEnd();
  if (content === '') return;
  await printGroup(log, title, redactSecrets(content, secrets));
}
