import { createServer } from 'node:net';
import { formatHostPort } from '../../shared/host-port';
import { systemClock } from '../../shared/retry';
import { parseCheckTarget, probeUntil } from './check-host';

test.each([
  ['10.8.0.1:22', { host: '10.8.0.1', port: 22 }],
  ['db.internal:5432', { host: 'db.internal', port: 5432 }],
  ['[fd00::1]:443', { host: 'fd00::1', port: 443 }],
])('%s', (text, value) => {
  expect(parseCheckTarget('check-host', text)).toEqual(value);
  expect(formatHostPort(value.host, value.port)).toBe(text);
});

test.each([
  ['10.8.0.1', 'is not host:port'],
  ['fd00::1:443', 'is not host:port'],
  ['host:0', 'the port 0 is not from 1 to 65535'],
  ['bad_host!:22', 'is neither an IP address nor a host name'],
  ['$(reboot):22', 'is neither an IP address nor a host name'],
])('%p is refused', (text, message) => {
  expect(() => parseCheckTarget('check-host', text)).toThrow(message);
});

test('probeUntil succeeds on a listening port and reports the refusal of a closed one', async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  expect(await probeUntil(systemClock, '127.0.0.1', port, Date.now() + 2_000)).toBeUndefined();
  await new Promise((resolve) => server.close(resolve));
  const started = Date.now();
  expect(await probeUntil(systemClock, '127.0.0.1', port, Date.now() + 600)).toBe('ECONNREFUSED');
  expect(Date.now() - started).toBeGreaterThanOrEqual(550);
});
