// A Docker registry (distribution 2.x, Debian's `docker-registry`) with htpasswd basic auth on
// a free loopback port (or another address of this machine, see `host`), plus a proxy in front
// of it that can fail on demand. Registries on 127.0.0.0/8 are plain-HTTP "insecure" registries
// every daemon accepts without set-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { run } from './dockerd';
import { freePort, stopChild } from './processes';

export interface Registry {
  /** `127.0.0.1:PORT` (or `HOST:PORT` with the host option), the registry part of an image name. */
  address: string;
  username: string;
  password: string;
  folder: string;
  /** The `Docker-Content-Digest` the registry reports for a tag, or undefined if there is none. */
  digest(repository: string, tag: string): Promise<string | undefined>;
  /** The repository's tags, empty when it does not exist. */
  tags(repository: string): Promise<string[]>;
  /** The registry's own log. */
  log(): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  name?: string;
  username?: string;
  /** Generated when omitted; tests can then check it never reaches a log. */
  password?: string;
  /**
   * The address to listen on (default 127.0.0.1), e.g. this machine's end of a veth pair, so
   * that a daemon in a network namespace can pull. Outside 127.0.0.0/8, a daemon needs the
   * registry among its insecure registries (startDockerd's insecureRegistries).
   */
  host?: string;
}

/** Every manifest type a push can produce; a HEAD without them gets a schema 1 conversion. */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const program = existsSync('/usr/bin/docker-registry') ? '/usr/bin/docker-registry' : undefined;
  if (!program) {
    throw new Error(
      'docker-registry is not installed: apt-get install the packages in action-tests/setup/apt-packages.txt.',
    );
  }
  const label = (options.name ?? 'test').replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 24);
  const username = options.username ?? 'ci-user';
  const host = options.host ?? '127.0.0.1';
  const password = options.password ?? `pw-${randomBytes(12).toString('hex')}`;
  const folder = await mkdtemp(`/tmp/registry-${label}-`);
  const logPath = join(folder, 'registry.log');
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

  // -i reads the password from stdin, keeping it out of the process list.
  const hashed = await run('htpasswd', ['-niB', username], { input: password });
  if (hashed.code !== 0) {
    await rm(folder, { recursive: true, force: true });
    throw new Error(`htpasswd: ${hashed.stderr.trim()} (apt-get install apache2-utils)`);
  }
  await writeFile(join(folder, 'htpasswd'), hashed.stdout, { mode: 0o600 });

  let child: ChildProcess | undefined;
  let address = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      await stopChild(child, 5000);
    }
    child = undefined;
    await rm(folder, { recursive: true, force: true });
  };

  // A free port can be taken between probing and binding; a few attempts settle it.
  for (let attempt = 0; attempt < 5 && !address; attempt++) {
    const port = await freePort(host);
    const config = {
      version: 0.1,
      log: { level: 'info', accesslog: { disabled: false } },
      storage: {
        filesystem: { rootdirectory: join(folder, 'data') },
        delete: { enabled: true },
      },
      http: { addr: `${host}:${port}`, secret: randomBytes(16).toString('hex') },
      auth: { htpasswd: { realm: 'test-registry', path: join(folder, 'htpasswd') } },
    };
    // JSON is YAML: no quoting rules to get wrong.
    const configPath = join(folder, 'config.yml');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const logFd = openSync(logPath, 'a');
    try {
      child = spawn(program, ['serve', configPath], {
        stdio: ['ignore', logFd, logFd],
        cwd: folder,
      });
    } finally {
      closeSync(logFd);
    }
    child.on('error', () => undefined);
    if (await waitForRegistry(child, `${host}:${port}`)) address = `${host}:${port}`;
    else await stopChild(child, 5000);
  }
  if (!address) {
    const log = readLog();
    await stop();
    throw new Error(`docker-registry did not start:\n${log.slice(-1500)}`);
  }

  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const call = (method: string, path: string) =>
    fetch(`http://${address}${path}`, {
      method,
      headers: { Authorization: authorization, Accept: MANIFEST_TYPES },
    });

  return {
    address,
    username,
    password,
    folder,
    async digest(repository, tag) {
      const response = await call('HEAD', `/v2/${repository}/manifests/${tag}`);
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`HEAD manifest ${repository}:${tag}: ${response.status}`);
      return response.headers.get('docker-content-digest') ?? undefined;
    },
    async tags(repository) {
      const response = await call('GET', `/v2/${repository}/tags/list`);
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`GET tags of ${repository}: ${response.status}`);
      const body = (await response.json()) as { tags?: string[] | null };
      return (body.tags ?? []).slice().sort();
    },
    log: readLog,
    stop,
  };
}

async function waitForRegistry(child: ChildProcess, address: string): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const response = await fetch(`http://${address}/v2/`);
      // 401 is the answer of a registry with auth on; anything else is not ours.
      if (response.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** What the client got: the registry's status, or the injected one. */
  status: number;
  injected: boolean;
}

export interface FailureRule {
  /** How many matching requests to fail; later ones pass through. */
  times: number;
  /** The injected status (default 503). */
  status?: number;
  /** Which requests count (default all). */
  match?: (method: string, path: string, headers: IncomingMessage['headers']) => boolean;
}

export interface FailingProxy {
  /** `127.0.0.1:PORT`, usable as the registry part of an image name. */
  address: string;
  requests: ProxiedRequest[];
  /** Fails the next matching requests with a 5xx, then lets them through. */
  fail(rule: FailureRule): void;
  /** Holds the next matching requests without an answer: a registry that stopped answering. */
  stall(rule: Omit<FailureRule, 'status'>): void;
  /** Drops every failure and stall still scheduled. */
  clearFailures(): void;
  /** While down, every connection is closed at once, as if nothing listened. */
  setDown(down: boolean): void;
  /** Closes the next `count` connections at once, then serves again: a registry coming back. */
  dropConnections(count: number): void;
  /** Connections closed so far while down or dropping. */
  dropped(): number;
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of a registry that answers chosen requests with a 5xx. The Host
 * header passes through unchanged, so the upload URLs the registry hands out point back
 * at the proxy and every request of a push crosses it.
 */
export async function startFailingProxy(target: string): Promise<FailingProxy> {
  const [targetHost, targetPort] = target.split(':');
  const requests: ProxiedRequest[] = [];
  const rules: FailureRule[] = [];
  const stalls: Omit<FailureRule, 'status'>[] = [];
  let down = false;
  let toDrop = 0;
  let droppedCount = 0;
  const sockets = new Set<Socket>();

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    const stall = stalls.find(
      (candidate) =>
        candidate.times > 0 && (candidate.match?.(method, path, incoming.headers) ?? true),
    );
    if (stall) {
      // No answer, ever: the connection stays open until the client gives up or stop().
      stall.times -= 1;
      requests.push({ method, path, status: 0, injected: true });
      incoming.resume();
      return;
    }
    const rule = rules.find(
      (candidate) =>
        candidate.times > 0 && (candidate.match?.(method, path, incoming.headers) ?? true),
    );
    if (rule) {
      rule.times -= 1;
      const status = rule.status ?? 503;
      requests.push({ method, path, status, injected: true });
      incoming.resume();
      response
        .writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' })
        .end(`injected failure ${status}\n`);
      return;
    }
    const upstream = httpRequest(
      {
        host: targetHost,
        port: Number(targetPort),
        method,
        path,
        headers: incoming.headers,
      },
      (answer) => {
        requests.push({ method, path, status: answer.statusCode ?? 0, injected: false });
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      requests.push({ method, path, status: 502, injected: false });
      if (!response.headersSent) response.writeHead(502).end(String(error));
      else response.destroy();
    });
    incoming.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    if (down || toDrop > 0) {
      if (!down) toDrop -= 1;
      droppedCount += 1;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    address: `127.0.0.1:${port}`,
    requests,
    fail(rule) {
      rules.push({ ...rule });
    },
    stall(rule) {
      stalls.push({ ...rule });
    },
    clearFailures() {
      rules.splice(0);
      stalls.splice(0);
    },
    dropConnections(count) {
      toDrop = count;
    },
    dropped: () => droppedCount,
    setDown(value) {
      down = value;
      if (down) for (const socket of sockets) socket.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
