// docker-build-push against the commands it replaces (the seed's script: docker login with
// the password on stdin, docker build, docker push, docker logout), side by side in one run,
// against a dockerd and a registry of the benchmark's own. Every run builds a new layer (a
// build argument unique to the run), so both sides really build and upload something.
// Target: the action's overhead under 0.5 s per run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../harness/run-action';
import { clientEnvironment, run, startDockerd } from '../services/dockerd';
import { startRegistry } from '../services/registry';
import { figuresTable, sideBySide } from './lib/measure';

const ROUNDS = 8;

async function main(): Promise<void> {
  const [daemon, registry] = await Promise.all([
    startDockerd({ name: 'bench-build-push' }),
    startRegistry({ name: 'bench-build-push' }),
  ]);
  const folder = mkdtempSync(path.join(tmpdir(), 'bench-docker-build-push-'));
  try {
    const workspace = path.join(folder, 'workspace');
    mkdirSync(path.join(workspace, 'app'), { recursive: true });
    writeFileSync(
      path.join(workspace, 'app', 'Dockerfile'),
      `FROM ${daemon.baseImage}\nARG STAMP\nRUN echo "$STAMP" > /stamp\n`,
    );
    const userConfig = path.join(folder, 'user-config');
    mkdirSync(userConfig);
    let stamp = 0;

    const plainEnv = {
      ...clientEnvironment(daemon.host, path.join(folder, 'plain-config')),
      // The seed's commands, with the CLI's own BuildKit like the action's classic path.
      DOCKER_BUILDKIT: '1',
    };
    const plainImage = `${registry.address}/bench/plain`;
    const docker = async (args: string[], input?: string) => {
      const result = await run(daemon.client, args, { env: plainEnv, input, cwd: workspace });
      if (result.code !== 0) throw new Error(`docker ${args[0]} failed: ${result.stderr}`);
    };

    const actionImage = `${registry.address}/bench/action`;
    const figures = await sideBySide(
      [
        {
          name: 'docker login + build + push + logout',
          run: async () => {
            stamp += 1;
            await docker(
              ['login', '--username', registry.username, '--password-stdin', registry.address],
              registry.password,
            );
            await docker([
              'build',
              '-t',
              `${plainImage}:1`,
              '--build-arg',
              `STAMP=${stamp}`,
              'app',
            ]);
            await docker(['push', `${plainImage}:1`]);
            await docker(['logout', registry.address]);
          },
        },
        {
          name: 'docker-build-push (main + post)',
          run: async () => {
            stamp += 1;
            const result = await runAction({
              action: 'docker-build-push',
              inputs: {
                image: actionImage,
                username: registry.username,
                password: registry.password,
                tags: '1',
                context: 'app',
                'build-args': `STAMP=${stamp}`,
              },
              env: {
                DOCKER_HOST: daemon.host,
                DOCKER_CONFIG: userConfig,
                PATH: `/usr/bin:${process.env.PATH ?? '/bin'}`,
              },
              workspace,
            });
            result.cleanup();
            if (result.main.exitCode !== 0 || result.post?.exitCode !== 0) {
              throw new Error(`the action failed:\n${result.main.stdout}\n${result.main.stderr}`);
            }
            if (result.main.outputs.digest !== (await registry.digest('bench/action', '1'))) {
              throw new Error('the action reported a digest the registry does not have');
            }
          },
        },
      ],
      ROUNDS,
      1,
    );
    const overheadMs = figures[1].medianMs - figures[0].medianMs;
    process.stdout.write(
      `docker-build-push against plain docker commands, ${ROUNDS} interleaved rounds, ` +
        `local dockerd ${daemon.client} and registry:\n\n${figuresTable(figures)}\n\n` +
        `Overhead of the action (difference of medians): ${overheadMs.toFixed(0)} ms per run (target: under 500 ms)\n`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await Promise.all([daemon.stop(), registry.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
