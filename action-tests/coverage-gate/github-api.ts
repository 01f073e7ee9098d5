// A stand-in for the part of GitHub's REST and GraphQL APIs that coverage-gate uses, following
// GitHub's documented contract:
//   GET   /user                                                   (the token's user; 403
//         "Resource not accessible by integration" for an installation token, GITHUB_TOKEN's kind)
//   POST  /graphql  { viewer { login } }                          (an app's bot as a Bot, its
//         login without the "[bot]" that REST shows)
//   GET   /repos/{owner}/{repo}/pulls/{number}                    (state, head.sha)
//   GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=   (Link header paging)
//   POST  /repos/{owner}/{repo}/issues/{number}/comments          (201, the comment)
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}      (200, the comment)
// Requests need `Authorization: Bearer <token>` (or `token <token>`); bodies are JSON with a
// `body` of at most 65,536 characters. A comment is written by the token's identity; a token that
// may write may edit anyone's comment, as a maintainer may. A read-only token (forks) gets 403
// on writes.
import type { ServerResponse } from 'node:http';
import { sendJson, startRecordingServer, type RecordedRequest } from '../stand-ins/http-server';

export interface StandInComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  html_url: string;
}

/** Who a token is: an app installation (GITHUB_TOKEN) or a person (a personal access token). */
export interface StandInIdentity {
  kind: 'installation' | 'user';
  /** The login as REST shows it (`github-actions[bot]` for GITHUB_TOKEN). */
  login: string;
}

export interface GitHubStandInOptions {
  repository?: string;
  pullRequest?: number;
  /** The token the action is given: GITHUB_TOKEN's kind unless `identity` says otherwise. */
  token?: string;
  identity?: StandInIdentity;
  /** More tokens, of other users, to write comments with from the test. */
  otherTokens?: Record<string, StandInIdentity>;
  /** Comments already on the pull request, written by people, before the action runs. */
  existingComments?: number;
  /** The token may read but not write (a fork's pull request). */
  readOnly?: boolean;
  /** The pull request's state and head commit. */
  pull?: { state: 'open' | 'closed'; headSha: string };
  /** The address to listen on: loopback unless given another address of this machine. */
  host?: string;
}

export interface GitHubStandIn {
  apiUrl: string;
  token: string;
  repository: string;
  pullRequest: number;
  comments: StandInComment[];
  requests: RecordedRequest[];
  pull: { state: 'open' | 'closed'; headSha: string };
  close(): Promise<void>;
}

const MAX_BODY = 65_536;
const GITHUB_ACTIONS_BOT: StandInIdentity = {
  kind: 'installation',
  login: 'github-actions[bot]',
};

export async function startGitHubStandIn(
  options: GitHubStandInOptions = {},
): Promise<GitHubStandIn> {
  const repository = options.repository ?? 'octo-org/app';
  const pullRequest = options.pullRequest ?? 7;
  const token = options.token ?? 'ghs_StandInToken7f3a9c2e1b0d4f6a8c9e';
  const identities = new Map<string, StandInIdentity>([
    [token, options.identity ?? GITHUB_ACTIONS_BOT],
    ...Object.entries(options.otherTokens ?? {}),
  ]);
  const pull = options.pull ?? { state: 'open', headSha: 'f'.repeat(40) };
  const comments: StandInComment[] = [];
  let nextId = 1_000;
  let origin = '';
  const stamp = () => new Date().toISOString();
  const makeComment = (body: string, who: StandInIdentity): StandInComment => {
    const id = nextId++;
    return {
      id,
      body,
      user: { login: who.login, type: who.kind === 'installation' ? 'Bot' : 'User' },
      created_at: stamp(),
      updated_at: stamp(),
      html_url: `https://github.com/${repository}/pull/${pullRequest}#issuecomment-${id}`,
    };
  };
  for (let i = 0; i < (options.existingComments ?? 0); i++) {
    comments.push(makeComment(`Looks good to me (${i + 1})`, { kind: 'user', login: 'reviewer' }));
  }

  const listPath = `/repos/${repository}/issues/${pullRequest}/comments`;
  const pullPath = `/repos/${repository}/pulls/${pullRequest}`;
  const commentPath = new RegExp(`^/repos/${repository}/issues/comments/(\\d+)$`);

  const fail = (response: ServerResponse, status: number, message: string) =>
    sendJson(response, status, { message, documentation_url: 'https://docs.github.com/rest' });

  const readJson = (request: RecordedRequest): Record<string, unknown> | undefined => {
    try {
      const parsed = JSON.parse(request.body) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  const server = await startRecordingServer((request, response) => {
    const auth = request.headers.authorization ?? '';
    const given = /^(?:Bearer|token) (.+)$/.exec(auth)?.[1] ?? '';
    const who = identities.get(given);
    if (!who) return fail(response, 401, 'Bad credentials');
    if (request.method === 'GET' && request.path === '/user') {
      if (who.kind === 'installation') {
        return fail(response, 403, 'Resource not accessible by integration');
      }
      return sendJson(response, 200, { login: who.login, type: 'User' });
    }
    if (request.method === 'POST' && request.path === '/graphql') {
      const query = readJson(request)?.query;
      if (typeof query !== 'string' || !/\bviewer\s*\{[^}]*\blogin\b/.test(query)) {
        return sendJson(response, 200, {
          errors: [{ message: 'This stand-in answers viewer { login } only' }],
        });
      }
      const bot = who.kind === 'installation';
      return sendJson(response, 200, {
        data: {
          viewer: {
            __typename: bot ? 'Bot' : 'User',
            login: bot ? who.login.replace(/\[bot\]$/, '') : who.login,
          },
        },
      });
    }
    if (request.method === 'GET' && request.path === pullPath) {
      return sendJson(response, 200, {
        number: pullRequest,
        state: pull.state,
        head: { sha: pull.headSha, ref: 'feature', repo: { full_name: 'fork-owner/app' } },
        base: { sha: 'b'.repeat(40), ref: 'main', repo: { full_name: repository } },
      });
    }
    if (request.method === 'GET' && request.path === listPath) {
      const perPage = Math.min(100, Number(request.query.get('per_page') ?? 30) || 30);
      const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
      const last = Math.max(1, Math.ceil(comments.length / perPage));
      const link = (n: number) => `<${origin}${listPath}?per_page=${perPage}&page=${n}>`;
      const links: string[] = [];
      if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
      if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
      return sendJson(
        response,
        200,
        comments.slice((page - 1) * perPage, page * perPage),
        links.length > 0 ? { Link: links.join(', ') } : {},
      );
    }
    const isWrite =
      (request.method === 'POST' && request.path === listPath) ||
      (request.method === 'PATCH' && commentPath.test(request.path));
    if (!isWrite) return fail(response, 404, 'Not Found');
    if (options.readOnly && given === token) {
      return fail(response, 403, 'Resource not accessible by integration');
    }
    const body = readJson(request)?.body;
    if (typeof body !== 'string') return fail(response, 400, 'Problems parsing JSON');
    if (body.length > MAX_BODY) {
      return fail(
        response,
        422,
        `Validation Failed: body is too long (maximum is ${MAX_BODY} characters)`,
      );
    }
    if (request.method === 'POST') {
      const comment = makeComment(body, who);
      comments.push(comment);
      return sendJson(response, 201, comment);
    }
    const id = Number(commentPath.exec(request.path)![1]);
    const comment = comments.find((candidate) => candidate.id === id);
    if (!comment) return fail(response, 404, 'Not Found');
    comment.body = body;
    comment.updated_at = stamp();
    return sendJson(response, 200, comment);
  }, options.host);
  origin = server.origin;
  return {
    apiUrl: server.origin,
    token,
    repository,
    pullRequest,
    comments,
    requests: server.requests,
    pull,
    close: () => server.close(),
  };
}
