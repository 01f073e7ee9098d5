import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildxPluginCandidates,
  createPrivateConfig,
  credentialsFor,
  hasUserCredentials,
  loginsOutsideFile,
  readConfigFile,
  readUserConfig,
  removePrivateConfig,
  userConfigDir,
  withoutCredentials,
} from './docker-config';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'docker-config-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('withoutCredentials keeps everything but auths, credsStore and credHelpers', () => {
  expect(
    withoutCredentials({
      auths: { 'ghcr.io': { auth: 'eDp5' } },
      credsStore: 'desktop',
      credHelpers: { 'x.dkr.ecr.us-east-1.amazonaws.com': 'ecr-login' },
      currentContext: 'remote',
      proxies: { default: { httpProxy: 'http://proxy:3128' } },
      cliPluginsExtraDirs: ['/opt/plugins'],
    }),
  ).toEqual({
    currentContext: 'remote',
    proxies: { default: { httpProxy: 'http://proxy:3128' } },
    cliPluginsExtraDirs: ['/opt/plugins'],
  });
});

test('userConfigDir: DOCKER_CONFIG, else ~/.docker', () => {
  expect(userConfigDir({ DOCKER_CONFIG: '/etc/dc', HOME: '/home/u' })).toBe('/etc/dc');
  expect(userConfigDir({ HOME: '/home/u' })).toBe('/home/u/.docker');
});

test('the private config: mode 700/600, credentials dropped, plugin and context folders linked', async () => {
  const user = path.join(root, 'user');
  mkdirSync(path.join(user, 'cli-plugins'), { recursive: true });
  mkdirSync(path.join(user, 'contexts', 'meta'), { recursive: true });
  writeFileSync(path.join(user, 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n');
  writeFileSync(
    path.join(user, 'config.json'),
    JSON.stringify({ auths: { a: { auth: 'c2VjcmV0' } }, credsStore: 'pass', currentContext: 'x' }),
  );
  const temp = path.join(root, 'runner-temp');
  mkdirSync(temp);

  const { dir, dropped } = await createPrivateConfig(temp, user, await readUserConfig(user));
  expect(path.dirname(dir)).toBe(temp);
  expect(path.basename(dir)).toMatch(/^docker-build-push-config-/);
  expect(dropped).toEqual(['auths', 'credsStore']);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({
    currentContext: 'x',
  });
  expect(lstatSync(path.join(dir, 'cli-plugins')).isSymbolicLink()).toBe(true);
  expect(lstatSync(path.join(dir, 'contexts')).isSymbolicLink()).toBe(true);
  expect(existsSync(path.join(dir, 'buildx'))).toBe(false);

  await removePrivateConfig(dir);
  expect(existsSync(dir)).toBe(false);
  // The links went, not what they pointed at.
  expect(existsSync(path.join(user, 'cli-plugins', 'docker-buildx'))).toBe(true);
  expect(existsSync(path.join(user, 'config.json'))).toBe(true);
});

test('no user config, or an unreadable one: an empty private config', async () => {
  const user = path.join(root, 'user');
  mkdirSync(user);
  writeFileSync(path.join(user, 'config.json'), '{ not json');
  const { dir, dropped } = await createPrivateConfig(root, user, await readUserConfig(user));
  expect(dropped).toEqual([]);
  expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({});
  const missing = path.join(root, 'missing');
  const none = await createPrivateConfig(root, missing, await readUserConfig(missing));
  expect(JSON.parse(readFileSync(path.join(none.dir, 'config.json'), 'utf8'))).toEqual({});
});

test("the user's credentials for registries pushed to without a login are kept, no others", async () => {
  const user = path.join(root, 'user-keep');
  mkdirSync(user);
  const config = {
    auths: {
      'https://index.docker.io/v1/': { auth: 'aHViOnNlY3JldA==' },
      'ghcr.io': { auth: 'Z2g6c2VjcmV0' },
      'other.example': { auth: 'b3RoZXI=' },
    },
    credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
    credsStore: 'desktop',
  };
  expect(credentialsFor(config, ['docker.io', '123.dkr.ecr.eu-west-1.amazonaws.com'])).toEqual({
    auths: { 'https://index.docker.io/v1/': { auth: 'aHViOnNlY3JldA==' } },
    credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr-login' },
  });
  const { dir } = await createPrivateConfig(root, user, config, ['ghcr.io']);
  expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({
    auths: { 'ghcr.io': { auth: 'Z2g6c2VjcmV0' } },
  });
});

test.each([
  [{}, 'ghcr.io', false],
  [{ auths: { 'ghcr.io': {} } }, 'ghcr.io', true],
  [{ auths: { 'https://ghcr.io': {} } }, 'ghcr.io', true],
  [{ auths: { 'ghcr.io': {} } }, 'docker.io', false],
  [{ auths: { 'https://index.docker.io/v1/': {} } }, 'docker.io', true],
  [{ credHelpers: { 'ghcr.io': 'gh' } }, 'ghcr.io', true],
  [{ credsStore: 'desktop' }, 'quay.io', true],
])('hasUserCredentials(%j, %s) is %s', (config, registry, expected) => {
  expect(hasUserCredentials(config, registry)).toBe(expected);
});

test('without a login the whole config stays; own folders are real, the other plugins linked', async () => {
  const user = path.join(root, 'user-own');
  mkdirSync(path.join(user, 'cli-plugins'), { recursive: true });
  mkdirSync(path.join(user, 'buildx'));
  writeFileSync(path.join(user, 'cli-plugins', 'docker-compose'), '');
  writeFileSync(path.join(user, 'cli-plugins', 'docker-buildx'), '');
  const config = { credsStore: 'desktop', auths: { 'ghcr.io': {} }, detachKeys: 'ctrl-x,x' };
  const { dir, dropped } = await createPrivateConfig(root, user, config, [], {
    keepCredentials: true,
    ownFolders: ['buildx', 'cli-plugins'],
  });
  expect(dropped).toEqual([]);
  expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual(config);
  for (const folder of ['buildx', 'cli-plugins']) {
    expect(lstatSync(path.join(dir, folder)).isDirectory()).toBe(true);
    expect(statSync(path.join(dir, folder)).mode & 0o777).toBe(0o700);
  }
  expect(existsSync(path.join(dir, 'buildx', 'instances'))).toBe(false);
  expect(lstatSync(path.join(dir, 'cli-plugins', 'docker-compose')).isSymbolicLink()).toBe(true);
  expect(existsSync(path.join(dir, 'cli-plugins', 'docker-buildx'))).toBe(false);
});

test("buildx's plugin files: the config's folder, its extra folders, then the system's", () => {
  expect(
    buildxPluginCandidates('/home/runner/.docker', {
      cliPluginsExtraDirs: ['/opt/plugins', 42],
    }),
  ).toEqual([
    '/home/runner/.docker/cli-plugins/docker-buildx',
    '/opt/plugins/docker-buildx',
    '/usr/local/lib/docker/cli-plugins/docker-buildx',
    '/usr/local/libexec/docker/cli-plugins/docker-buildx',
    '/usr/lib/docker/cli-plugins/docker-buildx',
    '/usr/libexec/docker/cli-plugins/docker-buildx',
  ]);
  expect(buildxPluginCandidates('/c', {})[0]).toBe('/c/cli-plugins/docker-buildx');
});

describe('loginsOutsideFile: the logins post must log out of, by what the CLI wrote', () => {
  const registries = ['docker.io', 'ghcr.io', '127.0.0.1:5000'];

  test('credentials in auths alone: none, the folder takes them', () => {
    const config = {
      auths: {
        'https://index.docker.io/v1/': { auth: 'dTpw' },
        'ghcr.io': { auth: 'dTpw' },
        '127.0.0.1:5000': { auth: 'dTpw' },
      },
    };
    expect(loginsOutsideFile(config, registries)).toEqual([]);
  });

  test('a credential store the CLI chose: every one', () => {
    const config = { auths: { 'ghcr.io': {} }, credsStore: 'secretservice' };
    expect(loginsOutsideFile(config, registries)).toEqual(registries);
  });

  test('an empty credsStore is no store', () => {
    expect(loginsOutsideFile({ credsStore: '' }, registries)).toEqual([]);
  });

  test('credential helpers: the registries they serve, under any of their keys', () => {
    const config = { credHelpers: { 'index.docker.io': 'desktop', 'https://127.0.0.1:5000': 'x' } };
    expect(loginsOutsideFile(config, registries)).toEqual(['docker.io', '127.0.0.1:5000']);
  });

  test('a file that could not be read: every one', () => {
    expect(loginsOutsideFile(undefined, registries)).toEqual(registries);
  });

  test('readConfigFile: undefined for a missing file, a non-object or broken JSON', async () => {
    expect(await readConfigFile(root)).toBeUndefined();
    for (const text of ['[1]', 'null', '{"auths":']) {
      writeFileSync(path.join(root, 'config.json'), text);
      expect(await readConfigFile(root)).toBeUndefined();
    }
    writeFileSync(path.join(root, 'config.json'), '{"credsStore":"pass"}');
    expect(await readConfigFile(root)).toEqual({ credsStore: 'pass' });
  });
});
