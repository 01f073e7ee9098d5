import { steppingClock, testContext } from '../../shared/context-testing';
import { ActionFailure } from '../../shared/errors';
import { runProcess, type ProcessOptions, type ProcessResult } from '../../shared/process';
import {
  classifyDockerFailure,
  CommandFailure,
  DockerCli,
  errorOutput,
  isAuthenticationFailure,
  lastLines,
  parseClientVersion,
  pushedDigest,
  withRegistryRetry,
} from './docker-cli';

const exited = (code: number, stdout: string, stderr: string): ProcessResult => ({
  code,
  signal: null,
  stdout,
  stderr,
  timedOut: false,
});

const failure = (stderr: string, stdout = '') =>
  new CommandFailure('docker push r/a:1', exited(1, stdout, stderr));

describe('classifyDockerFailure', () => {
  test.each([
    'received unexpected HTTP status: 503 Service Unavailable',
    'received unexpected HTTP status: 500 Internal Server Error',
    'Error response from daemon: Get "https://ghcr.io/v2/": net/http: TLS handshake timeout',
    'dial tcp 127.0.0.1:5000: connect: connection refused',
    'Put "http://r/v2/a/blobs/uploads/x": read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer',
    'error parsing HTTP 502 response body: unexpected end of JSON input',
    'toomanyrequests: You have reached your pull rate limit (429 Too Many Requests)',
  ])('retried: %s', (stderr) => {
    expect(classifyDockerFailure(failure(stderr))).toMatchObject({ retry: true });
  });

  test.each([
    'Error response from daemon: login attempt to http://r/v2/ failed with status: 401 Unauthorized',
    'unauthorized: incorrect username or password',
    'denied: requested access to the resource is denied',
    'no basic auth credentials',
    'name unknown: repository name not known to registry',
    'manifest invalid: manifest invalid',
    'tag does not exist: r/a:1',
  ])('not retried: %s', (stderr) => {
    expect(classifyDockerFailure(failure(stderr))).toEqual({ retry: false });
  });

  test('a 401 beside a 5xx is still an authentication failure', () => {
    expect(classifyDockerFailure(failure('401 Unauthorized (after a 503)'))).toEqual({
      retry: false,
    });
  });

  test('only the end of a long build log counts', () => {
    const log = [
      '#5 RUN curl https://x  # got 503 once',
      ...Array.from({ length: 20 }, () => '#6 ...'),
      'ERROR: executor failed',
    ].join('\n');
    expect(classifyDockerFailure(failure(log))).toEqual({ retry: false });
  });

  test('the most telling network reason is given', () => {
    expect(
      classifyDockerFailure(
        failure('Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused'),
      ),
    ).toEqual({ retry: true, reason: 'network error (connection refused)' });
  });

  test('other errors are not retried', () => {
    expect(classifyDockerFailure(new Error('503'))).toEqual({ retry: false });
  });

  test('isAuthenticationFailure', () => {
    expect(isAuthenticationFailure(failure('unauthorized: authentication required'))).toBe(true);
    expect(isAuthenticationFailure(failure('503 Service Unavailable'))).toBe(false);
  });
});

/** Runs `work` as an async operation would: its throw becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  return Promise.resolve().then(work);
}

describe('withRegistryRetry', () => {
  test('retries 5xx with growing delays, then succeeds', async () => {
    const clock = steppingClock(0);
    const { ctx, recorded } = testContext({ clock });
    let calls = 0;
    const result = await withRegistryRetry(
      'Push of r/a:1',
      3,
      () =>
        settle(() => {
          calls += 1;
          if (calls < 3) throw failure('received unexpected HTTP status: 503 Service Unavailable');
          return 'pushed';
        }),
      ctx,
      () => 1,
    );
    expect(result).toBe('pushed');
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([1000, 2000]);
    expect(recorded.messages).toEqual([
      'warning: Push of r/a:1: attempt 1 of 4 failed (the registry answered 503); retrying in 1.0 s.',
      'warning: Push of r/a:1: attempt 2 of 4 failed (the registry answered 503); retrying in 2.0 s.',
    ]);
  });

  test('gives up after retries + 1 attempts, saying so', async () => {
    let calls = 0;
    const attempt = withRegistryRetry(
      'Push',
      2,
      () =>
        settle(() => {
          calls += 1;
          throw failure('connection refused');
        }),
      testContext().ctx,
      () => 0,
    );
    await expect(attempt).rejects.toThrow(ActionFailure);
    await expect(attempt).rejects.toThrow(/connection refused \(gave up after 3 attempts\)$/);
    expect(calls).toBe(3);
  });

  test('never retries a refused credential', async () => {
    let calls = 0;
    await expect(
      withRegistryRetry(
        'Login',
        5,
        () =>
          settle(() => {
            calls += 1;
            throw failure('unauthorized: incorrect username or password');
          }),
        testContext().ctx,
      ),
    ).rejects.toBeInstanceOf(CommandFailure);
    expect(calls).toBe(1);
  });

  test('retries: 0 means one attempt', async () => {
    let calls = 0;
    await expect(
      withRegistryRetry(
        'Push',
        0,
        () =>
          settle(() => {
            calls += 1;
            throw failure('503');
          }),
        testContext().ctx,
      ),
    ).rejects.toThrow(/503/);
    expect(calls).toBe(1);
  });
});

describe('DockerCli', () => {
  test('passes argv and stdin through untouched, with its environment', async () => {
    const seen: { program: string; args: string[]; options?: ProcessOptions }[] = [];
    const cli = new DockerCli((program, args, options) => {
      seen.push({ program, args, options });
      return Promise.resolve(exited(0, '', ''));
    }, {}).withEnv({ DOCKER_CONFIG: '/tmp/c' });
    await cli.exec(['login', '--password-stdin', 'r'], { input: 'p$w "d"', env: { X: '1' } });
    expect(seen).toEqual([
      {
        program: 'docker',
        args: ['login', '--password-stdin', 'r'],
        options: expect.objectContaining({
          input: 'p$w "d"',
          env: { DOCKER_CONFIG: '/tmp/c', X: '1' },
        }) as ProcessOptions,
      },
    ]);
  });

  test('check turns a failure into a CommandFailure with the end of stderr', async () => {
    const cli = new DockerCli(
      () => Promise.resolve(exited(1, '', 'a\nb\n\nno basic auth credentials\n')),
      {},
    );
    await expect(cli.check('docker push x', ['push', 'x'])).rejects.toThrow(
      'docker push x failed (exit code 1): a | b | no basic auth credentials',
    );
  });
});

describe('DockerCli running a real program', () => {
  /** The CLI with node standing in for docker, run through the step's own process runner. */
  const nodeAsDocker = new DockerCli(
    (_, args, options) => runProcess(process.execPath, args, options),
    process.env,
  );

  test('runs without a shell: arguments arrive verbatim, stdin is delivered', async () => {
    const result = await nodeAsDocker.exec(
      [
        '-e',
        'process.stdin.on("data", (d) => process.stdout.write(JSON.stringify([process.argv[1], String(d)])))',
        '$(echo hi); `id` > /tmp/x',
      ],
      { input: 'from stdin' },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout) as string[]).toEqual([
      '$(echo hi); `id` > /tmp/x',
      'from stdin',
    ]);
  });

  test('streamed output cannot issue workflow commands: it runs between stop-commands markers', async () => {
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const result = await nodeAsDocker.exec(
        ['-e', 'console.log("::add-mask::x"); console.error("::error::from the build")'],
        { stream: true },
      );
      expect(result.code).toBe(0);
    } finally {
      write.mockRestore();
    }
    const text = written.join('');
    const token = /^::stop-commands::([0-9a-f]{32})\n/.exec(text)?.[1];
    expect(token).toBeDefined();
    expect(text.endsWith(`\n::${token}::\n`)).toBe(true);
    expect(text).toContain('::add-mask::x\n');
    expect(text).toContain('::error::from the build\n');
  });

  test('a missing program is exit code 127 with a clear message', async () => {
    const cli = new DockerCli(runProcess, { PATH: '/nonexistent' });
    const result = await cli.exec(['version']);
    expect(result).toMatchObject({ stdout: '', stderr: '' });
    expect(errorOutput(result)).toBe('docker is not installed or not on PATH');
    await expect(cli.check('docker version', ['version'])).rejects.toThrow(
      'docker version failed (exit code 127): docker is not installed or not on PATH',
    );
  });
});

test('pushedDigest reads the last digest line of docker push', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const output = [
    'The push refers to repository [127.0.0.1:5000/team/app]',
    '5f70bf18a086: Pushed',
    `1: digest: ${digest} size: 527`,
  ].join('\n');
  expect(pushedDigest(output)).toBe(digest);
  expect(pushedDigest('5f70bf18a086: Layer already exists')).toBeUndefined();
});

test.each([
  ['Docker version 20.10.24+dfsg1, build 297e128', '20.10.24+dfsg1'],
  ['Docker version 28.2.2, build e6534b4', '28.2.2'],
  ['podman version 4.3.1', '4.3.1'],
  ['garbage', undefined],
])('parseClientVersion(%j)', (output, expected) => {
  expect(parseClientVersion(output)).toBe(expected);
});

test('lastLines keeps the end and joins it on one line', () => {
  expect(lastLines('1\n2\n\n3\n4\n5\n6\n')).toBe('2 | 3 | 4 | 5 | 6');
  expect(lastLines('')).toBe('(no output)');
});
