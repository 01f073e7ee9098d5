// The shared registry fixture and its failure-injecting proxy, against a real daemon.
import { existsSync } from 'node:fs';
import { startDockerd, type DockerDaemon } from './dockerd';
import { startFailingProxy, startRegistry, type FailingProxy, type Registry } from './registry';

jest.setTimeout(120_000);

describe('startRegistry', () => {
  let daemon: DockerDaemon;
  let registry: Registry;
  let proxy: FailingProxy;

  beforeAll(async () => {
    [daemon, registry] = await Promise.all([
      startDockerd({ name: 'registry-fixture' }),
      startRegistry({ name: 'registry-fixture' }),
    ]);
    proxy = await startFailingProxy(registry.address);
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([daemon?.stop(), registry?.stop()]);
  });

  it('refuses anonymous requests and a wrong password', async () => {
    expect((await fetch(`http://${registry.address}/v2/`)).status).toBe(401);
    const wrong = await daemon.docker(
      ['login', '--username', registry.username, '--password-stdin', registry.address],
      'not-the-password',
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized|401/i);
  });

  it('accepts a push after login and reports the pushed digest', async () => {
    const login = await daemon.docker(
      ['login', '--username', registry.username, '--password-stdin', registry.address],
      registry.password,
    );
    expect(login.code).toBe(0);
    const image = `${registry.address}/fixture/base:one`;
    expect((await daemon.docker(['tag', daemon.baseImage, image])).code).toBe(0);
    const push = await daemon.docker(['push', image]);
    expect(push.code).toBe(0);
    const reported = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    expect(await registry.digest('fixture/base', 'one')).toBe(reported);
    expect(await registry.tags('fixture/base')).toEqual(['one']);
    expect(await registry.digest('fixture/base', 'missing')).toBeUndefined();
    expect(await registry.tags('fixture/nothing')).toEqual([]);
  });

  it('proxies a push and injects 5xx answers on demand', async () => {
    const login = await daemon.docker(
      ['login', '--username', registry.username, '--password-stdin', proxy.address],
      registry.password,
    );
    expect(login.code).toBe(0);
    const image = `${proxy.address}/fixture/proxied:two`;
    await daemon.docker(['tag', daemon.baseImage, image]);
    proxy.fail({
      times: 1,
      status: 503,
      match: (method, path) => method === 'PUT' && path.includes('/manifests/'),
    });
    const failed = await daemon.docker(['push', image]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/503|Service Unavailable/i);
    expect(proxy.requests.filter((request) => request.injected)).toHaveLength(1);
    const again = await daemon.docker(['push', image]);
    expect(again.code).toBe(0);
    expect(await registry.digest('fixture/proxied', 'two')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses connections while down', async () => {
    proxy.setDown(true);
    try {
      await expect(fetch(`http://${proxy.address}/v2/`)).rejects.toThrow();
    } finally {
      proxy.setDown(false);
    }
    expect((await fetch(`http://${proxy.address}/v2/`)).status).toBe(401);
  });

  it('drops a given number of connections, then serves again', async () => {
    const before = proxy.dropped();
    proxy.dropConnections(1);
    await expect(fetch(`http://${proxy.address}/v2/`)).rejects.toThrow();
    expect((await fetch(`http://${proxy.address}/v2/`)).status).toBe(401);
    expect(proxy.dropped() - before).toBe(1);
  });

  it('removes its folder when stopped', async () => {
    const other = await startRegistry({ name: 'registry-stop' });
    expect(existsSync(other.folder)).toBe(true);
    await other.stop();
    expect(existsSync(other.folder)).toBe(false);
    await expect(fetch(`http://${other.address}/v2/`)).rejects.toThrow();
  });
});
