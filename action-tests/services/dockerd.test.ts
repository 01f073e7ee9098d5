// The shared dockerd fixture: two daemons side by side, each with its own bridge, base image
// and working published ports, and nothing left once stopped.
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { run, startDockerd, type DockerDaemon } from './dockerd';
import { freePort } from './processes';

jest.setTimeout(120_000);

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('startDockerd', () => {
  let first: DockerDaemon;
  let second: DockerDaemon;

  beforeAll(async () => {
    [first, second] = await Promise.all([
      startDockerd({ name: 'fixture-a' }),
      startDockerd({ name: 'fixture-b', socketGroup: 'docker' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('runs two separate daemons with their own sockets, bridges and subnets', async () => {
    expect(first.socket).not.toBe(second.socket);
    expect(first.host).toBe(`unix://${first.socket}`);
    expect(first.bridge).not.toBe(second.bridge);
    expect(first.subnet).not.toBe(second.subnet);
    const [a, b] = await Promise.all([
      first.docker(['info', '--format', '{{.ID}}']),
      second.docker(['info', '--format', '{{.ID}}']),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout.trim()).not.toBe(b.stdout.trim());
  });

  it('has a busybox base image with sh, wget, nc and httpd', async () => {
    const result = await first.docker([
      'run',
      '--rm',
      first.baseImage,
      'sh',
      '-c',
      'which sh wget nc httpd',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      '/bin/sh',
      '/bin/wget',
      '/bin/nc',
      '/bin/httpd',
    ]);
  });

  it('publishes a container port on loopback', async () => {
    const port = await freePort();
    const started = await second.docker([
      'run',
      '-d',
      '-p',
      `127.0.0.1:${port}:8080`,
      second.baseImage,
      'sh',
      '-c',
      'echo published > /var/www/index.html && exec httpd -f -p 8080 -h /var/www',
    ]);
    expect(started.stderr).toBe('');
    let response = { status: 0, body: '' };
    for (let attempt = 0; attempt < 50 && response.status !== 200; attempt++) {
      response = await httpGet(`http://127.0.0.1:${port}/`).catch(() => response);
      if (response.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(response).toEqual({ status: 200, body: 'published\n' });
  });

  it('gives the socket the requested group', async () => {
    const stat = await run('stat', ['-c', '%G', second.socket]);
    expect(stat.stdout.trim()).toBe('docker');
  });

  it('stops by PID and leaves no folder, bridge or process behind', async () => {
    const daemon = await startDockerd({ name: 'fixture-c' });
    const pid = Number(readFileSync(`${daemon.folder}/docker.pid`, 'utf8'));
    await daemon.docker(['run', '-d', daemon.baseImage, 'sleep', '300']);
    const started = Date.now();
    await daemon.stop();
    expect(Date.now() - started).toBeLessThan(8000);
    expect(existsSync(daemon.folder)).toBe(false);
    const link = await run('ip', ['link', 'show', daemon.bridge]);
    expect(link.code).not.toBe(0);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
