// The tinyproxy fixture: it forwards, and its log names each request's target.
import { request } from 'node:http';
import { sendJson, startRecordingServer, type RunningServer } from '../stand-ins/http-server';
import { startTinyproxy, type Tinyproxy } from './tinyproxy';

let proxy: Tinyproxy | undefined;
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.close();
  await proxy?.stop();
});

test('forwards a request and logs its target', async () => {
  proxy = await startTinyproxy();
  server = await startRecordingServer((_, response) => sendJson(response, 200, { ok: true }));
  const authority = server.origin.replace('http://', '');
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const sent = request({
      host: '127.0.0.1',
      port: proxy!.port,
      path: `${server!.origin}/through`,
      headers: { Host: authority },
    });
    sent.once('response', (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
    });
    sent.once('error', reject);
    sent.end();
  });
  expect(status).toBe(200);
  expect(server.requests.map((recorded) => recorded.path)).toEqual(['/through']);
  expect(await proxy.requestsTo(authority)).toEqual([
    expect.stringContaining(`GET http://${authority}/through`),
  ]);
});
