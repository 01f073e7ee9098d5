import { routeCidrs } from './network';

test('unicast routes through the device become CIDRs; local, broadcast and link-local ones do not', () => {
  const v4 = JSON.stringify([
    { dst: '10.9.0.0/24', protocol: 'kernel', scope: 'link', prefsrc: '10.9.0.2' },
    { dst: '198.18.161.1', gateway: '10.9.0.1' },
    { dst: '0.0.0.0/1', gateway: '10.9.0.1' },
    { dst: 'default', table: '51820' },
    { type: 'local', dst: '10.9.0.2', table: 'local' },
    { type: 'broadcast', dst: '10.9.0.255', table: 'local' },
  ]);
  expect(routeCidrs(v4, 4)).toEqual(['10.9.0.0/24', '198.18.161.1/32', '0.0.0.0/1', '0.0.0.0/0']);
  const v6 = JSON.stringify([
    { dst: 'fd00::/64' },
    { dst: 'fe80::/64' },
    { dst: 'fd00::1' },
    { type: 'multicast', dst: 'ff00::/8' },
  ]);
  expect(routeCidrs(v6, 6)).toEqual(['fd00::/64', 'fd00::1/128']);
});

test('no output, or output that is not JSON, gives no routes', () => {
  expect(routeCidrs('', 4)).toEqual([]);
  expect(routeCidrs('Device "x" does not exist.', 4)).toEqual([]);
});
