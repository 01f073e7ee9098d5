import type { EventPayload } from '../../shared/context';

// The two facts the action takes from the event that started the workflow (the payload at
// GITHUB_EVENT_PATH, read by the step context).

interface PushOrPullRequest {
  before?: string;
  pull_request?: { number?: number; base?: { sha?: string }; head?: { sha?: string } };
}

interface EventFacts {
  /** The commit the changes are measured from: the pull request's base, or a push's before. */
  base?: string;
  pullRequest?: number;
  /** The pull request's head commit, recorded in a comment file. */
  headSha?: string;
}

export function eventFacts(payload: EventPayload): EventFacts {
  const event = payload as PushOrPullRequest;
  return {
    base: event.pull_request?.base?.sha ?? event.before,
    pullRequest: event.pull_request?.number,
    headSha: event.pull_request?.head?.sha,
  };
}
