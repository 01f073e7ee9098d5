import { ActionFailure } from '../../shared/errors';
import { expectSuccess, HttpStatusError, type HttpClient } from '../../shared/http';
import { inertInline } from '../../shared/outside-text';
import type { Clock } from '../../shared/retry';

export interface RenderDeploy {
  id: string;
  status: string;
  createdAt?: string;
  image?: { ref?: string; sha?: string };
}

export interface RenderService {
  id: string;
  name?: string;
  type?: string;
  dashboardUrl?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The few calls of Render's REST API (v1) the action makes, with Bearer authentication. */
export class RenderApi {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  getService(serviceId: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<RenderService> {
    return this.get<RenderService>(
      `/services/${segment(serviceId)}`,
      `service ${serviceId}`,
      timeoutMs,
    );
  }

  async getDeploy(
    serviceId: string,
    deployId: string,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<RenderDeploy> {
    const deploy = await this.get<RenderDeploy | null>(
      `/services/${segment(serviceId)}/deploys/${segment(deployId)}`,
      `deploy ${inertInline(deployId)}`,
      timeoutMs,
    );
    const status: unknown = deploy?.status;
    // Any JSON may come back: what is not text is shown as JSON, never converted by its own
    // toString (which an object can make fail).
    return {
      ...deploy,
      id: deployId,
      status: typeof status === 'string' ? status : (JSON.stringify(status) ?? 'none'),
    };
  }

  /** Deploys of a service created after `since`, as Render lists them. */
  async listDeploysSince(
    serviceId: string,
    since: Date,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<RenderDeploy[]> {
    const query = new URLSearchParams({ createdAfter: since.toISOString(), limit: '20' });
    const page = await this.get<unknown>(
      `/services/${segment(serviceId)}/deploys?${query.toString()}`,
      `the deploys of ${serviceId}`,
      timeoutMs,
    );
    if (!Array.isArray(page))
      throw new Error('Render answered the deploy list with something other than a list');
    return page
      .map((item: { deploy?: RenderDeploy }) => item.deploy)
      .filter((deploy): deploy is RenderDeploy => typeof deploy?.id === 'string');
  }

  private async get<T>(path: string, what: string, timeoutMs: number): Promise<T> {
    const response = await this.http({
      method: 'GET',
      url: `${this.baseUrl}${path}`,
      headers: { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json' },
      // Never zero or less: a request at the deadline still gets a moment to answer.
      timeoutMs: Math.max(1, Math.min(timeoutMs, REQUEST_TIMEOUT_MS)),
    });
    try {
      expectSuccess(response, `Render's API, asked for ${what},`, this.clock.now());
    } catch (error) {
      throw explainApiError(error, what);
    }
    try {
      return JSON.parse(response.body) as T;
    } catch {
      // JSON.parse's message quotes the body: the server's text stays out of the log.
      throw new ActionFailure(`Render's API answered for ${what} with something other than JSON.`);
    }
  }
}

/**
 * An id (the service's, from the hook URL, or a deploy's, from Render's answers) as one
 * segment of a URL path: percent-encoded, so that no `/`, `?`, `#` or `%` in it reaches
 * another path or endpoint. `.` and `..` would still be read as a step up: they are no ids.
 */
function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') {
    throw new ActionFailure(
      `Render named a deploy '${inertInline(id)}', which cannot be asked for by its id.`,
    );
  }
  return encodeURIComponent(id);
}

function explainApiError(error: unknown, what: string): unknown {
  if (!(error instanceof HttpStatusError)) return error;
  const hint: Record<number, string> = {
    401: "Render refused 'api-key': create a key under Account Settings > API Keys on Render and pass it as a secret.",
    403: "Render refused 'api-key' access: the key's owner must belong to the workspace that owns the service.",
    404: `Render's API knows no ${what}: check that 'api-key' belongs to the workspace of the service in 'deploy-hook-url', and that 'api-url' is right.`,
  };
  const text = hint[error.status];
  return text
    ? new HttpStatusError(error.status, `${error.message}. ${text}`, error.retryAfterMs)
    : error;
}
