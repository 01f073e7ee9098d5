import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerApi, dockerSocketPath } from './docker-api';

describe('dockerSocketPath', () => {
  test.each([
    ['', '', '/var/run/docker.sock'],
    ['unix:///run/user/1000/docker.sock', '', '/run/user/1000/docker.sock'],
    ['', 'default', '/var/run/docker.sock'],
  ])('DOCKER_HOST=%j DOCKER_CONTEXT=%j: %s', (host, context, expected) => {
    expect(dockerSocketPath(host, context)).toBe(expected);
  });

  test.each([
    ['tcp://10.0.0.5:2376', ''],
    ['ssh://deploy@other', ''],
    ['unix://relative.sock', ''],
    ['', 'remote'],
  ])(
    'DOCKER_HOST=%j DOCKER_CONTEXT=%j: not a socket the action can be sure of',
    (host, context) => {
      expect(dockerSocketPath(host, context)).toBeUndefined();
    },
  );
});

describe('dockerApi', () => {
  let folder: string;
  let socketPath: string;
  let server: Server;
  const requests: Array<{ url?: string; method?: string }> = [];

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'docker-api-'));
    socketPath = path.join(folder, 'docker.sock');
    server = createServer((request, response) => {
      requests.push({ url: request.url, method: request.method });
      const url = request.url ?? '';
      if (url === '/services/web') {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        // In pieces, as a daemon streaming a large answer would.
        response.write('{"ID":"s1",');
        response.end('"Spec":{"Name":"web"}}');
      } else if (url.startsWith('/tasks?')) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('[{"ID":"t1"}]');
      } else if (url === '/slow') {
        // Never answers.
      } else if (url === '/broken') {
        response.writeHead(200);
        response.end('{"ID":');
      } else if (url === '/forbidden') {
        response.writeHead(403);
        response.end('{"message":"no"}');
      } else {
        response.writeHead(404);
        response.end('{"message":"service web2 not found"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  const api = (timeoutMs = 5_000) =>
    dockerApi(() => Promise.resolve(connect(socketPath)), timeoutMs);

  test('reads JSON answers, one connection a request', async () => {
    const client = api();
    await expect(client.get('/services/web')).resolves.toEqual({
      ID: 's1',
      Spec: { Name: 'web' },
    });
    const filters = encodeURIComponent(JSON.stringify({ service: { s1: true } }));
    await expect(client.get(`/tasks?filters=${filters}`)).resolves.toEqual([{ ID: 't1' }]);
    expect(requests.slice(-2)).toEqual([
      { url: '/services/web', method: 'GET' },
      { url: `/tasks?filters=${filters}`, method: 'GET' },
    ]);
  });

  test('a 404 is no such thing; other answers are errors that name the request', async () => {
    await expect(api().get('/services/web2')).resolves.toBeUndefined();
    await expect(api().get('/forbidden')).rejects.toThrow(
      'the Docker API answered /forbidden with 403',
    );
    await expect(api().get('/broken')).rejects.toThrow(
      "the Docker API's answer to /broken is not JSON",
    );
  });

  test('gives up on a daemon that does not answer', async () => {
    await expect(api(200).get('/slow')).rejects.toThrow(
      'the Docker API did not answer /slow in time',
    );
  });

  test('an error opening the socket is the error of the request', async () => {
    const client = dockerApi(() => Promise.reject(new Error('open failed')), 1_000);
    await expect(client.get('/services/web')).rejects.toThrow('open failed');
  });
});
