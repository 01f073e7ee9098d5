import { summaryRows } from './report';

test('a connected tunnel fills every column', () => {
  expect(
    summaryRows({
      type: 'wireguard',
      server: '198.18.113.2:51833',
      device: 'wg1a2b3c4d',
      localIp: '198.19.113.2',
      routes: ['198.19.113.0/24', '198.18.213.1/32'],
      connectedMs: 182,
    })[1],
  ).toEqual([
    'WireGuard',
    '198.18.113.2:51833',
    'wg1a2b3c4d',
    '198.19.113.2',
    '198.19.113.0/24, 198.18.213.1/32',
    '182ms',
  ]);
});

test('what a failure never learned shows as a dash, never as an empty cell', () => {
  expect(summaryRows({ type: 'openvpn', server: 'vpn.example.com:1194' })[1]).toEqual([
    'OpenVPN',
    'vpn.example.com:1194',
    '-',
    '-',
    '-',
    'not connected',
  ]);
});
