// Puts `upload` on each host's connection, before its script or deploy runs on that same
// connection, and runs it alone when the step has no script (the scp-action use).
import { formatDuration } from '../../shared/duration';
import { ActionFailure, errorMessage } from '../../shared/errors';
import type { Clock } from '../../shared/retry';
import { Connector } from './connector';
import type { HostOutcome } from './fan-out';
import type { HostLog } from './host-log';
import type { Target } from './hosts';
import type { Connection } from './ssh';
import { openSftp, upload, type UploadStats } from './upload';
import type { UploadPlan } from './upload-plan';

export interface UploadJob {
  plan: UploadPlan;
  /** The log of a host, the same its script writes to. */
  logFor(label: string): HostLog;
  clock: Clock;
}

/**
 * A Connector that uploads the plan on each host's first connection, before handing it over:
 * a failed upload fails the host before anything runs there.
 */
export class UploadingConnector extends Connector {
  /** What was sent to each host (by label), failed uploads included. */
  readonly sent = new Map<string, UploadStats>();

  constructor(
    private readonly job: UploadJob,
    ...settings: ConstructorParameters<typeof Connector>
  ) {
    super(...settings);
  }

  override async connect(...args: Parameters<Connector['connect']>): Promise<Connection> {
    const connection = await super.connect(...args);
    const [target] = args;
    if (this.sent.has(target.label)) return connection;
    const stats: UploadStats = { files: 0, bytes: 0, deleted: 0 };
    this.sent.set(target.label, stats);
    try {
      await uploadOver(connection, target, this.job, stats);
    } catch (error) {
      this.release(connection);
      throw error;
    }
    return connection;
  }
}

async function uploadOver(
  connection: Connection,
  target: Target,
  job: UploadJob,
  stats: UploadStats,
): Promise<void> {
  const log = job.logFor(target.label);
  const { plan } = job;
  const started = job.clock.now();
  log.info(
    `Uploading ${count(plan.files.length + plan.links.length, 'file')} (${formatBytes(plan.bytes)}) to ${target.label}.`,
  );
  const sftp = await openSftp(connection.client).catch((error: unknown) => {
    throw new ActionFailure(
      `${target.label}: could not start SFTP (${errorMessage(error)}); the server must offer the sftp subsystem (Subsystem sftp in sshd_config). Nothing was run there.`,
    );
  });
  try {
    await upload(sftp, plan, target.label, stats);
  } finally {
    sftp.end();
  }
  log.info(
    `${target.label}: ${describeUpload(stats)} in ${formatDuration(job.clock.now() - started)}.`,
  );
}

/** A host that only receives files: connects (an UploadingConnector uploads), and closes. */
export async function uploadOnlyOn(
  target: Target,
  connector: Connector,
  log: HostLog,
  clock: Clock,
): Promise<HostOutcome> {
  const started = clock.now();
  log.begin(target.label);
  try {
    connector.release(await connector.connect(target));
  } catch (error) {
    const message = errorMessage(error);
    log.info(message);
    log.end(`${target.label}: failed`);
    return {
      host: target.label,
      status: 'failed',
      exitCode: null,
      durationMs: clock.now() - started,
      error: message,
    };
  }
  const durationMs = clock.now() - started;
  log.end(`${target.label}: success (${formatDuration(durationMs)})`);
  return { host: target.label, status: 'success', exitCode: null, durationMs };
}

/** `12 files, 3.4 MB sent, 2 deleted` for the log and the summary. */
export function describeUpload(stats: UploadStats): string {
  const deleted = stats.deleted > 0 ? `, ${stats.deleted} deleted` : '';
  return `${count(stats.files, 'file')}, ${formatBytes(stats.bytes)} sent${deleted}`;
}

function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
