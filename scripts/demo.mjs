// `npm run demo [-- --summary FILE]`: the seeds' pipeline end to end against a sandbox of real
// services on this machine (action-tests/demo/). On a fresh clone it first installs what it
// needs: the Debian packages of action-tests/setup/apt-packages.txt that are missing, and the
// npm packages when node_modules is missing. Then it compiles the test support code to
// .action-tests/, as `npm run bench` does, and runs the demo. Only node's own modules are used
// here: nothing else is installed yet.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function say(line) {
  process.stdout.write(`${line}\n`);
}

function run(program, args, options = {}) {
  execFileSync(program, args, { cwd: root, stdio: 'inherit', ...options });
}

if (process.getuid?.() !== 0) {
  process.stderr.write(
    'npm run demo needs root: it creates a network namespace, a VPN tunnel, Docker daemons and a user.\n',
  );
  process.exit(2);
}

const packages = readFileSync(path.join(root, 'action-tests', 'setup', 'apt-packages.txt'), 'utf8')
  .split('\n')
  .filter((line) => !/^\s*#/.test(line))
  .flatMap((line) => line.trim().split(/\s+/))
  .filter(Boolean);
const missing = [...new Set(packages)].filter((name) => {
  try {
    execFileSync('dpkg', ['-s', name], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  say(`Installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

if (!existsSync(path.join(root, 'node_modules'))) {
  say('Installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

say('Compiling the test support code (action-tests/tsconfig.build.json)');
run(process.execPath, [
  path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  '-p',
  'action-tests/tsconfig.build.json',
]);

// The demo tears its sandbox down when interrupted. Ctrl-C reaches it directly (same process
// group); a SIGTERM sent to this script is passed on. Either way this script waits for it.
const demo = spawn(
  process.execPath,
  [path.join(root, '.action-tests', 'demo', 'main.js'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => demo.kill('SIGTERM'));
demo.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
