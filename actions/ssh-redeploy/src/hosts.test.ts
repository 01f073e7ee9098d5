import { parseTargets } from './hosts';

const defaults = { port: 22, username: 'deploy' };

test.each([
  [
    'web1.example.com',
    { host: 'web1.example.com', port: 22, username: 'deploy', label: 'web1.example.com' },
  ],
  ['10.0.0.5:2222', { host: '10.0.0.5', port: 2222, username: 'deploy', label: '10.0.0.5:2222' }],
  ['ops@web2:2200', { host: 'web2', port: 2200, username: 'ops', label: 'ops@web2:2200' }],
  [
    '[2001:db8::1]:2222',
    { host: '2001:db8::1', port: 2222, username: 'deploy', label: '[2001:db8::1]:2222' },
  ],
  ['2001:db8::1', { host: '2001:db8::1', port: 22, username: 'deploy', label: '[2001:db8::1]' }],
])('%s', (entry, expected) => {
  expect(parseTargets(entry, defaults)).toEqual([expected]);
});

test('entries are split on lines and commas, and a default port other than 22 shows in labels', () => {
  const targets = parseTargets('a.example.com, b.example.com\n\nc.example.com:22\n', {
    port: 2022,
    username: 'deploy',
  });
  expect(targets.map((target) => target.label)).toEqual([
    'a.example.com:2022',
    'b.example.com:2022',
    'c.example.com:22',
  ]);
});

test.each([
  ['', "Input 'host': is required"],
  ['host;rm -rf /', 'is not a host name'],
  ['$(id)@host', 'invalid user name'],
  ['host:99999', 'port outside'],
  ['host:22x', 'invalid port'],
  ['[not-ipv6]:22', 'not an IPv6 address'],
  ['a.example.com\nA.example.com', 'listed twice'],
])('%j is refused: %s', (entry, message) => {
  expect(() => parseTargets(entry, defaults)).toThrow(message);
});

test('without username, each entry must name its user', () => {
  expect(() => parseTargets('web1', { port: 22 })).toThrow(
    "Input 'username': is required: the user to log in as on web1. Set username, or write the entry as user@web1.",
  );
  expect(parseTargets('ops@web1', { port: 22 })[0].username).toBe('ops');
});
