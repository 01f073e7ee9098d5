import {
  describeDns,
  dnsMethod,
  openVpnDns,
  resolvConfText,
  sameResolvConf,
  wireGuardDns,
} from './dns';
import { parseOpenVpnConfig } from './openvpn-config';

test('OpenVPN: the written dhcp-options, then the pushed ones, each once', () => {
  const items = parseOpenVpnConfig('client\nremote h\ndhcp-option DNS 10.8.0.53\n');
  expect(
    openVpnDns(items, [
      'route 10.8.1.0 255.255.255.0',
      'dhcp-option DNS 10.8.0.1',
      'dhcp-option DNS6 fd00::53',
      'dhcp-option DNS 10.8.0.53',
      'dhcp-option DOMAIN corp.example',
      'dhcp-option DOMAIN-SEARCH lab.corp.example.',
      'dhcp-option NTP 10.8.0.1',
    ]),
  ).toEqual({
    servers: ['10.8.0.53', '10.8.0.1', 'fd00::53'],
    domains: ['corp.example', 'lab.corp.example'],
  });
});

test("OpenVPN: the config's pull-filters apply to pushed DNS as OpenVPN applies them, first match", () => {
  const items = parseOpenVpnConfig(
    'client\nremote h\npull-filter accept "dhcp-option DNS 10.8.0.1"\npull-filter ignore "dhcp-option DNS"\n',
  );
  expect(
    openVpnDns(items, [
      'dhcp-option DNS 10.8.0.1',
      'dhcp-option DNS 10.8.0.2',
      'dhcp-option DOMAIN a.b',
    ]),
  ).toEqual({ servers: ['10.8.0.1'], domains: ['a.b'] });
});

test('values that are not addresses or domain names are left out, whoever sent them', () => {
  expect(
    openVpnDns(parseOpenVpnConfig('client\n'), [
      'dhcp-option DNS vpn.example.com',
      'dhcp-option DOMAIN bad;domain',
      'dhcp-option DOMAIN',
    ]),
  ).toEqual({ servers: [], domains: [] });
});

test("WireGuard: the DNS line's addresses are servers, the rest search domains", () => {
  expect(wireGuardDns(['10.9.0.1', 'corp.example', 'fd00::1'])).toEqual({
    servers: ['10.9.0.1', 'fd00::1'],
    domains: ['corp.example'],
  });
});

test("resolv.conf: the tunnel's servers and domains first, the runner's kept after, options kept", () => {
  const original =
    '# from DHCP\nnameserver 10.1.0.2\nnameserver 10.8.0.1\nsearch runner.internal\noptions edns0 trust-ad\n';
  expect(resolvConfText(original, { servers: ['10.8.0.1'], domains: ['corp.example'] })).toBe(
    [
      "# Written by vpn-connect for the job's VPN; the runner's own file is put back when the job ends.",
      'nameserver 10.8.0.1',
      'nameserver 10.1.0.2',
      'search corp.example runner.internal',
      '# from DHCP',
      'options edns0 trust-ad',
      '',
    ].join('\n'),
  );
  expect(resolvConfText('', { servers: ['10.8.0.1'], domains: [] })).not.toContain('search');
});

test.each([
  [false, { kind: 'symlink', target: '../run/systemd/resolve/stub-resolv.conf' }, 'resolv.conf'],
  [true, { kind: 'symlink', target: '../run/systemd/resolve/stub-resolv.conf' }, 'resolvectl'],
  [true, { kind: 'symlink', target: '/run/systemd/resolve/resolv.conf' }, 'resolvectl'],
  [true, { kind: 'file', text: 'nameserver 127.0.0.53\noptions edns0\n' }, 'resolvectl'],
  [true, { kind: 'file', text: 'nameserver 10.1.0.2\n' }, 'resolv.conf'],
  [true, { kind: 'symlink', target: '/run/resolvconf/resolv.conf' }, 'resolv.conf'],
  [true, { kind: 'missing' }, 'resolv.conf'],
] as const)(
  'resolved running: %p, resolv.conf %p: through %p',
  (resolvedRuns, resolvConf, method) => {
    expect(dnsMethod({ resolvedRuns, resolvConf })).toBe(method);
  },
);

test('resolv.conf states compare by kind and content', () => {
  expect(sameResolvConf({ kind: 'file', text: 'a' }, { kind: 'file', text: 'a' })).toBe(true);
  expect(sameResolvConf({ kind: 'file', text: 'a' }, { kind: 'file', text: 'a\n' })).toBe(false);
  expect(sameResolvConf({ kind: 'symlink', target: 'x' }, { kind: 'file', text: 'x' })).toBe(false);
  expect(sameResolvConf({ kind: 'missing' }, { kind: 'missing' })).toBe(true);
});

test('describeDns names what the log shows', () => {
  expect(describeDns({ servers: ['10.8.0.1'], domains: ['a.b'] })).toBe(
    'servers 10.8.0.1; search domains a.b',
  );
});
