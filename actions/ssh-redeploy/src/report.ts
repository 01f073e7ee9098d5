import { formatDuration } from '../../shared/duration';
import type { HostOutcome } from './fan-out';

/** Each host's stdout in `results` keeps this much; the `stdout` output of one host keeps more. */
const RESULT_STDOUT_CHARACTERS = 65_536;

/** The `results` output: one object per host, in the order of `host`. */
export function resultsJson(outcomes: HostOutcome[], mode: 'script' | 'container'): string {
  return JSON.stringify(
    outcomes.map((outcome) => {
      const base = {
        host: outcome.host,
        status: outcome.status,
        exitCode: outcome.exitCode,
        durationMs: Math.round(outcome.durationMs),
        ...(outcome.error ? { error: outcome.error } : {}),
      };
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
export function summaryRows(outcomes: HostOutcome[], mode: 'script' | 'container'): string[][] {
  const header =
    mode === 'script'
      ? ['Host', 'Result', 'Exit code', 'Time taken', 'Detail']
      : ['Host', 'Result', 'Time taken', 'Previous image', 'Deployed image', 'Detail'];
  const rows = outcomes.map((outcome) => {
    const took = outcome.status === 'skipped' ? '' : formatDuration(outcome.durationMs);
    const detail = outcome.error ?? '';
    return mode === 'script'
      ? [outcome.host, STATUS_TEXT[outcome.status], String(outcome.exitCode ?? ''), took, detail]
      : [
          outcome.host,
          STATUS_TEXT[outcome.status],
          took,
          outcome.previousImage || '(none)',
          outcome.deployedImage || '',
          detail,
        ];
  });
  return [header, ...rows];
}
