import {
  buildWireGuardCopy,
  checkWireGuardConfig,
  localAddress,
  parseWireGuardConfig,
  probeAddress,
  redactWireGuardConfig,
  secretsOf,
} from './wireguard-config';

const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PRESHARED = 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=';
const CONFIG = `[Interface]
PrivateKey = ${PRIVATE}
Address = 10.9.0.2/24, fd00::2/64
DNS = 10.9.0.1
SaveConfig = true

# the office
[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
PresharedKey = ${PRESHARED}
Endpoint = vpn.example.com:51820
AllowedIPs = 10.9.0.0/24, 192.168.10.0/24
`;

test('reads keys, addresses and peers', () => {
  const config = parseWireGuardConfig(CONFIG);
  expect(config.addresses).toEqual(['10.9.0.2/24', 'fd00::2/64']);
  expect(config.peers).toEqual([
    {
      publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
      endpoint: 'vpn.example.com:51820',
      allowedIps: ['10.9.0.0/24', '192.168.10.0/24'],
    },
  ]);
  expect(secretsOf(config)).toEqual([PRIVATE, PRESHARED]);
  expect(localAddress(config)).toBe('10.9.0.2');
  expect(() => checkWireGuardConfig(config, false)).not.toThrow();
});

test('the copy leaves SaveConfig out, and DNS, which the action applies itself or not at all', () => {
  const config = parseWireGuardConfig(CONFIG);
  expect(config.dns).toEqual(['10.9.0.1']);
  const withDns = buildWireGuardCopy(config, { dns: true });
  expect(withDns.dropped.map((entry) => entry.name)).toEqual(['SaveConfig']);
  expect(withDns.text).not.toMatch(/^\s*DNS/m);
  expect(withDns.text).not.toMatch(/^SaveConfig/m);
  const without = buildWireGuardCopy(config, { dns: false });
  expect(without.dropped).toEqual([
    { name: 'DNS', reason: "the 'dns' input is false" },
    { name: 'SaveConfig', reason: 'the copy is deleted when the job ends' },
  ]);
  expect(without.text).not.toMatch(/^\s*DNS/m);
});

test.each(['PreUp', 'PostUp', 'PreDown', 'postdown'])(
  '%s runs a command as root: refused, naming the line',
  (key) => {
    const config = parseWireGuardConfig(
      CONFIG.replace('SaveConfig = true', `${key} = touch /tmp/ran`),
    );
    expect(() => checkWireGuardConfig(config, false, 'config-file')).toThrow(
      `Input 'config-file': has commands that wg-quick would run as root, which vpn-connect refuses to run: line 5 (${key === 'postdown' ? 'PostDown' : key}).`,
    );
  },
);

test('redaction hides both keys', () => {
  const { text } = buildWireGuardCopy(parseWireGuardConfig(CONFIG), { dns: true });
  const redacted = redactWireGuardConfig(text);
  expect(redacted).toContain('PrivateKey = [redacted]');
  expect(redacted).toContain('PresharedKey = [redacted]');
  expect(redacted).not.toContain(PRIVATE);
  expect(redacted).not.toContain(PRESHARED);
});

test.each([
  ['0.0.0.0/0', false, "Input 'full-tunnel': is false, but AllowedIPs has 0.0.0.0/0"],
  ['::/0', false, "Input 'full-tunnel': is false, but AllowedIPs has ::/0"],
  [
    '0.0.0.0/1, 128.0.0.0/1',
    false,
    "Input 'full-tunnel': is false, but AllowedIPs has 0.0.0.0/1, 128.0.0.0/1, which together cover the default route 0.0.0.0/0",
  ],
  [
    '10.9.0.0/24, ::/1, 8000::/1',
    false,
    "Input 'full-tunnel': is false, but AllowedIPs has ::/1, 8000::/1, which together cover the default route ::/0",
  ],
])('AllowedIPs %s with full-tunnel %p is refused', (allowed, fullTunnel, message) => {
  const config = parseWireGuardConfig(CONFIG.replace('10.9.0.0/24, 192.168.10.0/24', allowed));
  expect(() => checkWireGuardConfig(config, fullTunnel)).toThrow(message);
  expect(() => checkWireGuardConfig(config, true)).not.toThrow();
});

test.each([
  [CONFIG.replace(/^PrivateKey.*$/m, ''), 'has no PrivateKey'],
  [CONFIG.replace(/^Address.*$/m, ''), 'has no Address'],
  [CONFIG.replace(/^Endpoint.*$/m, ''), 'has no [Peer] with an Endpoint'],
  [CONFIG.replace(/\[Peer\][^]*$/, ''), 'has no [Peer] with a PublicKey'],
])('an incomplete config is refused: %#', (text, message) => {
  expect(() => checkWireGuardConfig(parseWireGuardConfig(text), false)).toThrow(message);
});

test.each([
  ['Key = value before any section', 'must come under an [Interface] or [Peer] header'],
  ['[Interface]\nPrivateKey = a\n[Interface]\n', 'needs exactly one [Interface] section, not 2'],
  [`[Interface]\nPrivateKey ${PRIVATE}\n`, 'line 2 reads neither [Section] nor Key = Value'],
])('%p is no wg-quick config', (text, message) => {
  let thrown: Error | undefined;
  try {
    parseWireGuardConfig(text);
  } catch (error) {
    thrown = error as Error;
  }
  expect(thrown?.message).toContain(message);
  expect(thrown?.message).not.toContain(PRIVATE);
});

test.each([
  [['10.9.0.1/32'], ['10.9.0.2/24'], '10.9.0.1'],
  [['10.9.0.0/24'], ['10.9.0.2/24'], '10.9.0.1'],
  [['10.9.0.0/24'], ['10.9.0.1/24'], '10.9.0.2'],
  [['0.0.0.0/0'], ['10.9.0.2/24'], '10.9.0.1'],
  [['fd00::1/128'], ['fd00::2/64'], 'fd00::1'],
  [['10.9.0.2/32'], ['10.9.0.2/24'], undefined],
])('a peer with AllowedIPs %p, seen from %p, is nudged at %p', (allowedIps, addresses, probe) => {
  expect(probeAddress({ publicKey: 'k', allowedIps }, addresses)).toBe(probe);
});
