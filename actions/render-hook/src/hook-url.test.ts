import { hookCallUrl, parseDeployHook } from './hook-url';

const KEY = 'AbC123xyz';

test('reads the service id and the key', () => {
  const hook = parseDeployHook(`https://api.render.com/deploy/srv-d0abc123?key=${KEY}`);
  expect(hook.serviceId).toBe('srv-d0abc123');
  expect(hook.key).toBe(KEY);
});

test('accepts any host and a path prefix, as for a proxy', () => {
  expect(parseDeployHook(`http://127.0.0.1:8080/render/deploy/srv-x1/?key=${KEY}`).serviceId).toBe(
    'srv-x1',
  );
});

test.each([
  ['not a url', 'is not a URL'],
  [`ftp://api.render.com/deploy/srv-x?key=${KEY}`, 'must be'],
  [`https://api.render.com/deploy/?key=${KEY}`, 'the path must be /deploy/srv-'],
  [`https://api.render.com/v1/services/srv-x?key=${KEY}`, 'the path must be /deploy/srv-'],
  ['https://api.render.com/deploy/srv-x', "'key' query parameter is missing"],
  ['https://api.render.com/deploy/srv-x?key=', "'key' query parameter is missing"],
])('%s is refused: %s', (url, message) => {
  let thrown: Error | undefined;
  try {
    parseDeployHook(url);
  } catch (error) {
    thrown = error as Error;
  }
  expect(thrown?.message).toContain("Input 'deploy-hook-url'");
  expect(thrown?.message).toContain(message);
  expect(thrown?.message).not.toContain(KEY);
});

test('the image goes into imgURL, URL-encoded, once', () => {
  const hook = parseDeployHook(`https://api.render.com/deploy/srv-x?key=${KEY}`);
  const url = hookCallUrl(hook, 'docker.io/user/app:0.1.42');
  expect(url).toBe(
    `https://api.render.com/deploy/srv-x?key=${KEY}&imgURL=docker.io%2Fuser%2Fapp%3A0.1.42`,
  );
  expect(hookCallUrl(hook, undefined)).toBe(`https://api.render.com/deploy/srv-x?key=${KEY}`);
});
