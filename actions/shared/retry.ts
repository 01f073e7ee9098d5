export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  initialMs: number;
  /** No delay grows past this. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": the delay before retry `n` (0-based) lies between
 * half and all of min(max, initial * 2^n), so clients that failed together spread out but
 * never retry at once.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Reads a `Retry-After` header: delay-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(
  header: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export type RetryDecision = { retry: false } | { retry: true; reason: string; afterMs?: number };

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  backoff: BackoffPolicy;
  clock: Clock;
  /** Epoch milliseconds no wait may run past: the error is thrown instead. */
  deadline?: number;
  /** Whether an error is worth another attempt, and how long the server asked us to wait. */
  classify(error: unknown): RetryDecision;
  onRetry?(event: { attempt: number; delayMs: number; reason: string }): void;
  random?: () => number;
}

/** Runs `operation` until it succeeds, its error is not retryable, or attempts or time run out. */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry || attempt >= options.attempts) throw error;
      const delayMs =
        decision.afterMs ?? backoffDelay(attempt - 1, options.backoff, options.random);
      if (options.deadline !== undefined && options.clock.now() + delayMs > options.deadline) {
        throw error;
      }
      options.onRetry?.({ attempt, delayMs, reason: decision.reason });
      await options.clock.sleep(delayMs);
    }
  }
}
