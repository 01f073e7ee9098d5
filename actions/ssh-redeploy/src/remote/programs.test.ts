// Every program of remote/ run as a server runs it (the command line of choose-shell.sh and
// bootstrap.sh, then strict-mode.sh, the prelude and the program on stdin), under dash and
// under bash, against docker-stub.sh.
import {
  spawn,
  spawnSync,
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
} from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deployProgram, type DeployPlan } from '../deploy-program';
import {
  killProgram,
  lines,
  remoteFiles,
  remoteProgram,
  scriptProgram,
  shellQuote,
} from '../remote-shell';
import { parseSnapshot, splitSections } from '../swarm-status';
import { SHELLS, startServer, type Server } from './program-testing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Each test runs the programs in real shells, and kill-group.sh looks again each second: under a
// loaded CI run, the 5 s default has been too short for one of them.
jest.setTimeout(20_000);

/** Everything a shell could make something of, on one line... */
const ONE_LINE = `it's "$(touch pwned)" \`touch pwned\` ; touch pwned $HOME \\ ' " *`;
/** ...and on two, where a value may hold a line break. */
const HOSTILE = `${ONE_LINE}\n\tsecond line ;`;

const NONCE = 'srd-0123456789abcdef01234567';
const IMAGE = `registry.example.com/app:v2 ${HOSTILE}`;
const OLD_IMAGE = 'registry.example.com/app:v1';
const RESTART_POLICY =
  '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}';
const STATE =
  '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}';

const plan: DeployPlan = {
  spec: {
    image: IMAGE,
    container: 'app',
    ports: [
      { ip: '127.0.0.1', hostPort: 8050, containerPort: 8050, protocol: 'tcp' },
      { ip: '::1', containerPort: 9000, protocol: 'udp' },
    ],
    volumes: [{ source: 'notebooks', target: '/data', readOnly: true }],
    env: [
      ['TOKEN', ONE_LINE],
      ['EMPTY', ''],
    ],
    runArgs: [`--label=note=${ONE_LINE}`, '--filter=*'],
    restart: 'unless-stopped',
  },
  registry: { host: 'registry.example.com', username: HOSTILE, password: HOSTILE },
  keepPrevious: false,
  prune: true,
  healthTimeoutSeconds: 0,
  rollback: true,
  stopTimeoutSeconds: 10,
};

/** The calls up to the new container's start, the same in every deploy that gets there. */
const UNTIL_RUN = [
  ['version', '--format', '{{.Server.Version}}'],
  ['login', '--username', HOSTILE, '--password-stdin', 'registry.example.com'],
  ['pull', IMAGE],
  ['container', 'inspect', 'app'],
  ['container', 'inspect', 'app-previous'],
  ['container', 'inspect', '--format', '{{.Config.Image}}', 'app'],
  ['container', 'inspect', '--format', RESTART_POLICY, 'app'],
  ['stop', '-t', '10', 'app'],
  ['update', '--restart', 'no', 'app'],
  ['rename', 'app', 'app-previous'],
  [
    'run',
    '--detach',
    '--name',
    'app',
    '--restart',
    'unless-stopped',
    '--env-file',
    expect.stringMatching(/^\/tmp\//),
    '--publish',
    '127.0.0.1:8050:8050/tcp',
    '--publish',
    '[::1]::9000/udp',
    '--volume',
    'notebooks:/data:ro',
    `--label=note=${ONE_LINE}`,
    '--filter=*',
    IMAGE,
  ],
  // The login goes as soon as the container is created: nothing after needs it.
  ['logout', 'registry.example.com'],
  ['container', 'inspect', '--format', '{{.Config.Image}}', 'app'],
  ['container', 'inspect', '--format', '{{if .State.Health}}yes{{end}}', 'app'],
  ['container', 'inspect', '--format', STATE, 'app'],
];

describe.each(SHELLS)('under %s', (shell) => {
  let server: Server;
  beforeEach(() => {
    server = startServer();
    // Were globbing on when the lists are split, '--filter=*' would become this file's name.
    writeFileSync(path.join(server.cwd, '--filter=globbed'), '');
  });
  afterEach(() => server.remove());

  /** Nothing in a value was run: no command substitution, backquote or `;` took effect. */
  const expectNothingRun = () => expect(existsSync(path.join(server.cwd, 'pwned'))).toBe(false);

  test('a script runs under it, strictly, with its variables byte for byte', async () => {
    const script = [
      `printf '%s' "$HOSTILE" >value`,
      'docker pull "$HOSTILE" "$lower_case"',
      'echo "[$#]${BASH_VERSION:+ bash}"',
      'false',
      'echo unreachable',
    ].join('\n');
    const result = await server.run(
      shell,
      scriptProgram(script, { HOSTILE, lower_case: 'two words' }),
    );
    expect(result).toEqual({
      code: 1,
      stdout: shell === 'bash' ? '[0] bash\n' : '[0]\n',
      stderr: '',
      calls: [['pull', HOSTILE, 'two words']],
    });
    expect(readFileSync(path.join(server.cwd, 'value'), 'utf8')).toBe(HOSTILE);
    expectNothingRun();
  });

  /** A process group of a shell and the sleep it waits for; `trap` runs in the shell on TERM. */
  async function startGroup(trap: string) {
    const leader = spawn('/bin/sh', ['-c', `${trap}sleep 60 & echo $!; wait`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ended = new Promise((resolve) => leader.on('exit', (_code, signal) => resolve(signal)));
    const member = await new Promise<string>((resolve) =>
      leader.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
    );
    return { leader, ended, member };
  }

  const gone = (pid: string) => {
    // Gone, or a zombie waiting to be reaped by init.
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    return stat === '' || /\) Z /.test(stat);
  };

  test('kill-group.sh sends SIGTERM to the whole group, and its traps run', async () => {
    const marker = path.join(server.cwd, 'trap-ran');
    const { leader, ended, member } = await startGroup(
      `trap 'echo cleaned > ${marker}; exit 143' TERM; `,
    );
    const result = await server.run(shell, killProgram(String(leader.pid), 10));
    expect(result).toMatchObject({ code: 0, stderr: '', calls: [] });
    await ended;
    expect(readFileSync(marker, 'utf8')).toBe('cleaned\n');
    expect(gone(member)).toBe(true);
  });

  test('kill-group.sh sends SIGKILL to what ignores SIGTERM, after the grace period', async () => {
    const { leader, ended, member } = await startGroup(`trap '' TERM; `);
    const started = Date.now();
    const result = await server.run(shell, killProgram(String(leader.pid), 1));
    expect(result).toMatchObject({ code: 0, calls: [] });
    expect(result.stderr).toBe('still running 1s after SIGTERM: killed\n');
    await expect(ended).resolves.toBe('SIGKILL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(gone(member)).toBe(true);
  });

  describe('deploy-container.sh', () => {
    beforeEach(() => server.addContainer('app', OLD_IMAGE));

    test('replaces the container: every docker call, and what it reports', async () => {
      const result = await server.run(shell, deployProgram(plan, NONCE));
      expect(result.calls).toEqual([
        ...UNTIL_RUN,
        ['rm', 'app-previous'],
        ['image', 'prune', '--force'],
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${NONCE} previous-image ${OLD_IMAGE}\n`);
      expect(result.stdout).toContain(`${NONCE} deployed-image ${IMAGE}\n`);
      expect(result.stdout).toMatch(new RegExp(`\\n${NONCE} result success\\n$`));

      // The password went on stdin; the env file, mode 600, is gone once docker has read it.
      const stub = (file: string) => readFileSync(path.join(server.stubDir, file), 'utf8');
      expect(stub('login-password')).toBe(HOSTILE);
      expect(stub('env-file')).toBe(`TOKEN=${ONE_LINE}\nEMPTY=\n`);
      expect(stub('env-file-mode')).toBe('600\n');
      const run = result.calls.find((call) => call[0] === 'run')!;
      expect(existsSync(run[run.indexOf('--env-file') + 1])).toBe(false);
      expectNothingRun();
    });

    test('with SUDO_ASK, runs every docker call through sudo, each with a prompt of its own', async () => {
      // sudo's stand-in: resets the environment as sudo does, records the prompt, and runs
      // docker with what the global flags carry.
      const sudo = path.join(path.dirname(server.stubDir), `bin-${shell}`, 'sudo');
      writeFileSync(
        sudo,
        [
          '#!/bin/sh',
          'set -eu',
          'unset DOCKER_HOST DOCKER_CONFIG',
          '[ "$1" = -p ] && [ "$3" = -- ] && [ "$4" = docker ] || exit 99',
          'printf "%s\\n" "$2" >>"$STUB_DIR/sudo-prompts"',
          'shift 4',
          'if [ "$1" = --host ]; then printf "%s\\n" "$2" >>"$STUB_DIR/sudo-hosts"; shift 2; fi',
          'if [ "$1" = --config ]; then DOCKER_CONFIG=$2; export DOCKER_CONFIG; shift 2; fi',
          'exec docker "$@"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const ask = '[sudo] password for %p [0123456789abcdef]';
      const result = await server.run(
        shell,
        deployProgram({ ...plan, sudo: { prompt: ask, docker: true } }, NONCE),
      );
      expect(result.code).toBe(0);
      expect(result.calls).toEqual([
        ...UNTIL_RUN,
        ['rm', 'app-previous'],
        ['image', 'prune', '--force'],
      ]);
      const stub = (file: string) => readFileSync(path.join(server.stubDir, file), 'utf8');
      const prompts = stub('sudo-prompts').split('\n').slice(0, -1);
      expect(prompts).toHaveLength(result.calls.length);
      for (const prompt of prompts) expect(prompt.startsWith(`${ask} `)).toBe(true);
      expect(prompts.every((prompt) => /^.* \d+: $/.test(prompt))).toBe(true);
      expect(new Set(prompts).size).toBe(prompts.length);
      // The daemon the user's session names reached docker through sudo, on every call.
      expect(new Set(stub('sudo-hosts').split('\n').slice(0, -1))).toEqual(
        new Set([`unix://${server.stubDir}/docker.sock`]),
      );
      // The login went into the private config, through the flag, and the config is gone.
      expect(stub('login-password')).toBe(HOSTILE);
      const config = stub('login-config').trim();
      expect(config).not.toBe('');
      expect(existsSync(config)).toBe(false);
      expectNothingRun();
    });

    test('rolls back when the new container stops', async () => {
      writeFileSync(path.join(server.stubDir, 'run-state'), 'exited 0 3 \n');
      const result = await server.run(shell, deployProgram(plan, NONCE));
      expect(result.calls).toEqual([
        ...UNTIL_RUN,
        ['container', 'inspect', 'app'],
        ['logs', '--tail', '40', 'app'],
        ['rm', '--force', 'app'],
        ['rename', 'app-previous', 'app'],
        ['update', '--restart', 'unless-stopped', 'app'],
        ['start', 'app'],
        ['container', 'inspect', '--format', '{{.State.Running}}', 'app'],
      ]);
      expect(result.code).toBe(20);
      const reason = 'the container stopped (status exited, exit code 3)';
      expect(result.stdout).toContain(`${NONCE} reason ${reason}\n`);
      expect(result.stdout).toContain(
        `${NONCE} log starting the app\n${NONCE} log the app failed: no database\n`,
      );
      expect(result.stdout).toContain(`${NONCE} restored ${OLD_IMAGE}\n`);
      expect(result.stdout).toMatch(new RegExp(`\\n${NONCE} result rolled-back\\n$`));
      expect(result.stderr).toContain(`The new container failed: ${reason}\n`);
      expectNothingRun();
    });

    test('stops when the pull fails, with nothing changed', async () => {
      writeFileSync(path.join(server.stubDir, 'pull-fails'), '');
      const result = await server.run(shell, deployProgram(plan, NONCE));
      expect(result.calls).toEqual([...UNTIL_RUN.slice(0, 3), ['logout', 'registry.example.com']]);
      expect(result.code).toBe(13);
      expect(result.stdout).toContain(
        `${NONCE} reason could not pull ${IMAGE}; nothing was changed on the server\n`,
      );
      expect(result.stdout).toMatch(new RegExp(`\\n${NONCE} result failed\\n$`));
      expect(result.stderr).toContain('pull access denied');
      expectNothingRun();
    });

    /** Waits until `check` holds, or fails the test after 10 s. */
    const until = async (check: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('timed out waiting');
        await sleep(20);
      }
    };
    const stubCalls = () =>
      existsSync(path.join(server.stubDir, 'calls'))
        ? readFileSync(path.join(server.stubDir, 'calls'), 'latin1')
        : '';
    const exited = (child: ChildProcess) =>
      new Promise<void>((resolve) => child.on('close', () => resolve()));
    const output = (child: ChildProcessWithoutNullStreams) => {
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return () => text;
    };

    test('gives each try of health-cmd only what is left of health-timeout', async () => {
      const started = Date.now();
      const result = await server.run(
        shell,
        deployProgram({ ...plan, healthCmd: 'sleep 30', healthTimeoutSeconds: 2 }, NONCE),
      );
      expect(result.code).toBe(20);
      expect(result.stdout).toContain(`${NONCE} reason health-cmd did not succeed within 2s\n`);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    // The program's own exit code is not seen here: SIGTERM reaches the whole group, the shell
    // the test server starts it from included (as a login shell that did not exec would).
    test('on SIGTERM during a try of health-cmd, rolls back and leaves nothing', async () => {
      const probing = path.join(server.cwd, 'probing');
      const child = server.start(
        shell,
        deployProgram(
          { ...plan, healthCmd: `: > ${probing}; sleep 30`, healthTimeoutSeconds: 60 },
          NONCE,
        ),
      );
      const stdout = output(child);
      const closed = exited(child);
      await until(() => existsSync(probing));
      process.kill(-child.pid!, 'SIGTERM');
      await closed;
      expect(stdout()).toContain(
        `${NONCE} reason stopped by SIGTERM before app was found healthy\n`,
      );
      expect(stdout()).toMatch(
        new RegExp(`\\n${NONCE} restored ${OLD_IMAGE}\\n${NONCE} result rolled-back\\n$`),
      );
      expect(readFileSync(path.join(server.stubDir, 'containers', 'app', 'image'), 'utf8')).toBe(
        `${OLD_IMAGE}\n`,
      );
      const config = readFileSync(path.join(server.stubDir, 'login-config'), 'utf8').trim();
      expect(config).not.toBe('');
      expect(existsSync(config)).toBe(false);
      // The try of health-cmd went too.
      expect(spawnSync('pgrep', ['-f', `${probing}; sleep 30`]).status).toBe(1);
    }, 20_000);

    test('on SIGTERM before anything changed, only cleans up', async () => {
      writeFileSync(path.join(server.stubDir, 'pull-slow'), '');
      const child = server.start(shell, deployProgram(plan, NONCE));
      const stdout = output(child);
      const closed = exited(child);
      await until(() => existsSync(path.join(server.stubDir, 'pulling')));
      process.kill(-child.pid!, 'SIGTERM');
      await closed;
      expect(stdout()).toMatch(
        new RegExp(
          `\\n${NONCE} reason stopped by SIGTERM before anything was changed on the server\\n${NONCE} result failed\\n$`,
        ),
      );
      expect(stubCalls()).not.toContain('stop');
      const config = readFileSync(path.join(server.stubDir, 'login-config'), 'utf8').trim();
      expect(existsSync(config)).toBe(false);
    }, 20_000);

    test('keeps its lock in a folder of the user’s own', async () => {
      const result = await server.run(shell, deployProgram(plan, NONCE));
      expect(result.code).toBe(0);
      const locks = path.join(server.cwd, '.cache', 'ssh-redeploy');
      expect(statSync(locks).mode & 0o777).toBe(0o700);
      expect(readdirSync(locks)).toEqual([expect.stringMatching(/^\d+-app\.lock$/)]);
    });

    test('without flock, a lock left by a deploy killed with SIGKILL is taken over at once', async () => {
      writeFileSync(path.join(server.stubDir, 'slow'), '');
      const child = server.start(shell, deployProgram(plan, NONCE), { withoutFlock: true });
      const closed = exited(child);
      const locks = path.join(server.cwd, '.cache', 'ssh-redeploy');
      const owner = () =>
        existsSync(locks) &&
        readdirSync(locks).some((entry) => existsSync(path.join(locks, entry, 'owner')));
      await until(() => owner() && stubCalls().includes('run'));
      process.kill(-child.pid!, 'SIGKILL');
      await closed;
      // The killed deploy could not clean up: its lock is still there.
      expect(owner()).toBe(true);
      rmSync(path.join(server.stubDir, 'slow'));
      const started = Date.now();
      const result = await server.run(shell, deployProgram(plan, NONCE), { withoutFlock: true });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /Taking over the deploy lock of app from a deploy that is gone \(PID \d+\)/,
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      // Its own lock is gone when it ends.
      expect(readdirSync(locks)).toEqual([]);
    });

    test('stops at once without its prelude', async () => {
      const result = await server.run(shell, remoteProgram(remoteFiles.deployContainer(), {}));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/NONCE: parameter (null or )?not set/);
      expect(result.calls).toEqual([]);
    });
  });
  describe('swarm-status.sh', () => {
    const status = (check: '0' | '1', service = HOSTILE, nodes: '0' | '1' = '1') =>
      remoteProgram(remoteFiles.swarmStatus(), {
        NONCE,
        SERVICE: service,
        CHECK: check,
        TASKS: '1',
        NODES: nodes,
      });

    test('looks at the service, its tasks and the nodes, and changes nothing', async () => {
      writeFileSync(
        path.join(server.stubDir, 'service'),
        JSON.stringify([{ ID: 's1', Spec: { Name: 'web' } }]),
      );
      const result = await server.run(shell, status('1'));
      // Only a manager lists services: with the service there, docker info is not needed.
      expect(result.calls).toEqual([
        ['service', 'inspect', HOSTILE],
        ['service', 'ps', '--quiet', '--no-trunc', HOSTILE],
        ['inspect', '--type', 'task', 'task1', 'task2'],
        ['node', 'ls', '--quiet'],
        ['node', 'inspect', '--format', '{{.ID}} {{.Description.Hostname}}', 'n1'],
      ]);
      expect(result.code).toBe(0);
      const sections = splitSections(result.stdout, NONCE);
      expect(sections.get('swarm')).toBe('active true');
      // The DOCKER_HOST the test server gives its programs, and no DOCKER_CONTEXT.
      expect(sections.get('socket')).toMatch(/^unix:\/\/\/\S+\/docker\.sock\n$/);
      const snapshot = parseSnapshot(result.stdout, NONCE);
      expect(snapshot?.tasks.map((task) => task.name)).toEqual(['web.1', 'web.2']);
      expect(snapshot?.tasks[0].node).toBe('node-1');
      expectNothingRun();
    });

    test("asks docker info for the check when there is no service, and names the daemon's socket", async () => {
      const result = await server.run(
        shell,
        `DOCKER_HOST=${shellQuote(`unix://${HOSTILE}`)}; export DOCKER_HOST\n${status('1', 'web', '0')}`,
      );
      expect(result.code).toBe(0);
      expect(result.calls.slice(0, 2)).toEqual([
        ['service', 'inspect', 'web'],
        ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'],
      ]);
      const sections = splitSections(result.stdout, NONCE);
      expect(sections.get('swarm')).toBe('active true');
      // DOCKER_HOST, then an empty DOCKER_CONTEXT.
      expect(sections.get('socket')).toBe(`unix://${HOSTILE}\n`);
      expect(parseSnapshot(result.stdout, NONCE)).toBeUndefined();
    });

    test('lists the nodes only when asked', async () => {
      writeFileSync(
        path.join(server.stubDir, 'service'),
        JSON.stringify([{ ID: 's1', Spec: { Name: 'web' } }]),
      );
      const result = await server.run(shell, status('0', 'web', '0'));
      expect(result.code).toBe(0);
      expect(result.calls.map((call) => call[0])).toEqual(['service', 'service', 'inspect']);
      const known = new Map([['n1', 'node-1']]);
      expect(parseSnapshot(result.stdout, NONCE, known)?.tasks[0].node).toBe('node-1');
    });

    test('without TASKS, looks at the service alone', async () => {
      const program = remoteProgram(remoteFiles.swarmStatus(), {
        NONCE,
        SERVICE: 'web',
        CHECK: '0',
        TASKS: '0',
        NODES: '0',
      });
      const result = await server.run(shell, program);
      expect(result.code).toBe(0);
      expect(result.calls).toEqual([['service', 'inspect', 'web']]);
      expect(result.stdout).toBe(`${NONCE} service\n[]\n${NONCE} end\n`);
    });

    test('says there is no service when there is none', async () => {
      const result = await server.run(shell, status('0', 'web'));
      expect(result.code).toBe(0);
      expect(result.calls.map((call) => call.slice(0, 2))).toEqual([
        ['service', 'inspect'],
        ['service', 'ps'],
        ['node', 'ls'],
        ['node', 'inspect'],
      ]);
      expect(parseSnapshot(result.stdout, NONCE)).toBeUndefined();
    });
  });

  describe('swarm-docker.sh', () => {
    const registry = { REGISTRY: 'registry.example.com', REGISTRY_USERNAME: HOSTILE };
    const call = (
      args: string[],
      merge = '0',
      login = true,
      file = '',
      health = { image: '', flags: [] as string[], reset: [] as string[] },
    ) =>
      remoteProgram(remoteFiles.swarmDocker(), {
        NONCE,
        ARGS: lines(args),
        MERGE: merge,
        FILE: file,
        REGISTRY: login ? registry.REGISTRY : '',
        REGISTRY_USERNAME: login ? registry.REGISTRY_USERNAME : '',
        REGISTRY_PASSWORD: login ? ONE_LINE : '',
        HEALTH_IMAGE: health.image,
        HEALTH_ARGS: lines(health.flags),
        HEALTH_RESET: lines(health.reset),
      });
    const args = ['service', 'update', '--detach', `--env-add=NOTE=${ONE_LINE}`, '--filter=*', ''];

    test('runs docker with each argument byte for byte, logged in through a private config', async () => {
      const result = await server.run(shell, call([...args, 'web']));
      expect(result.calls).toEqual([
        ['login', '--username', HOSTILE, '--password-stdin', 'registry.example.com'],
        [...args, 'web'],
      ]);
      expect(result).toMatchObject({ code: 0, stdout: 'service-id\n', stderr: '' });
      const stub = (file: string) => readFileSync(path.join(server.stubDir, file), 'utf8');
      expect(stub('login-password')).toBe(ONE_LINE);
      // The config folder was there, private, while docker ran, and is gone after.
      expect(stub('docker-config-mode')).toBe('700\n');
      expect(existsSync(stub('docker-config').trim())).toBe(false);
      expectNothingRun();
    });

    test("without a registry, uses the user's own Docker config", async () => {
      const result = await server.run(shell, call(['service', 'create', 'app'], '0', false));
      expect(result.calls).toEqual([['service', 'create', 'app']]);
      expect(existsSync(path.join(server.stubDir, 'docker-config'))).toBe(false);
    });

    test('stops at a failed login, says why, and leaves no config behind', async () => {
      writeFileSync(path.join(server.stubDir, 'login-fails'), '');
      const result = await server.run(shell, call([...args, 'web']));
      expect(result.code).toBe(12);
      expect(result.calls).toHaveLength(1);
      expect(result.stdout).toBe(
        `${NONCE} reason could not log in to registry.example.com: Error response from daemon: unauthorized: incorrect username or password\n`,
      );
      const left = readdirSync(server.cwd).concat(readdirSync('/tmp'));
      expect(left.filter((name) => name.startsWith('ssh-redeploy-auth.'))).toEqual([]);
    });

    test('with FILE, hands docker a private copy of it, removed after', async () => {
      const text = `services:\n  web:\n    image: app # ${ONE_LINE}`;
      const result = await server.run(
        shell,
        call(['stack', 'deploy', '--compose-file', '@file', 'shop'], '0', false, text),
      );
      expect(result.code).toBe(0);
      const [deployCall] = result.calls;
      const file = deployCall[3];
      expect(deployCall).toEqual(['stack', 'deploy', '--compose-file', file, 'shop']);
      expect(file).toMatch(/\/ssh-redeploy-file\.[^/]+\/compose\.yml$/);
      expect(readFileSync(path.join(server.stubDir, 'stack-file'), 'utf8')).toBe(`${text}\n`);
      expect(readFileSync(path.join(server.stubDir, 'stack-file-mode'), 'utf8')).toBe('700\n');
      expect(existsSync(path.dirname(file))).toBe(false);
      expectNothingRun();
    });

    test('a dropped connection stops docker and removes the login within 3 s', async () => {
      writeFileSync(path.join(server.stubDir, 'slow'), '');
      const child = server.start(shell, call([...args, 'web']));
      const configFile = path.join(server.stubDir, 'docker-config');
      const until = Date.now() + 10_000;
      while (!existsSync(configFile) && Date.now() < until) await sleep(20);
      const config = readFileSync(configFile, 'utf8').trim();
      expect(existsSync(config)).toBe(true);
      // What sshd does when the step's process dies: the channel's reading end goes away.
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const cut = Date.now();
      child.stdout.destroy();
      while (existsSync(config) && Date.now() - cut < 5_000) await sleep(20);
      expect(existsSync(config)).toBe(false);
      expect(Date.now() - cut).toBeLessThan(3_000);
      await exited;
    });

    describe('health-cmd', () => {
      const IMAGE = `registry.example.com/app:v2 ${ONE_LINE}`;
      const health = {
        image: IMAGE,
        flags: [`--health-cmd=${ONE_LINE}`, '--health-interval=2s'],
        reset: ['--health-cmd=', '--health-interval=0s'],
      };
      const create = ['service', 'create', '--name=web', '@health', IMAGE];

      test('goes in where @health stands when the image has no HEALTHCHECK', async () => {
        const result = await server.run(shell, call(create, '0', true, '', health));
        expect(result.code).toBe(0);
        expect(result.calls.slice(1)).toEqual([
          ['pull', '--quiet', IMAGE],
          [
            'image',
            'inspect',
            '--format',
            expect.stringContaining('.Config.Healthcheck.Test') as string,
            IMAGE,
          ],
          ['service', 'create', '--name=web', ...health.flags, IMAGE],
        ]);
        expect(result.stdout).toBe('service-id\n');
        expectNothingRun();
      });

      test.each(['CMD', 'CMD-SHELL'])(
        'gives way to the image’s own HEALTHCHECK (%s), and says so',
        async (kind) => {
          writeFileSync(path.join(server.stubDir, 'image-healthcheck'), `${kind}\n`);
          const result = await server.run(shell, call(create, '0', true, '', health));
          expect(result.calls[result.calls.length - 1]).toEqual([
            'service',
            'create',
            '--name=web',
            ...health.reset,
            IMAGE,
          ]);
          expect(result.stdout).toBe(`${NONCE} image-healthcheck\nservice-id\n`);
        },
      );

      test('HEALTHCHECK NONE is no check: health-cmd goes in', async () => {
        writeFileSync(path.join(server.stubDir, 'image-healthcheck'), 'NONE\n');
        const result = await server.run(shell, call(create, '0', true, '', health));
        expect(result.calls[result.calls.length - 1]).toEqual([
          'service',
          'create',
          '--name=web',
          ...health.flags,
          IMAGE,
        ]);
      });

      test('an image that cannot be pulled keeps the flags, for Swarm to fail on', async () => {
        writeFileSync(path.join(server.stubDir, 'pull-fails'), '');
        const result = await server.run(shell, call(create, '0', true, '', health));
        expect(result.calls.map((one) => one[0])).toEqual(['login', 'pull', 'service']);
        expect(result.calls[2]).toEqual([
          'service',
          'create',
          '--name=web',
          ...health.flags,
          IMAGE,
        ]);
      });

      test('without HEALTH_IMAGE, @health goes with nothing in its place', async () => {
        const result = await server.run(shell, call(create, '0', false));
        expect(result.calls).toEqual([['service', 'create', '--name=web', IMAGE]]);
      });
    });

    test('with MERGE, hands on what docker printed on either stream', async () => {
      const result = await server.run(shell, call(['service', 'logs', 'task1'], '1', false));
      expect(result.stdout).toBe('web.1@node-1 | to stdout\nweb.1@node-1 | to stderr\n');
      expect(result.stderr).toBe('');
    });
  });
});
