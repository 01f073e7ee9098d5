// A Docker daemon of a test file's own. Test files run in parallel, so each daemon gets its
// own socket, data and exec roots, pidfile and bridge (a unique name and private subnet);
// nothing is shared with the machine's default daemon or another test file's.
//
// iptables is off: several daemons rewriting the same nat/filter chains would undo each
// other's rules. Published ports still work on loopback (`-p 127.0.0.1:PORT:PORT`) because
// the userland proxy (docker-proxy) listens on the host and dials the container across the
// bridge, which needs no NAT. Containers get no route out, which tests should not need.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { access, mkdir, mkdtemp, rm, symlink, writeFile, copyFile, chmod } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { isAlive, stopChild, stopPid } from './processes';

export interface DockerDaemon {
  /** For DOCKER_HOST, e.g. unix:///tmp/dockerd-xxx/docker.sock */
  host: string;
  socket: string;
  /** A small base image made locally (busybox rootfs via `docker import`, no Docker Hub here), with /bin/sh, wget, nc, httpd: e.g. 'local/busybox:base' */
  baseImage: string;
  /** Runs the docker CLI against this daemon. */
  docker(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
  /** The docker CLI `docker()` runs: Debian's 20.10 client when present (BuildKit without buildx). */
  client: string;
  /** The daemon's folder (socket, roots, log); removed by stop(). */
  folder: string;
  /** The daemon's bridge and its subnet, e.g. 'dk-3fa2c1d0' and '10.213.7.0/24'. */
  bridge: string;
  subnet: string;
  /** The daemon's own log, for a failing test's message. */
  log(): string;
}

export interface DockerdOptions {
  /** Goes into folder and bridge names, to tell daemons apart when debugging. */
  name?: string;
  /** Group that owns the socket (e.g. 'docker'), so a non-root user can use the daemon. */
  socketGroup?: string;
  /**
   * A network namespace (a name under /var/run/netns) to run the daemon in, e.g. a server
   * behind a VPN: its bridge, containers and published ports live there, while the socket
   * stays a file on this machine. Entered with nsenter: under `ip netns exec`, which remounts
   * /sys, dockerd dies with "Devices cgroup isn't mounted".
   */
  namespace?: string;
  /** Registries (`host:port`) the daemon may reach over plain HTTP, beyond 127.0.0.0/8. */
  insecureRegistries?: string[];
  /**
   * A hostname for the daemon (`docker info` Name, the node's hostname in Swarm), e.g. node-1:
   * dockerd has no flag for it and reports the machine's, so it runs in a UTS namespace of its
   * own (`unshare --uts`) whose hostname is set before dockerd is exec'd.
   */
  hostname?: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const BASE_IMAGE = 'local/busybox:base';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** Starts a separate dockerd and waits until `docker info` answers. */
export async function startDockerd(options: DockerdOptions = {}): Promise<DockerDaemon> {
  const dockerd = await findProgram('dockerd');
  const client = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : await findProgram('docker');
  const label = (options.name ?? 'test').replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 24);
  if (options.socketGroup !== undefined && !groupExists(options.socketGroup)) {
    throw new Error(`startDockerd: group '${options.socketGroup}' does not exist.`);
  }
  if (
    options.hostname !== undefined &&
    !/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(options.hostname)
  ) {
    throw new Error(`startDockerd: '${options.hostname}' is not a hostname.`);
  }

  const folder = await mkdtemp(`/tmp/dockerd-${label}-`);
  const socket = join(folder, 'docker.sock');
  const host = `unix://${socket}`;
  const env = clientEnvironment(host, join(folder, 'client-config'));
  const docker = (args: string[], input?: string) => run(client, args, { env, input });

  let bridge: { name: string; subnet: string } | undefined;
  const namespaceArgs = options.namespace === undefined ? [] : ['-n', options.namespace];
  let child: ChildProcess | undefined;
  let stopped = false;
  const logPath = join(folder, 'dockerd.log');
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  const killOnExit = () => child?.kill('SIGTERM');

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      // Removing containers first: on SIGTERM dockerd would give each its stop grace period.
      const containers = await docker(['ps', '-aq']);
      const ids = containers.stdout.split('\n').filter((id) => id !== '');
      if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]);
      await stopChild(child, STOP_TIMEOUT_MS);
    }
    // dockerd stops the containerd it started; this catches one left by a SIGKILL.
    await killPidFile(join(folder, 'exec', 'containerd', 'containerd.pid'));
    if (bridge) await run('ip', [...namespaceArgs, 'link', 'delete', bridge.name]);
    await unmountUnder(folder);
    await rm(folder, { recursive: true, force: true });
  };

  try {
    if (options.namespace !== undefined && !existsSync(`/var/run/netns/${options.namespace}`)) {
      throw new Error(`no network namespace ${options.namespace}`);
    }
    bridge = await createBridge(namespaceArgs);
    // The key path (a config-file-only setting) keeps each daemon off the shared
    // /etc/docker/key.json, which would give every daemon the same ID.
    const config: Record<string, unknown> = { 'deprecated-key-path': join(folder, 'key.json') };
    if (options.insecureRegistries?.length) {
      config['insecure-registries'] = options.insecureRegistries;
    }
    await writeFile(join(folder, 'daemon.json'), `${JSON.stringify(config)}\n`);
    const args = [
      `--host=${host}`,
      // The machine's /etc/docker/daemon.json must not reach a test's daemon.
      `--config-file=${join(folder, 'daemon.json')}`,
      `--data-root=${join(folder, 'data')}`,
      `--exec-root=${join(folder, 'exec')}`,
      `--pidfile=${join(folder, 'docker.pid')}`,
      `--bridge=${bridge.name}`,
      '--iptables=false',
      '--ip-masq=false',
      '--userland-proxy=true',
      '--shutdown-timeout=1',
    ];
    const proxy = await findProgram('docker-proxy').catch(() => undefined);
    if (proxy) args.push(`--userland-proxy-path=${proxy}`);
    if (options.socketGroup !== undefined) args.push(`--group=${options.socketGroup}`);

    // Each wrapper enters its namespace and execs the next: the child's pid is dockerd's.
    let argv = [dockerd, ...args];
    if (options.hostname !== undefined) {
      // The name is written into the new UTS namespace, then sh execs dockerd in it.
      const setHostname = 'printf "%s" "$0" > /proc/sys/kernel/hostname && exec "$@"';
      const wrapper = [await findProgram('unshare'), '--uts', '--', '/bin/sh', '-c', setHostname];
      argv = [...wrapper, options.hostname, ...argv];
    }
    if (options.namespace !== undefined) {
      argv = [await findProgram('nsenter'), `--net=/var/run/netns/${options.namespace}`, ...argv];
    }
    const logFd = openSync(logPath, 'a');
    try {
      child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', logFd, logFd], cwd: folder });
    } finally {
      closeSync(logFd);
    }
    const started = child;
    started.on('error', () => undefined);
    process.once('exit', killOnExit);
    await waitUntilReady(started, docker, readLog);
    await importBaseImage(folder, docker);
  } catch (error) {
    const log = readLog();
    await stop().catch(() => undefined);
    const tail = log.split('\n').slice(-20).join('\n');
    throw new Error(`startDockerd: ${(error as Error).message}\n--- dockerd log ---\n${tail}`, {
      cause: error,
    });
  }

  return {
    host,
    socket,
    baseImage: BASE_IMAGE,
    docker,
    stop,
    client,
    folder,
    bridge: bridge.name,
    subnet: bridge.subnet,
    log: readLog,
  };
}

/** The environment for a docker CLI bound to one daemon, with a config folder of its own. */
export function clientEnvironment(host: string, configDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: configDir };
  // A context or TLS settings from the caller's environment would point the CLI elsewhere.
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_TLS_VERIFY;
  delete env.DOCKER_CERT_PATH;
  env.DOCKER_BUILDKIT = '1';
  return env;
}

/** Runs a program with an argv array (never a shell), collecting its output. */
export function run(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined);
    child.on('error', (error) =>
      resolve({ code: 127, stdout: '', stderr: `${program}: ${error.message}` }),
    );
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}

async function findProgram(name: string): Promise<string> {
  const directories = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const directory of directories) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${name} is not installed: apt-get install the packages in action-tests/setup/apt-packages.txt.`,
  );
}

function groupExists(group: string): boolean {
  return readFileSync('/etc/group', 'utf8')
    .split('\n')
    .some((line) => line.split(':')[0] === group);
}

/**
 * A bridge with a random name and a random /24 in 10.200.0.0-10.254.255.0 that no route uses,
 * on this machine or, with `namespaceArgs` (`-n NAME`), in that namespace.
 */
async function createBridge(namespaceArgs: string[]): Promise<{ name: string; subnet: string }> {
  const ip = (args: string[]) => run('ip', [...namespaceArgs, ...args]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const name = `dk-${randomBytes(4).toString('hex')}`;
    const second = 200 + Math.floor(Math.random() * 55);
    const third = Math.floor(Math.random() * 256);
    const prefix = `10.${second}.${third}`;
    const routes = await ip(['-4', 'route', 'show', 'table', 'all']);
    if (routes.code !== 0) throw new Error(`ip route: ${routes.stderr.trim()}`);
    if (routes.stdout.includes(`${prefix}.`)) continue;
    const added = await ip(['link', 'add', 'name', name, 'type', 'bridge']);
    if (added.code !== 0) {
      if (/exists/i.test(added.stderr)) continue;
      throw new Error(`ip link add ${name}: ${added.stderr.trim()}`);
    }
    for (const step of [
      ['addr', 'add', `${prefix}.1/24`, 'dev', name],
      ['link', 'set', name, 'up'],
    ]) {
      const result = await ip(step);
      if (result.code !== 0) {
        await ip(['link', 'delete', name]);
        throw new Error(`ip ${step.join(' ')}: ${result.stderr.trim()}`);
      }
    }
    return { name, subnet: `${prefix}.0/24` };
  }
  throw new Error('no free bridge name and subnet found after 10 attempts');
}

async function waitUntilReady(
  child: ChildProcess,
  docker: DockerDaemon['docker'],
  readLog: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    const info = await docker(['info', '--format', '{{.ServerVersion}}']);
    if (info.code === 0 && info.stdout.trim() !== '') return;
    last = info.stderr.trim();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `dockerd not ready after ${READY_TIMEOUT_MS / 1000} s: ${last}\n${readLog().slice(-500)}`,
  );
}

/** A busybox rootfs imported as an image: /bin/sh, wget, nc, httpd and the other applets. */
async function importBaseImage(folder: string, docker: DockerDaemon['docker']): Promise<void> {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));
  if (!busybox) throw new Error('busybox is not installed: apt-get install busybox-static.');
  const linked = await run('file', ['-L', busybox]).catch(() => undefined);
  if (linked && linked.code === 0 && /dynamically linked/.test(linked.stdout)) {
    throw new Error(`${busybox} is dynamically linked: apt-get install busybox-static.`);
  }
  const rootfs = join(folder, 'rootfs');
  const bin = join(rootfs, 'bin');
  await mkdir(bin, { recursive: true });
  for (const directory of ['tmp', 'etc', 'root', 'var/www']) {
    await mkdir(join(rootfs, directory), { recursive: true });
  }
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await copyFile(busybox, join(bin, 'busybox'));
  await chmod(join(bin, 'busybox'), 0o755);
  // Relative links: `busybox --install` would point them at the host's busybox path.
  const applets = await run(busybox, ['--list']);
  if (applets.code !== 0) throw new Error(`busybox --list: ${applets.stderr.trim()}`);
  for (const applet of applets.stdout.split('\n')) {
    if (applet === '' || applet === 'busybox' || applet.includes('/')) continue;
    await symlink('busybox', join(bin, applet));
  }
  const tarball = join(folder, 'rootfs.tar');
  const packed = await run('tar', ['-C', rootfs, '-cf', tarball, '.']);
  if (packed.code !== 0) throw new Error(`tar: ${packed.stderr.trim()}`);
  const imported = await docker([
    'import',
    '--change',
    'ENV PATH=/bin',
    '--change',
    'CMD ["/bin/sh"]',
    tarball,
    BASE_IMAGE,
  ]);
  if (imported.code !== 0) throw new Error(`docker import: ${imported.stderr.trim()}`);
  await rm(rootfs, { recursive: true, force: true });
  await rm(tarball, { force: true });
}

async function killPidFile(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const pid = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return;
  await stopPid(pid, 5000);
}

/** Unmounts what a killed daemon left mounted under its folder, deepest first. */
export async function unmountUnder(folder: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target === folder || target.startsWith(`${folder}/`))
    .sort((a, b) => b.length - a.length);
  for (const target of mounts) await run('umount', ['-l', target]);
}
