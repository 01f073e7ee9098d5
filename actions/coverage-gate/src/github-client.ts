import type { Clock } from '../../shared/retry';
import { withRetry, type RetryDecision } from '../../shared/retry';
import { inertInline } from '../../shared/outside-text';

// The few GitHub API calls the pull request comment needs, through @actions/github (Octokit
// with the runner's proxy settings: HTTPS_PROXY, HTTP_PROXY, NO_PROXY). The package is loaded
// on first use only, so that a step that writes no comment starts as fast as before.

export interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
  user?: { login?: string } | null;
}

export interface PullRequestState {
  state: string;
  headSha: string;
}

/** The calls, as a port: the comment logic is tested with a fake of it. */
export interface GitHubApi {
  /** The login of the token's user, from GET /user; undefined on 403 (an installation token). */
  userLogin(): Promise<string | undefined>;
  /** The login of GraphQL's viewer, as REST spells it (a bot's with "[bot]"). */
  viewerLogin(): Promise<string>;
  /** Every comment of the pull request, every page. */
  listComments(pullRequest: number): Promise<IssueComment[]>;
  createComment(pullRequest: number, body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
  pullRequest(pullRequest: number): Promise<PullRequestState>;
}

export interface GitHubAccess {
  apiUrl: string;
  /** owner/name */
  repository: string;
  token: string;
}

/** A failed API call: what was being done, the HTTP status when there was one, GitHub's words. */
export class GitHubApiError extends Error {
  constructor(
    what: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(
      `${what} ${status ? `answered HTTP ${status}` : 'failed'}${detail ? `: ${inertInline(detail.slice(0, 300))}` : ''}`,
    );
    this.name = 'GitHubApiError';
  }
}

function classify(error: unknown): RetryDecision {
  if (!(error instanceof GitHubApiError)) return { retry: false };
  const { status } = error;
  if (status === undefined || status === 429 || status >= 500) {
    return { retry: true, reason: error.message };
  }
  return { retry: false };
}

interface OctokitError {
  status?: number;
  message?: string;
  response?: { data?: { message?: unknown } };
}

function describe(what: string, error: unknown): GitHubApiError {
  const failure = (error ?? {}) as OctokitError;
  const status =
    typeof failure.status === 'number' && failure.status > 0 ? failure.status : undefined;
  const message = failure.response?.data?.message;
  return new GitHubApiError(
    what,
    status,
    typeof message === 'string' ? message : (failure.message ?? String(error)),
  );
}

/** The part of @actions/github's Octokit used here (its own types do not resolve under Node16). */
interface Octokit {
  rest: {
    users: { getAuthenticated(): Promise<{ data: { login: string } }> };
    issues: {
      listComments: unknown;
      createComment(params: object): Promise<{ data: IssueComment }>;
      updateComment(params: object): Promise<{ data: IssueComment }>;
    };
    pulls: { get(params: object): Promise<{ data: { state: string; head: { sha: string } } }> };
  };
  graphql<T>(query: string): Promise<T>;
  paginate<T>(route: unknown, params: object): Promise<T[]>;
}

export async function connectGitHub(access: GitHubAccess, clock: Clock): Promise<GitHubApi> {
  const { getOctokit } = await import('@actions/github');
  const octokit = getOctokit(access.token, {
    baseUrl: access.apiUrl.replace(/\/+$/, ''),
    userAgent: 'coverage-gate',
  }) as unknown as Octokit;
  const [owner, repo] = access.repository.split('/');
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    withRetry(
      async () => {
        try {
          return await run();
        } catch (error) {
          throw describe(what, error);
        }
      },
      { attempts: 3, backoff: { initialMs: 1_000, maxMs: 8_000 }, clock, classify },
    );

  return {
    async userLogin() {
      try {
        const { data } = await call('Reading the token’s user', () =>
          octokit.rest.users.getAuthenticated(),
        );
        return data.login;
      } catch (error) {
        if (error instanceof GitHubApiError && error.status === 403) return undefined;
        throw error;
      }
    },
    async viewerLogin() {
      const answer = await call('Asking GraphQL for the viewer', () =>
        octokit.graphql<{ viewer: { login: string; __typename: string } }>(
          'query { viewer { login __typename } }',
        ),
      );
      const { login, __typename: type } = answer.viewer;
      return type === 'Bot' && !login.endsWith('[bot]') ? `${login}[bot]` : login;
    },
    listComments(pullRequest) {
      return call('Listing the pull request comments', () =>
        octokit.paginate<IssueComment>(octokit.rest.issues.listComments, {
          owner,
          repo,
          issue_number: pullRequest,
          per_page: 100,
        }),
      );
    },
    async createComment(pullRequest, body) {
      const { data } = await call('Creating the coverage comment', () =>
        octokit.rest.issues.createComment({ owner, repo, issue_number: pullRequest, body }),
      );
      return data;
    },
    async updateComment(id, body) {
      const { data } = await call('Updating the coverage comment', () =>
        octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }),
      );
      return data;
    },
    async pullRequest(pullRequest) {
      const { data } = await call('Reading the pull request', () =>
        octokit.rest.pulls.get({ owner, repo, pull_number: pullRequest }),
      );
      return { state: data.state, headSha: data.head.sha };
    },
  };
}
