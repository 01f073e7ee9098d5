import type { ActionContext } from '../../shared/context';
import type { HostKeyPolicy } from './host-keys';
import type { Target } from './hosts';
import {
  connect,
  type Connection,
  type ConnectionSettings,
  type Credentials,
  type Endpoint,
} from './ssh';

export interface ConnectorSettings {
  credentials: Credentials;
  hostKeys: HostKeyPolicy;
  proxy?: { endpoint: Endpoint; hostKeys: HostKeyPolicy };
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  retries: number;
  /** Print each connection's log (debug: true) in a log group of its own. */
  debug?: boolean;
}

/**
 * Opens connections to the targets, through the jump host when there is one. The jump host
 * is connected once, on first need, and carries every target's connection.
 */
export class Connector {
  private jump: Promise<Connection> | undefined;
  private readonly open = new Set<Connection>();
  /** The fingerprint of the key that logged in to each target (by label). */
  readonly keysUsed = new Map<string, string>();

  constructor(
    private readonly settings: ConnectorSettings,
    private readonly ctx: Pick<ActionContext, 'log' | 'clock'>,
  ) {}

  async connect(target: Target): Promise<Connection> {
    const proxy = this.settings.proxy;
    const dial = proxy
      ? async (host: string, port: number) => (await this.jumpHost(proxy)).dial(host, port)
      : undefined;
    const connection = await this.logged(target.label, (debug) =>
      connect(
        { ...target, credentials: this.settings.credentials },
        { ...this.connectionSettings(this.settings.hostKeys), debug },
        this.ctx,
        dial,
      ),
    );
    if (connection.keyFingerprint) this.keysUsed.set(target.label, connection.keyFingerprint);
    this.open.add(connection);
    return connection;
  }

  release(connection: Connection): void {
    connection.close();
    this.open.delete(connection);
  }

  /** Closes whatever is still open, the jump host last. */
  async closeAll(): Promise<void> {
    for (const connection of this.open) connection.close();
    this.open.clear();
    const jump = await this.jump?.catch(() => undefined);
    jump?.close();
  }

  private jumpHost(proxy: NonNullable<ConnectorSettings['proxy']>): Promise<Connection> {
    const settings = {
      ...this.connectionSettings(proxy.hostKeys),
      fingerprintInput: 'proxy-fingerprint',
    };
    this.jump ??= this.logged(proxy.endpoint.label, (debug) =>
      connect(proxy.endpoint, { ...settings, debug }, this.ctx),
    ).then((connection) => {
      this.ctx.log.info(
        `Connected to ${proxy.endpoint.label} (host key ${connection.hostKeyNote}).`,
      );
      return connection;
    });
    return this.jump;
  }

  /**
   * With debug: true, collects a connection's log while it is made and prints it whole, in a
   * group of its own (groups cannot interleave), once it is made or has failed.
   */
  private async logged(
    label: string,
    work: (debug?: (line: string) => void) => Promise<Connection>,
  ): Promise<Connection> {
    if (!this.settings.debug) return work();
    const lines: string[] = [];
    let collecting = true;
    const print = () => {
      // What the connection says once it is made (every packet of the session) is not kept.
      collecting = false;
      return this.ctx.log.group(`Connection log: ${label}`, () => {
        // The lines quote the server (its version, its messages): info makes them inert.
        for (const line of lines) this.ctx.log.info(line);
        return Promise.resolve();
      });
    };
    try {
      const connection = await work((line) => {
        if (collecting) lines.push(line);
      });
      await print();
      return connection;
    } catch (error) {
      await print();
      throw error;
    }
  }

  private connectionSettings(policy: HostKeyPolicy): ConnectionSettings {
    return {
      policy,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      keepaliveIntervalMs: this.settings.keepaliveIntervalMs,
      retries: this.settings.retries,
    };
  }
}
