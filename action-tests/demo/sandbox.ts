// The demo's sandbox: real services on this machine standing for the seed's world.
//
//   this machine (the runner)            network namespace "university network"
//   - dockerd: the runner's daemon        - OpenVPN server on the veth address
//   - registry (basic auth) on the  <-->  - service address S on its loopback, reached only
//     host end of the veth                  through the tunnel: sshd on S:22, and a dockerd
//   - Render stand-in on loopback           whose containers publish on S (the seed's
//                                           192.168.33.56), pulling from the registry
//
// Everything it creates is written down in a Footprint as it is created, and leftovers() looks
// for each of those things on the machine afterwards, so "nothing left" is checked, not assumed.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { chmod } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { repoRoot } from '../harness/run-action';
import { startDockerd, type DockerDaemon } from '../services/dockerd';
import { startOpenVpnServer, type OpenVpnServer } from '../services/openvpn-server';
import { startRegistry, type Registry } from '../services/registry';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { startRenderStandIn, type RenderStandIn } from '../stand-ins/render';
import { isAlive } from '../services/processes';
import { processesRunning } from '../vpn-connect/inspect';

export const APP_FOLDER = path.join(repoRoot, 'action-tests', 'demo', 'app');
/** The image name on the registry, the container's name and what it keeps, as on the seed's server. */
export const APP = {
  repository: 'demo/dashboard',
  container: 'dashboard',
  port: 8050,
  volume: 'dashboard-data',
  volumeTarget: '/data',
  previousVersion: '0.1.41',
} as const;

export interface Footprint {
  namespaces: string[];
  /** Interfaces on this machine. */
  interfaces: string[];
  /** Destinations that must have no route on this machine once the VPN is down. */
  routes: string[];
  /** Folders; no process may mention one in its arguments either. */
  folders: string[];
  users: string[];
  groups: string[];
  /** Processes without a folder in their arguments: the containers' own. */
  pids: number[];
  files: string[];
}

export interface Sandbox {
  slot: number;
  /** The sandbox's own folder: job folders, workspace, docker config of the runner. */
  folder: string;
  vpn: OpenVpnServer;
  vpnCredentials: { username: string; password: string };
  registry: Registry;
  /** The runner's Docker daemon, which builds and pushes. */
  runner: DockerDaemon;
  /** The web server's Docker daemon, in the namespace. */
  server: DockerDaemon;
  ssh: SshServer;
  render: RenderStandIn;
  /** The server's address inside the university network (the seed's 192.168.33.56). */
  serviceAddress: string;
  /** The image the server ran before the demo, as the seed's server had one. */
  previousImage: string;
  footprint: Footprint;
  /** Runs a command on the server's daemon, failing when docker fails. */
  serverDocker(args: string[]): Promise<string>;
  /** Stops everything, by PID and name, in the reverse order of start; never throws. */
  stop(): Promise<string[]>;
}

export const emptyFootprint = (): Footprint => ({
  namespaces: [],
  interfaces: [],
  routes: [],
  folders: [],
  users: [],
  groups: [],
  pids: [],
  files: [],
});

/**
 * Starts the sandbox, writing what it creates into `footprint` as it goes: when a start fails
 * half-way, the caller still knows what to look for.
 */
export async function startSandbox(
  slot: number,
  note: (line: string) => void,
  footprint: Footprint = emptyFootprint(),
): Promise<Sandbox> {
  const stops: Array<[string, () => unknown]> = [];
  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const [what, step] of stops.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    }
    return problems;
  };

  try {
    const folder = mkdtempSync(`/tmp/ship-demo-${slot}-`);
    footprint.folders.push(folder);
    stops.push(['sandbox folder', () => rmSync(folder, { recursive: true, force: true })]);

    const vpnCredentials = {
      username: 'student',
      password: `pw-${randomBytes(12).toString('hex')}`,
    };
    const vpn = await startOpenVpnServer({ slot, credentials: vpnCredentials });
    footprint.namespaces.push(vpn.namespace);
    footprint.folders.push(vpn.folder);
    if (vpn.hostInterface) footprint.interfaces.push(vpn.hostInterface);
    footprint.routes.push(vpn.service.address);
    stops.push(['OpenVPN server and its namespace', () => vpn.stop()]);
    const serviceAddress = vpn.service.address;
    note(
      `university network: namespace ${vpn.namespace}, OpenVPN on ${vpn.host}:${vpn.port}/udp, server address ${serviceAddress}`,
    );

    // The daemon in the namespace pulls from the registry through the veth, the runner's
    // daemon pushes to the same address: one image reference works on both sides.
    const registry = await startRegistry({ name: `demo-${slot}`, host: vpn.hostAddress });
    footprint.folders.push(registry.folder);
    stops.push(['registry', () => registry.stop()]);
    const render = await startRenderStandIn({
      serviceName: 'dashboard',
      imageRepository: `${registry.address}/${APP.repository}`,
    });
    stops.push(['Render stand-in', () => render.close()]);
    note(`registry ${registry.address} (basic auth, user ${registry.username})`);

    const group = `demo-docker-${slot}`;
    await command('groupdel', [group]).catch(() => undefined);
    await command('groupadd', [group]);
    footprint.groups.push(group);
    stops.push(['docker group', () => command('groupdel', [group])]);

    // Started side by side; each is registered for teardown as soon as it is up, so that one
    // failing does not leave the others running.
    const [runner, server, user] = await Promise.all([
      startDockerd({ name: `demo-runner-${slot}`, insecureRegistries: [registry.address] }).then(
        (daemon) => {
          footprint.folders.push(daemon.folder);
          footprint.interfaces.push(daemon.bridge);
          stops.push(['runner dockerd', () => daemon.stop()]);
          return daemon;
        },
      ),
      startDockerd({
        name: `demo-server-${slot}`,
        namespace: vpn.namespace,
        socketGroup: group,
        insecureRegistries: [registry.address],
      }).then((daemon) => {
        footprint.folders.push(daemon.folder);
        stops.push(['server dockerd', () => daemon.stop()]);
        return daemon;
      }),
      createSshUser(`demo-${slot}`, [group]).then((account) => {
        footprint.folders.push(path.dirname(account.home));
        footprint.users.push(account.name);
        stops.push(['ssh user', () => account.remove()]);
        return account;
      }),
    ]);
    stops.push(['deploy lock files', () => removeLockFiles(user, footprint)]);
    // mkdtemp made the daemon's folder 0700: the socket's group could not reach the socket.
    await chmod(server.folder, 0o711);
    note(`runner's dockerd ${runner.socket}; web server's dockerd in the namespace`);

    const ssh = await startSshd({
      name: `demo-${slot}`,
      user,
      namespace: vpn.namespace,
      listenAddress: serviceAddress,
      setEnv: { DOCKER_HOST: server.host },
    });
    footprint.folders.push(ssh.folder);
    stops.push(['sshd', () => ssh.stop()]);
    note(`sshd ${serviceAddress}:${ssh.port} in the namespace, user ${user.name}`);

    const serverDocker = async (args: string[]) => {
      const result = await server.docker(args);
      if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`);
      return result.stdout.trim();
    };
    const previousImage = await startPreviousRelease(folder, server, serverDocker, serviceAddress);
    footprint.pids.push(
      Number(await serverDocker(['inspect', '--format', '{{.State.Pid}}', APP.container])),
    );
    note(
      `web server runs ${APP.container} from ${previousImage} on ${serviceAddress}:${APP.port}, volume ${APP.volume}`,
    );

    return {
      slot,
      folder,
      vpn,
      vpnCredentials,
      registry,
      runner,
      server,
      ssh,
      render,
      serviceAddress,
      previousImage,
      footprint,
      serverDocker,
      stop,
    };
  } catch (error) {
    const problems = await stop();
    const also = problems.length > 0 ? `\nthen, tearing down: ${problems.join('; ')}` : '';
    throw new Error(`the sandbox did not start: ${(error as Error).message}${also}`, {
      cause: error,
    });
  }
}

/**
 * The release the server ran before the demo, started by hand as in the seed (`docker run -dp
 * ADDR:8050:8050 -v VOLUME:...`), but named, so a deploy can find it.
 */
async function startPreviousRelease(
  folder: string,
  server: DockerDaemon,
  docker: (args: string[]) => Promise<string>,
  address: string,
): Promise<string> {
  const context = path.join(folder, 'previous-release');
  cpSync(APP_FOLDER, context, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}coverage`),
  });
  const built = await runProgram(process.execPath, ['src/build.js', 'site'], {
    cwd: context,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VERSION: APP.previousVersion },
  });
  if (built.code !== 0) throw new Error(`building the previous site: ${built.stderr.trim()}`);
  const image = `${APP.repository}:${APP.previousVersion}`;
  await docker([
    'build',
    '--quiet',
    '--build-arg',
    `BASE_IMAGE=${server.baseImage}`,
    '--build-arg',
    `VERSION=${APP.previousVersion}`,
    '--tag',
    image,
    context,
  ]);
  await docker([
    'run',
    '--detach',
    '--name',
    APP.container,
    '--init',
    '--restart',
    'unless-stopped',
    '--publish',
    `${address}:${APP.port}:${APP.port}`,
    '--volume',
    `${APP.volume}:${APP.volumeTarget}`,
    image,
  ]);
  // Healthy means its start is in the volume's log, which the demo shows later.
  const until = Date.now() + 20_000;
  for (;;) {
    const health = await docker(['inspect', '--format', '{{.State.Health.Status}}', APP.container]);
    if (health === 'healthy') return image;
    if (Date.now() > until) throw new Error(`the previous release is ${health} after 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Deploys leave their lock files in /tmp, as they should on a server; not after the demo. */
function removeLockFiles(user: SshUser, footprint: Footprint): void {
  const uid = existsSync(user.home) ? statSync(user.home).uid : undefined;
  for (const entry of readdirSync('/tmp')) {
    if (!entry.startsWith('ssh-redeploy-') || !entry.endsWith(`-${APP.container}.lock`)) continue;
    const file = path.join('/tmp', entry);
    const owner = statSync(file, { throwIfNoEntry: false })?.uid;
    if (owner !== undefined && owner === uid) {
      footprint.files.push(file);
      rmSync(file, { force: true });
    }
  }
}

/** What of the footprint is still on the machine, one sentence each; empty when nothing is. */
export async function leftovers(footprint: Footprint): Promise<string[]> {
  const found: string[] = [];
  const namespaces = (await output('ip', ['netns', 'list']))
    .split('\n')
    .map((line) => line.split(' ')[0]);
  for (const name of footprint.namespaces) {
    if (namespaces.includes(name)) found.push(`network namespace ${name}`);
  }
  const links = (await output('ip', ['-o', 'link', 'show']))
    .split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0]);
  for (const name of footprint.interfaces) {
    if (links.includes(name)) found.push(`interface ${name}`);
  }
  for (const destination of footprint.routes) {
    const routes = (await output('ip', ['-4', 'route', 'show', 'match', destination]))
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('default'));
    if (routes.length > 0) found.push(`route to ${destination}: ${routes.join('; ')}`);
  }
  for (const folder of footprint.folders) {
    if (existsSync(folder)) found.push(`folder ${folder}`);
    for (const process of processesRunning(folder)) found.push(`process ${process}`);
  }
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':')[0]);
  for (const user of footprint.users) if (users.includes(user)) found.push(`user ${user}`);
  const groups = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .map((line) => line.split(':')[0]);
  for (const group of footprint.groups) if (groups.includes(group)) found.push(`group ${group}`);
  for (const pid of footprint.pids) if (isAlive(pid)) found.push(`container process ${pid}`);
  for (const file of footprint.files) if (existsSync(file)) found.push(`file ${file}`);
  return found;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A GET from this machine, i.e. the runner: to the server's address, only through the tunnel. */
export function httpGet(url: string, timeoutMs = 5_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () =>
      request.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)),
    );
    request.on('error', reject);
  });
}

export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv (no shell) and a given environment, collecting its output. */
export function runProgram(
  program: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => resolve({ code: 127, stdout, stderr: error.message }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

function output(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${program} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

async function command(program: string, args: string[]): Promise<void> {
  await output(program, args);
}
