// How the demo speaks: one line per step as it ends, and the job summaries gathered into one
// Markdown file, in the order a runner shows them.

export type StepStage = 'run' | 'main' | 'post' | 'check';
export type StepStatus = 'passed' | 'failed' | 'failed as expected';

export interface StepRecord {
  /** Unique within a demo: e.g. 'deploy' for release 1, 'deploy-2' for release 2. */
  id: string;
  /** The step's number in the pipeline; post steps and checks share their step's. */
  number: number;
  /** The release (the run) the step belongs to, e.g. '0.1.42'. */
  release: string;
  /** The action, or what a `run:` step or a check does. */
  label: string;
  stage: StepStage;
  status: StepStatus;
  durationMs: number;
  /** What happened, in a sentence. */
  detail: string;
  outputs: Record<string, string>;
  /** The job summary the step wrote (actions only). */
  summary: string;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const MARKS: Record<StepStatus, string> = {
  passed: 'ok  ',
  failed: 'FAIL',
  'failed as expected': 'ok  ',
};

/** `  ok    6 ssh-redeploy            3.1 s  dashboard now runs ...` */
export function stepLine(step: StepRecord): string {
  const number = step.stage === 'main' || step.stage === 'run' ? String(step.number) : '';
  const label =
    step.stage === 'post'
      ? `${step.label} (post)`
      : step.stage === 'check'
        ? `  check`
        : step.label;
  return `  ${MARKS[step.status]} ${number.padStart(2)} ${label.padEnd(26)} ${seconds(step.durationMs).padStart(6)}  ${step.detail}`;
}

/** The job summaries of every action step, as GitHub would show them under each run's job. */
export function summaryMarkdown(
  steps: StepRecord[],
  releases: { version: string; title: string }[],
  startedAt: Date,
): string {
  const parts = [
    '# ship-actions demo: the job summaries',
    '',
    `Written by \`npm run demo\` on ${startedAt.toISOString()}. Each section is what one step wrote to \`$GITHUB_STEP_SUMMARY\`, in the order the steps ran.`,
    '',
  ];
  for (const release of releases) {
    // A post step that wrote nothing (most do) would only add noise.
    const actions = steps.filter(
      (step) =>
        step.release === release.version &&
        (step.stage === 'main' || (step.stage === 'post' && step.summary.trim() !== '')),
    );
    if (actions.length === 0) continue;
    parts.push(`## ${release.title}`, '');
    for (const step of actions) {
      const post = step.stage === 'post' ? ' (post)' : '';
      parts.push(`### Step ${step.number}: \`${step.label}\`${post}, ${step.status}`, '');
      parts.push(step.summary.trim() === '' ? '_No summary written._' : step.summary.trim(), '');
    }
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
