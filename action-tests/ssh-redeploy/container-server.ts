// A deploy target for container mode: an OpenSSH server whose non-root user reaches a Docker
// daemon of its own (socket group + `SetEnv DOCKER_HOST`), and a registry with basic auth
// holding the test images, pushed from that daemon.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { chmod, readdir, rm } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { startDockerd, type DockerDaemon } from '../services/dockerd';
import { freePort } from '../services/processes';
import { startRegistry, type Registry } from '../services/registry';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';

export interface ContainerServer {
  dockerd: DockerDaemon;
  registry: Registry;
  user: SshUser;
  server: SshServer;
  group: string;
  /** A free loopback port for the app to publish. */
  appPort: number;
  /** `REGISTRY/NAME/app:TAG` for each image built. */
  images: Record<ImageName, string>;
  /** `docker ...` against the daemon, failing the test when docker fails. */
  docker(args: string[]): Promise<string>;
  /** A second sshd for the same user, with extra session variables (e.g. PATH). */
  extraServer(setEnv: Record<string, string>): Promise<SshServer>;
  stop(): Promise<void>;
}

export type ImageName = 'v1' | 'v2' | 'healthy' | 'unhealthy' | 'crashing';

const APP_PORT_IN_CONTAINER = 8080;

/**
 * The app: serves its version over HTTP on 8080 and appends it to /data/history at each start,
 * so a test can see a named volume outlive a replacement.
 */
function dockerfile(base: string, name: ImageName): string {
  const serve = `echo starting ${name}; echo ${name} >> /data/history; exec httpd -f -p ${APP_PORT_IN_CONTAINER} -h /www`;
  const lines = [`FROM ${base}`, `RUN mkdir -p /www /data && echo ${name} > /www/index.html`];
  switch (name) {
    case 'crashing':
      lines.push(`CMD ["sh", "-c", "echo starting crashing; echo about to fail >&2; exit 3"]`);
      break;
    case 'healthy':
      lines.push(
        `HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:${APP_PORT_IN_CONTAINER}/ || exit 1`,
      );
      lines.push(`CMD ["sh", "-c", "${serve}"]`);
      break;
    case 'unhealthy':
      lines.push('HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD exit 1');
      lines.push(`CMD ["sh", "-c", "${serve}"]`);
      break;
    default:
      lines.push(`CMD ["sh", "-c", "${serve}"]`);
  }
  return `${lines.join('\n')}\n`;
}

export async function startContainerServer(name: string): Promise<ContainerServer> {
  const group = `dk-${name}`.slice(0, 24);
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    await command('groupdel', [group]).catch(() => undefined);
    await command('groupadd', [group]);
    stops.push(() => command('groupdel', [group]));
    const [dockerd, registry] = await Promise.all([
      startDockerd({ name, socketGroup: group }),
      startRegistry({ name }),
    ]);
    stops.push(
      () => registry.stop(),
      () => dockerd.stop(),
    );
    // The daemon's folder is mkdtemp's 0700: the socket's group could not reach the socket
    // inside it. Traversal only; the folder's contents stay unlisted.
    await chmod(dockerd.folder, 0o711);
    const user = await createSshUser(name, [group]);
    stops.push(() => user.remove());
    const uid = statSync(user.home).uid;
    // Deploys leave their lock files in /tmp, as they should on a server; not after a test.
    stops.push(async () => {
      for (const entry of await readdir('/tmp')) {
        const file = path.join('/tmp', entry);
        if (entry.startsWith('ssh-redeploy-') && statSync(file).uid === uid) await rm(file);
      }
    });
    const server = await startSshd({ name, user, setEnv: { DOCKER_HOST: dockerd.host } });
    stops.push(() => server.stop());

    const docker = async (args: string[], input?: string) => {
      const result = await dockerd.docker(args, input);
      if (result.code !== 0) {
        throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`);
      }
      return result.stdout.trim();
    };
    await docker(
      ['login', '--username', registry.username, '--password-stdin', registry.address],
      registry.password,
    );
    const images = {} as Record<ImageName, string>;
    for (const image of ['v1', 'v2', 'healthy', 'unhealthy', 'crashing'] as ImageName[]) {
      const reference = `${registry.address}/${name}/app:${image}`;
      await docker(
        ['build', '--quiet', '--tag', reference, '-'],
        dockerfile(dockerd.baseImage, image),
      );
      await docker(['push', reference]);
      // Gone locally: a deploy has to pull it, through its own registry login.
      await docker(['rmi', reference]);
      images[image] = reference;
    }
    await docker(['logout', registry.address]);

    return {
      dockerd,
      registry,
      user,
      server,
      group,
      appPort: await freePort(),
      images,
      docker: (args) => docker(args),
      async extraServer(setEnv) {
        const extra = await startSshd({
          name,
          user,
          setEnv: { DOCKER_HOST: dockerd.host, ...setEnv },
        });
        stops.push(() => extra.stop());
        return extra;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve(body.trim()));
    }).on('error', reject);
  });
}

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function command(program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${program} ${args.join(' ')}: ${stderr.trim()}`)),
    );
  });
}
