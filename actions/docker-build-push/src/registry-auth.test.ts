import { ConfigurationError } from '../../shared/errors';
import { parseRegistryAuth, passwordsIn } from './registry-auth';

const LIST = [
  '- registry: docker.io',
  '  username: octo',
  '  password: hub-token-1',
  '# a comment',
  '- registry: https://GHCR.io/',
  "  username: 'octo-org'",
  '  password: "gh\\"token"',
  '-   username: ci',
  '    password: p#ss # trailing comment',
  '    registry: 127.0.0.1:5000',
].join('\n');

test('reads the list: registries as images name them, quoted and plain values', () => {
  expect(parseRegistryAuth(LIST)).toEqual([
    { registry: 'docker.io', username: 'octo', password: 'hub-token-1' },
    { registry: 'ghcr.io', username: 'octo-org', password: 'gh"token' },
    { registry: '127.0.0.1:5000', username: 'ci', password: 'p#ss' },
  ]);
  expect(parseRegistryAuth('')).toEqual([]);
});

test('every password is found for masking, also in text that is refused', () => {
  expect(passwordsIn(LIST)).toEqual([
    'hub-token-1',
    '"gh\\"token"',
    'gh"token',
    'p#ss # trailing comment',
    'p#ss',
  ]);
  const broken = '- registry: ghcr.io\n   password: s3cret-value\n  username: x';
  expect(passwordsIn(broken)).toEqual(['s3cret-value']);
  expect(() => parseRegistryAuth(broken)).toThrow(ConfigurationError);
});

test.each([
  ['registry: ghcr.io', /line 1 is not part of a list entry/],
  ['- registry: ghcr.io\n  token: x', /line 2 is not one of registry:, username:, password:/],
  ['- registry: ghcr.io\n  username: a', /entry 1 \(ghcr.io\) lacks password/],
  ['- registry: ghcr.io\n  username: a\n  password: ', /lacks password/],
  ['- registry: ghcr.io\n  username: a\n  username: b', /username is given twice/],
  ['- registry: ghcr.io\n  username: "a', /username value is not closed/],
  [
    '- registry: index.docker.io\n  username: a\n  password: b\n- registry: docker.io\n  username: c\n  password: d',
    /lists docker.io twice/,
  ],
])('refuses %j', (raw, message) => {
  expect(() => parseRegistryAuth(raw)).toThrow(message);
  try {
    parseRegistryAuth(raw);
  } catch (error) {
    expect((error as ConfigurationError).message).toMatch(/^Input 'registry-auth': /);
    expect((error as Error).message).not.toMatch(/\bb\b.*\bd\b/);
  }
});
