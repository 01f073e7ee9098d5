import { openVpnArguments, type OpenVpnLaunch } from './openvpn';
import { Privilege } from './system';
import { isOurProcess } from './teardown';

const launch: OpenVpnLaunch = {
  program: '/usr/sbin/openvpn',
  configPath: '/tmp/t/vpn-connect-x/client.ovpn',
  configDir: '/work/repo/vpn',
  logFile: '/tmp/t/vpn-connect-x/openvpn.log',
  pidFile: '/tmp/t/vpn-connect-x/openvpn.pid',
  socketPath: '/tmp/t/vpn-connect-x/management.sock',
  filterDefaultRoute: true,
  raiseVerbosity: false,
};

test('OpenVPN starts held, as a daemon with its own log, pid file and socket, filters first', () => {
  const args = openVpnArguments(launch);
  expect(args.slice(0, 2)).toEqual(['--cd', '/work/repo/vpn']);
  expect(args.indexOf('--pull-filter')).toBeLessThan(args.indexOf('--config'));
  expect(args.join(' ')).toContain('--pull-filter ignore redirect-gateway');
  expect(args.join(' ')).toContain(
    '--daemon --log /tmp/t/vpn-connect-x/openvpn.log --writepid /tmp/t/vpn-connect-x/openvpn.pid --management /tmp/t/vpn-connect-x/management.sock unix',
  );
  expect(args).toContain('--management-hold');
  expect(args).not.toContain('--management-client-user');
});

test('--script-security 1 comes after the config, so that no line of it can raise it', () => {
  const args = openVpnArguments(launch);
  expect(args.slice(args.indexOf('--config'), args.indexOf('--config') + 4)).toEqual([
    '--config',
    launch.configPath,
    '--script-security',
    '1',
  ]);
  expect(args).not.toContain('--verb');
  const louder = openVpnArguments({ ...launch, raiseVerbosity: true });
  expect(louder.indexOf('--verb')).toBeGreaterThan(louder.indexOf('--config'));
  expect(louder[louder.indexOf('--verb') + 1]).toBe('3');
});

test('through sudo, only the runner user may use the socket; full-tunnel adds no filter', () => {
  const args = openVpnArguments({ ...launch, filterDefaultRoute: false, managementUser: 'runner' });
  expect(args).not.toContain('--pull-filter');
  expect(args.join(' ')).toContain('--management-client-user runner');
});

test('privileged commands go through sudo -n unless root', () => {
  expect(new Privilege(true).command('/usr/sbin/openvpn', ['--version'])).toEqual([
    '/usr/sbin/openvpn',
    ['--version'],
  ]);
  expect(new Privilege(false).command('/usr/sbin/openvpn', ['--version'])).toEqual([
    'sudo',
    ['-n', '/usr/sbin/openvpn', '--version'],
  ]);
});

test('a process is ours only if its command line names our config, or our WireGuard device', () => {
  const record = {
    type: 'openvpn' as const,
    workDir: '/tmp/t/vpn-connect-x',
    configPath: launch.configPath,
  };
  expect(
    isOurProcess(['/usr/sbin/openvpn', '--cd', '/w', '--config', launch.configPath], record),
  ).toBe(true);
  expect(isOurProcess(['/usr/sbin/openvpn', '--config', '/etc/openvpn/other.conf'], record)).toBe(
    false,
  );
  expect(isOurProcess(undefined, record)).toBe(false);
  const wireguard = { ...record, type: 'wireguard' as const, device: 'wg1a2b3c4d' };
  expect(isOurProcess(['wireguard-go', 'wg1a2b3c4d'], wireguard)).toBe(true);
  expect(isOurProcess(['wireguard-go', 'wg0'], wireguard)).toBe(false);
});
