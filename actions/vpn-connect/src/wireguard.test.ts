import { parseHandshakes } from './wireguard';

test('wg show latest-handshakes: one peer a line, 0 for never', () => {
  const handshakes = parseHandshakes('abc=\t1795314456\nxyz=\t0\n');
  expect(handshakes.get('abc=')).toBe(1795314456);
  expect(handshakes.get('xyz=')).toBe(0);
  expect(parseHandshakes('').size).toBe(0);
});
