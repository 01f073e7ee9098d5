import {
  classifyHttpError,
  expectSuccess,
  HttpStatusError,
  NoResponseError,
  proxyFor,
  type HttpResponse,
} from './http';

const response = (
  status: number,
  body = '',
  headers: Record<string, string> = {},
): HttpResponse => ({
  status,
  body,
  header: (name) => headers[name.toLowerCase()] ?? null,
});

test('a 2xx passes through', () => {
  const ok = response(204);
  expect(expectSuccess(ok, 'The hook')).toBe(ok);
});

test("an error names the request and the server's message, and reads Retry-After", () => {
  let error: HttpStatusError | undefined;
  try {
    expectSuccess(
      response(429, '{"id":"x","message":"slow down"}', { 'retry-after': '3' }),
      'The hook',
    );
  } catch (caught) {
    error = caught as HttpStatusError;
  }
  expect(error).toBeInstanceOf(HttpStatusError);
  expect(error?.message).toBe('The hook answered HTTP 429: slow down');
  expect(error?.retryAfterMs).toBe(3_000);
});

test.each([
  [new NoResponseError('http://h', 'ECONNREFUSED'), true],
  [new HttpStatusError(429, 'busy'), true],
  [new HttpStatusError(502, 'bad gateway'), true],
  [new HttpStatusError(401, 'no'), false],
  [new HttpStatusError(404, 'gone'), false],
  [new Error('bug'), false],
])('%p is retried: %p', (error, retried) => {
  expect(classifyHttpError(error).retry).toBe(retried);
});

describe('proxyFor reads the environment as the runner and @actions/http-client do', () => {
  const proxy = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), env)?.href;

  test('https URLs use HTTPS_PROXY, http ones HTTP_PROXY, the lower-case name first', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' };
    expect(proxy('https://api.render.com/v1', env)).toBe('http://secure:3128/');
    expect(proxy('http://api.render.com/v1', env)).toBe('http://plain:3128/');
    expect(proxy('https://a.example', { ...env, https_proxy: 'http://lower:1' })).toBe(
      'http://lower:1/',
    );
    expect(proxy('https://a.example', { HTTP_PROXY: 'http://plain:3128' })).toBeUndefined();
    expect(proxy('https://a.example', {})).toBeUndefined();
  });

  test('a proxy without a scheme is http', () => {
    expect(proxy('https://a.example', { HTTPS_PROXY: 'proxy.local:3128' })).toBe(
      'http://proxy.local:3128/',
    );
  });

  test.each([
    'http://localhost:8080/x',
    'http://127.0.0.1:8080/x',
    'http://127.9.9.9/x',
    'http://[::1]:8080/x',
  ])('loopback %s is never proxied', (url) => {
    expect(proxy(url, { HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined();
  });

  test.each([
    ['*', 'https://api.render.com/v1', true],
    ['api.render.com', 'https://api.render.com/v1', true],
    ['API.Render.com', 'https://api.render.com/v1', true],
    ['render.com', 'https://api.render.com/v1', true],
    ['.render.com', 'https://api.render.com/v1', true],
    ['other.example, 198.18.18.1', 'http://198.18.18.1:8080/x', true],
    ['198.18.18.1:8080', 'http://198.18.18.1:8080/x', true],
    ['198.18.18.1:9090', 'http://198.18.18.1:8080/x', false],
    ['api.render.com:443', 'https://api.render.com/v1', true],
    ['der.com', 'https://api.render.com/v1', false],
    ['other.example', 'https://api.render.com/v1', false],
  ])('NO_PROXY=%s for %s: direct %p', (noProxy, url, direct) => {
    const env = { HTTPS_PROXY: 'http://p:1', HTTP_PROXY: 'http://p:1', NO_PROXY: noProxy };
    expect(proxy(url, env) === undefined).toBe(direct);
    expect(proxy(url, { ...env, NO_PROXY: undefined, no_proxy: noProxy }) === undefined).toBe(
      direct,
    );
  });

  test('a setting that is not a proxy URL is refused without repeating it', () => {
    for (const setting of ['ftp://user:s3cret@proxy:21', 'http://', 'http://user:s3cret@']) {
      let thrown: Error | undefined;
      try {
        proxy('https://a.example', { HTTPS_PROXY: setting });
      } catch (error) {
        thrown = error as Error;
      }
      expect(thrown?.message).toMatch(/^HTTPS_PROXY is not a proxy URL/);
      expect(thrown?.message).not.toContain('s3cret');
    }
  });
});

test("a server's message is made inert before it joins an error", () => {
  expect(() =>
    expectSuccess(response(500, '{"message":"x\\r::add-mask::abc"}'), 'The hook'),
  ).toThrow('The hook answered HTTP 500: x\\r::add-mask::abc');
  expect(() => expectSuccess(response(500, '{"message":"::error::boom"}'), 'The hook')).toThrow(
    'The hook answered HTTP 500: :\u200b:error::boom',
  );
});
