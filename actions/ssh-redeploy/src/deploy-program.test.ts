import { execFileSync } from 'node:child_process';
import { deployProgram, type DeployPlan } from './deploy-program';
import { readMarker, type DeployReport } from './deploy-container';
import { startServer } from './remote/program-testing';
import { shellQuote } from './remote-shell';

const plan: DeployPlan = {
  spec: {
    image: 'registry.example.com/app@sha256:' + 'a'.repeat(64),
    container: 'app',
    ports: [{ ip: '127.0.0.1', hostPort: 8050, containerPort: 8050, protocol: 'tcp' }],
    volumes: [{ source: 'notebooks', target: '/data', readOnly: false }],
    env: [
      ['TOKEN', 'it\'s $(secret) `x` \\ "q"'],
      ['EMPTY', ''],
    ],
    runArgs: ['--label=team=web ops', '--init'],
    restart: 'unless-stopped',
  },
  registry: { host: 'registry.example.com', username: 'ci', password: "pa'ss $(word)" },
  keepPrevious: false,
  prune: true,
  healthCmd: "curl -fsS 'http://127.0.0.1:8050/health'",
  healthTimeoutSeconds: 60,
  rollback: true,
  stopTimeoutSeconds: 10,
};

test.each(['sh', 'bash'])('the program is valid %s', (shell) => {
  expect(() =>
    execFileSync(shell, ['-n'], { input: deployProgram(plan, 'srd-nonce') }),
  ).not.toThrow();
});

test('every value from the inputs is in the program only as a quoted word', () => {
  const program = deployProgram(plan, 'srd-nonce');
  // A list travels as one word, its items one a line.
  const words = [
    plan.spec.image,
    plan.registry!.password,
    plan.healthCmd!,
    `TOKEN=${plan.spec.env[0][1]}\nEMPTY=`,
    '--label=team=web ops\n--init',
  ].map(shellQuote);
  let outside = program;
  for (const quoted of words) {
    expect(program).toContain(quoted);
    outside = outside.split(quoted).join('');
  }
  // Outside their quoted forms the values appear nowhere.
  for (const value of [
    plan.spec.image,
    plan.registry!.password,
    plan.healthCmd!,
    `TOKEN=${plan.spec.env[0][1]}`,
    '--label=team=web ops',
  ]) {
    expect(outside).not.toContain(value);
  }
});

test('docker run gets the options in order, the image last', async () => {
  const server = startServer();
  let calls: string[][];
  try {
    // No health check to wait for: only the run matters here.
    const program = deployProgram({ ...plan, healthCmd: undefined, healthTimeoutSeconds: 0 }, 'n');
    ({ calls } = await server.run('dash', program));
  } finally {
    server.remove();
  }
  expect(calls.find((call) => call[0] === 'run')).toEqual([
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
    '--volume',
    'notebooks:/data',
    '--label=team=web ops',
    '--init',
    plan.spec.image,
  ]);
});

test('the env file is written with printf, a builtin: values never reach a process list', () => {
  const program = deployProgram(plan, 'srd-nonce');
  expect(program).toContain(`ENV_LINES=${shellQuote(`TOKEN=${plan.spec.env[0][1]}\nEMPTY=`)}\n`);
  expect(program).toContain(`printf '%s\\n' "$ENV_LINES" >"$ENVFILE"`);
  expect(program).toContain('ENVFILE=$(umask 077; mktemp)');
});

test('marker lines need the nonce; others are left for the log', () => {
  const report: DeployReport = { containerLog: [] };
  expect(readMarker('srd-n1 previous-image reg/app:v1', 'srd-n1', report)).toBe(true);
  expect(readMarker('srd-n1 log  indented line', 'srd-n1', report)).toBe(true);
  expect(readMarker('srd-n1 result rolled-back', 'srd-n1', report)).toBe(true);
  expect(readMarker('srd-n2 result success', 'srd-n1', report)).toBe(false);
  expect(readMarker('srd-n1 result anything-else', 'srd-n1', report)).toBe(true);
  expect(readMarker('srd-n1 changing app', 'srd-n1', report)).toBe(true);
  expect(report).toEqual({
    previousImage: 'reg/app:v1',
    result: 'rolled-back',
    changing: 'app',
    containerLog: [' indented line'],
  });
});

describe('on a terminal (request-pty)', () => {
  const prompt = '[sudo] password for %p [0123456789abcdef]';

  test('any sudo prompts with the marker; docker runs as the user without sudo-password', () => {
    const program = deployProgram({ ...plan, sudo: { prompt, docker: false } }, 'srd-nonce');
    expect(program).toContain(`export SUDO_PROMPT=${shellQuote(`${prompt}: `)}\n`);
    expect(program).toContain("SUDO_ASK=''\n");
  });

  test('with sudo-password, docker runs through sudo, asking with the marker', () => {
    const program = deployProgram({ ...plan, sudo: { prompt, docker: true } }, 'srd-nonce');
    expect(program).toContain(`SUDO_ASK=${shellQuote(prompt)}\n`);
    expect(() => execFileSync('sh', ['-n'], { input: program })).not.toThrow();
  });

  test('without request-pty, neither', () => {
    const program = deployProgram(plan, 'srd-nonce');
    expect(program).not.toContain('SUDO_PROMPT');
    expect(program).toContain("SUDO_ASK=''\n");
  });
});
