import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../shared/errors';
import { parseBoolean, parsePositiveDuration } from '../../shared/input-values';
import { maskSecret } from '../../shared/mask';
import { getInput, setSecret } from '../../shared/runner';
import { parseHostPort, type HostPort } from './check-host';
import {
  checkOpenVpnConfig,
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

export type VpnType = 'openvpn' | 'wireguard';

export interface Inputs {
  type: VpnType;
  /** The config as the user wrote it; a secret. */
  configText: string;
  /** Where the config's relative paths point: the config file's folder, or the workspace. */
  configDir: string;
  /** The user's own file, when given: read, never written. */
  configFile?: string;
  openvpn?: { items: ConfigItem[]; credentials: OpenVpnCredentials };
  wireguard?: WireGuardConfig;
  connectTimeoutMs: number;
  checkHost?: HostPort;
  fullTunnel: boolean;
  install: boolean;
  echoConfig: boolean;
  /** Every secret value, to keep out of anything the action prints. */
  secrets: string[];
}

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
export function getInputs(): Inputs {
  const secretInputs = {
    config: getInput('config'),
    username: getInput('username'),
    password: getInput('password'),
    ca: getInput('ca'),
    cert: getInput('cert'),
    key: getInput('key'),
    'key-passphrase': getInput('key-passphrase'),
    'tls-auth-key': getInput('tls-auth-key'),
    'tls-crypt-key': getInput('tls-crypt-key'),
  };
  // The whole config is registered as one value, but only the secret parts of it line by
  // line: masking every line of a config would turn the log into asterisks.
  setSecretValue(secretInputs.config);
  for (const [name, value] of Object.entries(secretInputs)) {
    if (name !== 'config') maskSecret(value, setSecret);
  }

  const typeText = getInput('type').toLowerCase();
  if (typeText !== 'openvpn' && typeText !== 'wireguard') {
    throw new ConfigurationError(
      'type',
      `'${typeText}' is not a VPN type. Use openvpn or wireguard.`,
    );
  }
  const type: VpnType = typeText;

  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const configFileText = getInput('config-file');
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
  const fullTunnel = parseBoolean('full-tunnel', getInput('full-tunnel'));
  // The config itself is not listed: its secret parts are, below. Redacting each of its lines
  // would blank out words like `client` wherever they appear.
  const secrets = Object.entries(secretInputs)
    .filter(([name, value]) => name !== 'config' && value !== '')
    .map(([, value]) => value);

  let openvpn: Inputs['openvpn'];
  let wireguard: WireGuardConfig | undefined;
  if (type === 'wireguard') {
    const given = OPENVPN_ONLY.filter((name) => secretInputs[name] !== '');
    if (given.length > 0) {
      throw new ConfigurationError(
        given[0],
        "applies to OpenVPN only. A WireGuard config carries its keys itself: put them in 'config'.",
      );
    }
    wireguard = parseWireGuardConfig(configText);
    for (const secret of secretsOf(wireguard)) maskSecret(secret, setSecret);
    secrets.push(...secretsOf(wireguard));
    checkWireGuardConfig(wireguard, fullTunnel);
  } else {
    checkCredentials(credentials);
    const items = parseOpenVpnConfig(configText);
    for (const secret of secretBlockContents(items)) maskSecret(secret, setSecret);
    secrets.push(...secretBlockContents(items));
    checkOpenVpnConfig(items, credentials);
    openvpn = { items, credentials };
  }

  const checkHostText = getInput('check-host');
  return {
    type,
    configText,
    configDir,
    configFile,
    openvpn,
    wireguard,
    connectTimeoutMs: parsePositiveDuration('connect-timeout', getInput('connect-timeout')),
    checkHost: checkHostText ? parseHostPort('check-host', checkHostText) : undefined,
    fullTunnel,
    install: parseBoolean('install', getInput('install')),
    echoConfig: parseBoolean('echo-config', getInput('echo-config')),
    secrets,
  };
}

function setSecretValue(value: string): void {
  if (value.trim() !== '') setSecret(value);
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
