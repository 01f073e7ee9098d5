// Runs ssh-redeploy's main bundle as the runner would, but hands each line of its stdout to the
// test as it comes: the harness returns only when the step has ended, which cannot show that
// output streams while a script runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, readActionMetadata, repoRoot } from '../harness/run-action';

export interface LiveRun {
  exitCode: number | null;
  stdout: string;
}

export async function runLive(
  inputs: Record<string, string>,
  onLine: (line: string) => void,
  timeoutMs = 60_000,
): Promise<LiveRun> {
  const metadata = readActionMetadata('ssh-redeploy');
  const folder = mkdtempSync(path.join(tmpdir(), 'job-ssh-redeploy-live-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: folder,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: folder,
    GITHUB_WORKSPACE: folder,
  };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_STEP_SUMMARY']) {
    env[name] = path.join(folder, name.toLowerCase());
    writeFileSync(env[name], '');
  }
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    const value = inputs[name] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  const bundle = path.resolve(repoRoot, 'actions', 'ssh-redeploy', metadata.runs.main);
  const child = spawn(nodeBinary(), [bundle], { env, cwd: folder });
  let stdout = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  child.stderr.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { exitCode, stdout };
  } finally {
    clearTimeout(timer);
    rmSync(folder, { recursive: true, force: true });
  }
}
