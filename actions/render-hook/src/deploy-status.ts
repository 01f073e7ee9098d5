// Render's deploy statuses, and what each means for the step.

export type StatusOutcome = 'in-progress' | 'live' | 'replaced' | 'failed' | 'unknown';

const OUTCOMES: Record<string, StatusOutcome> = {
  created: 'in-progress',
  queued: 'in-progress',
  build_in_progress: 'in-progress',
  update_in_progress: 'in-progress',
  pre_deploy_in_progress: 'in-progress',
  live: 'live',
  // A newer deploy went live after this one: this one worked, but is no longer what runs.
  deactivated: 'replaced',
  build_failed: 'failed',
  update_failed: 'failed',
  pre_deploy_failed: 'failed',
  canceled: 'failed',
};

export function statusOutcome(status: string): StatusOutcome {
  // Own keys only: a status Render may add, or any text, is never read as `constructor`.
  return Object.hasOwn(OUTCOMES, status) ? OUTCOMES[status] : 'unknown';
}

export function isFinished(outcome: StatusOutcome): boolean {
  return outcome === 'live' || outcome === 'replaced' || outcome === 'failed';
}
