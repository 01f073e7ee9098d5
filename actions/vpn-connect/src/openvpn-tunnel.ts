// The OpenVPN tunnel: the action's copy of the .ovpn with the secrets the inputs add, a daemon
// followed through its management socket, and the interface it opened.
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ActionFailure } from '../../shared/errors';
import type { OpenVpnInputs } from './inputs';
import { interfaceIndex, interfaceWithAddress } from './network';
import { openVpnDns } from './dns';
import { connectOpenVpn, readOpenVpnLog } from './openvpn';
import {
  buildOpenVpnCopy,
  logVerbosity,
  pullsOptions,
  redactOpenVpnConfig,
  remotesOf,
} from './openvpn-config';
import type { TunnelRecord } from './state';
import { findExecutable, type Privilege } from './system';
import {
  printOutput,
  saveConfigCopy,
  writePrivate,
  type Connection,
  type Tunnel,
  type TunnelContext,
} from './tunnel';

// A unix socket path holds at most 107 bytes.
const MAX_SOCKET_PATH = 100;

export class OpenVpnTunnel implements Tunnel {
  readonly record: TunnelRecord;
  private readonly logFile: string;

  constructor(
    private readonly ctx: TunnelContext,
    private readonly inputs: OpenVpnInputs,
    private readonly privilege: Privilege,
    workDir: string,
  ) {
    this.record = { type: 'openvpn', workDir, configPath: path.join(workDir, 'client.ovpn') };
    this.logFile = path.join(workDir, 'openvpn.log');
  }

  describe(): string {
    const [first] = remotesOf(this.inputs.openvpn.items);
    return first ? `${first.host}:${first.port}` : '';
  }

  async writeConfig(): Promise<void> {
    const { items, credentials } = this.inputs.openvpn;
    const { workDir, configPath } = this.record;
    const authFile = credentials.username ? path.join(workDir, 'auth.txt') : undefined;
    const askPassFile = credentials.keyPassphrase ? path.join(workDir, 'askpass.txt') : undefined;
    if (authFile) writePrivate(authFile, `${credentials.username}\n${credentials.password}\n`);
    if (askPassFile) writePrivate(askPassFile, `${credentials.keyPassphrase}\n`);
    const copy = buildOpenVpnCopy(items, {
      credentials,
      authFile,
      askPassFile,
      fullTunnel: this.inputs.fullTunnel,
    });
    await saveConfigCopy(this.ctx.log, this.inputs, configPath, copy, {
      title: 'Effective OpenVPN config (secrets redacted)',
      redact: redactOpenVpnConfig,
    });
  }

  async connect(
    deadline: number,
    started: (found: Partial<TunnelRecord>) => void,
  ): Promise<Connection> {
    const { exec, log } = this.ctx;
    const { workDir, configPath } = this.record;
    let socketPath = path.join(workDir, 'management.sock');
    let socketDir: string | undefined;
    if (socketPath.length > MAX_SOCKET_PATH) {
      socketDir = mkdtempSync(path.join(tmpdir(), 'vpn-connect-'));
      socketPath = path.join(socketDir, 'management.sock');
    }
    const pidFile = path.join(workDir, 'openvpn.pid');
    started({ socketDir, pidFile });

    const connected = await connectOpenVpn(
      this.ctx,
      {
        program: findExecutable('openvpn') ?? 'openvpn',
        configPath,
        configDir: this.inputs.configDir,
        logFile: this.logFile,
        pidFile,
        socketPath,
        filterDefaultRoute: !this.inputs.fullTunnel && pullsOptions(this.inputs.openvpn.items),
        managementUser: this.privilege.isRoot ? undefined : userInfo().username,
        raiseVerbosity: logVerbosity(this.inputs.openvpn.items) < 3,
      },
      this.privilege,
      deadline,
      this.inputs.connectTimeoutMs,
      (pid) => started({ pid }),
    );
    if (connected.withErrors) {
      log.warning(
        'OpenVPN connected, but reported errors while setting up (often a route it could not add): see the log below.',
      );
      await this.printLog();
    }
    const device = connected.device ?? (await interfaceWithAddress(exec, connected.localIp));
    if (!device) {
      throw new ActionFailure(
        `OpenVPN connected, but no interface holds its address ${connected.localIp}.`,
      );
    }
    started({ device, deviceIndex: await interfaceIndex(exec, device) });
    return {
      server: connected.remote || this.describe(),
      device,
      localIp: connected.localIp,
      dns: openVpnDns(this.inputs.openvpn.items, connected.pushed),
    };
  }

  explainFailure(): Promise<void> {
    return this.printLog();
  }

  private async printLog(): Promise<void> {
    const text = await readOpenVpnLog(this.ctx.exec, this.logFile, this.privilege);
    await printOutput(this.ctx.log, 'OpenVPN log', text, this.inputs.secrets);
  }
}
