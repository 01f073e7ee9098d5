// ssh-redeploy's `upload`, bundle run as the runner runs it, against real OpenSSH servers with
// the sftp subsystem: two servers of two users (each home its own target), one with umask 077.
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSshUser, startSshd, type SshServer, type SshUser } from '../services/sshd';
import { connectionInputs, Runs } from './run';

jest.setTimeout(180_000);

let userA: SshUser;
let userB: SshUser;
let servers: SshServer[] = [];
let jump: SshServer;
const runs = new Runs(() => [...servers, jump]);
const workspaces: string[] = [];

beforeAll(async () => {
  [userA, userB] = await Promise.all([createSshUser('srd-up-a'), createSshUser('srd-up-b')]);
  // One key for both users, as a deploy key shared by two servers is.
  appendFileSync(
    path.join(userB.home, '.ssh', 'authorized_keys'),
    `${userA.keys.ed25519.publicKey}\n`,
  );
  servers = await Promise.all([
    startSshd({ name: 'srd-up-a', user: userA, sftpUmask: '077' }),
    startSshd({ name: 'srd-up-b', user: userB, sftpUmask: '' }),
  ]);
  jump = await startSshd({ name: 'srd-up-jump', user: userA });
}, 60_000);

afterAll(async () => {
  runs.cleanup();
  for (const folder of workspaces) rmSync(folder, { recursive: true, force: true });
  await Promise.all([...servers, jump].map((server) => server?.stop()));
  await userA?.remove();
  await userB?.remove();
});

afterEach(() => runs.cleanup());

/** A workspace of the test's own (the harness removes only those it made). */
function workspace(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'srd-up-ws-'));
  workspaces.push(folder);
  return folder;
}

function write(root: string, file: string, content: string | Buffer, mode = 0o644): void {
  const full = path.join(root, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
  chmodSync(full, mode);
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const modeOf = (file: string) => statSync(file).mode & 0o7777;

/** Both servers, each as its own user, with user A's key. */
function both(): Record<string, string> {
  return {
    ...connectionInputs(servers[0]),
    host: [
      `${userA.name}@127.0.0.1:${servers[0].port}`,
      `${userB.name}@127.0.0.1:${servers[1].port}`,
    ].join('\n'),
    fingerprint: servers.map((server) => server.hostKeyFingerprint).join('\n'),
  };
}

const MODES = [0o644, 0o755, 0o600, 0o640, 0o700];

test('1,000 small files and a 100 MB file reach two servers whole, with their modes', async () => {
  const root = workspace();
  const tree = path.join(root, 'tree');
  for (let index = 0; index < 1000; index++) {
    write(
      tree,
      `d${index % 10}/s${index % 3}/f${index}.txt`,
      `file ${index} ${randomBytes(index % 50).toString('hex')}`,
      MODES[index % MODES.length],
    );
  }
  chmodSync(path.join(tree, 'd3'), 0o750);
  const big = path.join(root, 'big.bin');
  writeFileSync(big, randomBytes(100 * 1024 * 1024));
  chmodSync(big, 0o600);
  const connectionsBefore = servers.map((server) => countLogins(server));

  const { main } = await runs.run(
    {
      ...both(),
      upload: 'tree/ => site/\nbig.bin => blobs/',
      script: 'cat site/d0/s0/f0.txt\n',
    },
    { workspace: root },
  );

  expect(main.exitCode).toBe(0);
  const results = JSON.parse(main.outputs.results) as Array<Record<string, unknown>>;
  const treeBytes = Array.from({ length: 1000 }, (_, index) =>
    statSync(path.join(tree, `d${index % 10}/s${index % 3}/f${index}.txt`)),
  ).reduce((sum, stats) => sum + stats.size, 0);
  for (const [index, user] of [userA, userB].entries()) {
    expect(results[index]).toMatchObject({
      status: 'success',
      stdout: readFileSync(path.join(tree, 'd0/s0/f0.txt'), 'utf8'),
      uploaded: { files: 1001, bytes: treeBytes + 100 * 1024 * 1024, deleted: 0 },
    });
    for (let file = 0; file < 1000; file++) {
      const name = `d${file % 10}/s${file % 3}/f${file}.txt`;
      const remote = path.join(user.home, 'site', name);
      expect([name, sha256(remote), modeOf(remote)]).toEqual([
        name,
        sha256(path.join(tree, name)),
        MODES[file % MODES.length],
      ]);
    }
    expect(modeOf(path.join(user.home, 'site', 'd3'))).toBe(0o750);
    expect(sha256(path.join(user.home, 'blobs', 'big.bin'))).toBe(sha256(big));
    expect(modeOf(path.join(user.home, 'blobs', 'big.bin'))).toBe(0o600);
  }
  // The upload and the script share one connection per server.
  expect(servers.map((server) => countLogins(server))).toEqual(
    connectionsBefore.map((count) => count + 1),
  );
  expect(main.summary).toContain('<th>Uploaded</th>');
  expect(main.summary).toContain('<td>1001 files, 100 MiB sent</td>');
});

function countLogins(server: SshServer): number {
  return server.log().split('Accepted publickey').length - 1;
}

test('a re-upload sends the changed file; upload-delete removes exactly the stale entries', async () => {
  const root = workspace();
  write(root, 'app/a.txt', 'a1');
  write(root, 'app/b.txt', 'b1');
  write(root, 'app/c.txt', 'c1');
  write(root, 'app/sub/d.txt', 'd1', 0o755);
  symlinkSync('a.txt', path.join(root, 'app', 'current'));
  symlinkSync('../a.txt', path.join(root, 'app', 'sub', 'up'));
  const home = userA.home;
  const target = path.join(home, 'mirror');
  const inputs = { ...connectionInputs(servers[0]), upload: 'app/ => mirror/' };

  const first = await runs.run(inputs, { workspace: root });
  expect(first.main.exitCode).toBe(0);
  expect(readlinkSync(path.join(target, 'current'))).toBe('a.txt');
  expect(readlinkSync(path.join(target, 'sub', 'up'))).toBe('../a.txt');
  expect(readFileSync(path.join(target, 'sub', 'up'), 'utf8')).toBe('a1');

  // On the server: things the upload does not bring, inside the mirrored folder and beside it.
  writeFileSync(path.join(target, 'stale.txt'), 'old');
  mkdirSync(path.join(target, 'old', 'deeper'), { recursive: true });
  writeFileSync(path.join(target, 'old', 'deeper', 'x'), 'old');
  symlinkSync('/etc/hostname', path.join(target, 'sub', 'stale-link'));
  writeFileSync(path.join(home, 'beside.txt'), 'keep');
  const { uid, gid } = statSync(home);
  for (const made of ['stale.txt', 'old', 'old/deeper', 'old/deeper/x', 'sub/stale-link']) {
    lchownSync(path.join(target, made), uid, gid);
  }
  // In the workspace: one changed file, one removed.
  write(root, 'app/b.txt', 'b2');
  rmSync(path.join(root, 'app', 'c.txt'));

  const second = await runs.run({ ...inputs, 'upload-delete': 'true' }, { workspace: root });
  expect(second.main.errors).toEqual([]);
  expect(second.main.exitCode).toBe(0);
  expect(readFileSync(path.join(target, 'b.txt'), 'utf8')).toBe('b2');
  expect(readFileSync(path.join(target, 'a.txt'), 'utf8')).toBe('a1');
  expect(modeOf(path.join(target, 'sub', 'd.txt'))).toBe(0o755);
  for (const gone of ['c.txt', 'stale.txt', 'old', 'sub/stale-link']) {
    expect([gone, existsOrLink(path.join(target, gone))]).toEqual([gone, false]);
  }
  expect(readFileSync(path.join(home, 'beside.txt'), 'utf8')).toBe('keep');
  expect(existsSync('/etc/hostname')).toBe(true);
  const [result] = JSON.parse(second.main.outputs.results) as Array<Record<string, unknown>>;
  // c.txt, stale.txt, old/deeper/x, old/deeper, old, sub/stale-link.
  expect(result).toMatchObject({ status: 'success', uploaded: { files: 5, deleted: 6 } });
  expect(second.main.summary).toContain('6 deleted');
});

function existsOrLink(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

test('a reader polling the target sees the old file or the new one, whole, never a part', async () => {
  const root = workspace();
  const size = 16 * 1024 * 1024;
  const versions = [Buffer.alloc(size, 'a'), Buffer.alloc(size, 'b')];
  const inputs = { ...connectionInputs(servers[0]), upload: 'data.bin => polled/data.bin' };
  write(root, 'data.bin', versions[0]);
  expect((await runs.run(inputs, { workspace: root })).main.exitCode).toBe(0);
  write(root, 'data.bin', versions[1]);

  const remote = path.join(userA.home, 'polled', 'data.bin');
  const seen = { old: 0, new: 0, other: 0 };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      let content: Buffer | undefined;
      try {
        content = readFileSync(remote);
      } catch {
        content = undefined;
      }
      if (content?.equals(versions[0])) seen.old++;
      else if (content?.equals(versions[1])) seen.new++;
      else seen.other++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const { main } = await runs.run(inputs, { workspace: root });
  polling = false;
  await poller;
  expect(main.exitCode).toBe(0);
  expect(seen.other).toBe(0);
  expect(seen.old + seen.new).toBeGreaterThan(1);
  expect(readFileSync(remote).equals(versions[1])).toBe(true);
});

test('a symbolic link out of the workspace is refused before connecting', async () => {
  const root = workspace();
  write(root, 'site/index.html', '<p>hi</p>');
  symlinkSync('/etc/passwd', path.join(root, 'site', 'passwd'));
  const before = servers[0].log().split('Connection from').length;
  const { main } = await runs.run(
    { ...connectionInputs(servers[0]), upload: 'site/ => leak/', script: 'touch ran' },
    { workspace: root },
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    "Input 'upload': site/passwd is a symbolic link to /etc/passwd, outside the workspace: refused, so that nothing else on the runner is sent. Remove the link, or copy what it points to into the workspace.",
  ]);
  expect(servers[0].log().split('Connection from').length).toBe(before);
  expect(existsSync(path.join(userA.home, 'leak'))).toBe(false);
});

test('a remote path the user cannot write fails naming path and host, and nothing runs', async () => {
  const root = workspace();
  write(root, 'a.txt', 'a');
  const marker = path.join(userA.home, 'script-ran');
  const { main } = await runs.run(
    {
      ...connectionInputs(servers[0]),
      upload: 'a.txt => /var/lib/srd-up-denied/a.txt',
      script: `touch ${marker}`,
    },
    { workspace: root },
  );
  expect(main.exitCode).toBe(1);
  expect(main.errors).toEqual([
    `127.0.0.1:${servers[0].port}: upload failed, cannot create the folder /var/lib/srd-up-denied: permission denied. Nothing was run there.`,
  ]);
  expect(existsSync(marker)).toBe(false);
  expect(existsSync('/var/lib/srd-up-denied')).toBe(false);
  const [result] = JSON.parse(main.outputs.results) as Array<Record<string, unknown>>;
  expect(result).toMatchObject({ status: 'failed', exitCode: null });
});

test('upload alone, through a jump host, with upload-mode and a glob', async () => {
  const root = workspace();
  write(root, 'build/lib/b.js', 'b', 0o600);
  write(root, 'build/a.js', 'a', 0o600);
  write(root, 'build/a.css', 'css');
  const { main } = await runs.run(
    {
      ...connectionInputs(servers[0]),
      'proxy-host': '127.0.0.1',
      'proxy-port': String(jump.port),
      'proxy-fingerprint': jump.hostKeyFingerprint,
      upload: 'build/**/*.js => ~/globbed/',
      'upload-mode': '0640',
    },
    { workspace: root },
  );
  expect(main.exitCode).toBe(0);
  const globbed = path.join(userA.home, 'globbed');
  expect(readFileSync(path.join(globbed, 'lib', 'b.js'), 'utf8')).toBe('b');
  expect(modeOf(path.join(globbed, 'lib', 'b.js'))).toBe(0o640);
  expect(modeOf(path.join(globbed, 'a.js'))).toBe(0o640);
  expect(existsSync(path.join(globbed, 'a.css'))).toBe(false);
  expect(jump.log()).toContain('Accepted publickey');
  expect(JSON.parse(main.outputs.results)).toMatchObject([
    {
      host: `127.0.0.1:${servers[0].port}`,
      status: 'success',
      exitCode: null,
      uploaded: { files: 2, bytes: 2, deleted: 0 },
    },
  ]);
  expect(main.outputs.stdout).toBeUndefined();
});
