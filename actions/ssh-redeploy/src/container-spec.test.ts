import {
  formatPort,
  parseContainerName,
  parseEnv,
  parseImage,
  parsePorts,
  parseRegistry,
  parseRestart,
  parseRunArgs,
  parseVolumes,
} from './container-spec';

test('port mappings are read into parts and written back canonically', () => {
  const ports = parsePorts('127.0.0.1:8050:8050\n8080:80/udp\n:9000\n[::1]:5000:5000\n# comment');
  expect(ports.map(formatPort)).toEqual([
    '127.0.0.1:8050:8050/tcp',
    '8080:80/udp',
    ':9000/tcp',
    '[::1]:5000:5000/tcp',
  ]);
});

test.each([
  '8080',
  '8080:80; touch /tmp/x',
  '$(id):80',
  '999.1.1.1:80:80',
  '70000:80',
  '80:80/icmp',
  '8080-8090:80',
])('port mapping %j is refused', (text) => {
  expect(() => parsePorts(text)).toThrow("Input 'ports':");
});

test('volumes: named or absolute, read-only or not', () => {
  expect(parseVolumes('notebooks:/home/jovyan/work\n/srv/config:/etc/app:ro')).toEqual([
    { source: 'notebooks', target: '/home/jovyan/work', readOnly: false },
    { source: '/srv/config', target: '/etc/app', readOnly: true },
  ]);
});

test.each([
  'data',
  'data:relative',
  '/etc:/x; rm -rf /',
  '../up:/x',
  '/a/../b:/x',
  'd:/x:rwx',
  'd:/',
  'd:/x y',
  '$(id):/x',
])('volume %j is refused', (text) => {
  expect(() => parseVolumes(text)).toThrow("Input 'volumes':");
});

test('env lines keep their values as written, and errors never show a value', () => {
  expect(parseEnv('A=1\n\n# note\nB=it\'s = "x" $(y)\nC=\n')).toEqual([
    ['A', '1'],
    ['B', 'it\'s = "x" $(y)'],
    ['C', ''],
  ]);
  expect(() => parseEnv('GOOD=1\nBAD KEY=hunter2')).toThrow(
    /^Input 'env': line 2 is not KEY=VALUE/,
  );
  expect(() => parseEnv('BAD KEY=hunter2')).not.toThrow(/hunter2/);
  expect(() => parseEnv('A=1\nA=2')).toThrow('A is set twice');
});

test('run-args: --option or --option=value words, quotes grouping', () => {
  expect(parseRunArgs('--init --memory=512m\n--label="team=web ops" --read-only')).toEqual([
    '--init',
    '--memory=512m',
    '--label=team=web ops',
    '--read-only',
  ]);
  expect(parseRunArgs('')).toEqual([]);
});

test.each([
  ['--memory 512m', "'512m' is not a --option"],
  ['-m=512m', "'-m=512m' is not a --option"],
  ['--name=x', '--name is set by'],
  ['--rm', '--rm is set by'],
  ['--restart=always', "the 'restart' input"],
  ['--label="unclosed', 'unclosed'],
  ['busybox', "'busybox' is not a --option"],
])('run-args %j is refused: %s', (text, message) => {
  expect(() => parseRunArgs(text)).toThrow(message);
});

test('names, images, restart policies and registries', () => {
  expect(parseContainerName('dashboard_piratage.v2')).toBe('dashboard_piratage.v2');
  expect(() => parseContainerName('x; touch /tmp/pwned')).toThrow("Input 'container':");
  expect(() => parseContainerName('-x')).toThrow("Input 'container':");
  expect(parseImage('uvsq21606335/dashboard-piratage:latest')).toBe(
    'uvsq21606335/dashboard-piratage:latest',
  );
  expect(() => parseImage('app:latest; touch /x')).toThrow("Input 'image':");
  expect(parseRestart('on-failure:5')).toBe('on-failure:5');
  expect(() => parseRestart('sometimes')).toThrow("Input 'restart':");
  expect(parseRegistry('registry.example.com:5000')).toBe('registry.example.com:5000');
  expect(() => parseRegistry('https://ghcr.io')).toThrow("Input 'registry':");
});
