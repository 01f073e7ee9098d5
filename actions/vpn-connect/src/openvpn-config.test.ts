import {
  buildOpenVpnCopy,
  checkOpenVpnConfig,
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
