// The Swarm fixture: three nodes in namespaces of their own, Ready under their own hostnames;
// a replicated service with one task per node pulled from the registry with the manager's
// registry auth and answering on every node's address; the manager's sshd; nothing left once
// stopped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './dockerd';
import { command } from './namespace';
import { processesUsing, startSwarm, type Swarm } from './swarm';

jest.setTimeout(300_000);

const SLOT = 60;

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs / 1000} s (${String(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const jsonLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);

describe('startSwarm', () => {
  let swarm: Swarm;
  let startMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    swarm = await startSwarm({ name: 'swarm-fixture', slot: SLOT });
    startMs = Date.now() - started;
  });

  afterAll(async () => {
    await swarm?.stop();
  });

  it('rejects a slot outside 60-69 before touching anything', async () => {
    await expect(startSwarm({ name: 'x', slot: 12 })).rejects.toThrow(/slot 12 is not 60-69/);
  });

  it('has three Ready nodes with their own hostnames, addresses and one manager', async () => {
    expect(startMs).toBeLessThan(120_000);
    expect(swarm.nodes.map((node) => [node.name, node.address, node.namespace])).toEqual([
      ['node-1', `10.88.${SLOT}.11`, `sw${SLOT}-n1`],
      ['node-2', `10.88.${SLOT}.12`, `sw${SLOT}-n2`],
      ['node-3', `10.88.${SLOT}.13`, `sw${SLOT}-n3`],
    ]);
    expect(swarm.manager).toBe(swarm.nodes[0]);
    const listed = jsonLines<{ Hostname: string; Status: string; ManagerStatus: string }>(
      await swarm.docker(['node', 'ls', '--format', '{{json .}}']),
    );
    expect(listed.map((node) => [node.Hostname, node.Status, node.ManagerStatus]).sort()).toEqual([
      ['node-1', 'Ready', 'Leader'],
      ['node-2', 'Ready', ''],
      ['node-3', 'Ready', ''],
    ]);
    const ids = (await swarm.docker(['node', 'ls', '--quiet'])).split('\n');
    const addresses = await swarm.docker([
      ...['node', 'inspect', '--format', '{{.Description.Hostname}} {{.Status.Addr}}'],
      ...ids,
    ]);
    expect(addresses.split('\n').sort()).toEqual(
      swarm.nodes.map((node) => `${node.name} ${node.address}`),
    );
    // No image of the test's is on any node: each has to pull it.
    for (const node of swarm.nodes) {
      const images = await node.dockerd.docker(['images', '--format', '{{.Repository}}']);
      expect(images.stdout).not.toContain(swarm.registry.address);
    }
  });

  it('runs one task per node from the registry and answers on every node', async () => {
    const { registry } = swarm;
    await swarm.docker(
      ['login', '--username', registry.username, '--password-stdin', registry.address],
      registry.password,
    );
    try {
      await swarm.docker([
        ...['service', 'create', '--name', 'web', '--detach'],
        ...['--mode', 'replicated', '--replicas', '3', '--replicas-max-per-node', '1'],
        ...['--publish', 'mode=host,published=8080,target=8080'],
        ...['--with-registry-auth', '--stop-grace-period', '1s'],
        swarm.images.v1,
      ]);
    } finally {
      await swarm.docker(['logout', registry.address]);
    }
    interface TaskLine {
      ID: string;
      Node: string;
      Image: string;
      CurrentState: string;
      DesiredState: string;
    }
    const tasks = await waitFor('three running tasks', async () => {
      const listed = jsonLines<TaskLine>(
        await swarm.docker([
          ...['service', 'ps', 'web', '--no-trunc', '--filter', 'desired-state=running'],
          ...['--format', '{{json .}}'],
        ]),
      );
      const running = listed.filter((task) => task.CurrentState.startsWith('Running'));
      return running.length === 3 ? running : undefined;
    });
    expect(tasks.map((task) => task.Node).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    const digest = await registry.digest(swarm.repository, 'v1');
    expect(digest).toMatch(/^sha256:/);
    for (const task of tasks) expect(task.Image).toBe(`${swarm.images.v1}@${digest}`);
    const inspected = JSON.parse(
      await swarm.docker(['inspect', ...tasks.map((task) => task.ID)]),
    ) as Array<{ Spec: { ContainerSpec: { Image: string } }; Status: { State: string } }>;
    for (const task of inspected) {
      expect(task.Spec.ContainerSpec.Image).toBe(`${swarm.images.v1}@${digest}`);
      expect(task.Status.State).toBe('running');
    }

    for (const node of swarm.nodes) {
      expect(await waitFor(`v1 on ${node.name}`, () => swarm.httpGet(node.address, 8080))).toBe(
        'v1',
      );
    }

    await swarm.removeServices();
    expect(await swarm.docker(['service', 'ls', '--quiet'])).toBe('');
    for (const node of swarm.nodes) {
      await expect(swarm.httpGet(node.address, 8080, 2_000)).rejects.toThrow();
    }
  });

  it('deploys a stack with a network and a volume, and removeServices clears all of it', async () => {
    const { registry } = swarm;
    const compose = [
      'version: "3.8"',
      'services:',
      '  app:',
      `    image: ${swarm.images.v2}`,
      '    stop_grace_period: 1s',
      '    deploy: { replicas: 3, placement: { max_replicas_per_node: 1 } }',
      '    ports: [{ target: 8080, published: 9090, mode: host }]',
      '    volumes: ["data:/data"]',
      '    networks: [back]',
      'networks: { back: {} }',
      'volumes: { data: {} }',
      '',
    ].join('\n');
    await swarm.docker(
      ['login', '--username', registry.username, '--password-stdin', registry.address],
      registry.password,
    );
    try {
      await swarm.docker(
        ['stack', 'deploy', '--with-registry-auth', '--compose-file', '-', 'shop'],
        compose,
      );
    } finally {
      await swarm.docker(['logout', registry.address]);
    }
    for (const node of swarm.nodes) {
      expect(await waitFor(`v2 on ${node.name}`, () => swarm.httpGet(node.address, 9090))).toBe(
        'v2',
      );
    }
    // The stack's overlay network comes from the fixture's own address pool.
    const subnet = await swarm.docker([
      ...['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}}{{end}}'],
      'shop_back',
    ]);
    expect(subnet).toMatch(new RegExp(`^10\\.89\\.${SLOT}\\.\\d+/27$`));

    await swarm.removeServices();
    expect(await swarm.docker(['stack', 'ls', '--format', '{{.Name}}'])).toBe('');
    expect(await swarm.docker(['service', 'ls', '--quiet'])).toBe('');
    expect(await swarm.docker(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('shop_');
    for (const node of swarm.nodes) {
      const volumes = await node.dockerd.docker(['volume', 'ls', '--quiet']);
      expect(volumes.stdout.trim()).toBe('');
    }
  });

  it("serves the manager's CLI over ssh to a user of the socket's group", async () => {
    const { server, manager } = swarm;
    expect([server.host, server.port]).toEqual([manager.address, 22]);
    const folder = await mkdtemp('/tmp/swarm-test-ssh-');
    try {
      const knownHosts = path.join(folder, 'known_hosts');
      await writeFile(knownHosts, `${server.knownHostsLine}\n`);
      const result = await run('ssh', [
        ...['-F', '/dev/null', '-i', server.keys.ed25519.path, '-o', 'IdentitiesOnly=yes'],
        ...['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'],
        ...['-o', `UserKnownHostsFile=${knownHosts}`, '-p', '22'],
        `${server.user}@${manager.address}`,
        "docker node ls --format '{{.Hostname}} {{.Status}}'",
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split('\n').sort()).toEqual([
        'node-1 Ready',
        'node-2 Ready',
        'node-3 Ready',
      ]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('leaves no namespace, link, process, folder, user or group once stopped', async () => {
    const folders = [
      ...swarm.nodes.map((node) => node.dockerd.folder),
      swarm.registry.folder,
      swarm.server.folder,
    ];
    const started = Date.now();
    await swarm.stop();
    const stopMs = Date.now() - started;
    expect(stopMs).toBeLessThan(60_000);

    const namespaces = await command('ip', ['netns', 'list']);
    expect(namespaces).not.toMatch(new RegExp(`^sw${SLOT}-`, 'm'));
    const links = readdirSync('/sys/class/net');
    expect(links.filter((link) => link === `swbr${SLOT}` || link.startsWith(`sw${SLOT}n`))).toEqual(
      [],
    );
    expect(folders.filter((folder) => existsSync(folder))).toEqual([]);
    const stale = new RegExp(`^(dockerd|registry|sshd|sshuser)-(t-)?sw${SLOT}-`);
    expect(readdirSync('/tmp').filter((entry) => stale.test(entry))).toEqual([]);
    expect(processesUsing(folders)).toEqual([]);
    const mounts = readFileSync('/proc/self/mounts', 'utf8');
    expect(folders.filter((folder) => mounts.includes(folder))).toEqual([]);
    const names = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.split(':')[0]);
    expect(names('/etc/passwd')).not.toContain(swarm.user.name);
    expect(names('/etc/group')).not.toContain(swarm.group);
  });
});
