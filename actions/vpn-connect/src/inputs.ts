import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/errors';
import { parseBoolean, parsePositiveDuration } from '../../shared/input-values';
import { maskSecret } from '../../shared/mask';
import type { Runner } from '../../shared/runner';
import { parseCheckTarget, type CheckTarget } from './check-host';
import {
  checkNoPrograms,
  checkOpenVpnConfig,
  checkWrittenRoutes,
  parseOpenVpnConfig,
  secretBlockContents,
  type ConfigItem,
  type OpenVpnCredentials,
} from './openvpn-config';
import {
  checkWireGuardConfig,
  parseWireGuardConfig,
  secretsOf,
  type WireGuardConfig,
} from './wireguard-config';

interface SharedInputs {
  /** Where the config's relative paths point: the config file's folder, or the workspace. */
  configDir: string;
  /** The user's own file, when given: read, never written. */
  configFile?: string;
  connectTimeoutMs: number;
  checkHost?: CheckTarget;
  fullTunnel: boolean;
  /** Apply the DNS servers and search domains of the tunnel to the runner, and undo it in post. */
  dns: boolean;
  install: boolean;
  echoConfig: boolean;
  /** Every secret value, to keep out of anything the action prints. */
  secrets: string[];
}

export interface OpenVpnSettings {
  items: ConfigItem[];
  credentials: OpenVpnCredentials;
}

/** What the `type` input selects, with the config of that kind. */
type Mode =
  { type: 'openvpn'; openvpn: OpenVpnSettings } | { type: 'wireguard'; wireguard: WireGuardConfig };

export type Inputs = SharedInputs & Mode;
export type OpenVpnInputs = Extract<Inputs, { type: 'openvpn' }>;
export type WireGuardInputs = Extract<Inputs, { type: 'wireguard' }>;

const OPENVPN_ONLY = [
  'username',
  'password',
  'ca',
  'cert',
  'key',
  'key-passphrase',
  'tls-auth-key',
  'tls-crypt-key',
] as const;

/** PEM text as GitHub secrets may carry it: CRLF line ends, stray blank lines around. */
function pem(raw: string): string | undefined {
  const text = raw.replace(/\r\n?/g, '\n').trim();
  return text === '' ? undefined : `${text}\n`;
}

function expectPem(input: string, value: string | undefined, begin: RegExp, what: string) {
  if (value !== undefined && !begin.test(value)) {
    // Never quote the value: it is a secret, and masking is no reason to print it.
    throw new ConfigurationError(
      input,
      `is not ${what}: it should start with a -----BEGIN ...----- line. Store the whole PEM file, BEGIN and END lines included, in the secret.`,
    );
  }
}

/** Reads and checks every input. Secrets are masked before anything can print them. */
export function getInputs(runner: Runner, env: NodeJS.ProcessEnv): Inputs {
  const setSecret = (value: string) => runner.setSecret(value);
  const secretInputs = {
    config: runner.getInput('config'),
    username: runner.getInput('username'),
    password: runner.getInput('password'),
    ca: runner.getInput('ca'),
    cert: runner.getInput('cert'),
    key: runner.getInput('key'),
    'key-passphrase': runner.getInput('key-passphrase'),
    'tls-auth-key': runner.getInput('tls-auth-key'),
    'tls-crypt-key': runner.getInput('tls-crypt-key'),
  };
  // The whole config is registered as one value, but only the secret parts of it line by
  // line: masking every line of a config would turn the log into asterisks.
  if (secretInputs.config.trim() !== '') setSecret(secretInputs.config);
  for (const [name, value] of Object.entries(secretInputs)) {
    if (name !== 'config') maskSecret(value, setSecret);
  }

  const typeText = runner.getInput('type').toLowerCase();
  if (typeText !== 'openvpn' && typeText !== 'wireguard') {
    throw new ConfigurationError(
      'type',
      `'${typeText}' is not a VPN type. Use openvpn or wireguard.`,
    );
  }
  const type: Inputs['type'] = typeText;

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const configFileText = runner.getInput('config-file');
  let configText = secretInputs.config;
  let configFile: string | undefined;
  let configDir = workspace;
  if (configText !== '' && configFileText !== '') {
    throw new ConfigurationError(
      'config-file',
      "and 'config' are both given: pass the configuration one way only.",
    );
  }
  if (configFileText !== '') {
    configFile = path.resolve(workspace, configFileText);
    if (!existsSync(configFile) || !statSync(configFile).isFile()) {
      throw new ConfigurationError(
        'config-file',
        `there is no file at ${configFileText} (looked for ${configFile}). Give a path relative to the workspace, and check out the repository first.`,
      );
    }
    configText = readFileSync(configFile, 'utf8');
    configDir = path.dirname(configFile);
  } else if (configText === '') {
    throw new ConfigurationError(
      'config',
      `is required, or 'config-file': pass the ${type === 'openvpn' ? '.ovpn' : 'wg-quick .conf'} file's content as a secret (config: \${{ secrets.VPN_CONFIG }}) or its path in the workspace (config-file: vpn/client.${type === 'openvpn' ? 'ovpn' : 'conf'}).`,
    );
  }

  const credentials: OpenVpnCredentials = {
    username: secretInputs.username || undefined,
    password: secretInputs.password || undefined,
    ca: pem(secretInputs.ca),
    cert: pem(secretInputs.cert),
    key: pem(secretInputs.key),
    keyPassphrase: secretInputs['key-passphrase'] || undefined,
    tlsAuthKey: pem(secretInputs['tls-auth-key']),
    tlsCryptKey: pem(secretInputs['tls-crypt-key']),
  };
  const fullTunnel = parseBoolean('full-tunnel', runner.getInput('full-tunnel'));
  // The config itself is not listed: its secret parts are, below. Redacting each of its lines
  // would blank out words like `client` wherever they appear.
  const secrets = Object.entries(secretInputs)
    .filter(([name, value]) => name !== 'config' && value !== '')
    .map(([, value]) => value);

  // Problems inside the config are reported against the input that carried it.
  const configInput = configFile ? 'config-file' : 'config';
  let mode: Mode;
  if (type === 'wireguard') {
    const given = OPENVPN_ONLY.filter((name) => secretInputs[name] !== '');
    if (given.length > 0) {
      throw new ConfigurationError(
        given[0],
        "applies to OpenVPN only. A WireGuard config carries its keys itself: put them in 'config'.",
      );
    }
    const wireguard = parseWireGuardConfig(configText);
    for (const secret of secretsOf(wireguard)) maskSecret(secret, setSecret);
    secrets.push(...secretsOf(wireguard));
    checkWireGuardConfig(wireguard, fullTunnel, configInput);
    mode = { type, wireguard };
  } else {
    checkCredentials(credentials);
    const items = parseOpenVpnConfig(configText);
    for (const secret of secretBlockContents(items)) maskSecret(secret, setSecret);
    secrets.push(...secretBlockContents(items));
    checkNoPrograms(items, configInput);
    checkOpenVpnConfig(items, credentials);
    checkWrittenRoutes(items, fullTunnel);
    mode = { type, openvpn: { items, credentials } };
  }

  const checkHostText = runner.getInput('check-host');
  return {
    ...mode,
    configDir,
    configFile,
    connectTimeoutMs: parsePositiveDuration('connect-timeout', runner.getInput('connect-timeout')),
    checkHost: checkHostText ? parseCheckTarget('check-host', checkHostText) : undefined,
    fullTunnel,
    dns: parseBoolean('dns', runner.getInput('dns')),
    install: parseBoolean('install', runner.getInput('install')),
    echoConfig: parseBoolean('echo-config', runner.getInput('echo-config')),
    secrets,
  };
}

function checkCredentials(credentials: OpenVpnCredentials): void {
  if (credentials.username !== undefined && credentials.password === undefined) {
    throw new ConfigurationError(
      'password',
      "is required with 'username': pass it as a secret, password: ${{ secrets.VPN_PASSWORD }}.",
    );
  }
  if (credentials.password !== undefined && credentials.username === undefined) {
    throw new ConfigurationError('username', "is required with 'password'.");
  }
  if (/[\r\n]/.test(credentials.username ?? '') || /[\r\n]/.test(credentials.password ?? '')) {
    throw new ConfigurationError(
      credentials.username && /[\r\n]/.test(credentials.username) ? 'username' : 'password',
      'holds a line break, which the auth file cannot carry: store the value on one line.',
    );
  }
  if (credentials.tlsAuthKey && credentials.tlsCryptKey) {
    throw new ConfigurationError(
      'tls-crypt-key',
      "and 'tls-auth-key' are both given: a connection uses one or the other, as the server does.",
    );
  }
  expectPem('ca', credentials.ca, /-----BEGIN CERTIFICATE-----/, 'a PEM certificate');
  expectPem('cert', credentials.cert, /-----BEGIN CERTIFICATE-----/, 'a PEM certificate');
  expectPem('key', credentials.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key');
  const staticKey = /-----BEGIN OpenVPN Static key V1-----/;
  expectPem('tls-auth-key', credentials.tlsAuthKey, staticKey, 'an OpenVPN static key');
  expectPem('tls-crypt-key', credentials.tlsCryptKey, staticKey, 'an OpenVPN static key');
}
