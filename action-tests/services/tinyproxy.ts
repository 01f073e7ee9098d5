// tinyproxy (Debian's), a real HTTP/HTTPS proxy of a test file's own, on a free loopback port,
// taking requests from loopback only. Its log shows every request and CONNECT, so a test can
// prove that a step's traffic went through it (or did not). stop() stops it by its PID and
// removes its folder.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, sleep, stopChild } from './processes';

export interface Tinyproxy {
  port: number;
  /** The proxy's URL, as HTTP_PROXY and HTTPS_PROXY take it. */
  url: string;
  /** The log so far. */
  log(): Promise<string>;
  /** The lines of the log that name `authority` (host:port), as CONNECT or request lines. */
  requestsTo(authority: string): Promise<string[]>;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const PROGRAM = '/usr/bin/tinyproxy';

export async function startTinyproxy(): Promise<Tinyproxy> {
  if (!existsSync(PROGRAM)) {
    throw new Error(
      'tinyproxy is not installed: apt-get install the packages in action-tests/setup/apt-packages.txt.',
    );
  }
  const folder = await mkdtemp(path.join(tmpdir(), 'tinyproxy-'));
  const port = await freePort();
  const logFile = path.join(folder, 'tinyproxy.log');
  const configFile = path.join(folder, 'tinyproxy.conf');
  // No ConnectPort line: CONNECT is allowed to any port (the stand-ins' ports are free ones).
  await writeFile(
    configFile,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Allow 127.0.0.1',
      'Timeout 30',
      'MaxClients 20',
      `LogFile "${logFile}"`,
      'LogLevel Info',
      '',
    ].join('\n'),
  );
  const child = spawn(PROGRAM, ['-d', '-c', configFile], { stdio: 'ignore' });
  const stop = async () => {
    await stopChild(child, 3_000);
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const until = Date.now() + 5_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}`);
      if (await accepts(port)) break;
      if (Date.now() > until) throw new Error(`tinyproxy is not listening on ${port}`);
      await sleep(20);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    requestsTo: async (authority) =>
      (await log())
        .split('\n')
        .filter((line) => /Request \(file descriptor \d+\):/.test(line))
        .filter((line) => line.includes(authority)),
    stop,
  };
}
