// Network namespaces for the VPN fixtures: a namespace, the veth pair that links it, and the
// processes started in it. A namespace's name is fixed by the fixture and its slot, so a run
// that crashed leaves nothing the next run cannot find: creating a namespace first removes a
// stale one of the same name, stopping the processes inside it by their PIDs.
import { execFile, spawn } from 'node:child_process';
import { isAlive, sleep, stopPid } from './processes';

export function command(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

export class Namespace {
  private constructor(readonly name: string) {}

  static async create(name: string): Promise<Namespace> {
    const namespace = new Namespace(name);
    await namespace.remove();
    await command('ip', ['netns', 'add', name]);
    await command('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return namespace;
  }

  static async exists(name: string): Promise<boolean> {
    const listed = await command('ip', ['netns', 'list']);
    return listed.split('\n').some((line) => line.split(' ')[0] === name);
  }

  /** The PIDs of the processes inside the namespace. */
  async pids(): Promise<number[]> {
    if (!(await Namespace.exists(this.name))) return [];
    const listed = await command('ip', ['netns', 'pids', this.name]);
    return listed.split('\n').filter(Boolean).map(Number).filter(isAlive);
  }

  ip(...args: string[]): Promise<string> {
    return command('ip', ['-n', this.name, ...args]);
  }

  exec(file: string, ...args: string[]): Promise<string> {
    return command('ip', ['netns', 'exec', this.name, file, ...args]);
  }

  /** Starts a long-running program inside the namespace; returns its PID. */
  start(file: string, ...args: string[]): number {
    const child = spawn('ip', ['netns', 'exec', this.name, file, ...args], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${file} in ${this.name}`);
    return child.pid;
  }

  /** Stops every process inside by PID, then deletes the namespace and its veth ends. */
  async remove(): Promise<void> {
    if (!(await Namespace.exists(this.name))) return;
    await Promise.all((await this.pids()).map((pid) => stopPid(pid)));
    await command('ip', ['netns', 'delete', this.name]);
  }
}

/** A veth pair: `outer` stays where `outerNamespace` says (the host when undefined). */
export async function link(
  outer: { name: string; address: string; namespace?: Namespace },
  inner: { name: string; address: string; namespace: Namespace },
): Promise<void> {
  // A stale host-side end would make `link add` fail; it goes with its pair.
  if (!outer.namespace) await command('ip', ['link', 'delete', outer.name]).catch(() => undefined);
  const outerIp = (...args: string[]) =>
    outer.namespace ? outer.namespace.ip(...args) : command('ip', args);
  await outerIp('link', 'add', outer.name, 'type', 'veth', 'peer', 'name', inner.name);
  await outerIp('link', 'set', inner.name, 'netns', inner.namespace.name);
  await outerIp('address', 'add', outer.address, 'dev', outer.name);
  await outerIp('link', 'set', outer.name, 'up');
  await inner.namespace.ip('address', 'add', inner.address, 'dev', inner.name);
  await inner.namespace.ip('link', 'set', inner.name, 'up');
}

/**
 * busybox httpd on an address of the namespace's loopback, so that it answers only to what
 * comes in through the namespace: from the host, only through the tunnel.
 */
export async function serveHttp(
  namespace: Namespace,
  address: string,
  port: number,
  root: string,
): Promise<number> {
  await namespace.ip('address', 'add', `${address}/32`, 'dev', 'lo');
  const pid = namespace.start('busybox', 'httpd', '-f', '-p', `${address}:${port}`, '-h', root);
  const until = Date.now() + 5_000;
  for (;;) {
    try {
      await namespace.exec(
        'busybox',
        'wget',
        '-q',
        '-O',
        '/dev/null',
        `http://${address}:${port}/`,
      );
      return pid;
    } catch (error) {
      if (Date.now() > until) throw error;
      await sleep(20);
    }
  }
}
