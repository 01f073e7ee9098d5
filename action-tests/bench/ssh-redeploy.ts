// ssh-redeploy, figures against real OpenSSH servers on loopback:
// 1. fan-out: 10 servers each running `sleep 1`, parallel 10, side by side with its peer (ten
//    OpenSSH clients started at once on the same servers), a bare ssh2 client doing the same in
//    one Node process, and its floor (a Node process that only waits 1 s); targets: the step
//    under 2 s, no slower than the ten clients, within 1.15x of the floor (run one after the
//    other it would take over 10 s);
// 2. per-command overhead: the whole step running `true` on one server, side by side with the
//    OpenSSH client (`ssh -i key user@host true`, host key checked too); target: under 1.5x;
// 3. a configuration error against `node -e 0`: ssh2 is loaded only once the inputs are good.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, readActionMetadata, repoRoot } from '../harness/run-action';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { figuresTable, sideBySide } from './lib/measure';

const FAN_OUT_HOSTS = 10;
const FAN_OUT_ROUNDS = 5;
const OVERHEAD_ROUNDS = 30;

const node = nodeBinary();
const metadata = readActionMetadata('ssh-redeploy');
const bundle = path.resolve(repoRoot, 'actions', 'ssh-redeploy', metadata.runs.main);
const folder = mkdtempSync(path.join(tmpdir(), 'bench-ssh-redeploy-'));

/** The environment the runner gives the step: every input with its default, then ours. */
function stepEnvironment(inputs: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: folder,
    RUNNER_TEMP: folder,
    // Set by the runner in every step: the bundle speaks the runner's protocol itself.
    GITHUB_ACTIONS: 'true',
  };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV']) {
    env[name] = path.join(folder, name.toLowerCase());
  }
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    const value = inputs[name] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return env;
}

function runStep(env: NodeJS.ProcessEnv, what: string): void {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) writeFileSync(env[name]!, '');
  const result = spawnSync(node, [bundle], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed:\n${result.stdout}\n${result.stderr}`);
}

function inputsFor(servers: SshServer[], user: SshUser, script: string, parallel: number) {
  return {
    host: servers.map((server) => `127.0.0.1:${server.port}`).join('\n'),
    username: user.name,
    key: user.keys.ed25519.privateKey,
    fingerprint: servers.map((server) => server.hostKeyFingerprint).join('\n'),
    parallel: String(parallel),
    retries: '0',
    script,
  };
}

/** Runs a program to its end without blocking the others started with it. */
function finished(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
  });
}

/**
 * A bare ssh2 client: connects to every server at once (the same user and Ed25519 key, the host
 * key checked against its SHA256 fingerprint), runs `sleep 1` on each and exits.
 */
function bareSsh2Script(ssh2: string, user: SshUser): string {
  return `
const { createHash } = require('node:crypto');
const { Client } = require(${JSON.stringify(ssh2)});
const privateKey = ${JSON.stringify(user.keys.ed25519.privateKey)};
const fingerprint = (key) => 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
const run = ([port, expected]) => new Promise((resolve, reject) => {
  const client = new Client();
  client.on('error', reject);
  client.on('ready', () => client.exec('sleep 1', (error, stream) => {
    if (error) return reject(error);
    stream.stderr.resume();
    stream.resume().on('close', (code) => {
      client.end();
      code === 0 ? resolve() : reject(new Error('sleep exited ' + code));
    });
  }));
  client.connect({
    host: '127.0.0.1', port, username: ${JSON.stringify(user.name)}, privateKey,
    hostVerifier: (key) => fingerprint(key) === expected,
  });
});
Promise.all(JSON.parse(process.argv[2]).map(run)).then(
  () => process.exit(0),
  (error) => { console.error(String(error)); process.exit(1); },
);
`;
}

async function main(): Promise<void> {
  const user = await createSshUser('bench-ssh-redeploy');
  const servers: SshServer[] = [];
  try {
    for (let i = 0; i < FAN_OUT_HOSTS; i++) {
      servers.push(await startSshd({ name: 'bench-ssh-redeploy', user }));
    }

    // The peer: one OpenSSH client per server, all started at once, host keys checked.
    const knownHosts = path.join(folder, 'known_hosts');
    writeFileSync(knownHosts, servers.map((server) => `${server.knownHostsLine}\n`).join(''));
    const sshArgs = (server: SshServer, command: string) => [
      '-F',
      '/dev/null',
      '-i',
      user.keys.ed25519.path,
      '-p',
      String(server.port),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      `${user.name}@127.0.0.1`,
      command,
    ];
    // What ssh2 alone does on the same servers: the lowest any ssh2-based step could go here,
    // the servers' own work included (they share the 2 cores with the client).
    const bareClient = path.join(folder, 'bare-ssh2.js');
    writeFileSync(bareClient, bareSsh2Script(require.resolve('ssh2'), user));
    const bareHosts = servers.map((server) => [server.port, server.hostKeyFingerprint]);
    const fanOutEnv = stepEnvironment(inputsFor(servers, user, 'sleep 1', FAN_OUT_HOSTS));
    const fanOut = await sideBySide(
      [
        {
          name: `ssh-redeploy step: ${FAN_OUT_HOSTS} hosts, sleep 1 each, parallel ${FAN_OUT_HOSTS}`,
          run: () => runStep(fanOutEnv, 'fan-out'),
        },
        {
          name: `${FAN_OUT_HOSTS} OpenSSH clients at once, sleep 1 each`,
          run: () =>
            Promise.all(servers.map((server) => finished('ssh', sshArgs(server, 'sleep 1')))).then(
              () => undefined,
            ),
        },
        {
          name: `bare ssh2: one Node process, ${FAN_OUT_HOSTS} ssh2 clients at once, sleep 1 each`,
          run: () => finished(node, [bareClient, JSON.stringify(bareHosts)]),
        },
        {
          name: 'floor: node -e "setTimeout(()=>{},1000)"',
          run: () => finished(node, ['-e', 'setTimeout(()=>{},1000)']),
        },
      ],
      FAN_OUT_ROUNDS,
      1,
    );
    const [step, clients, bare, floor] = fanOut;

    const [first] = servers;
    const oneHostEnv = stepEnvironment(inputsFor([first], user, 'true', 1));
    const overhead = await sideBySide(
      [
        {
          name: 'ssh -i key user@host true (OpenSSH)',
          run: () => {
            const result = spawnSync('ssh', sshArgs(first, 'true'), { encoding: 'utf8' });
            if (result.status !== 0) throw new Error(`ssh failed: ${result.stderr}`);
          },
        },
        { name: 'ssh-redeploy step, script: true', run: () => runStep(oneHostEnv, 'one host') },
      ],
      OVERHEAD_ROUNDS,
    );
    const ratio = overhead[1].medianMs / overhead[0].medianMs;

    // Everything valid but the fingerprint, the last thing checked before ssh2 is loaded.
    const badEnv = stepEnvironment({ ...inputsFor([first], user, 'true', 1), fingerprint: '' });
    const coldStart = await sideBySide(
      [
        {
          name: 'node -e 0',
          run: () => {
            if (spawnSync(node, ['-e', '0']).status !== 0) throw new Error('node -e 0 failed');
          },
        },
        {
          name: 'ssh-redeploy, configuration error',
          run: () => {
            const result = spawnSync(node, [bundle], { env: badEnv, encoding: 'utf8' });
            if (result.status !== 1 || !result.stdout.includes("::error::Input 'fingerprint'")) {
              throw new Error(`no configuration error:\n${result.stdout}`);
            }
          },
        },
      ],
      OVERHEAD_ROUNDS,
    );
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    process.stdout.write(
      `ssh-redeploy under Node ${version}, OpenSSH sshd on loopback.\n\n` +
        `Fan-out, ${FAN_OUT_ROUNDS} interleaved rounds:\n\n${figuresTable(fanOut)}\n\n` +
        `Step median ${(step.medianMs / 1000).toFixed(2)} s (target: under 2 s; serial would be over ${FAN_OUT_HOSTS} s); ` +
        `step/clients ${(step.medianMs / clients.medianMs).toFixed(2)}x (target: at most 1x); ` +
        `step/floor ${(step.medianMs / floor.medianMs).toFixed(2)}x (target: within 1.15x); ` +
        `bare ssh2/floor ${(bare.medianMs / floor.medianMs).toFixed(2)}x, step/bare ssh2 ${(step.medianMs / bare.medianMs).toFixed(2)}x\n\n` +
        `Per-command overhead, ${OVERHEAD_ROUNDS} interleaved rounds:\n\n${figuresTable(overhead)}\n\n` +
        `Ratio of medians: ${ratio.toFixed(2)}x (target: under 1.5x)\n\n` +
        `Configuration error, ${OVERHEAD_ROUNDS} interleaved rounds:\n\n${figuresTable(coldStart)}\n\n` +
        `Ratio of medians: ${(coldStart[1].medianMs / coldStart[0].medianMs).toFixed(2)}x\n`,
    );
  } finally {
    for (const server of servers) await server.stop();
    await user.remove();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
