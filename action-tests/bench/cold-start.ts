// Cold start: how long each bundle takes to start, read its inputs and fail on a configuration
// error, against `node -e 0`, under the Node 24 that runs actions. Target: under 2x.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { nodeBinary, readActionMetadata, repoRoot } from '../harness/run-action';
import { figuresTable, sideBySide, type Contender } from './lib/measure';

const ROUNDS = 40;
const node = nodeBinary();

/** For each action, the input whose value makes it stop on a configuration error. */
const MISTAKES: Record<string, [input: string, value: string]> = {
  'coverage-gate': ['min-coverage', 'eighty'],
  'docker-build-push': ['image', ''],
  'render-hook': ['deploy-hook-url', ''],
  'ssh-redeploy': ['host', ''],
  'vpn-connect': ['type', 'ipsec'],
};

function stepEnv(action: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    // Set by the runner (and act) in every step: the bundle speaks the runner's protocol itself.
    GITHUB_ACTIONS: 'true',
  };
  // The runner passes every input that has a default.
  for (const [name, input] of Object.entries(readActionMetadata(action).inputs ?? {})) {
    if (input.default !== undefined) env[`INPUT_${name.toUpperCase()}`] = String(input.default);
  }
  const [input, value] = MISTAKES[action];
  env[`INPUT_${input.toUpperCase()}`] = value;
  return env;
}

function failingStart(action: string): Contender {
  const bundle = path.join(repoRoot, 'dist', action, 'index.js');
  const env = stepEnv(action);
  const expected = `::error::Input '${MISTAKES[action][0]}'`;
  return {
    name: `${action}, configuration error`,
    run: () => {
      const result = spawnSync(node, [bundle], { env, encoding: 'utf8' });
      if (result.status !== 1 || !result.stdout.includes(expected)) {
        throw new Error(`${action} did not fail on its configuration error:\n${result.stdout}`);
      }
    },
  };
}

async function main(): Promise<void> {
  const baseline: Contender = {
    name: 'node -e 0',
    run: () => {
      const result = spawnSync(node, ['-e', '0']);
      if (result.status !== 0) throw new Error('node -e 0 failed');
    },
  };
  const figures = await sideBySide([baseline, ...Object.keys(MISTAKES).map(failingStart)], ROUNDS);
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const ratios = figures
    .slice(1)
    .map((figure) => `- ${figure.name}: ${(figure.medianMs / figures[0].medianMs).toFixed(2)}x`);
  process.stdout.write(
    `Cold start under Node ${version}, ${ROUNDS} interleaved rounds:\n\n${figuresTable(figures)}\n\n` +
      `Ratio of medians to node -e 0 (target: under 2x):\n${ratios.join('\n')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
