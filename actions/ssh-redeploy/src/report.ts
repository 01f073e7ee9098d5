import { formatDuration } from '../../shared/duration';
import type { HostOutcome } from './fan-out';
import type { ServiceOutcome } from './swarm-deploy';
import { shortImage } from './swarm-status';
import type { UploadStats } from './upload';
import { describeUpload } from './upload-run';

/** What the step did on each host: ran a script, deployed a container, or only uploaded. */
export type ReportMode = 'script' | 'container' | 'upload';

const NOTHING_SENT: UploadStats = { files: 0, bytes: 0, deleted: 0 };

/** Each host's stdout in `results` keeps this much; the `stdout` output of one host keeps more. */
const RESULT_STDOUT_CHARACTERS = 65_536;

/**
 * The `results` output: one object per host, in the order of `host`; `uploaded` (what each
 * host was sent) when the step uploads.
 */
export function resultsJson(
  outcomes: HostOutcome[],
  mode: ReportMode,
  uploaded?: Map<string, UploadStats>,
): string {
  return JSON.stringify(
    outcomes.map((outcome) => {
      const base = {
        host: outcome.host,
        status: outcome.status,
        exitCode: outcome.exitCode,
        durationMs: Math.round(outcome.durationMs),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.key ? { key: outcome.key } : {}),
        ...(uploaded ? { uploaded: { ...(uploaded.get(outcome.host) ?? NOTHING_SENT) } } : {}),
      };
      if (mode === 'upload') return base;
      return mode === 'script'
        ? { ...base, stdout: (outcome.stdout ?? '').slice(0, RESULT_STDOUT_CHARACTERS) }
        : {
            ...base,
            previousImage: outcome.previousImage ?? '',
            deployedImage: outcome.deployedImage ?? '',
          };
    }),
  );
}

const STATUS_TEXT: Record<HostOutcome['status'], string> = {
  success: '✅ success',
  failed: '❌ failed',
  'rolled-back': '↩️ rolled back',
  skipped: '⏭️ skipped',
};

/** The job summary's table as rows of cells; the first row is the header. */
export function summaryRows(
  outcomes: HostOutcome[],
  mode: ReportMode,
  uploaded?: Map<string, UploadStats>,
): string[][] {
  const header =
    mode === 'script'
      ? ['Host', 'Result', 'Exit code', 'Time taken', 'Detail']
      : mode === 'upload'
        ? ['Host', 'Result', 'Time taken', 'Detail']
        : ['Host', 'Result', 'Time taken', 'Previous image', 'Deployed image', 'Detail'];
  // The upload's column comes before the detail, the last column.
  const withUpload = (cells: string[], sent: string) =>
    uploaded ? [...cells.slice(0, -1), sent, ...cells.slice(-1)] : cells;
  const rows = outcomes.map((outcome) => {
    const took = outcome.status === 'skipped' ? '' : formatDuration(outcome.durationMs);
    const detail = outcome.error ?? '';
    const sent = describeUpload(uploaded?.get(outcome.host) ?? NOTHING_SENT);
    if (mode === 'upload') {
      return withUpload([outcome.host, STATUS_TEXT[outcome.status], took, detail], sent);
    }
    const cells =
      mode === 'script'
        ? [outcome.host, STATUS_TEXT[outcome.status], String(outcome.exitCode ?? ''), took, detail]
        : [
            outcome.host,
            STATUS_TEXT[outcome.status],
            took,
            outcome.previousImage || '(none)',
            outcome.deployedImage || '',
            detail,
          ];
    return withUpload(cells, sent);
  });
  return [withUpload(header, 'Uploaded'), ...rows];
}

/** The `results` output in service mode: one object per service. */
export function serviceResultsJson(outcomes: ServiceOutcome[]): string {
  return JSON.stringify(
    outcomes.map((outcome) => ({
      service: outcome.service,
      status: outcome.status,
      host: outcome.host,
      durationMs: Math.round(outcome.durationMs),
      ...(outcome.error ? { error: outcome.error } : {}),
      previousImage: outcome.previousImage,
      deployedImage: outcome.deployedImage,
      replicas: outcome.replicas,
      tasks: outcome.tasks,
    })),
  );
}

const SERVICE_STATUS_TEXT: Record<ServiceOutcome['status'], string> = {
  updated: '✅ updated',
  created: '✅ created',
  unchanged: '✅ unchanged',
  'rolled-back': '↩️ rolled back',
  paused: '⏸️ paused',
  failed: '❌ failed',
};

/** One section of the job summary per service: its result, then its tasks by node. */
export function serviceSummary(
  outcomes: ServiceOutcome[],
): Array<{ heading: string; rows: string[][]; log: string[] }> {
  return outcomes.map((outcome) => {
    const rows = [
      ['Node', 'Task state', 'Image', 'Error'],
      ...outcome.tasks.map((task) => [task.node, task.state, shortImage(task.image), task.error]),
    ];
    const heading =
      `${outcome.service}: ${SERVICE_STATUS_TEXT[outcome.status]}, ${outcome.replicas} tasks running, ` +
      `${formatDuration(outcome.durationMs)}` +
      (outcome.error ? `. ${outcome.error}` : '');
    return { heading, rows, log: outcome.taskLog };
  });
}
