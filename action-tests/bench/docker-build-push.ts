// docker-build-push against the commands it replaces, side by side in one run, against a
// dockerd and two registries of the benchmark's own (different credentials):
// - one registry: docker login with the password on stdin, docker build with the labels the
//   action adds, docker push, docker logout; against the action with username/password;
// - two registries: docker login x2, docker build, docker tag, docker push x2, docker logout x2;
//   against the action with registry-auth and two repositories in image.
// A third contender for one registry, the plain commands plus an empty two-step action run by the
// same harness, is the floor of any JavaScript action with a post step measured this way: Node
// started for a main and a post, and the harness's own work around them.
// Every run builds a new layer (a build argument unique to the run), so every side really builds
// and uploads something. Targets: the action's overhead under 100 ms with one registry, under
// 150 ms with two.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../harness/run-action';
import { clientEnvironment, run, startDockerd } from '../services/dockerd';
import { startRegistry, type Registry } from '../services/registry';
import { figuresTable, sideBySide } from './lib/measure';

const ROUNDS = 8;
/** What the harness's runs have as GITHUB_SHA: the action's revision label. */
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

async function main(): Promise<void> {
  const [daemon, first, second] = await Promise.all([
    startDockerd({ name: 'bench-build-push' }),
    startRegistry({ name: 'bench-build-push' }),
    startRegistry({ name: 'bench-build-push-2', username: 'second-user' }),
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
    const docker = async (args: string[], input?: string) => {
      const result = await run(daemon.client, args, { env: plainEnv, input, cwd: workspace });
      if (result.code !== 0) throw new Error(`docker ${args[0]} failed: ${result.stderr}`);
    };
    const login = (registry: Registry) =>
      docker(
        ['login', '--username', registry.username, '--password-stdin', registry.address],
        registry.password,
      );
    /** docker build as the action runs it: the same OCI labels, a new layer each run. */
    const build = (tag: string) =>
      docker([
        'build',
        '-t',
        tag,
        '--build-arg',
        `STAMP=${stamp}`,
        '--label',
        `org.opencontainers.image.created=${new Date().toISOString()}`,
        '--label',
        'org.opencontainers.image.source=https://github.com/octo-org/app',
        '--label',
        `org.opencontainers.image.revision=${SHA}`,
        '--label',
        'org.opencontainers.image.version=1',
        'app',
      ]);

    const action = async (inputs: Record<string, string>, pushed: [Registry, string][]) => {
      const result = await runAction({
        action: 'docker-build-push',
        inputs: { tags: '1', context: 'app', 'build-args': `STAMP=${stamp}`, ...inputs },
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
      const digests = JSON.parse(result.main.outputs.digests || '{}') as Record<string, string>;
      for (const [registry, repository] of pushed) {
        const reported = digests[`${registry.address}/${repository}`];
        if (!reported || reported !== (await registry.digest(repository, '1'))) {
          throw new Error(`the action reported a digest ${registry.address} does not have`);
        }
      }
    };
    // A two-step action whose main and post do nothing.
    const emptyAction = path.join(folder, 'empty-action');
    mkdirSync(emptyAction);
    writeFileSync(
      path.join(emptyAction, 'action.yml'),
      'name: empty\ndescription: does nothing\nruns:\n  using: node24\n  main: main.js\n  post: post.js\n',
    );
    writeFileSync(path.join(emptyAction, 'main.js'), '');
    writeFileSync(path.join(emptyAction, 'post.js'), '');
    const registryAuth = [first, second]
      .map(
        (registry) =>
          `- registry: ${registry.address}\n  username: ${registry.username}\n  password: '${registry.password}'`,
      )
      .join('\n');

    const figures = await sideBySide(
      [
        {
          name: 'one registry: docker login + build + push + logout',
          run: async () => {
            stamp += 1;
            const tag = `${first.address}/bench/plain:1`;
            await login(first);
            await build(tag);
            await docker(['push', tag]);
            await docker(['logout', first.address]);
          },
        },
        {
          // The floor of any JavaScript action with a post step, run as this benchmark runs
          // the action: the harness starts Node for a main and a post that do nothing.
          name: 'one registry: the plain commands + an empty two-step action (the floor)',
          run: async () => {
            stamp += 1;
            const tag = `${first.address}/bench/floor:1`;
            (await runAction({ action: 'empty', actionPath: emptyAction, workspace })).cleanup();
            await login(first);
            await build(tag);
            await docker(['push', tag]);
            await docker(['logout', first.address]);
          },
        },
        {
          name: 'one registry: docker-build-push (main + post)',
          run: async () => {
            stamp += 1;
            await action(
              {
                image: `${first.address}/bench/action`,
                username: first.username,
                password: first.password,
              },
              [[first, 'bench/action']],
            );
          },
        },
        {
          name: 'two registries: docker login x2 + build + tag + push x2 + logout x2',
          run: async () => {
            stamp += 1;
            const tags = [`${first.address}/bench/plain2:1`, `${second.address}/bench/plain2:1`];
            await login(first);
            await login(second);
            await build(tags[0]);
            await docker(['tag', tags[0], tags[1]]);
            for (const tag of tags) await docker(['push', tag]);
            for (const registry of [first, second]) await docker(['logout', registry.address]);
          },
        },
        {
          name: 'two registries: docker-build-push with registry-auth (main + post)',
          run: async () => {
            stamp += 1;
            await action(
              {
                image: `${first.address}/bench/action2\n${second.address}/bench/action2`,
                'registry-auth': registryAuth,
              },
              [
                [first, 'bench/action2'],
                [second, 'bench/action2'],
              ],
            );
          },
        },
      ],
      ROUNDS,
      1,
    );
    const overhead = (action: number, plain: number) =>
      (figures[action].medianMs - figures[plain].medianMs).toFixed(0);
    process.stdout.write(
      `docker-build-push against plain docker commands, ${ROUNDS} interleaved rounds, ` +
        `local dockerd ${daemon.client} and registries:\n\n${figuresTable(figures)}\n\n` +
        `Overhead of the action (difference of medians): one registry ${overhead(2, 0)} ms per run (target: under 100 ms), ` +
        `two registries ${overhead(4, 3)} ms per run (target: under 150 ms)\n` +
        `An empty two-step action costs ${overhead(1, 0)} ms; above it, the one-registry action takes ${overhead(2, 1)} ms\n`,
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await Promise.all([daemon.stop(), first.stop(), second.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
