import {
  buildOpenVpnCopy,
  checkNoPrograms,
  checkOpenVpnConfig,
  checkWrittenRoutes,
  logVerbosity,
  parseOpenVpnConfig,
  redactOpenVpnConfig,
  remotesOf,
  secretBlockContents,
  splitWords,
} from './openvpn-config';

const KEY = '-----BEGIN PRIVATE KEY-----\nAAAAsecretKEYmaterial\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nMIIBcaCERT\n-----END CERTIFICATE-----\n';
const STATIC =
  '-----BEGIN OpenVPN Static key V1-----\n0123abcd\n-----END OpenVPN Static key V1-----\n';

test.each([
  ['remote vpn.example.com 1194 udp', ['remote', 'vpn.example.com', '1194', 'udp']],
  ['  auth-user-pass "/path with/space.txt"', ['auth-user-pass', '/path with/space.txt']],
  ['route 10.0.0.0 255.0.0.0 # a comment', ['route', '10.0.0.0', '255.0.0.0']],
  ['setenv NAME a\\ b', ['setenv', 'NAME', 'a b']],
  ["pull-filter ignore 'route 0.0.0.0'", ['pull-filter', 'ignore', 'route 0.0.0.0']],
  ['; commented out', []],
])('splitWords(%p)', (line, words) => {
  expect(splitWords(line)).toEqual(words);
});

const USER_CONFIG = `client
--dev tun
remote vpn.example.com 443 tcp
daemon
log-append /var/log/openvpn.log
management 127.0.0.1 7505
ca ca.crt
tls-auth ta.key 1
redirect-gateway def1
<key>
${KEY.trim()}
</key>
<connection>
remote backup.example.com 1195
</connection>
`;

test('directives are named without their -- and inline blocks keep their content', () => {
  const items = parseOpenVpnConfig(USER_CONFIG);
  expect(items.find((item) => item.kind === 'directive' && item.name === 'dev')).toBeDefined();
  expect(secretBlockContents(items)).toEqual([KEY.trim()]);
  expect(remotesOf(items)).toEqual([
    { host: 'vpn.example.com', port: '443', proto: 'tcp' },
    { host: 'backup.example.com', port: '1195', proto: undefined },
  ]);
});

test('the copy drops what fights the action and what the inputs replace, and says why', () => {
  const items = parseOpenVpnConfig(USER_CONFIG);
  const { text, dropped } = buildOpenVpnCopy(items, {
    credentials: { ca: CA, tlsAuthKey: STATIC },
    authFile: '/tmp/run/auth.txt',
    fullTunnel: false,
  });
  expect(dropped.map((entry) => entry.name)).toEqual([
    'daemon',
    'log-append',
    'management',
    'ca',
    'tls-auth',
    'redirect-gateway',
  ]);
  expect(text).not.toMatch(/^(daemon|log-append|management|ca|tls-auth|redirect-gateway)\b/m);
  // The dropped `tls-auth ta.key 1` keeps its direction for the inline key.
  expect(text).toContain('key-direction 1\n<ca>\n-----BEGIN CERTIFICATE-----');
  expect(text).toContain('<tls-auth>\n-----BEGIN OpenVPN Static key V1-----');
  expect(text).toContain('auth-user-pass /tmp/run/auth.txt');
  // The user's own key block is kept: no 'key' input replaced it.
  expect(text).toContain(`<key>\n${KEY.trim()}\n</key>`);
});

test('with full-tunnel the redirect-gateway stays; without inputs, credentials stay', () => {
  const { text, dropped } = buildOpenVpnCopy(parseOpenVpnConfig(USER_CONFIG), {
    credentials: {},
    fullTunnel: true,
  });
  expect(text).toMatch(/^redirect-gateway def1$/m);
  expect(text).toMatch(/^ca ca.crt$/m);
  expect(dropped.map((entry) => entry.name)).toEqual(['daemon', 'log-append', 'management']);
});

test('paths with spaces are quoted in the copy', () => {
  const { text } = buildOpenVpnCopy(parseOpenVpnConfig('client\nremote h\n'), {
    credentials: {},
    askPassFile: '/home/runner/work/_temp/my dir/askpass.txt',
    fullTunnel: false,
  });
  expect(text).toContain('askpass "/home/runner/work/_temp/my dir/askpass.txt"');
  expect(splitWords('askpass "/home/runner/work/_temp/my dir/askpass.txt"')[1]).toBe(
    '/home/runner/work/_temp/my dir/askpass.txt',
  );
});

test('redaction leaves only a line count in every block', () => {
  const redacted = redactOpenVpnConfig(`client\n<ca>\n${CA}</ca>\n<key>\n${KEY}</key>\n`);
  expect(redacted).toContain('<ca>\n[3 lines redacted]\n</ca>');
  expect(redacted).toContain('<key>\n[3 lines redacted]\n</key>');
  expect(redacted).not.toContain('secretKEY');
});

test.each([
  ['client\ndev tun\n', {}, "Input 'config': names no server"],
  ['client\nremote h\nauth-user-pass\n', {}, "Input 'username': is required"],
  [
    'client\nremote h\n',
    { keyPassphrase: 'x' },
    "Input 'key-passphrase': is given, but there is no client key",
  ],
  [
    'client\nremote h\n',
    { key: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----\n' },
    "Input 'key-passphrase': is required: the client key is encrypted",
  ],
])('%p with %p is refused', (config, credentials, message) => {
  expect(() => checkOpenVpnConfig(parseOpenVpnConfig(config), credentials)).toThrow(message);
});

test('auth-user-pass with a file, or with the username input, is fine', () => {
  expect(() =>
    checkOpenVpnConfig(parseOpenVpnConfig('client\nremote h\nauth-user-pass creds.txt\n'), {}),
  ).not.toThrow();
  expect(() =>
    checkOpenVpnConfig(parseOpenVpnConfig('client\nremote h\nauth-user-pass\n'), {
      username: 'u',
      password: 'p',
    }),
  ).not.toThrow();
});

test.each([
  ['up /etc/openvpn/update-resolv-conf', 'up'],
  ['down /etc/openvpn/update-resolv-conf', 'down'],
  ['route-up "/bin/sh -c id"', 'route-up'],
  ['route-pre-down /x', 'route-pre-down'],
  ['ipchange /x', 'ipchange'],
  ['tls-verify /x', 'tls-verify'],
  ['auth-user-pass-verify /x via-file', 'auth-user-pass-verify'],
  ['learn-address /x', 'learn-address'],
  ['client-connect /x', 'client-connect'],
  ['client-disconnect /x', 'client-disconnect'],
  ['plugin /usr/lib/openvpn/x.so', 'plugin'],
  ['config other.ovpn', 'config'],
  ['cd /etc/openvpn', 'cd'],
  ['chroot /var/empty', 'chroot'],
  ['iproute /tmp/my-ip', 'iproute'],
  ['script-security 2', 'script-security'],
  ['--script-security 3', 'script-security'],
])('%p is refused, naming the directive and its line', (line, name) => {
  const items = parseOpenVpnConfig(`client\nremote h\n${line}\n`);
  expect(() => checkNoPrograms(items, 'config')).toThrow(
    new RegExp(
      `^Input 'config': has directives that would run programs as root, which vpn-connect refuses: line 3 '${name}' \\(`,
    ),
  );
});

test('every refused line is named at once, with the input the config came from', () => {
  const items = parseOpenVpnConfig('client\nscript-security 2\nremote h\nup /x\ndown /x\n');
  expect(() => checkNoPrograms(items, 'config-file')).toThrow(
    "Input 'config-file': has directives that would run programs as root, which vpn-connect refuses: line 2 'script-security' (lets the config run programs); line 4 'up' (runs a program as the tunnel comes up); line 5 'down' (runs a program as the tunnel goes down). Remove these lines",
  );
});

test.each(['script-security 1', 'script-security 0', 'setenv UP x', 'up-delay', '# up /x'])(
  '%p runs nothing: accepted',
  (line) => {
    expect(() =>
      checkNoPrograms(parseOpenVpnConfig(`client\nremote h\n${line}\n`), 'config'),
    ).not.toThrow();
  },
);

test.each([
  [
    ['route 0.0.0.0 0.0.0.0'],
    "the config routes 0.0.0.0/0, the default route (line 3 'route 0.0.0.0 0.0.0.0')",
  ],
  [
    [
      'route 0.0.0.0 128.0.0.0',
      'route 10.0.0.0 255.0.0.0',
      'route 128.0.0.0 128.0.0.0 vpn_gateway',
    ],
    "the config routes 0.0.0.0/1, 128.0.0.0/1, which together cover the default route 0.0.0.0/0 (line 3 'route 0.0.0.0 128.0.0.0', line 5 'route 128.0.0.0 128.0.0.0 vpn_gateway')",
  ],
  [
    ['route-ipv6 ::/1', 'route-ipv6 8000::/1 fd00::1'],
    'the config routes ::/1, 8000::/1, which together cover the default route ::/0',
  ],
])('written routes %p that cover a default route are refused', (routes, message) => {
  const items = parseOpenVpnConfig(`client\nremote h\n${routes.join('\n')}\n`);
  expect(() => checkWrittenRoutes(items, false)).toThrow(
    `Input 'full-tunnel': is false, but ${message}`,
  );
  expect(() => checkWrittenRoutes(items, true)).not.toThrow();
});

test.each([
  [['route 0.0.0.0 128.0.0.0']],
  [['route 0.0.0.0 128.0.0.0', 'route 128.0.0.0 128.0.0.0 net_gateway']],
  [['route vpn.example.com 255.255.255.255', 'route 10.0.0.0 255.0.0.0']],
  [['route-ipv6 2000::/3']],
])('routes %p leave the runner its own default route: accepted', (routes) => {
  const items = parseOpenVpnConfig(`client\nremote h\n${routes.join('\n')}\n`);
  expect(() => checkWrittenRoutes(items, false)).not.toThrow();
});

test.each([
  ['client\n', 1],
  ['client\nverb 4\n', 4],
  ['verb 5\nverb 0\n', 0],
])('the verbosity of %p is %p', (config, verb) => {
  expect(logVerbosity(parseOpenVpnConfig(config))).toBe(verb);
});
