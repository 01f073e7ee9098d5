import { parseRetryAfter, type RetryDecision } from './retry';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | null;
  body: string;
}

/** The one port through which logic talks HTTP; tests hand in their own. */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/** No HTTP answer arrived: refused, reset, unresolvable, or timed out. */
export class NoResponseError extends Error {
  constructor(origin: string, cause: string) {
    super(`no response from ${origin} (${cause})`);
    this.name = 'NoResponseError';
  }
}

/** An HTTP answer that is not a success. The message never carries the request's URL. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Raises an HttpStatusError for a non-2xx response; `what` names the request for people. */
export function expectSuccess(
  response: HttpResponse,
  what: string,
  nowMs = Date.now(),
): HttpResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const retryAfterMs = parseRetryAfter(response.header('retry-after'), nowMs);
  const detail = serverMessage(response.body);
  throw new HttpStatusError(
    response.status,
    `${what} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
    retryAfterMs,
  );
}

/** Retry when nothing arrived or the server said it is busy or broken; never on other 4xx. */
export function classifyHttpError(error: unknown): RetryDecision {
  if (error instanceof NoResponseError) return { retry: true, reason: error.message };
  if (error instanceof HttpStatusError && isTransientStatus(error.status)) {
    return { retry: true, reason: error.message, afterMs: error.retryAfterMs };
  }
  return { retry: false };
}

/** A short message from an error body, when it is JSON with a `message` (Render, GitHub). */
function serverMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed) {
      return String(parsed.message).slice(0, 300);
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

/** HttpClient over Node's own fetch, which is loaded only when first used. */
export const fetchHttpClient: HttpClient = async (request) => {
  const origin = new URL(request.url).origin;
  let response: Response;
  let body: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    throw new NoResponseError(origin, describeFetchError(error));
  }
  return { status: response.status, header: (name) => response.headers.get(name), body };
};

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
