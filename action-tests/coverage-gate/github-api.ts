// A stand-in for the part of GitHub's REST API that coverage-gate uses, following the
// documented issue-comment endpoints:
//   GET   /repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=   (Link header paging)
//   POST  /repos/{owner}/{repo}/issues/{number}/comments                   (201, the comment)
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}               (200, the comment)
// Requests need `Authorization: Bearer <token>` (or `token <token>`); bodies are JSON with a
// `body` of at most 65,536 characters. A read-only token (forks) gets 403 on writes.
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

export interface GitHubStandInOptions {
  repository?: string;
  pullRequest?: number;
  token?: string;
  /** Comments already on the pull request, written by people, before the action runs. */
  existingComments?: number;
  /** The token may read but not write (a fork's pull request). */
  readOnly?: boolean;
}

export interface GitHubStandIn {
  apiUrl: string;
  token: string;
  repository: string;
  pullRequest: number;
  comments: StandInComment[];
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const MAX_BODY = 65_536;

export async function startGitHubStandIn(
  options: GitHubStandInOptions = {},
): Promise<GitHubStandIn> {
  const repository = options.repository ?? 'octo-org/app';
  const pullRequest = options.pullRequest ?? 7;
  const token = options.token ?? 'ghs_StandInToken7f3a9c2e1b0d4f6a8c9e';
  const comments: StandInComment[] = [];
  let nextId = 1_000;
  let origin = '';
  const stamp = () => new Date().toISOString();
  const makeComment = (body: string, login: string, type: string): StandInComment => {
    const id = nextId++;
    return {
      id,
      body,
      user: { login, type },
      created_at: stamp(),
      updated_at: stamp(),
      html_url: `https://github.com/${repository}/pull/${pullRequest}#issuecomment-${id}`,
    };
  };
  for (let i = 0; i < (options.existingComments ?? 0); i++) {
    comments.push(makeComment(`Looks good to me (${i + 1})`, 'reviewer', 'User'));
  }

  const listPath = `/repos/${repository}/issues/${pullRequest}/comments`;
  const commentPath = new RegExp(`^/repos/${repository}/issues/comments/(\\d+)$`);

  const fail = (response: ServerResponse, status: number, message: string) =>
    sendJson(response, status, { message, documentation_url: 'https://docs.github.com/rest' });

  const readBody = (request: RecordedRequest): string | undefined => {
    try {
      const parsed = JSON.parse(request.body) as { body?: unknown };
      return typeof parsed.body === 'string' ? parsed.body : undefined;
    } catch {
      return undefined;
    }
  };

  const server = await startRecordingServer((request, response) => {
    const auth = request.headers.authorization ?? '';
    if (auth !== `Bearer ${token}` && auth !== `token ${token}`) {
      return fail(response, 401, 'Bad credentials');
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
    if (options.readOnly) return fail(response, 403, 'Resource not accessible by integration');
    const body = readBody(request);
    if (body === undefined) return fail(response, 400, 'Problems parsing JSON');
    if (body.length > MAX_BODY) {
      return fail(
        response,
        422,
        `Validation Failed: body is too long (maximum is ${MAX_BODY} characters)`,
      );
    }
    if (request.method === 'POST') {
      const comment = makeComment(body, 'github-actions[bot]', 'Bot');
      comments.push(comment);
      return sendJson(response, 201, comment);
    }
    const id = Number(commentPath.exec(request.path)![1]);
    const comment = comments.find((candidate) => candidate.id === id);
    if (!comment) return fail(response, 404, 'Not Found');
    comment.body = body;
    comment.updated_at = stamp();
    return sendJson(response, 200, comment);
  });
  origin = server.origin;
  return {
    apiUrl: server.origin,
    token,
    repository,
    pullRequest,
    comments,
    requests: server.requests,
    close: () => server.close(),
  };
}
