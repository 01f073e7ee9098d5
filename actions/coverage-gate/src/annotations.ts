import type { UncoveredRange } from './changed-lines';

/** GitHub shows at most this many warning annotations from one step (and 50 per job). */
export const WARNINGS_PER_STEP = 10;

export interface Annotation {
  file: string;
  line: number;
  endLine: number;
  title: string;
  message: string;
}

export interface AnnotationPlan {
  annotations: Annotation[];
  /** Ranges left out to stay within the limit; they are listed in the job summary. */
  omitted: number;
}

/**
 * Warning annotations on uncovered changed lines, within the step's budget: the warnings
 * already issued count against the same limit, and when ranges are left out, one slot is
 * kept for the warning that says so.
 */
export function planAnnotations(ranges: UncoveredRange[], warningsIssued: number): AnnotationPlan {
  const budget = Math.max(0, WARNINGS_PER_STEP - warningsIssued);
  const fits = ranges.length <= budget;
  const shown = fits ? ranges : ranges.slice(0, Math.max(0, budget - 1));
  return {
    annotations: shown.map((range) => ({
      file: range.path,
      line: range.start,
      endLine: range.end,
      title: 'Not covered by tests',
      message:
        range.start === range.end
          ? `Changed line ${range.start} is not covered by tests.`
          : `Changed lines ${range.start}-${range.end} are not covered by tests.`,
    })),
    omitted: ranges.length - shown.length,
  };
}

export interface OmittedNote {
  level: 'warning' | 'info';
  text: string;
}

/**
 * What is said of the ranges left out: a warning while the step's limit has room for one, else
 * a line in the log.
 */
export function omittedNote(plan: AnnotationPlan, warningsIssued: number): OmittedNote | undefined {
  if (plan.omitted === 0) return undefined;
  const text = `${plan.omitted} more range${plan.omitted === 1 ? '' : 's'} of uncovered changed lines, listed in the job summary (GitHub shows at most ${WARNINGS_PER_STEP} warnings per step).`;
  const room = warningsIssued + plan.annotations.length < WARNINGS_PER_STEP;
  return { level: room ? 'warning' : 'info', text };
}
