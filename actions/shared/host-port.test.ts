import { formatHostPort, parseHostPort } from './host-port';

test.each([
  ['web1', undefined, 'web1'],
  ['web1', 2222, 'web1:2222'],
  ['10.0.0.5', 22, '10.0.0.5:22'],
  ['fd00::1', 443, '[fd00::1]:443'],
  ['::1', undefined, '[::1]'],
])('formatHostPort(%p, %p) is %p', (host, port, text) => {
  expect(formatHostPort(host, port)).toBe(text);
});

test.each([
  ['web1', { host: 'web1' }],
  ['web1:2222', { host: 'web1', port: 2222 }],
  ['10.0.0.5:22', { host: '10.0.0.5', port: 22 }],
  ['[fd00::1]:443', { host: 'fd00::1', port: 443 }],
  ['[fd00::1]', { host: 'fd00::1' }],
  ['fd00::1', { host: 'fd00::1' }],
])('parseHostPort(%p)', (text, parsed) => {
  expect(parseHostPort(text)).toEqual(parsed);
});

test.each([
  '',
  ':22',
  'web1:',
  'web1:0',
  'web1:65536',
  'web1:22x',
  '[web1]:22',
  '[fd00::1]x',
  'fd00::1::2',
  'a:b:c',
  '[]:22',
])('parseHostPort(%p) refuses it', (text) => {
  expect(parseHostPort(text)).toBeUndefined();
});

test('what formatHostPort writes, parseHostPort reads back', () => {
  for (const [host, port] of [
    ['example.org', 8080],
    ['2001:db8::7', 22],
    ['192.0.2.1', 65535],
  ] as const) {
    expect(parseHostPort(formatHostPort(host, port))).toEqual({ host, port });
  }
});
