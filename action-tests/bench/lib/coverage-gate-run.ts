// Runs the coverage-gate bundle once on a report, as the runner runs a step, for the
// coverage-gate benchmarks; and the means to read a child process's own peak memory.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nodeBinary, readActionMetadata, repoRoot } from '../../harness/run-action';

const MB = 1024 * 1024;

const coverageGateBundle = path.join(repoRoot, 'dist', 'coverage-gate', 'index.js');

/**
 * Prints the process's own peak resident memory as it exits. Not process.resourceUsage().maxRSS:
 * on Linux a spawned child's maxRSS starts from its parent's peak (it survives the exec), so it
 * would report the benchmark's own memory. VmHWM belongs to the child's address space alone.
 */
export const REPORT_RSS =
  "process.on('exit', () => process.stderr.write('\\nPEAKRSS ' + /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1] + '\\n'));";

/** Writes REPORT_RSS to `dir` as a file for `node --require`; returns its path. */
export function writePeakReporter(dir: string): string {
  const file = path.join(dir, 'report-rss.js');
  writeFileSync(file, REPORT_RSS);
  return file;
}

/** The peak memory in MB that a process started with the reporter printed, or undefined. */
export function peakMbOf(stderr: string): number | undefined {
  const rss = /PEAKRSS (\d+)/.exec(stderr);
  return rss ? Number(rss[1]) / 1024 : undefined;
}

/** The action's inputs as the runner passes them: action.yml's defaults, then `given`. */
function inputEnv(given: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  const declared = readActionMetadata('coverage-gate').inputs ?? {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? String(spec.default ?? '');
    if (!value.includes('${{')) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return env;
}

export interface BundleRun {
  result: SpawnSyncReturns<string>;
  /** Peak memory in MB, when the run was started with `peakReporter`. */
  peakMb?: number;
  /** The step's outputs file ($GITHUB_OUTPUT) as the run left it. */
  outputsFile: string;
}

/**
 * Runs the bundle on `file` with the workspace its folder, `annotate: false` and the `given`
 * inputs over action.yml's defaults, in a fresh RUNNER_TEMP under `dir`.
 */
export function runCoverageGate(
  file: string,
  given: Record<string, string>,
  dir: string,
  peakReporter?: string,
): BundleRun {
  const runnerTemp = path.join(dir, 'runner-temp');
  rmSync(runnerTemp, { recursive: true, force: true });
  mkdirSync(runnerTemp);
  for (const name of ['output', 'summary.md'])
    closeSync(openSync(path.join(runnerTemp, name), 'w'));
  const outputsFile = path.join(runnerTemp, 'output');
  const result = spawnSync(
    nodeBinary(),
    peakReporter ? ['--require', peakReporter, coverageGateBundle] : [coverageGateBundle],
    {
      encoding: 'utf8',
      maxBuffer: 64 * MB,
      env: {
        PATH: process.env.PATH,
        // Set by the runner in every step: the bundle speaks the runner's protocol itself.
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: path.dirname(file),
        RUNNER_TEMP: runnerTemp,
        GITHUB_OUTPUT: outputsFile,
        GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary.md'),
        ...inputEnv({ annotate: 'false', ...given, files: path.basename(file) }),
      },
    },
  );
  return { result, peakMb: peakMbOf(result.stderr), outputsFile };
}
