/**
 * A mistake in what the user wrote in the workflow. Its message names the input and says
 * how to fix it; it is reported as is, without a stack trace. Every other error is a bug
 * or an outside failure and is reported with its stack in the debug log.
 */
export class ConfigurationError extends Error {
  constructor(
    readonly input: string,
    problem: string,
  ) {
    super(`Input '${input}': ${problem}`);
    this.name = 'ConfigurationError';
  }
}

/** Something outside the user's workflow failed (a server, the network); no stack is useful. */
export class ActionFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionFailure';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
