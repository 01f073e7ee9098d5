// What docker-build-push's bundle tests share: a dockerd, registries with logins of their own,
// a failing proxy in front of one of them, a folder standing for the runner user's docker
// config, and a workspace with the Dockerfile the file builds. Each test file starts its own
// (under names of its own) and stops it after its tests.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionRun, EventSpec } from '../harness/run-action';
import { startDockerd, type DockerDaemon } from '../services/dockerd';
import {
  startFailingProxy,
  startRegistry,
  type FailingProxy,
  type Registry,
} from '../services/registry';

/** A push of commit `sha` to main of octo-org/app, the event the bundle tests run under. */
export function pushToMain(sha: string): EventSpec {
  return {
    name: 'push',
    payload: {
      ref: 'refs/heads/main',
      after: sha,
      repository: { name: 'app', full_name: 'octo-org/app', default_branch: 'main' },
    },
  };
}

/** A manifest digest as registries answer it. */
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface BuildPushFixtureOptions {
  /** Names the daemon and the folder; the registries get `<name>-<their name>` or `<name>`. */
  name: string;
  /** The registries to start, each with its login's user name; one registry when omitted. */
  registries?: { name?: string; username?: string }[];
  /** Which registry the failing proxy stands in front of (default the first). */
  proxied?: number;
  /** The user's config.json (default `{}`). */
  userConfig?: Record<string, unknown>;
  /** Makes the user's config a `cli-plugins` folder, as a runner with plugins has. */
  pluginsFolder?: boolean;
  /** app/Dockerfile of the workspace, given the daemon's local base image. */
  dockerfile: (baseImage: string) => string;
}

export interface BuildPushFixture {
  daemon: DockerDaemon;
  registries: Registry[];
  proxy: FailingProxy;
  /** A folder of the file's own, removed by stop(). */
  folder: string;
  /** DOCKER_CONFIG of the step: the runner user's docker config. */
  userConfig: string;
  /** GITHUB_WORKSPACE, with the Dockerfile in app/. */
  workspace: string;
  /** Runs to clean up at the end. */
  runs: ActionRun[];
  /** The step's environment: this daemon, the user's config, Debian's docker CLI first. */
  stepEnv(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

export async function startBuildPushFixture(
  options: BuildPushFixtureOptions,
): Promise<BuildPushFixture> {
  const wanted = options.registries ?? [{}];
  const [daemon, ...registries] = await Promise.all([
    startDockerd({ name: options.name }),
    ...wanted.map((each) =>
      startRegistry({
        name: each.name ? `${options.name}-${each.name}` : options.name,
        username: each.username,
      }),
    ),
  ]);
  const proxy = await startFailingProxy(registries[options.proxied ?? 0].address);
  const folder = mkdtempSync(path.join(tmpdir(), `docker-build-push-${options.name}-`));
  const userConfig = path.join(folder, 'user-docker-config');
  mkdirSync(options.pluginsFolder ? path.join(userConfig, 'cli-plugins') : userConfig, {
    recursive: true,
  });
  writeFileSync(path.join(userConfig, 'config.json'), JSON.stringify(options.userConfig ?? {}));
  const workspace = path.join(folder, 'workspace');
  mkdirSync(path.join(workspace, 'app'), { recursive: true });
  writeFileSync(path.join(workspace, 'app', 'Dockerfile'), options.dockerfile(daemon.baseImage));
  const runs: ActionRun[] = [];
  return {
    daemon,
    registries,
    proxy,
    folder,
    userConfig,
    workspace,
    runs,
    stepEnv: (extra = {}) => ({
      DOCKER_HOST: daemon.host,
      DOCKER_CONFIG: userConfig,
      PATH: `/usr/bin:${process.env.PATH ?? '/bin'}`,
      ...extra,
    }),
    stop: async () => {
      runs.splice(0).forEach((each) => each.cleanup());
      await proxy.stop();
      await Promise.all([daemon.stop(), ...registries.map((each) => each.stop())]);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export interface RecordingDocker {
  /** Put first on the step's PATH. */
  folder: string;
  /** Each docker command line the step ran, arguments joined by spaces. */
  calls(): string[];
}

/**
 * A `docker` that writes its command line to a log, then runs `client`: which docker
 * processes a step starts, and in what order.
 */
export function recordingDocker(under: string, client: string): RecordingDocker {
  const folder = mkdtempSync(path.join(under, 'recording-docker-'));
  const log = path.join(folder, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(
    path.join(folder, 'docker'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(client)} "$@"\n`,
    { mode: 0o755 },
  );
  return {
    folder,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}
