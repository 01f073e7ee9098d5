// ssh-redeploy's `upload` against OpenSSH's `sftp -b`, side by side in one run against the
// same sshd on loopback: a 100 MiB file, and a tree of 1,000 small files. Targets: the tree at
// least as fast as sftp, the large file within 1.25x. Each round uploads to a fresh folder, so
// both sides write every file every time.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, readActionMetadata, repoRoot } from '../harness/run-action';
import { startSshd, type SshServer } from '../services/sshd';
import { figuresTable, sideBySide, type Figures } from './lib/measure';

/** OpenSSH's sftp client. */
const SFTP_CLIENT = 'sftp';
const ROUNDS = 9;
const LARGE_BYTES = 100 * 1024 * 1024;
const TREE_FILES = 1000;

const node = nodeBinary();
const metadata = readActionMetadata('ssh-redeploy');
const bundle = path.resolve(repoRoot, 'actions', 'ssh-redeploy', metadata.runs.main);
const folder = mkdtempSync(path.join(tmpdir(), 'bench-upload-'));
const workspace = path.join(folder, 'workspace');

function stepEnvironment(inputs: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: folder,
    RUNNER_TEMP: folder,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
  };
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV']) {
    env[name] = path.join(folder, name.toLowerCase());
  }
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    const value = inputs[name] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  }
  return env;
}

function runStep(env: NodeJS.ProcessEnv): void {
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) writeFileSync(env[name]!, '');
  const result = spawnSync(node, [bundle], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the step failed:\n${result.stdout}\n${result.stderr}`);
}

function makeWorkspace(): number {
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'large.bin'), randomBytes(LARGE_BYTES));
  let bytes = 0;
  for (let index = 0; index < TREE_FILES; index++) {
    const file = path.join(workspace, 'tree', `d${index % 20}`, `f${index}.txt`);
    mkdirSync(path.dirname(file), { recursive: true });
    const content = randomBytes(200 + (index % 7) * 300);
    writeFileSync(file, content);
    chmodSync(file, index % 2 === 0 ? 0o644 : 0o755);
    bytes += content.length;
  }
  return bytes;
}

async function main(): Promise<void> {
  const treeBytes = makeWorkspace();
  let server: SshServer | undefined;
  try {
    server = await startSshd({ name: 'bench-upload', sftpUmask: '' });
    const remoteHome = server.account.home;
    const knownHosts = path.join(folder, 'known_hosts');
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    const sftpArgs = (batch: string) => [
      '-F',
      '/dev/null',
      '-i',
      server!.keys.ed25519.path,
      '-P',
      String(server!.port),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-b',
      batch,
      `${server!.user}@127.0.0.1`,
    ];
    let round = 0;
    const fresh = (name: string) => `${name}-${++round}`;
    const clear = () => {
      for (const entry of ['up', 'sftp'])
        rmSync(path.join(remoteHome, entry), { recursive: true, force: true });
    };
    const sftp = (commands: string[]) => {
      const batch = path.join(folder, 'batch');
      writeFileSync(batch, `${commands.join('\n')}\n`);
      const result = spawnSync(SFTP_CLIENT, sftpArgs(batch), { cwd: workspace, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`sftp failed: ${result.stderr}`);
    };
    const step = (upload: string) =>
      runStep(
        stepEnvironment({
          host: `127.0.0.1:${server!.port}`,
          username: server!.user,
          key: server!.keys.ed25519.privateKey,
          fingerprint: server!.hostKeyFingerprint,
          retries: '0',
          upload,
        }),
      );
    const expectSize = (file: string, size: number) => {
      if (statSync(path.join(remoteHome, file)).size !== size)
        throw new Error(`${file}: wrong size`);
    };

    const large = await sideBySide(
      [
        {
          name: 'sftp -b: put -p large.bin (OpenSSH)',
          run: () => {
            clear();
            const target = fresh('sftp/large');
            sftp([`mkdir sftp`, `put -p large.bin ${target}`]);
            expectSize(target, LARGE_BYTES);
          },
        },
        {
          name: 'ssh-redeploy step, upload: large.bin',
          run: () => {
            clear();
            const target = fresh('up/large');
            step(`large.bin => ${target}`);
            expectSize(target, LARGE_BYTES);
          },
        },
      ],
      ROUNDS,
      1,
    );
    const tree = await sideBySide(
      [
        {
          name: `sftp -b: put -rp tree (OpenSSH)`,
          run: () => {
            clear();
            const target = fresh('sftp/tree');
            sftp([`mkdir sftp`, `put -rp tree ${target}`]);
            expectSize(
              `${target}/d0/f0.txt`,
              statSync(path.join(workspace, 'tree/d0/f0.txt')).size,
            );
          },
        },
        {
          name: 'ssh-redeploy step, upload: tree/',
          run: () => {
            clear();
            const target = fresh('up/tree');
            step(`tree/ => ${target}/`);
            expectSize(
              `${target}/d0/f0.txt`,
              statSync(path.join(workspace, 'tree/d0/f0.txt')).size,
            );
          },
        },
      ],
      ROUNDS,
      1,
    );
    clear();
    const ratio = (figures: Figures[]) => (figures[1].medianMs / figures[0].medianMs).toFixed(2);
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const ssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim();
    process.stdout.write(
      `upload under Node ${version}, ${ssh}, sshd (internal-sftp) on loopback; ` +
        `each contender's time is the whole run: start, connection, transfer.\n\n` +
        `100 MiB file, ${ROUNDS} interleaved rounds:\n\n${figuresTable(large)}\n\n` +
        `Ratio of medians: ${ratio(large)}x (target: within 1.25x)\n\n` +
        `${TREE_FILES} files (${(treeBytes / 1024).toFixed(0)} KiB) in 20 folders, ${ROUNDS} interleaved rounds:\n\n` +
        `${figuresTable(tree)}\n\nRatio of medians: ${ratio(tree)}x (target: at most 1.00x)\n`,
    );
  } finally {
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
