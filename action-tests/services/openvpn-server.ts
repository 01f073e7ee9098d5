// An OpenVPN 2.6 server of a test file's own, in a network namespace reached from the host
// through a veth pair, with a PKI made by openssl for it (EC P-256: a CA, a server and a client
// certificate, and a CA that signed none of them). Behind it, on the namespace's loopback, an
// HTTP service that only the tunnel leads to. Options add a username/password check, a
// tls-crypt key, a pushed redirect-gateway or other routes, and a DNS server behind it whose
// address and domain it pushes (dnsmasq, action-tests/services/dns-answerer.ts).
//
// Test files run in parallel: each passes its own `slot` (1-49), which picks the namespace and
// interface names, the addresses (all in 198.18.0.0/15, the block set aside for network tests)
// and the port. stop() removes all of it.
//
// A pushed redirect-gateway would, if accepted on the host, send the machine's traffic into
// the tunnel; so it is only offered with `clientNamespace`, where the client runs in a
// namespace of its own (see `clientPath`).
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDnsAnswerer, type DnsAnswerer } from './dns-answerer';
import { command, link, Namespace, serveHttp } from './namespace';
import { sleep } from './processes';

export interface OpenVpnServerOptions {
  /** 1-49, unique among the test files that may run at the same time. */
  slot: number;
  /** Require these credentials, checked by a script (auth-user-pass-verify). */
  credentials?: { username: string; password: string };
  tlsCrypt?: boolean;
  /** A tls-auth key, used by the server in direction 0 (so clients need key-direction 1). */
  tlsAuth?: boolean;
  /** Push `redirect-gateway def1`; needs clientNamespace. */
  redirectGateway?: boolean;
  /** Make a namespace for the client too, routed to the internet through the server's. */
  clientNamespace?: boolean;
  /** More routes to push, as `NETWORK NETMASK`; needs clientNamespace. */
  pushRoutes?: string[];
  /** A value pushed in `setenv-safe FORGED`, which the client logs with the whole push (verb 3). */
  pushSetenv?: string;
  /**
   * Serve DNS for this domain at the service address, behind the tunnel, and push it
   * (`dhcp-option DNS` and `dhcp-option DOMAIN`). `db.DOMAIN` is the service's address.
   */
  dnsDomain?: string;
}

export interface Pki {
  ca: string;
  cert: string;
  key: string;
  /** The client key, encrypted (AES-256) with `keyPassphrase`. */
  encryptedKey: string;
  keyPassphrase: string;
  /** A CA that signed neither certificate. */
  wrongCa: string;
}

export interface OpenVpnServer {
  namespace: string;
  /** The host's end of the veth pair into the server's namespace (absent with clientNamespace). */
  hostInterface?: string;
  /** The host's address on that veth: what processes in the namespace reach this machine at. */
  hostAddress?: string;
  /** The server's folder (PKI, config, log), removed by stop(). */
  folder: string;
  /** The server's address and port, as a client reaches it. */
  host: string;
  port: number;
  pki: Pki;
  tlsCryptKey?: string;
  tlsAuthKey?: string;
  /** The service only the tunnel reaches. */
  service: { address: string; port: number; url: string; body: string };
  /** With dnsDomain: the DNS server the server pushes. */
  dns?: DnsAnswerer;
  /** The tunnel's network and the server's address in it. */
  tunnelNetwork: string;
  tunnelServerAddress: string;
  /**
   * With clientNamespace: a folder to put first in PATH, whose `openvpn` and `ip` run inside
   * the client's namespace, so that the action under test builds its tunnel there.
   */
  clientPath?: string;
  clientNamespace?: string;
  /** A client config for this server: certificates inline unless `pki: false`. */
  clientConfig(options?: { pki?: boolean; extra?: string[] }): string;
  log(): Promise<string>;
  stop(): Promise<void>;
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve();
    });
  });
}

const EXTENSIONS = `[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
`;

/** A CA and a server and client certificate it signed, all EC P-256, made with openssl. */
async function makePki(dir: string): Promise<Pki> {
  await writeFile(path.join(dir, 'extensions.cnf'), EXTENSIONS);
  const ecKey = (name: string) =>
    run(
      'openssl',
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`],
      dir,
    );
  const selfSigned = async (name: string, subject: string) => {
    await ecKey(name);
    await run(
      'openssl',
      [
        'req',
        '-new',
        '-x509',
        '-key',
        `${name}.key`,
        '-subj',
        `/CN=${subject}`,
        '-days',
        '2',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  };
  await selfSigned('ca', 'vpn-connect test CA');
  await selfSigned('wrong-ca', 'vpn-connect other CA');
  for (const name of ['server', 'client']) {
    await ecKey(name);
    await run(
      'openssl',
      ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`],
      dir,
    );
    await run(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        'extensions.cnf',
        '-extensions',
        name,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  }
  const keyPassphrase = `pass-${Math.random().toString(36).slice(2, 12)}`;
  await run(
    'openssl',
    [
      'pkey',
      '-in',
      'client.key',
      '-aes256',
      '-passout',
      `pass:${keyPassphrase}`,
      '-out',
      'client-encrypted.key',
    ],
    dir,
  );
  const read = (name: string) => readFile(path.join(dir, name), 'utf8');
  return {
    ca: await read('ca.crt'),
    cert: await read('client.crt'),
    key: await read('client.key'),
    encryptedKey: await read('client-encrypted.key'),
    keyPassphrase,
    wrongCa: await read('wrong-ca.crt'),
  };
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 1 || slot > 49) throw new Error(`slot ${slot} is not 1-49`);
}

export async function startOpenVpnServer(options: OpenVpnServerOptions): Promise<OpenVpnServer> {
  const { slot } = options;
  checkSlot(slot);
  if ((options.redirectGateway || options.pushRoutes) && !options.clientNamespace) {
    throw new Error(
      'a pushed redirect-gateway or other pushed routes are only offered to a client in its own namespace',
    );
  }
  const folder = await mkdtemp(path.join(tmpdir(), `vpnc-ovpn-${slot}-`));
  await chmod(folder, 0o755);
  const serverNs = await Namespace.create(`vpnc-ovs-${slot}`);
  const clientNs = options.clientNamespace ? await Namespace.create(`vpnc-ovc-${slot}`) : undefined;
  const stop = async () => {
    await clientNs?.remove();
    await serverNs.remove();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const port = 1194 + slot;
    let host: string;
    let hostInterface: string | undefined;
    let hostAddress: string | undefined;
    if (clientNs) {
      // The client's only link leads to the server, which is also its default gateway.
      host = `198.18.${50 + slot}.1`;
      await link(
        { name: `vcs${slot}c`, address: `${host}/30`, namespace: serverNs },
        { name: `vcc${slot}s`, address: `198.18.${50 + slot}.2/30`, namespace: clientNs },
      );
      await clientNs.ip('route', 'add', 'default', 'via', host);
    } else {
      host = `198.18.${slot}.2`;
      hostInterface = `vco${slot}h`;
      hostAddress = `198.18.${slot}.1`;
      await link(
        { name: hostInterface, address: `${hostAddress}/30` },
        { name: `vco${slot}n`, address: `${host}/30`, namespace: serverNs },
      );
    }

    const pki = await makePki(folder);
    const service = {
      address: `198.18.${150 + slot}.1`,
      port: 8080,
      body: `service behind slot ${slot}`,
    };
    const www = path.join(folder, 'www');
    await mkdir(www);
    await writeFile(path.join(www, 'index.html'), service.body);
    await serveHttp(serverNs, service.address, service.port, www);
    const dns = options.dnsDomain
      ? await startDnsAnswerer(serverNs, {
          address: service.address,
          folder,
          domain: options.dnsDomain,
          records: { [`db.${options.dnsDomain}`]: service.address },
        })
      : undefined;

    const tunnelNetwork = `198.19.${slot}.0/24`;
    const lines = [
      'dev tun',
      'proto udp',
      `port ${port}`,
      'topology subnet',
      `server 198.19.${slot}.0 255.255.255.0`,
      'dh none',
      'disable-dco',
      'keepalive 2 10',
      `ca ${path.join(folder, 'ca.crt')}`,
      `cert ${path.join(folder, 'server.crt')}`,
      `key ${path.join(folder, 'server.key')}`,
      `push "route ${service.address} 255.255.255.255"`,
      'verb 3',
    ];
    if (options.redirectGateway) lines.push('push "redirect-gateway def1"');
    for (const route of options.pushRoutes ?? []) lines.push(`push "route ${route}"`);
    if (options.pushSetenv !== undefined) {
      lines.push(`push "setenv-safe FORGED ${options.pushSetenv}"`);
    }
    if (dns) {
      lines.push(
        `push "dhcp-option DNS ${dns.address}"`,
        `push "dhcp-option DOMAIN ${dns.domain}"`,
      );
    }
    if (options.credentials) {
      await writeFile(
        path.join(folder, 'expected-credentials'),
        `${options.credentials.username}\n${options.credentials.password}\n`,
        { mode: 0o600 },
      );
      const script = path.join(folder, 'check-credentials');
      // OpenVPN hands the script a file: the username on line 1, the password on line 2.
      await writeFile(
        script,
        `#!/bin/sh\n[ "$(cat "$1")" = "$(cat '${path.join(folder, 'expected-credentials')}')" ]\n`,
        { mode: 0o755 },
      );
      lines.push('script-security 2', `auth-user-pass-verify ${script} via-file`);
    }
    let tlsCryptKey: string | undefined;
    if (options.tlsCrypt) {
      await run('openvpn', ['--genkey', 'tls-crypt', 'tls-crypt.key'], folder);
      tlsCryptKey = await readFile(path.join(folder, 'tls-crypt.key'), 'utf8');
      lines.push(`tls-crypt ${path.join(folder, 'tls-crypt.key')}`);
    }
    let tlsAuthKey: string | undefined;
    if (options.tlsAuth) {
      await run('openvpn', ['--genkey', 'secret', 'tls-auth.key'], folder);
      tlsAuthKey = await readFile(path.join(folder, 'tls-auth.key'), 'utf8');
      lines.push(`tls-auth ${path.join(folder, 'tls-auth.key')} 0`);
    }
    const configFile = path.join(folder, 'server.conf');
    const logFile = path.join(folder, 'server.log');
    await writeFile(configFile, `${lines.join('\n')}\n`);
    await serverNs.exec(
      'openvpn',
      '--config',
      configFile,
      '--daemon',
      '--writepid',
      path.join(folder, 'server.pid'),
      '--log',
      logFile,
    );
    const until = Date.now() + 10_000;
    while (
      !(await readFile(logFile, 'utf8').catch(() => '')).includes(
        'Initialization Sequence Completed',
      )
    ) {
      if (Date.now() > until)
        throw new Error(
          `the OpenVPN server did not start:\n${await readFile(logFile, 'utf8').catch(() => '')}`,
        );
      await sleep(20);
    }

    let clientPath: string | undefined;
    if (clientNs) {
      clientPath = path.join(folder, 'client-bin');
      await mkdir(clientPath);
      const ip = (await command('sh', ['-c', 'command -v ip'])).trim();
      const openvpn = (await command('sh', ['-c', 'command -v openvpn'])).trim();
      await writeFile(
        path.join(clientPath, 'ip'),
        `#!/bin/sh\nexec ${ip} -n ${clientNs.name} "$@"\n`,
        { mode: 0o755 },
      );
      await writeFile(
        path.join(clientPath, 'openvpn'),
        `#!/bin/sh\nexec ${ip} netns exec ${clientNs.name} ${openvpn} "$@"\n`,
        { mode: 0o755 },
      );
    }

    return {
      namespace: serverNs.name,
      hostInterface,
      hostAddress,
      folder,
      host,
      port,
      pki,
      tlsCryptKey,
      tlsAuthKey,
      service: { ...service, url: `http://${service.address}:${service.port}/` },
      dns,
      tunnelNetwork,
      tunnelServerAddress: `198.19.${slot}.1`,
      clientPath,
      clientNamespace: clientNs?.name,
      clientConfig: ({ pki: inline = true, extra = [] } = {}) => {
        const config = [
          'client',
          'dev tun',
          'proto udp',
          `remote ${host} ${port}`,
          'nobind',
          'remote-cert-tls server',
          'verb 3',
          ...extra,
        ];
        if (inline) {
          config.push(
            '<ca>',
            pki.ca.trim(),
            '</ca>',
            '<cert>',
            pki.cert.trim(),
            '</cert>',
            '<key>',
            pki.key.trim(),
            '</key>',
          );
        }
        return `${config.join('\n')}\n`;
      },
      log: () => readFile(logFile, 'utf8'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
