import {
  expectSuccess,
  classifyHttpError,
  type HttpClient,
  type HttpRequest,
} from '../../shared/http';
import { withRetry, type Clock } from '../../shared/retry';

// One comment per pull request and workflow job, found again by a hidden marker and edited in
// place, through GitHub's REST API (issues comments endpoints): list every page of the pull
// request's comments, then PATCH the one carrying the marker or POST a new one.

export interface CommentTarget {
  apiUrl: string;
  token: string;
  /** owner/name */
  repository: string;
  pullRequest: number;
  marker: string;
}

export interface CommentResult {
  action: 'created' | 'updated' | 'skipped';
  id?: number;
  url?: string;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
}

const TIMEOUT_MS = 30_000;

/** The hidden line that marks this job's comment: workflow and job, URL-encoded. */
export function commentMarker(workflow: string, job: string): string {
  return `<!-- coverage-gate: ${encodeURIComponent(workflow)}/${encodeURIComponent(job)} -->`;
}

/** The comment as posted: the text, then the marker that finds it again. */
export function markedBody(text: string, marker: string): string {
  return `${text}\n${marker}\n`;
}

/** The URL of the next page from a Link header (RFC 8288), as GitHub paginates. */
function nextPage(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match && match[2].split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}

export class CommentsApi {
  constructor(
    private readonly target: CommentTarget,
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  private async send(request: Omit<HttpRequest, 'headers' | 'timeoutMs'>, what: string) {
    return withRetry(
      async () =>
        expectSuccess(
          await this.http({
            ...request,
            timeoutMs: TIMEOUT_MS,
            headers: {
              Accept: 'application/vnd.github+json',
              Authorization: `Bearer ${this.target.token}`,
              'X-GitHub-Api-Version': '2022-11-28',
              'User-Agent': 'coverage-gate',
              ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
            },
          }),
          what,
        ),
      {
        attempts: 3,
        backoff: { initialMs: 1_000, maxMs: 8_000 },
        clock: this.clock,
        classify: classifyHttpError,
      },
    );
  }

  private get base(): string {
    return `${this.target.apiUrl.replace(/\/+$/, '')}/repos/${this.target.repository}`;
  }

  /** The first comment carrying the marker, looking through every page. */
  async findMarked(): Promise<IssueComment | undefined> {
    let url: string | undefined =
      `${this.base}/issues/${this.target.pullRequest}/comments?per_page=100`;
    for (let page = 0; url && page < 1000; page++) {
      const response = await this.send({ method: 'GET', url }, 'Listing the pull request comments');
      const comments = JSON.parse(response.body) as IssueComment[];
      const found = comments.find((comment) => comment.body?.includes(this.target.marker));
      if (found) return found;
      url = nextPage(response.header('link'));
    }
    return undefined;
  }

  async create(body: string): Promise<IssueComment> {
    const response = await this.send(
      {
        method: 'POST',
        url: `${this.base}/issues/${this.target.pullRequest}/comments`,
        body: JSON.stringify({ body }),
      },
      'Creating the coverage comment',
    );
    return JSON.parse(response.body) as IssueComment;
  }

  async update(id: number, body: string): Promise<IssueComment> {
    const response = await this.send(
      {
        method: 'PATCH',
        url: `${this.base}/issues/comments/${id}`,
        body: JSON.stringify({ body }),
      },
      'Updating the coverage comment',
    );
    return JSON.parse(response.body) as IssueComment;
  }
}

/**
 * Writes the comment: updates this job's comment where there is one, else creates it unless
 * `createNew` is false (comment: on-failure on a passing run only refreshes an old comment).
 */
export async function upsertComment(
  api: CommentsApi,
  marker: string,
  text: string,
  createNew: boolean,
): Promise<CommentResult> {
  const body = markedBody(text, marker);
  const existing = await api.findMarked();
  if (existing) {
    const updated = await api.update(existing.id, body);
    return { action: 'updated', id: updated.id ?? existing.id, url: updated.html_url };
  }
  if (!createNew) return { action: 'skipped' };
  const created = await api.create(body);
  return { action: 'created', id: created.id, url: created.html_url };
}
