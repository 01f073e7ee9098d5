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
}

/**
 * Opens connections to the targets, through the jump host when there is one. The jump host
 * is connected once, on first need, and carries every target's connection.
 */
export class Connector {
  private jump: Promise<Connection> | undefined;
  private readonly open = new Set<Connection>();

  constructor(
    private readonly settings: ConnectorSettings,
    private readonly ctx: Pick<ActionContext, 'log' | 'clock'>,
  ) {}

  async connect(target: Target): Promise<Connection> {
    const proxy = this.settings.proxy;
    const dial = proxy
      ? async (host: string, port: number) => (await this.jumpHost(proxy)).dial(host, port)
      : undefined;
    const connection = await connect(
      { ...target, credentials: this.settings.credentials },
      this.connectionSettings(this.settings.hostKeys),
      this.ctx,
      dial,
    );
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
    this.jump ??= connect(proxy.endpoint, settings, this.ctx).then((connection) => {
      this.ctx.log.info(
        `Connected to ${proxy.endpoint.label} (host key ${connection.hostKeyNote}).`,
      );
      return connection;
    });
    return this.jump;
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
