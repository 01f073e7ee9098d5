import { execFileSync } from 'node:child_process';
import {
  isAssignableName,
  killProgram,
  remoteCommand,
  scriptProgram,
  shellQuote,
} from './remote-shell';

const REMOTE_COMMAND = remoteCommand();

const hostile = [
  "it's",
  '"$(id)" `id` $HOME ${PATH} \\ \\\\',
  "'\\''",
  '\n\nlines\r\n\t',
  'ünïcödé ✓',
  '',
];

test.each(hostile)('shellQuote(%j) reads back as exactly itself in sh and bash', (value) => {
  for (const shell of ['sh', 'bash']) {
    const echoed = execFileSync(shell, ['-c', `printf %s ${shellQuote(value)}`], {
      encoding: 'utf8',
    });
    expect(echoed).toBe(value);
  }
});

test('a NUL cannot be quoted', () => {
  expect(() => shellQuote('a\0b')).toThrow('NUL');
});

test('the remote command holds no single quote inside its quoted parts, and no user value', () => {
  const program = scriptProgram('echo secret-script', { TOKEN: 'secret-value' });
  expect(REMOTE_COMMAND).not.toContain('secret');
  expect(program).toContain("export TOKEN='secret-value'");
  // Two single-quoted words, nothing else quoted: safe under sh, bash, zsh and fish alike.
  expect(REMOTE_COMMAND.match(/'/g)).toHaveLength(4);
});

test.each(['sh', 'bash'])(
  'under %s, the bootstrap reports its process group, then runs the program strictly',
  (shell) => {
    const command = REMOTE_COMMAND.replace(/^sh -c/, `${shell} -c`);
    const program = scriptProgram('echo "[$X]" "$#"; cat; false; echo unreachable', { X: "a'b" });
    let status = 0;
    let stdout = '';
    let stderr = '';
    try {
      execFileSync(shell, ['-c', command], { input: program, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      ({ status, stdout, stderr } = error as { status: number; stdout: string; stderr: string });
    }
    expect(status).toBe(1);
    expect(stdout).toBe("[a'b] 0\n");
    expect(stderr).toMatch(/^ssh-redeploy-pgid \d+\n$/);
  },
);

test('variable names', () => {
  expect(isAssignableName('APP_VERSION')).toBe(true);
  expect(isAssignableName('_x1')).toBe(true);
  for (const name of ['1X', 'A-B', 'UID', 'SHELLOPTS', '__srd_s', 'A B', '']) {
    expect(isAssignableName(name)).toBe(false);
  }
});

test('the kill program takes a process group number and a grace period only', () => {
  expect(killProgram('1234', 15)).toContain("PGID='1234'\n");
  expect(killProgram('1234', 15)).toContain("GRACE='15'\n");
  expect(() => killProgram('1; rm -rf /', 15)).toThrow();
  expect(() => killProgram('0', 15)).toThrow();
  expect(() => killProgram('1234', -1)).toThrow();
});
