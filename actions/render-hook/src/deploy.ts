import { ActionFailure, errorMessage } from '../../shared/errors';
import { formatDuration } from '../../shared/duration';
import type { ActionContext } from '../../shared/context';
import { inertInline } from '../../shared/outside-text';
import {
  classifyHttpError,
  expectSuccess,
  HttpStatusError,
  isTransientStatus,
  NoResponseError,
} from '../../shared/http';
import { withRetry } from '../../shared/retry';
import { hookCallUrl, type DeployHook } from './hook-url';
import { isFinished, statusOutcome, type StatusOutcome } from './deploy-status';
import type { RenderApi, RenderDeploy } from './render-api';

/** Render accepts 10 hook calls a minute per service: a few tries, spread out, stay well inside. */
const HOOK_ATTEMPTS = 4;
const HOOK_BACKOFF = { initialMs: 1_000, maxMs: 8_000 };
const HOOK_REQUEST_TIMEOUT_MS = 30_000;

export interface Trigger {
  /** The deploy id from the hook's answer, when it gave one. */
  deployId?: string;
  /** When the call that Render answered was sent (epoch ms). */
  sentAt: number;
}

/** Calls the deploy hook once, retrying only when no answer came or Render was busy or failing. */
export async function triggerDeploy(
  hook: DeployHook,
  imageUrl: string | undefined,
  deadline: number,
  { http, clock, log }: Pick<ActionContext, 'http' | 'clock' | 'log'>,
): Promise<Trigger> {
  const url = hookCallUrl(hook, imageUrl);
  try {
    return await withRetry(
      async () => {
        const sentAt = clock.now();
        const response = await http({
          method: 'POST',
          url,
          headers: { Accept: 'application/json' },
          timeoutMs: Math.max(1, Math.min(HOOK_REQUEST_TIMEOUT_MS, deadline - sentAt)),
        });
        expectSuccess(response, 'The deploy hook', clock.now());
        return { deployId: deployIdOf(response.body), sentAt };
      },
      {
        attempts: HOOK_ATTEMPTS,
        backoff: HOOK_BACKOFF,
        clock,
        deadline,
        classify: classifyHttpError,
        onRetry: ({ delayMs, reason }) =>
          log.warning(`${reason}; calling the deploy hook again in ${formatDuration(delayMs)}.`),
      },
    );
  } catch (error) {
    throw new ActionFailure(explainHookError(error, hook.serviceId, imageUrl));
  }
}

function deployIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { deploy?: { id?: unknown } };
    const id = parsed?.deploy?.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

function explainHookError(error: unknown, serviceId: string, imageUrl: string | undefined): string {
  if (
    error instanceof NoResponseError ||
    (error instanceof HttpStatusError && isTransientStatus(error.status))
  ) {
    return `Could not trigger a deploy of ${serviceId}: ${error.message}. No more retries were possible before the timeout or the retry limit.`;
  }
  if (error instanceof HttpStatusError) {
    const hints: Record<number, string> = {
      400: imageUrl
        ? "Render refused the request: 'image-url' must name the service's own image (only the tag or digest may differ)."
        : 'Render refused the request.',
      401: "The key in 'deploy-hook-url' was refused: copy the current Deploy Hook from the service's Settings page (regenerating it invalidates the old one).",
      403: "The key in 'deploy-hook-url' was refused: copy the current Deploy Hook from the service's Settings page (regenerating it invalidates the old one).",
      404: `Render knows no service ${serviceId}: check 'deploy-hook-url'.`,
    };
    return `${error.message}. ${hints[error.status] ?? 'The deploy was not triggered.'}`;
  }
  return `Could not trigger a deploy of ${serviceId}: ${errorMessage(error)}`;
}

const LOOKUP_ATTEMPTS = 5;
const LOOKUP_SPACING_MS = 2_000;

/**
 * Finds the deploy a hook call started when its answer did not say: the first deploy created
 * at or after the call (and, given an image, one of that image). Render may list it a moment
 * late, so an empty list is asked again a few times.
 */
export async function findTriggeredDeploy(
  api: RenderApi,
  serviceId: string,
  trigger: Trigger,
  imageUrl: string | undefined,
  deadline: number,
  { clock, log }: Pick<ActionContext, 'clock' | 'log'>,
): Promise<RenderDeploy> {
  const since = new Date(trigger.sentAt);
  for (let attempt = 1; ; attempt++) {
    const listed = await api.listDeploysSince(serviceId, since, deadline - clock.now());
    const candidates = listed
      .filter(
        (deploy) =>
          deploy.createdAt === undefined || Date.parse(deploy.createdAt) >= trigger.sentAt,
      )
      .filter(
        (deploy) =>
          imageUrl === undefined ||
          deploy.image?.ref === undefined ||
          deploy.image.ref === imageUrl,
      )
      .sort((a, b) => Date.parse(a.createdAt ?? '') - Date.parse(b.createdAt ?? ''));
    if (candidates.length > 0) {
      log.info(
        `The hook's answer named no deploy; found ${inertInline(candidates[0].id)}, created after the call.`,
      );
      return candidates[0];
    }
    const delay = LOOKUP_SPACING_MS;
    if (attempt >= LOOKUP_ATTEMPTS || clock.now() + delay > deadline) {
      throw new ActionFailure(
        `The deploy hook was called, but Render lists no deploy of ${serviceId} created since ${since.toISOString()}; the deploy could not be followed.`,
      );
    }
    await clock.sleep(delay);
  }
}

export interface WaitResult {
  status: string;
  outcome: StatusOutcome;
}

export interface WaitTarget {
  serviceId: string;
  deployId: string;
  pollIntervalMs: number;
  /** When the step started and when it must end (epoch ms). */
  startedAt: number;
  deadline: number;
}

/**
 * Polls the deploy until it finishes or the deadline passes. A deploy that fails, or time
 * running out, fails the step; busy or failing answers from the API are polled again.
 */
export async function waitForDeploy(
  api: RenderApi,
  { serviceId, deployId, pollIntervalMs, startedAt, deadline }: WaitTarget,
  { clock, log }: Pick<ActionContext, 'clock' | 'log'>,
  onStatus: (status: string) => void = () => undefined,
): Promise<WaitResult> {
  // Render's ids and statuses are outside text: printed inert (outside-text.ts).
  const shownId = inertInline(deployId);
  let lastStatus = 'unknown (no answer yet)';
  let warnedUnknown = false;
  for (;;) {
    let delay = pollIntervalMs;
    try {
      const deploy = await api.getDeploy(serviceId, deployId, deadline - clock.now());
      const outcome = statusOutcome(deploy.status);
      if (deploy.status !== lastStatus) {
        log.info(
          `Deploy ${shownId}: ${inertInline(deploy.status)} (${formatDuration(clock.now() - startedAt)})`,
        );
        lastStatus = deploy.status;
        onStatus(deploy.status);
      }
      if (isFinished(outcome)) return { status: deploy.status, outcome };
      if (outcome === 'unknown' && !warnedUnknown) {
        warnedUnknown = true;
        log.warning(
          `Render reports a status this action does not know, '${inertInline(deploy.status)}'; waiting on as if in progress.`,
        );
      }
    } catch (error) {
      const decision = classifyHttpError(error);
      if (!decision.retry) throw error;
      log.warning(`${decision.reason}; asking again.`);
      delay = Math.max(delay, decision.afterMs ?? 0);
    }
    if (clock.now() + delay > deadline) {
      throw new ActionFailure(
        `Deploy ${shownId} of ${serviceId} did not finish within 'timeout' (${formatDuration(deadline - startedAt)}); its last status was ${inertInline(lastStatus)}. Raise 'timeout' if deploys take longer.`,
      );
    }
    await clock.sleep(delay);
  }
}
