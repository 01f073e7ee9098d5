import {
  classifyHttpError,
  expectSuccess,
  HttpStatusError,
  NoResponseError,
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
