import { ActionFailure } from '../../shared/errors';
import type { HttpClient, HttpRequest } from '../../shared/http';
import { RenderApi } from './render-api';

const clock = { now: () => 0, sleep: () => Promise.resolve() };

function apiAnswering(body: string): { api: RenderApi; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const http: HttpClient = (request) => {
    requests.push(request);
    return Promise.resolve({ status: 200, header: () => null, body });
  };
  return { api: new RenderApi('https://api.render.com/v1', 'rnd_key', http, clock), requests };
}

test.each([
  ['dep-1/../../x', 'dep-1%2F..%2F..%2Fx'],
  ['x\r::add-mask::abc', 'x%0D%3A%3Aadd-mask%3A%3Aabc'],
  ['a?b#c%d', 'a%3Fb%23c%25d'],
])('deploy id %j goes into the path as one encoded segment', async (id, segment) => {
  const { api, requests } = apiAnswering('{"status":"live"}');
  await api.getDeploy('srv-a', id);
  expect(requests.map((request) => request.url)).toEqual([
    `https://api.render.com/v1/services/srv-a/deploys/${segment}`,
  ]);
});

test.each(['', '.', '..'])('deploy id %j is refused without a request', async (id) => {
  const { api, requests } = apiAnswering('{"status":"live"}');
  await expect(api.getDeploy('srv-a', id)).rejects.toBeInstanceOf(ActionFailure);
  expect(requests).toEqual([]);
});

test.each([
  ['{"status":{"toString":"x"}}', '{"toString":"x"}'],
  ['{"status":42}', '42'],
  ['{}', 'none'],
  ['null', 'none'],
])('a status that is not text, in %s, is shown as JSON', async (body, status) => {
  const { api } = apiAnswering(body);
  expect((await api.getDeploy('srv-a', 'dep-1')).status).toBe(status);
});

test("an answer that is not JSON fails without quoting the server's text", async () => {
  const { api } = apiAnswering('<html>::error::down</html>');
  const failure = api.getService('srv-a');
  await expect(failure).rejects.toBeInstanceOf(ActionFailure);
  await expect(failure).rejects.toThrow(
    "Render's API answered for service srv-a with something other than JSON.",
  );
});
