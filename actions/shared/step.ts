import { createContext, type ActionContext } from './context';
import { ActionFailure, ConfigurationError, errorMessage } from './errors';
import { runnerFor, type Runner } from './runner';

export type Step = (ctx: ActionContext) => Promise<void>;

function contextOrFailure(): ActionContext | undefined {
  try {
    return createContext(runnerFor(process.env));
  } catch (error) {
    // Outside a job, with @actions/core missing: nothing to report through but the exit code.
    process.exitCode = 1;
    process.stderr.write(`${errorMessage(error)}\n`);
    return undefined;
  }
}

function debugStack(runner: Runner, error: unknown): void {
  runner.debug(error instanceof Error && error.stack ? error.stack : String(error));
}

/**
 * Runs a main step: the one place that turns an error into a failed step. The user's
 * mistakes and outside failures are reported by their message; anything else is a bug, and
 * its stack goes to the debug log. Resolves when the step is done; never rejects.
 */
export async function runMainStep(main: Step): Promise<void> {
  const ctx = contextOrFailure();
  if (!ctx) return;
  try {
    await main(ctx);
  } catch (error) {
    ctx.runner.setFailed(errorMessage(error));
    if (!(error instanceof ConfigurationError || error instanceof ActionFailure)) {
      debugStack(ctx.runner, error);
    }
  }
}

/** Runs a post step, which cleans up after main: it warns and never fails the job. */
export async function runPostStep(post: Step): Promise<void> {
  const ctx = contextOrFailure();
  if (!ctx) return;
  try {
    await post(ctx);
  } catch (error) {
    ctx.runner.warning(`Clean-up did not complete: ${errorMessage(error)}`);
    debugStack(ctx.runner, error);
  }
}
