// Runs ssh-redeploy's bundle through the harness against fixture servers, with every secret
// of the fixtures declared so that the harness fails a test that prints one.
import { runAction, type ActionRun, type RunOptions } from '../harness/run-action';
import type { KeyPair, SshServer } from '../services/sshd';

/** Every key pair of the server's user, the PKCS#8 ones included. */
function allKeys(server: SshServer): KeyPair[] {
  const { pkcs8, ...others } = server.keys;
  return [...Object.values(others), ...Object.values(pkcs8)];
}

function secretsOf(servers: SshServer[]): string[] {
  return servers.flatMap((server) => [
    server.account.password,
    ...allKeys(server).flatMap((key) => [
      key.privateKey,
      ...(key.passphrase ? [key.passphrase] : []),
    ]),
  ]);
}

/** The inputs that reach `server` with its Ed25519 key, verified by fingerprint. */
export function connectionInputs(server: SshServer): Record<string, string> {
  return {
    host: `127.0.0.1:${server.port}`,
    username: server.user,
    key: server.keys.ed25519.privateKey,
    fingerprint: server.hostKeyFingerprint,
    retries: '0',
    'connect-timeout': '10s',
  };
}

export class Runs {
  private readonly runs: ActionRun[] = [];

  constructor(private readonly servers: () => SshServer[]) {}

  async run(
    inputs: Record<string, string>,
    options: Omit<RunOptions, 'action' | 'inputs'> = {},
  ): Promise<ActionRun> {
    const run = await runAction({
      action: 'ssh-redeploy',
      inputs,
      ...options,
      secrets: [...secretsOf(this.servers()), ...(options.secrets ?? [])],
    });
    this.runs.push(run);
    return run;
  }

  cleanup(): void {
    this.runs.splice(0).forEach((run) => run.cleanup());
  }
}
