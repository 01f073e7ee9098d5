// A real multi-node Docker Swarm for tests of deploys that drive `docker service` and
// `docker stack` over SSH on the manager.
//
// Test files run in parallel: each passes a slot of its own (60-69; 1-49 belong to the VPN
// fixtures). Taken: 60 (services/swarm.test.ts), 61 (ssh-redeploy/swarm.test.ts).
//
// Layout for slot S: a bridge `swbrS` on this machine with 10.88.S.1/24; node i (1-based) is a
// network namespace `swS-ni`, joined to the bridge by a veth pair (`swSniH` on the bridge,
// `eth0` inside) with 10.88.S.(10+i)/24, and runs a dockerd of its own in a UTS namespace whose
// hostname is `node-i`, so `docker node ls` tells the nodes apart. Node 1 is the manager. The
// registry listens on 10.88.S.1 (every node's insecure registry) and holds the test images,
// pushed from the manager and removed there, so every node pulls them with the registry auth a
// service carries (`--with-registry-auth`: log in on the CLI first). sshd runs inside the
// manager's namespace on 10.88.S.11:22; its user reaches the manager daemon through the
// socket's group and `SetEnv DOCKER_HOST`.
//
// The node namespaces have no default route and dockerd runs with iptables off: test traffic
// stays on the bridge and on the overlay address pool (10.89.S.0/24) this fixture sets.
//
// Pitfalls (see also shared/notes/real-services.md, section "dockerd"):
// - This kernel has no IPVS: the ingress routing mesh does not answer. Publish in `mode=host`.
// - With a host-mode port on every node (replicas = nodes), `--update-order start-first` cannot
//   place the new task ("no suitable node (host-mode port already in use on N nodes)"), and a
//   stop-first rollback may stall a minute: a replacement task that stayed Pending for the port
//   is waited for up to SwarmKit's one-minute old-task timeout before its slot is rolled back.
// - A failed update with `--update-failure-action rollback` exits 0; read UpdateStatus.State.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { startDockerd, unmountUnder, type DockerDaemon } from './dockerd';
import { Namespace } from './namespace';
import { isAlive, sleep, stopPid } from './processes';
import { startRegistry, type Registry } from './registry';
import { createSshUser, startSshd, type SshServer, type SshUser } from './sshd';

export interface SwarmNode {
  /** The hostname Swarm reports for the node: `node-1`, `node-2`, ... */
  name: string;
  /** Its IP on the bridge, e.g. 10.88.60.11. */
  address: string;
  dockerd: DockerDaemon;
  /** The network namespace it runs in (a name under /var/run/netns). */
  namespace: string;
}

export type SwarmImageName = 'v1' | 'v2' | 'unhealthy' | 'crashing';

export interface Swarm {
  manager: SwarmNode;
  /** Every node; nodes[0] is the manager. */
  nodes: SwarmNode[];
  /** Listening on the bridge's host address (10.88.S.1), reachable from every node. */
  registry: Registry;
  user: SshUser;
  /** sshd in the manager's namespace on manager.address port 22. */
  server: SshServer;
  /** The group that owns the manager's socket; `user` is in it. */
  group: string;
  /** `REGISTRY/NAME/app:TAG`, pushed to the registry and not present on any node. */
  images: Record<SwarmImageName, string>;
  /** The repository of the images in the registry (`NAME/app`), for registry.digest(). */
  repository: string;
  /** The docker CLI against the manager; throws on failure; resolves with trimmed stdout. */
  docker(args: string[], input?: string): Promise<string>;
  /** GET http://ADDRESS:PORT/ from this machine; resolves with the trimmed body of a 200. */
  httpGet(address: string, port: number, timeoutMs?: number): Promise<string>;
  /** Removes every stack and service (and their task containers, networks, volumes). */
  removeServices(): Promise<void>;
  /** Leaves the swarm and removes everything the fixture made. */
  stop(): Promise<void>;
}

export interface SwarmOptions {
  /** Lowercase letters, digits and hyphens: the images' repository is `NAME/app`. */
  name: string;
  /** 60-69, one per test file: picks the bridge, namespaces and addresses. */
  slot: number;
  /** 1-9 (default 3). */
  nodes?: number;
}

/** The port the test apps listen on inside their containers. */
export const SWARM_APP_PORT = 8080;

const IMAGE_NAMES: SwarmImageName[] = ['v1', 'v2', 'unhealthy', 'crashing'];
const READY_TIMEOUT_MS = 60_000;
const CLEAN_TIMEOUT_MS = 60_000;

/**
 * The app: busybox httpd serving its version on 8080. Its shell (PID 1, which ignores signals
 * it does not handle) exits with 143 on SIGTERM, as a process killed by it would: a task stops
 * at once rather than after its stop grace period, and one Swarm stops for failing its
 * HEALTHCHECK ends `failed` with "dockerexec: unhealthy container" (with exit 0 it would end
 * `complete`, no error given).
 */
function dockerfile(base: string, name: SwarmImageName): string {
  const serve = `echo starting ${name}; trap 'exit 143' TERM; httpd -f -p ${SWARM_APP_PORT} -h /www & wait`;
  const lines = [`FROM ${base}`, `RUN mkdir -p /www && echo ${name} > /www/index.html`];
  switch (name) {
    case 'crashing':
      lines.push(`CMD ["sh", "-c", "echo starting crashing; echo about to fail >&2; exit 3"]`);
      break;
    case 'unhealthy':
      lines.push('HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD exit 1');
      lines.push(`CMD ["sh", "-c", "${serve}"]`);
      break;
    default:
      lines.push(
        `HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:${SWARM_APP_PORT}/ || exit 1`,
      );
      lines.push(`CMD ["sh", "-c", "${serve}"]`);
  }
  return `${lines.join('\n')}\n`;
}

function names(slot: number) {
  return {
    prefix: `sw${slot}`,
    bridge: `swbr${slot}`,
    hostAddress: `10.88.${slot}.1`,
    group: `sw${slot}-docker`,
    namespace: (index: number) => `sw${slot}-n${index}`,
    veth: (index: number) => `sw${slot}n${index}h`,
    address: (index: number) => `10.88.${slot}.${10 + index}`,
  };
}

export async function startSwarm(options: SwarmOptions): Promise<Swarm> {
  const { name, slot } = options;
  const count = options.nodes ?? 3;
  if (!Number.isInteger(slot) || slot < 60 || slot > 69) {
    throw new Error(`startSwarm: slot ${slot} is not 60-69`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new Error(`startSwarm: nodes ${count} is not 1-9`);
  }
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) {
    throw new Error(`startSwarm: name '${name}' is not lowercase letters, digits and hyphens`);
  }
  const n = names(slot);
  await removeLeftovers(slot);

  const stops: Array<() => Promise<unknown>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };

  try {
    await command('groupadd', [n.group]);
    stops.push(() => command('groupdel', [n.group]));

    await command('ip', ['link', 'add', n.bridge, 'type', 'bridge']);
    stops.push(() => command('ip', ['link', 'delete', n.bridge]));
    await command('ip', ['address', 'add', `${n.hostAddress}/24`, 'dev', n.bridge]);
    await command('ip', ['link', 'set', n.bridge, 'up']);

    const indexes = Array.from({ length: count }, (_, i) => i + 1);
    for (const index of indexes) {
      const namespace = await Namespace.create(n.namespace(index));
      stops.push(() => namespace.remove());
      const veth = n.veth(index);
      stops.push(() => command('ip', ['link', 'delete', veth]).catch(() => undefined));
      await command('ip', [
        ...['link', 'add', veth, 'type', 'veth'],
        ...['peer', 'name', 'eth0', 'netns', namespace.name],
      ]);
      await command('ip', ['link', 'set', veth, 'master', n.bridge, 'up']);
      await namespace.ip('address', 'add', `${n.address(index)}/24`, 'dev', 'eth0');
      await namespace.ip('link', 'set', 'eth0', 'up');
    }

    const registry = await startRegistry({ name: n.prefix, host: n.hostAddress });
    stops.push(() => registry.stop());

    // In parallel; every daemon that started is stopped, whichever failed.
    const started = await Promise.allSettled(
      indexes.map((index) =>
        startDockerd({
          name: `${n.prefix}-n${index}`,
          namespace: n.namespace(index),
          hostname: `node-${index}`,
          insecureRegistries: [registry.address],
          socketGroup: index === 1 ? n.group : undefined,
        }),
      ),
    );
    const daemons = started.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    stops.push(() => Promise.all(daemons.map((daemon) => daemon.stop())));
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;

    const nodes: SwarmNode[] = indexes.map((index) => ({
      name: `node-${index}`,
      address: n.address(index),
      dockerd: daemons[index - 1],
      namespace: n.namespace(index),
    }));
    const [manager, ...workers] = nodes;
    const docker = async (args: string[], input?: string) => {
      const result = await manager.dockerd.docker(args, input);
      if (result.code !== 0) {
        throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`);
      }
      return result.stdout.trim();
    };
    const nodeDocker = async (node: SwarmNode, args: string[]) => {
      const result = await node.dockerd.docker(args);
      if (result.code !== 0) {
        throw new Error(`docker ${args.join(' ')} on ${node.name}: ${result.stderr.trim()}`);
      }
      return result.stdout.trim();
    };

    await docker([
      ...['swarm', 'init', '--advertise-addr', manager.address],
      ...['--listen-addr', `${manager.address}:2377`],
      // Overlay networks (ingress, a stack's default network) from a range of the test's own.
      ...['--default-addr-pool', `10.89.${slot}.0/24`, '--default-addr-pool-mask-length', '27'],
    ]);
    stops.push(async () => {
      // Workers first: the manager answers their leave. Their data goes with the daemons.
      await Promise.all(workers.map((node) => node.dockerd.docker(['swarm', 'leave', '--force'])));
      await manager.dockerd.docker(['swarm', 'leave', '--force']);
    });
    const token = await docker(['swarm', 'join-token', '--quiet', 'worker']);
    const joined = Promise.all(
      workers.map((node) =>
        nodeDocker(node, [
          ...['swarm', 'join', '--token', token, '--advertise-addr', node.address],
          ...['--listen-addr', `${node.address}:2377`, `${manager.address}:2377`],
        ]),
      ),
    );
    // The images are built while the workers join.
    const built = buildImages(docker, manager.dockerd.baseImage, registry, name);
    const [images] = await Promise.all([built, joined]);
    await waitForNodes(docker, nodes);

    // mkdtemp makes the daemon's folder 0700: the socket's group could not reach the socket
    // inside it. Traversal only; the folder's contents stay unlisted.
    await chmod(manager.dockerd.folder, 0o711);
    const user = await createSshUser(`${n.prefix}-${name}`, [n.group]);
    stops.push(() => user.remove());
    const server = await startSshd({
      name: `${n.prefix}-${name}`,
      user,
      setEnv: { DOCKER_HOST: manager.dockerd.host },
      namespace: manager.namespace,
      listenAddress: manager.address,
    });
    stops.push(() => server.stop());

    return {
      manager,
      nodes,
      registry,
      user,
      server,
      group: n.group,
      images,
      repository: `${name}/app`,
      docker,
      httpGet,
      removeServices: () => removeServices(nodes),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function buildImages(
  docker: (args: string[], input?: string) => Promise<string>,
  base: string,
  registry: Registry,
  name: string,
): Promise<Record<SwarmImageName, string>> {
  await docker(
    ['login', '--username', registry.username, '--password-stdin', registry.address],
    registry.password,
  );
  const images = {} as Record<SwarmImageName, string>;
  try {
    await Promise.all(
      IMAGE_NAMES.map(async (image) => {
        const reference = `${registry.address}/${name}/app:${image}`;
        await docker(['build', '--quiet', '--tag', reference, '-'], dockerfile(base, image));
        await docker(['push', reference]);
        // Gone locally: every node, the manager too, has to pull it with registry auth.
        await docker(['rmi', reference]);
        images[image] = reference;
      }),
    );
  } finally {
    await docker(['logout', registry.address]).catch(() => undefined);
  }
  return images;
}

async function waitForNodes(
  docker: (args: string[]) => Promise<string>,
  nodes: SwarmNode[],
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const expected = nodes.map((node) => node.name).sort();
  let listed = '';
  while (Date.now() < deadline) {
    listed = await docker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}']);
    const ready = listed
      .split('\n')
      .filter((line) => line.endsWith(' Ready'))
      .map((line) => line.split(' ')[0])
      .sort();
    if (JSON.stringify(ready) === JSON.stringify(expected)) return;
    await sleep(200);
  }
  throw new Error(`swarm nodes not all Ready after ${READY_TIMEOUT_MS / 1000} s:\n${listed}`);
}

async function removeServices(nodes: SwarmNode[]): Promise<void> {
  const [manager] = nodes;
  const lines = (text: string) => text.split('\n').filter((line) => line !== '');
  const list = async (node: SwarmNode, args: string[]) => {
    const result = await node.dockerd.docker(args);
    if (result.code !== 0) {
      throw new Error(`docker ${args.join(' ')} on ${node.name}: ${result.stderr.trim()}`);
    }
    return lines(result.stdout);
  };
  // Failures are checked by what is left: stack rm, the agents and these race each other.
  const remove = (node: SwarmNode, args: string[]) => node.dockerd.docker(args);

  for (const stack of await list(manager, ['stack', 'ls', '--format', '{{.Name}}'])) {
    await remove(manager, ['stack', 'rm', stack]);
  }
  // A node's agent learns of the removal seconds later, then stops the task containers (after
  // their grace periods) and removes them; removing them here at once saves most of that.
  const stackLabel = ['--filter', 'label=com.docker.stack.namespace'];
  const deadline = Date.now() + CLEAN_TIMEOUT_MS;
  for (;;) {
    const [services, networks, configs, secrets, tasks, volumes] = await Promise.all([
      list(manager, ['service', 'ls', '--quiet']),
      list(manager, ['network', 'ls', '--quiet', ...stackLabel]),
      list(manager, ['config', 'ls', '--quiet', ...stackLabel]),
      list(manager, ['secret', 'ls', '--quiet', ...stackLabel]),
      Promise.all(
        nodes.map((node) =>
          list(node, ['ps', '--all', '--quiet', '--filter', 'label=com.docker.swarm.task']),
        ),
      ),
      // A stack's named volumes are local to each node that ran one of its tasks.
      Promise.all(nodes.map((node) => list(node, ['volume', 'ls', '--quiet', ...stackLabel]))),
    ]);
    const left = { services, networks, configs, secrets, tasks, volumes };
    if (Object.values(left).every((ids) => ids.flat().length === 0)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `removeServices: still there after ${CLEAN_TIMEOUT_MS / 1000} s: ${JSON.stringify(left)}`,
      );
    }
    const removals: Array<[SwarmNode, string[]]> = [];
    if (services.length > 0) removals.push([manager, ['service', 'rm', ...services]]);
    if (networks.length > 0) removals.push([manager, ['network', 'rm', ...networks]]);
    if (configs.length > 0) removals.push([manager, ['config', 'rm', ...configs]]);
    if (secrets.length > 0) removals.push([manager, ['secret', 'rm', ...secrets]]);
    nodes.forEach((node, index) => {
      if (tasks[index].length > 0) removals.push([node, ['rm', '--force', ...tasks[index]]]);
    });
    // A volume still in use by a container removed just now goes on the next round.
    nodes.forEach((node, index) => {
      if (volumes[index].length > 0) removals.push([node, ['volume', 'rm', ...volumes[index]]]);
    });
    await Promise.all(removals.map(([node, args]) => remove(node, args)));
    await sleep(200);
  }
}

function httpGet(address: string, port: number, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get({ host: address, port, path: '/', timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => {
        if (response.statusCode === 200) resolve(body.trim());
        else reject(new Error(`GET http://${address}:${port}/: ${response.statusCode}`));
      });
      response.on('error', reject);
    });
    request.on('timeout', () =>
      request.destroy(new Error(`GET http://${address}:${port}/: no answer in ${timeoutMs} ms`)),
    );
    request.on('error', reject);
  });
}

/**
 * Removes what a killed run with the same slot left: its processes (by pid: those in its
 * namespaces, and those whose command line or root is in one of its folders), mounts, folders,
 * namespaces, veths, bridge and group. The user goes with createSshUser, which replaces a
 * stale one of the same name.
 */
async function removeLeftovers(slot: number): Promise<void> {
  const n = names(slot);
  const stale = new RegExp(`^(dockerd|registry|sshd|sshuser)-(t-)?sw${slot}-`);
  const folders = readdirSync('/tmp')
    .filter((entry) => stale.test(entry))
    .map((entry) => path.join('/tmp', entry));
  // Their children first found, then stopped: a task's process is the child of a shim whose
  // command line names the daemon's folder, and would outlive the shim.
  if (folders.length > 0) await Promise.all(processesUsing(folders).map((pid) => stopPid(pid)));
  for (let index = 1; index <= 9; index++) {
    const namespace = n.namespace(index);
    // create() stops what runs inside a stale namespace and replaces it; remove() drops it.
    if (await Namespace.exists(namespace)) await (await Namespace.create(namespace)).remove();
  }
  for (const folder of folders) {
    await unmountUnder(folder);
    await rm(folder, { recursive: true, force: true });
  }
  for (let index = 1; index <= 9; index++) {
    if (existsSync(`/sys/class/net/${n.veth(index)}`)) {
      await command('ip', ['link', 'delete', n.veth(index)]).catch(() => undefined);
    }
  }
  if (existsSync(`/sys/class/net/${n.bridge}`)) await command('ip', ['link', 'delete', n.bridge]);
  const groups = readFileSync('/etc/group', 'utf8').split('\n');
  if (groups.some((line) => line.split(':')[0] === n.group)) {
    // A stale user still holding the group as a supplementary one does not stop groupdel.
    await command('groupdel', [n.group]);
  }
}

/** Live processes whose command line names one of the folders, and their descendants. */
export function processesUsing(folders: string[]): number[] {
  const parents = new Map<number, number>();
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields resume after the last ')'.
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const commandLine = `${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ')} `;
      const names = (folder: string) =>
        commandLine.includes(`${folder}/`) || commandLine.includes(`${folder} `);
      if (pid !== process.pid && folders.some(names)) found.add(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  for (let grown = true; grown;) {
    grown = false;
    for (const [pid, parent] of parents) {
      if (found.has(parent) && !found.has(pid)) {
        found.add(pid);
        grown = true;
      }
    }
  }
  return [...found].filter(isAlive);
}

function command(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${program} ${args.join(' ')}: ${stderr.trim()}`)),
    );
  });
}
