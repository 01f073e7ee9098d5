// Time to connected: vpn-connect's main step (Node start, inputs, config copy, OpenVPN held
// until the management socket listens, CONNECTED) against starting openvpn by hand and polling
// its log for "Initialization Sequence Completed" every 2 ms, the fastest a script could know.
// Same server, same client config, interleaved round after round. Target: the action adds
// under 0.3 s.
//
// Only the time to connected is timed; taking each tunnel down (post, or kill) happens after.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../harness/run-action';
import { startOpenVpnServer, type OpenVpnServer } from '../services/openvpn-server';
import { isAlive, sleep, stopPid } from '../services/processes';
import { figuresTable, type Figures } from './lib/measure';

const ROUNDS = 15;
const WARMUP = 2;
const SLOT = 19;
const POLL_MS = 2;

async function byHand(server: OpenVpnServer): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vpnc-bench-'));
  const config = path.join(dir, 'client.ovpn');
  const log = path.join(dir, 'openvpn.log');
  const pidFile = path.join(dir, 'openvpn.pid');
  writeFileSync(config, server.clientConfig(), { mode: 0o600 });
  const started = process.hrtime.bigint();
  execFileSync('openvpn', ['--config', config, '--daemon', '--writepid', pidFile, '--log', log]);
  for (;;) {
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      // Not written yet.
    }
    if (text.includes('Initialization Sequence Completed')) break;
    if (Number(process.hrtime.bigint() - started) / 1e6 > 30_000) {
      throw new Error(`openvpn by hand did not connect:\n${text}`);
    }
    await sleep(POLL_MS);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  await stopPid(pid);
  rmSync(dir, { recursive: true, force: true });
  return elapsedMs;
}

async function withAction(server: OpenVpnServer): Promise<number> {
  const run = await runAction({
    action: 'vpn-connect',
    inputs: { config: server.clientConfig() },
    secrets: [server.pki.key],
  });
  try {
    if (run.main.exitCode !== 0 || run.post?.exitCode !== 0) {
      throw new Error(`vpn-connect failed:\n${run.main.stdout}\n${run.post?.stdout ?? ''}`);
    }
    const pid = (JSON.parse(run.main.state.tunnel) as { pid: number }).pid;
    if (isAlive(pid)) throw new Error(`post left OpenVPN ${pid} running`);
    return run.main.durationMs;
  } finally {
    run.cleanup();
  }
}

function figures(name: string, times: number[]): Figures {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return { name, runs: sorted.length, medianMs: at(0.5), p90Ms: at(0.9), minMs: sorted[0] };
}

async function main(): Promise<void> {
  const server = await startOpenVpnServer({ slot: SLOT });
  try {
    const contenders: [string, () => Promise<number>][] = [
      ['openvpn by hand, log polled every 2 ms', () => byHand(server)],
      ['vpn-connect main step (node24 bundle)', () => withAction(server)],
    ];
    const times = contenders.map(() => [] as number[]);
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const ms = await contenders[index][1]();
        if (round >= WARMUP) times[index].push(ms);
      }
    }
    const results = contenders.map(([name], index) => figures(name, times[index]));
    const added = results[1].medianMs - results[0].medianMs;
    const version = spawnSync('openvpn', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    process.stdout.write(
      `Time to connected, ${ROUNDS} interleaved rounds, ${version.split(' ').slice(0, 2).join(' ')}:\n\n` +
        `${figuresTable(results)}\n\n` +
        `The action adds ${added.toFixed(0)} ms at the median (target: under 300 ms).\n`,
    );
    if (added >= 300) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
