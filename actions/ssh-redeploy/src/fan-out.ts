export type HostStatus = 'success' | 'failed' | 'rolled-back' | 'skipped';

/** What happened on one host; the fields of `results` are taken from it. */
export interface HostOutcome {
  host: string;
  status: HostStatus;
  /** The program's exit code; null when it never ran to an end (no connection, killed). */
  exitCode: number | null;
  durationMs: number;
  /** Why it failed or was skipped, for people. */
  error?: string;
  previousImage?: string;
  deployedImage?: string;
  stdout?: string;
  /** The fingerprint of the key that logged in. */
  key?: string;
  /** In container mode, the failed container's last log lines. */
  containerLog?: string[];
}

export interface FanOutOptions {
  /** How many hosts run at once. */
  parallel: number;
  /** After a failure, start no further host. */
  failFast: boolean;
}

/**
 * Runs `work` for every host, at most `parallel` at once, in the order given. With fail-fast,
 * once a host has failed no other host is started: they end `skipped`. Hosts already running
 * are left to finish, as stopping a deploy half-way would leave that server worse off.
 */
export async function fanOut<T extends { label: string }>(
  targets: T[],
  options: FanOutOptions,
  work: (target: T) => Promise<HostOutcome>,
): Promise<HostOutcome[]> {
  const outcomes: HostOutcome[] = new Array<HostOutcome>(targets.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index];
      if (failed && options.failFast) {
        outcomes[index] = {
          host: target.label,
          status: 'skipped',
          exitCode: null,
          durationMs: 0,
          error: 'not started: another host failed and fail-fast is on',
        };
        continue;
      }
      const outcome = await work(target);
      outcomes[index] = outcome;
      if (outcome.status !== 'success') failed = true;
    }
  };
  const workers = Array.from({ length: Math.min(options.parallel, targets.length) }, worker);
  await Promise.all(workers);
  return outcomes;
}

/** The step's verdict over every host: undefined when all succeeded. */
export function failureMessage(outcomes: HostOutcome[], what: string): string | undefined {
  const bad = outcomes.filter((outcome) => outcome.status !== 'success');
  if (bad.length === 0) return undefined;
  if (outcomes.length === 1) return bad[0].error ?? `${what} failed on ${bad[0].host}`;
  const failedCount = bad.filter((outcome) => outcome.status !== 'skipped').length;
  const skipped = bad.length - failedCount;
  const details = bad.map((outcome) => `${outcome.host}: ${outcome.status}`).join('; ');
  return (
    `${what} failed on ${failedCount} of ${outcomes.length} hosts` +
    (skipped > 0 ? ` (${skipped} not started, fail-fast)` : '') +
    `: ${details}.`
  );
}
