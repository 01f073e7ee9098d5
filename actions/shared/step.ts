import { ActionFailure, ConfigurationError, errorMessage } from './errors';
import { debug, setFailed, warning } from './runner';

/**
 * Runs a main step: the one place that turns an error into a failed step. The user's
 * mistakes and outside failures are reported by their message; anything else is a bug, and
 * its stack goes to the debug log.
 */
export function runMainStep(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    setFailed(errorMessage(error));
    if (!(error instanceof ConfigurationError || error instanceof ActionFailure)) {
      debug(error instanceof Error && error.stack ? error.stack : String(error));
    }
  });
}

/** Runs a post step, which cleans up after main: it warns and never fails the job. */
export function runPostStep(post: () => Promise<void>): void {
  post().catch((error: unknown) => {
    warning(`Clean-up did not complete: ${errorMessage(error)}`);
    debug(error instanceof Error && error.stack ? error.stack : String(error));
  });
}
