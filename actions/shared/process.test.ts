import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProcess } from './process';

const node = process.execPath;

test('arguments arrive verbatim, with no shell between; stdin gets the input', async () => {
  const hostile = '$(echo hi); `id` > /tmp/x "\' \\';
  const result = await runProcess(
    node,
    [
      '-e',
      'let d = ""; process.stdin.on("data", (c) => (d += c)).on("end", () => process.stdout.write(JSON.stringify([process.argv[1], d])))',
      hostile,
    ],
    { input: 'from stdin\n' },
  );
  expect(result).toEqual({
    code: 0,
    signal: null,
    stdout: JSON.stringify([hostile, 'from stdin\n']),
    stderr: '',
    error: undefined,
    timedOut: false,
  });
});

test('without input, stdin is empty and closed', async () => {
  const result = await runProcess(node, [
    '-e',
    'let n = 0; process.stdin.on("data", (c) => (n += c.length)).on("end", () => console.log(n))',
  ]);
  expect(result.stdout).toBe('0\n');
});

test('the exit code, stderr, the working folder and the environment are the given ones', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'process-test-'));
  try {
    const result = await runProcess(
      node,
      [
        '-e',
        'console.error(process.cwd(), process.env.ONLY_HERE, process.env.HOME); process.exit(3)',
      ],
      { cwd: dir, env: { ONLY_HERE: 'x' } },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`${realpathSync(dir)} x undefined\n`);
    expect(result.error).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keepChars keeps the end of each stream', async () => {
  const result = await runProcess(
    node,
    ['-e', 'process.stdout.write("a".repeat(100000) + "END"); process.stderr.write("xyz")'],
    { keepChars: 5 },
  );
  expect(result.stdout).toBe('aaEND');
  expect(result.stderr).toBe('xyz');
});

test('a program that is not there is an error, not a rejection', async () => {
  const result = await runProcess('/nonexistent/program', ['x']);
  expect(result.code).toBeNull();
  expect(result.error?.code).toBe('ENOENT');
  expect(result.timedOut).toBe(false);
});

test('a program still running at timeoutMs is killed', async () => {
  const started = Date.now();
  const result = await runProcess(node, ['-e', 'setTimeout(() => {}, 60000)'], {
    timeoutMs: 200,
  });
  expect(result).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true });
  expect(Date.now() - started).toBeLessThan(30_000);
});

/** What `work` wrote to the step's log, beside its result. */
async function logged<T>(work: () => Promise<T>): Promise<[T, string]> {
  const written: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return [await work(), written.join('')];
  } finally {
    write.mockRestore();
  }
}

test('streamed output is copied to the log between stop-commands markers', async () => {
  const [result, text] = await logged(() =>
    runProcess(
      node,
      ['-e', 'console.log("::add-mask::x"); console.error("::set-output name=a::b")'],
      { stream: true },
    ),
  );
  expect(result.stdout).toBe('::add-mask::x\n');
  const token = /^::stop-commands::([0-9a-f]{32})\n/.exec(text)?.[1];
  expect(token).toBeDefined();
  expect(text.endsWith(`\n::${token}::\n`)).toBe(true);
  expect(text).toContain('::add-mask::x\n');
  expect(text).toContain('::set-output name=a::b\n');
});

test('a missing program that streams still closes its stop-commands section', async () => {
  const [result, text] = await logged(() =>
    runProcess('/nonexistent/program', [], { stream: true, input: '' }),
  );
  expect(result.error?.code).toBe('ENOENT');
  const token = /^::stop-commands::([0-9a-f]{32})\n/.exec(text)?.[1];
  expect(text).toBe(`::stop-commands::${token}\n\n::${token}::\n`);
});

test('onOutput gets each stream as it comes, and nothing is written to the log', async () => {
  const pieces: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const [result, text] = await logged(() =>
    runProcess(node, ['-e', 'process.stdout.write("one\\ntw"); process.stderr.write("err\\n")'], {
      onOutput: (chunk, from) => {
        pieces[from] += chunk;
      },
    }),
  );
  expect(pieces).toEqual({ stdout: 'one\ntw', stderr: 'err\n' });
  expect(result.stdout).toBe('one\ntw');
  expect(text).toBe('');
});
