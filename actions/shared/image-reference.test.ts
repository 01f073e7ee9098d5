import { formatImageReference, parseImageReference } from './image-reference';

const digest = `sha256:${'a1'.repeat(32)}`;

test.each([
  ['user/app', { repository: 'user/app' }],
  ['nginx', { repository: 'nginx' }],
  ['docker.io/user/app:0.1.42', { registry: 'docker.io', repository: 'user/app', tag: '0.1.42' }],
  [`ghcr.io/org/app@${digest}`, { registry: 'ghcr.io', repository: 'org/app', digest }],
  ['127.0.0.1:5000/team/app:v1', { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1' }],
  ['localhost/app', { registry: 'localhost', repository: 'app' }],
  [
    `reg.example.com:443/a/b/c:tag_1.x@${digest}`,
    { registry: 'reg.example.com:443', repository: 'a/b/c', tag: 'tag_1.x', digest },
  ],
  ['my-org/my__app.web', { repository: 'my-org/my__app.web' }],
])('%s parses', (text, expected) => {
  const reference = parseImageReference(text);
  expect(reference).toEqual({
    registry: undefined,
    tag: undefined,
    digest: undefined,
    ...expected,
  });
  expect(formatImageReference(reference!)).toBe(text);
});

test.each([
  '',
  'User/App',
  'app:',
  'app:-tag',
  'docker.io/user/app:0.1.42 ',
  'app; rm -rf /',
  '$(touch /tmp/x)',
  'app@sha256:abc',
  `app@sha256:${'a'.repeat(63)}`,
  'a//b',
  `app:${'t'.repeat(129)}`,
  `reg.io/${'a'.repeat(250)}`,
])('%p is not a reference', (text) => {
  expect(parseImageReference(text)).toBeUndefined();
});
