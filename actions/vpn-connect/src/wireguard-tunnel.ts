// The WireGuard tunnel: the action's copy of the wg-quick config, `wg-quick up` on a device of
// our own name, and a handshake with every peer that has an Endpoint.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ActionFailure } from '../../shared/errors';
import { wireGuardDns } from './dns';
import type { WireGuardInputs } from './inputs';
import { interfaceIndex } from './network';
import { redactSecrets } from './redact';
import type { TunnelRecord } from './state';
import { describeFailure, findExecutable, findProcesses, type Privilege } from './system';
import { isOurProcess } from './teardown';
import {
  printGroup,
  printOutput,
  saveConfigCopy,
  type Connection,
  type Tunnel,
  type TunnelContext,
} from './tunnel';
import { waitForHandshakes } from './wireguard';
import { buildWireGuardCopy, localAddress, redactWireGuardConfig } from './wireguard-config';

// wg-quick gets what is left of connect-timeout, but never less than this.
const MIN_UP_MS = 5_000;

export class WireGuardTunnel implements Tunnel {
  readonly record: TunnelRecord;
  /** A name of our own, so that the device is never one the runner already had. */
  private readonly device = `wg${randomBytes(4).toString('hex')}`;
  /** What a failed `wg-quick up` said, redacted. */
  private failedUpOutput?: string;

  constructor(
    private readonly ctx: TunnelContext,
    private readonly inputs: WireGuardInputs,
    private readonly privilege: Privilege,
    workDir: string,
  ) {
    this.record = {
      type: 'wireguard',
      workDir,
      configPath: path.join(workDir, `${this.device}.conf`),
      device: this.device,
    };
  }

  describe(): string {
    return this.inputs.wireguard.peers
      .map((peer) => peer.endpoint)
      .filter(Boolean)
      .join(', ');
  }

  async writeConfig(): Promise<void> {
    const copy = buildWireGuardCopy(this.inputs.wireguard, { dns: this.inputs.dns });
    await saveConfigCopy(this.ctx.log, this.inputs, this.record.configPath, copy, {
      title: 'Effective WireGuard config (secrets redacted)',
      redact: redactWireGuardConfig,
    });
  }

  async connect(
    deadline: number,
    started: (found: Partial<TunnelRecord>) => void,
  ): Promise<Connection> {
    const { exec, clock, log } = this.ctx;
    const { device, record, privilege } = this;
    const { wireguard: config, secrets } = this.inputs;
    // wg-quick falls back to wireguard-go by itself where the kernel has no module.
    const wgQuick = findExecutable('wg-quick') ?? 'wg-quick';
    const timeoutMs = Math.max(MIN_UP_MS, deadline - clock.now());
    const up = await exec(...privilege.command(wgQuick, ['up', record.configPath]), {
      timeoutMs,
    });
    const deviceIndex = await interfaceIndex(exec, device);
    const [pid] = findProcesses((argv) => isOurProcess(argv, record));
    started({ deviceIndex, pid });
    const output = redactSecrets(`${up.stdout}${up.stderr}`.trimEnd(), secrets);
    if (up.code !== 0) {
      this.failedUpOutput = output;
      throw new ActionFailure(
        `wg-quick up failed: ${redactSecrets(describeFailure(up, timeoutMs), secrets)}`,
      );
    }
    await printGroup(log, `wg-quick up ${device}`, output);
    await waitForHandshakes(
      this.ctx,
      findExecutable('wg') ?? 'wg',
      device,
      config,
      privilege,
      deadline,
      this.inputs.connectTimeoutMs,
    );
    return {
      server: this.describe(),
      device,
      localIp: localAddress(config),
      dns: wireGuardDns(config.dns),
    };
  }

  async explainFailure(): Promise<void> {
    // Only wg-quick up has words of its own; a missing handshake is explained by its error.
    if (this.failedUpOutput === undefined) return;
    await printOutput(this.ctx.log, 'wg-quick output', this.failedUpOutput, this.inputs.secrets);
  }
}
