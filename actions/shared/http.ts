import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { ActionFailure } from './errors';
import { inertInline } from './outside-text';
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

/**
 * A short message from an error body, when it is JSON with a `message` (Render, GitHub): the
 * server's text, so made inert (outside-text.ts) before it goes into any message.
 */
function serverMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed) {
      return inertInline(String(parsed.message).slice(0, 300));
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}

// Proxies, as self-hosted runners behind one set them and as the runner itself and
// @actions/http-client read them: `https_proxy`/`HTTPS_PROXY` for https URLs and
// `http_proxy`/`HTTP_PROXY` for http ones (the lower-case name first), never for a loopback
// host, and not for a host `no_proxy`/`NO_PROXY` names. A request through a proxy goes in a
// CONNECT tunnel, https and http alike, so the proxy sees the host and port but never the
// path, the query (a deploy hook's key) or the headers (an API key).

/** The proxy for a request to `target`, or undefined to go direct. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): URL | undefined {
  if (isLoopback(target.hostname) || bypassesProxy(target, env.no_proxy || env.NO_PROXY || '')) {
    return undefined;
  }
  const secure = target.protocol === 'https:';
  const name = secure
    ? env.https_proxy
      ? 'https_proxy'
      : 'HTTPS_PROXY'
    : env.http_proxy
      ? 'http_proxy'
      : 'HTTP_PROXY';
  const setting = env[name]?.trim();
  if (!setting) return undefined;
  let proxy: URL | undefined;
  try {
    proxy = new URL(setting.includes('://') ? setting : `http://${setting}`);
  } catch {
    proxy = undefined;
  }
  if (!proxy || (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') || !proxy.hostname) {
    // The value is not repeated: a proxy URL may carry a password.
    throw new ActionFailure(
      `${name} is not a proxy URL: write http://host:port (or http://user:password@host:port).`,
    );
  }
  return proxy;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.startsWith('127.') ||
    host === '[::1]' ||
    host === '[0:0:0:0:0:0:0:1]'
  );
}

/** NO_PROXY: comma-separated `*`, hosts, domains (with their subdomains) and `host:port`s. */
function bypassesProxy(target: URL, noProxy: string): boolean {
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const host = target.hostname.toUpperCase();
  const names = [host, `${host}:${port}`];
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toUpperCase())
    .filter(Boolean)
    .some(
      (entry) =>
        entry === '*' ||
        names.some(
          (name) =>
            name === entry ||
            name.endsWith(`.${entry}`) ||
            (entry.startsWith('.') && name.endsWith(entry)),
        ),
    );
}

/** HttpClient over Node's own fetch, or through a CONNECT tunnel where a proxy applies. */
export const fetchHttpClient: HttpClient = async (request) => {
  const target = new URL(request.url);
  const proxy = proxyFor(target, process.env);
  if (proxy) return tunnelledRequest(request, target, proxy);
  const origin = target.origin;
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

/** One request in a tunnel of its own through `proxy`; the whole exchange within its timeout. */
async function tunnelledRequest(
  request: HttpRequest,
  target: URL,
  proxy: URL,
): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const via = `${target.origin} through the proxy at ${proxy.host}`;
  let tunnel: Socket | undefined;
  try {
    // Loaded here, not at start: https and tls alone add about 25 ms to every step's start.
    const [http, https, tls] = await Promise.all([
      import('node:http'),
      import('node:https'),
      import('node:tls'),
    ]);
    const requestOver = (url: URL): Send =>
      url.protocol === 'https:' ? https.request : http.request;
    tunnel = await openTunnel(target, proxy, requestOver(proxy), signal);
    const opened = tunnel;
    signal.addEventListener('abort', () => opened.destroy(), { once: true });
    const secure = target.protocol === 'https:';
    const hostname = bareHostname(target);
    const socket = secure
      ? tls.connect({ socket: tunnel, servername: isIP(hostname) ? undefined : hostname })
      : tunnel;
    const send = requestOver(target);
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const defaultPort = secure ? 443 : 80;
    const sent = send({
      protocol: target.protocol,
      hostname,
      port: target.port || defaultPort,
      // Keeps the port out of the Host header when it is the scheme's own.
      defaultPort,
      path: `${target.pathname}${target.search}`,
      method: request.method,
      headers: {
        ...request.headers,
        ...(body ? { 'Content-Length': String(body.length) } : {}),
        Connection: 'close',
      },
      createConnection: () => socket,
      signal,
    });
    const answer = await exchange(sent, body);
    return {
      status: answer.response.statusCode ?? 0,
      header: (name) => {
        const value = answer.response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
      body: answer.body,
    };
  } catch (error) {
    if (error instanceof ProxyRefusal) throw new NoResponseError(via, error.message);
    throw new NoResponseError(via, signal.aborted ? 'timed out' : describeSocketError(error));
  } finally {
    tunnel?.destroy();
  }
}

/** The proxy answered CONNECT with something other than 200. */
class ProxyRefusal extends Error {}

/** `http.request` or `https.request`. */
type Send = (options: RequestOptions) => ClientRequest;

function openTunnel(target: URL, proxy: URL, send: Send, signal: AbortSignal): Promise<Socket> {
  const authority = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
  const credentials =
    proxy.username || proxy.password
      ? `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
      : undefined;
  const connect = send({
    host: bareHostname(proxy),
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers: {
      Host: authority,
      ...(credentials
        ? { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` }
        : {}),
    },
    agent: false,
    signal,
  });
  return new Promise((resolve, reject) => {
    connect.once('connect', (response: IncomingMessage, socket: Socket) => {
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new ProxyRefusal(`the proxy answered CONNECT with HTTP ${response.statusCode}`));
    });
    connect.once('error', reject);
    connect.end();
  });
}

function exchange(
  sent: ClientRequest,
  body: Buffer | undefined,
): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    sent.once('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({ response, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.once('error', reject);
    });
    sent.once('error', reject);
    sent.end(body);
  });
}

/** A URL's host name without the brackets of an IPv6 address. */
function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function describeSocketError(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.message;
  return String(error);
}
