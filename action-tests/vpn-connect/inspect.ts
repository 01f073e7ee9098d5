// Looking at what the action left on this machine: processes, interfaces, files, and whether
// a service answers.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import type { StepResult } from '../harness/run-action';

/** Live processes (not zombies) any of whose arguments contains `marker`, as "PID argv". */
export function processesRunning(marker: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^Z|^X/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (Number(entry) !== process.pid && argv.some((arg) => arg.includes(marker))) {
        found.push(`${entry} ${argv.join(' ')}`);
      }
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

/** Whether an interface of that name exists, on the host or in `namespace`. */
export function deviceExists(name: string, namespace?: string): Promise<boolean> {
  const args = [...(namespace ? ['-n', namespace] : []), 'link', 'show', 'dev', name];
  return new Promise((resolve) => execFile('ip', args, (error) => resolve(!error)));
}

export function ipJson<T>(args: string[], namespace?: string): Promise<T> {
  const all = [...(namespace ? ['-n', namespace] : []), '-j', ...args];
  return new Promise((resolve, reject) =>
    execFile('ip', all, { encoding: 'utf8' }, (error, stdout) =>
      error
        ? reject(new Error(`ip ${all.join(' ')}: ${error.message}`))
        : resolve(JSON.parse(stdout || '[]') as T),
    ),
  );
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (!stat) return [];
    return stat.isDirectory() ? filesUnder(full) : stat.isFile() ? [full] : [];
  });
}

export function fetchText(url: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('timeout', () =>
      request.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)),
    );
    request.on('error', reject);
  });
}

/** What main recorded for post: its folder, process and interface. */
export interface Recorded {
  workDir: string;
  /** Where the management socket went when workDir's path was too long for one. */
  socketDir?: string;
  configPath: string;
  pid?: number;
  device?: string;
  closed?: boolean;
}

export function recordOf(main: StepResult): Recorded {
  if (!main.state.tunnel) throw new Error('main saved no tunnel state');
  return JSON.parse(main.state.tunnel) as Recorded;
}

/** Permission bits of every entry under a folder, the folder itself included, e.g. {'.': '700'}. */
export function modesUnder(dir: string): Record<string, string> {
  const modes: Record<string, string> = { '.': (statSync(dir).mode & 0o777).toString(8) };
  for (const name of readdirSync(dir)) {
    modes[name] = (statSync(path.join(dir, name)).mode & 0o777).toString(8);
  }
  return modes;
}
