// Cold start: how long a bundle takes to start, read its inputs and fail on a configuration
// error, against `node -e 0`, under the Node 24 that runs actions. Target: under 2x.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { nodeBinary, repoRoot } from '../harness/run-action';
import { figuresTable, sideBySide } from './lib/measure';

const ROUNDS = 40;
const node = nodeBinary();
const bundle = path.join(repoRoot, 'dist', 'render-hook', 'index.js');
// The runner always passes every input that has a default; the hook URL is the one missing.
const env = {
  PATH: process.env.PATH,
  'INPUT_DEPLOY-HOOK-URL': '',
  INPUT_WAIT: 'false',
  INPUT_TIMEOUT: '15m',
  'INPUT_POLL-INTERVAL': '10s',
  'INPUT_API-URL': 'https://api.render.com/v1',
};

async function main(): Promise<void> {
  const figures = await sideBySide(
    [
      {
        name: 'node -e 0',
        run: () => {
          const result = spawnSync(node, ['-e', '0']);
          if (result.status !== 0) throw new Error('node -e 0 failed');
        },
      },
      {
        name: 'render-hook, configuration error',
        run: () => {
          const result = spawnSync(node, [bundle], { env, encoding: 'utf8' });
          if (
            result.status !== 1 ||
            !result.stdout.includes("::error::Input 'deploy-hook-url': is required.")
          ) {
            throw new Error(
              `render-hook did not fail on its configuration error:\n${result.stdout}`,
            );
          }
        },
      },
    ],
    ROUNDS,
  );
  const ratio = figures[1].medianMs / figures[0].medianMs;
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write(
    `Cold start under Node ${version}, ${ROUNDS} interleaved rounds:\n\n${figuresTable(figures)}\n\n` +
      `Ratio of medians: ${ratio.toFixed(2)}x (target: under 2x)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
