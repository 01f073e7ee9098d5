import { aptGetArguments, missingPackages, requiredTools } from './install';

test('OpenVPN needs openvpn and ip; WireGuard needs wireguard-go only without the kernel module', () => {
  expect(requiredTools('openvpn', false).map((tool) => tool.debianPackage)).toEqual([
    'openvpn',
    'iproute2',
  ]);
  expect(requiredTools('wireguard', true).map((tool) => tool.program)).toEqual([
    'wg-quick',
    'wg',
    'ip',
  ]);
  expect(requiredTools('wireguard', false).map((tool) => tool.program)).toContain('wireguard-go');
});

test('each missing package is asked for once', () => {
  const installed = new Set(['ip']);
  expect(
    missingPackages(requiredTools('wireguard', false), (program) =>
      installed.has(program) ? `/usr/bin/${program}` : undefined,
    ),
  ).toEqual(['wireguard-tools', 'wireguard-go']);
});

test('apt-get runs without questions and waits for the dpkg lock', () => {
  expect(aptGetArguments('install', ['openvpn'])).toEqual([
    'DEBIAN_FRONTEND=noninteractive',
    'apt-get',
    '-o',
    'DPkg::Lock::Timeout=300',
    '-q',
    'install',
    '-y',
    '--no-install-recommends',
    'openvpn',
  ]);
});
