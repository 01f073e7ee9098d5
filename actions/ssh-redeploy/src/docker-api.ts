// Read-only questions to the Docker Engine API of a server, through its Unix socket forwarded
// over the SSH connection the action already has (OpenSSH's streamlocal forwarding, allowed by
// sshd unless AllowStreamLocalForwarding or DisableForwarding says otherwise). A look at a
// Swarm service then costs a request on the daemon instead of starting the docker CLI on the
// manager a few times, which a small manager feels while Swarm starts tasks. Changes are never
// made this way: they go through the CLI (remote/swarm-docker.sh), with the registry login.
import { request } from 'node:http';
import type { Duplex } from 'node:stream';

/** The socket the docker CLI on the server talks to, from its environment; undefined when it
 * is not a local Unix socket the action can be sure of (a TCP or SSH host, a named context). */
export function dockerSocketPath(dockerHost: string, dockerContext: string): string | undefined {
  if (dockerContext !== '' && dockerContext !== 'default') return undefined;
  if (dockerHost === '') return '/var/run/docker.sock';
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    return socketPath.startsWith('/') ? socketPath : undefined;
  }
  return undefined;
}

export interface DockerApi {
  /** GET `path`: the parsed JSON of a 200, undefined for a 404; throws on anything else. */
  get<T>(path: string): Promise<T | undefined>;
}

/** Largest answer read: a service's task list with its history stays far below. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export function dockerApi(open: () => Promise<Duplex>, timeoutMs: number): DockerApi {
  return {
    async get<T>(path: string): Promise<T | undefined> {
      const socket = await open();
      return new Promise<T | undefined>((resolve, reject) => {
        const timer = setTimeout(() => {
          req.destroy(new Error(`the Docker API did not answer ${path} in time`));
        }, timeoutMs);
        const req = request(
          {
            createConnection: () => socket,
            method: 'GET',
            path,
            headers: { Host: 'docker', Connection: 'close', Accept: 'application/json' },
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_BODY_BYTES) {
                req.destroy(new Error(`the Docker API's answer to ${path} is too large`));
                return;
              }
              chunks.push(chunk);
            });
            response.on('error', reject);
            response.on('end', () => {
              clearTimeout(timer);
              socket.destroy();
              const status = response.statusCode ?? 0;
              if (status === 404) {
                resolve(undefined);
                return;
              }
              const text = Buffer.concat(chunks).toString('utf8');
              if (status !== 200) {
                reject(new Error(`the Docker API answered ${path} with ${status}`));
                return;
              }
              try {
                resolve(JSON.parse(text) as T);
              } catch {
                reject(new Error(`the Docker API's answer to ${path} is not JSON`));
              }
            });
          },
        );
        req.on('error', (error) => {
          clearTimeout(timer);
          socket.destroy();
          reject(error);
        });
        req.end();
      });
    },
  };
}
