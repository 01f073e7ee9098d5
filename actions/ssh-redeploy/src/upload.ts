// Carries out an upload plan (upload-plan.ts) over SFTP on an open connection, many requests in
// flight at once. Each file is written under a temporary name in its folder, given its mode,
// then renamed over the target with OpenSSH's posix-rename: a reader sees the old file or the
// new one, whole, never a part and never none.
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SFTPWrapper, Stats as RemoteStats, FileEntryWithStats } from 'ssh2';
import { ActionFailure } from '../../shared/errors';
import type { PlannedFile, UploadPlan } from './upload-plan';

export interface UploadStats {
  /** Files and links written. */
  files: number;
  bytes: number;
  /** Entries `upload-delete` removed. */
  deleted: number;
}

/** Files written at once: each is a few round trips; many hide the latency. */
const FILES_IN_FLIGHT = 48;
/**
 * Writes in flight for one large file, and their size: 254 KiB, the most one SFTP write of ssh2
 * carries to OpenSSH in one request (larger ones it splits and sends one after the other), and
 * about 2 MiB in flight, the window OpenSSH gives a session channel. Measured on loopback
 * against 100 MiB (npm run bench -- upload, 9 rounds): 8 x 255 KiB 0.97x `sftp`'s time, 16 x 128
 * KiB 1.12x, 32 x 64 KiB 1.25x, 16 x 255 KiB 1.45x; 8 x 254 KiB 0.97x and 0.91x.
 */
const WRITES_IN_FLIGHT = 8;
const CHUNK_BYTES = 254 * 1024;
/** Files up to this size are read whole. */
const SMALL_FILE_BYTES = 1024 * 1024;

const posix = path.posix;

/** SFTP status codes (draft-ietf-secsh-filexfer-02) as words for messages. */
const STATUS_WORDS: Record<number, string> = {
  2: 'no such file or folder',
  3: 'permission denied',
  4: 'failed',
};

class RemoteError extends Error {
  constructor(
    readonly what: string,
    reason: unknown,
  ) {
    super(`${what}: ${describe(reason)}`);
  }
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: string };
  const word = typeof code === 'number' ? STATUS_WORDS[code] : undefined;
  if (word && (!message || /^(failure|permission denied|no such file)$/i.test(message))) {
    return word;
  }
  return message ?? String(error);
}

/** Opens the SFTP subsystem on a connection's client. */
export function openSftp(client: {
  sftp(callback: (error: Error | undefined, sftp: SFTPWrapper) => void): void;
}): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
  });
}

/** One SFTP request as a promise. */
function call<T>(
  what: string,
  request: (callback: (error: Error | null | undefined, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      request((error, value) => (error ? reject(new RemoteError(what, error)) : resolve(value)));
    } catch (error) {
      reject(new RemoteError(what, error));
    }
  });
}

/** Runs `work` on each item, `limit` at a time; the first failure stops new work and rejects. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: Error | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

/**
 * Uploads the plan; `stats` counts as it goes, so a failure still tells what was sent.
 * Throws an ActionFailure naming the host and the remote path that failed.
 */
export async function upload(
  sftp: SFTPWrapper,
  plan: UploadPlan,
  label: string,
  stats: UploadStats,
): Promise<void> {
  try {
    for (const folder of plan.parents) await ensureFolder(sftp, folder);
    const created: Array<{ remote: string; mode: number }> = [];
    // Parents before children: the folders are ordered by depth, each depth at once.
    const byDepth = new Map<number, Array<{ remote: string; mode: number }>>();
    for (const folder of plan.folders) {
      const depth = folder.remote.split('/').length;
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), folder]);
    }
    for (const level of byDepth.values()) {
      await pool(level, FILES_IN_FLIGHT, async (folder) => {
        // The user's alone until it is filled; its own mode comes last.
        if (await makeFolder(sftp, folder.remote, { mode: 0o700 })) created.push(folder);
      });
    }
    // The large files first, so that the small ones fill the gaps while they stream.
    const files = [...plan.files].sort((a, b) => b.size - a.size);
    await pool(files, FILES_IN_FLIGHT, async (file) => {
      await putFile(sftp, file);
      stats.files += 1;
      stats.bytes += file.size;
    });
    await pool(plan.links, FILES_IN_FLIGHT, async (link) => {
      const temporary = temporaryName(link.remote);
      await call(`cannot create the link ${link.remote}`, (done) =>
        sftp.symlink(link.target, temporary, (error) => done(error, undefined)),
      );
      await replace(sftp, temporary, link.remote);
      stats.files += 1;
    });
    for (const mirror of plan.mirrors) {
      stats.deleted += await removeStale(sftp, mirror, plan.brought);
    }
    // Modes last, deepest first: a folder without write permission is filled before it gets it.
    for (const folder of created.reverse()) {
      await call(`cannot set the mode of ${folder.remote}`, (done) =>
        sftp.chmod(folder.remote, folder.mode, (error) => done(error, undefined)),
      );
    }
  } catch (error) {
    if (error instanceof RemoteError) {
      throw new ActionFailure(`${label}: upload failed, ${error.message}. Nothing was run there.`);
    }
    throw error;
  }
}

function temporaryName(remote: string): string {
  return posix.join(
    posix.dirname(remote),
    `.${posix.basename(remote)}.${randomBytes(6).toString('hex')}.upload`,
  );
}

function stat(sftp: SFTPWrapper, remote: string): Promise<RemoteStats | undefined> {
  return new Promise((resolve) =>
    sftp.stat(remote, (error, found) => resolve(error ? undefined : found)),
  );
}

/** Creates a folder and any missing parent (mkdir -p), with the server's default mode. */
async function ensureFolder(sftp: SFTPWrapper, remote: string): Promise<void> {
  const found = await stat(sftp, remote);
  if (found?.isDirectory()) return;
  if (found) throw new RemoteError(`${remote} is not a folder`, 'it exists as a file');
  const parent = posix.dirname(remote);
  if (parent !== remote && parent !== '.') await ensureFolder(sftp, parent);
  await makeFolder(sftp, remote, {});
}

/** Creates a folder; false when it was there already. */
async function makeFolder(
  sftp: SFTPWrapper,
  remote: string,
  attributes: { mode?: number },
): Promise<boolean> {
  try {
    await call(`cannot create the folder ${remote}`, (done) =>
      sftp.mkdir(remote, attributes, (error) => done(error, undefined)),
    );
    return true;
  } catch (error) {
    const found = await stat(sftp, remote);
    if (found?.isDirectory()) return false;
    throw error;
  }
}

async function replace(sftp: SFTPWrapper, temporary: string, remote: string): Promise<void> {
  try {
    await call(`cannot replace ${remote}`, (done) =>
      sftp.ext_openssh_rename(temporary, remote, (error) => done(error, undefined)),
    );
  } catch (error) {
    sftp.unlink(temporary, () => undefined);
    throw error;
  }
}

/** Writes one file under a temporary name, gives it its mode, and renames it over the target. */
async function putFile(sftp: SFTPWrapper, file: PlannedFile): Promise<void> {
  const temporary = temporaryName(file.remote);
  // Readable by the user alone while it is written, whatever the umask; its mode comes after.
  const handle = await call<Buffer>(`cannot write ${file.remote}`, (done) =>
    sftp.open(temporary, 'w', { mode: 0o600 }, done),
  );
  try {
    if (file.size <= SMALL_FILE_BYTES) {
      const content = await readFile(file.local);
      await writeAll(sftp, handle, content, 0, file.remote);
    } else {
      await streamFile(sftp, handle, file);
    }
    await call(`cannot set the mode of ${file.remote}`, (done) =>
      sftp.fchmod(handle, file.mode, (error) => done(error, undefined)),
    );
  } catch (error) {
    sftp.close(handle, () => sftp.unlink(temporary, () => undefined));
    throw error;
  }
  await call(`cannot write ${file.remote}`, (done) =>
    sftp.close(handle, (error) => done(error, undefined)),
  );
  await replace(sftp, temporary, file.remote);
}

function writeAll(
  sftp: SFTPWrapper,
  handle: Buffer,
  content: Buffer,
  position: number,
  remote: string,
): Promise<void> {
  if (content.length === 0) return Promise.resolve();
  return call(`cannot write ${remote}`, (done) =>
    sftp.write(handle, content, 0, content.length, position, (error) => done(error, undefined)),
  );
}

/** A large file: read in chunks, with many writes in flight. */
async function streamFile(sftp: SFTPWrapper, handle: Buffer, file: PlannedFile): Promise<void> {
  const local = await open(file.local, 'r');
  try {
    const positions: number[] = [];
    for (let position = 0; position < file.size; position += CHUNK_BYTES) positions.push(position);
    await pool(positions, WRITES_IN_FLIGHT, async (position) => {
      const length = Math.min(CHUNK_BYTES, file.size - position);
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await local.read(buffer, 0, length, position);
      if (bytesRead !== length) {
        throw new ActionFailure(`${file.local} changed while it was uploaded.`);
      }
      await writeAll(sftp, handle, buffer, position, file.remote);
    });
  } finally {
    await local.close();
  }
}

function readFolder(sftp: SFTPWrapper, remote: string): Promise<FileEntryWithStats[]> {
  return call(`cannot list ${remote}`, (done) => sftp.readdir(remote, done));
}

/** Removes from a mirrored folder what the upload did not bring; returns how many entries. */
async function removeStale(
  sftp: SFTPWrapper,
  folder: string,
  brought: Set<string>,
): Promise<number> {
  let removed = 0;
  const entries = await readFolder(sftp, folder);
  for (const entry of entries) {
    if (entry.filename === '.' || entry.filename === '..') continue;
    const remote = posix.join(folder, entry.filename);
    const isFolder = entry.attrs.isDirectory();
    if (brought.has(remote)) {
      if (isFolder) removed += await removeStale(sftp, remote, brought);
      continue;
    }
    removed += isFolder ? await removeTree(sftp, remote) : await removeOne(sftp, remote);
  }
  return removed;
}

async function removeOne(sftp: SFTPWrapper, remote: string): Promise<number> {
  await call(`cannot delete ${remote}`, (done) =>
    sftp.unlink(remote, (error) => done(error, undefined)),
  );
  return 1;
}

/** A folder and everything in it; links are removed, never followed. */
async function removeTree(sftp: SFTPWrapper, remote: string): Promise<number> {
  let removed = 0;
  for (const entry of await readFolder(sftp, remote)) {
    if (entry.filename === '.' || entry.filename === '..') continue;
    const child = posix.join(remote, entry.filename);
    removed += entry.attrs.isDirectory()
      ? await removeTree(sftp, child)
      : await removeOne(sftp, child);
  }
  await call(`cannot delete ${remote}`, (done) =>
    sftp.rmdir(remote, (error) => done(error, undefined)),
  );
  return removed + 1;
}
