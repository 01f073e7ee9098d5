import { coveredDefaultRoutes, netmaskPrefix, parseCidr } from './address-ranges';

test.each([
  ['10.1.2.3/8', 4, 0x0a000000n, 0x0affffffn],
  ['198.18.0.1', 4, 0xc6120001n, 0xc6120001n],
  ['::/1', 6, 0n, (1n << 127n) - 1n],
  ['fd00::2/127', 6, (0xfd00n << 112n) | 2n, (0xfd00n << 112n) | 3n],
  ['::ffff:192.0.2.1/128', 6, 0xffffc0000201n, 0xffffc0000201n],
])('parseCidr(%p)', (text, family, first, last) => {
  expect(parseCidr(text)).toEqual({ family, first, last, text });
});

test.each(['vpn.example.com', '10.0.0.0/33', '10.0.0.0/x', '10.0.0.0/8/1', ''])(
  'parseCidr(%p) is not a range',
  (text) => {
    expect(parseCidr(text)).toBeUndefined();
  },
);

test.each([
  ['255.255.255.255', 32],
  ['255.255.255.0', 24],
  ['128.0.0.0', 1],
  ['0.0.0.0', 0],
  ['255.0.255.0', undefined],
  ['not-a-mask', undefined],
])('netmaskPrefix(%p) is %p', (mask, prefix) => {
  expect(netmaskPrefix(mask)).toBe(prefix);
});

test.each([
  [['0.0.0.0/0'], [{ defaultRoute: '0.0.0.0/0', routes: ['0.0.0.0/0'] }]],
  [
    ['10.8.0.0/24', '0.0.0.0/1', '128.0.0.0/1'],
    [{ defaultRoute: '0.0.0.0/0', routes: ['0.0.0.0/1', '128.0.0.0/1'] }],
  ],
  [
    ['192.0.0.0/2', '0.0.0.0/2', '128.0.0.0/2', '64.0.0.0/2', '10.0.0.0/8'],
    [
      {
        defaultRoute: '0.0.0.0/0',
        routes: ['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2', '192.0.0.0/2'],
      },
    ],
  ],
  [['::/1', '8000::/1'], [{ defaultRoute: '::/0', routes: ['::/1', '8000::/1'] }]],
  [
    ['0.0.0.0/0', '::/0'],
    [
      { defaultRoute: '0.0.0.0/0', routes: ['0.0.0.0/0'] },
      { defaultRoute: '::/0', routes: ['::/0'] },
    ],
  ],
])('%p cover %p', (cidrs, cover) => {
  expect(coveredDefaultRoutes(cidrs)).toEqual(cover);
});

test.each([
  [['0.0.0.0/1']],
  [['0.0.0.0/1', '128.0.0.0/2', '224.0.0.0/3']],
  [['0.0.0.0/1', '128.0.0.0/1x']],
  [['::/1', '2000::/3']],
  [['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  [[]],
])('%p leave a gap: no default route is covered', (cidrs) => {
  expect(coveredDefaultRoutes(cidrs)).toEqual([]);
});
