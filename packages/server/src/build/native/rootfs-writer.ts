/**
 * Writes into a build's mounted root filesystem from the host, as a chroot would: every path is
 * resolved inside the rootfs (symlinks in it can never lead out), parents are created as needed,
 * and files are opened without following a final symlink. No container runs while this writes,
 * so nothing can swap a path between resolution and use.
 */
import { constants, createReadStream } from 'node:fs';
import { chown, lchown, lstat, mkdir, open, rm, symlink, chmod } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import { resolveInRootfs } from '../../oci/layers/rootfs-paths.ts';

/** Owner of written entries. */
export interface Owner {
  uid: number;
  gid: number;
}

function fail(message: string): KilnError {
  return new KilnError('step_failed', message, { phase: 'step' });
}

/** Resolves an absolute in-rootfs path to its real path relative to the rootfs, creating missing directories. */
export async function ensureDir(rootfs: string, abs: string, owner: Owner, mode = 0o755): Promise<string> {
  const parts = abs.split('/').filter((p) => p !== '' && p !== '.');
  let real = '';
  let soFar = '';
  for (const part of parts) {
    soFar = `${soFar}/${part}`;
    const found = await resolveInRootfs(rootfs, soFar).catch((err: Error) => { throw fail(`Cannot create ${abs}: ${err.message}`); });
    if (found !== null) {
      if (!(await lstat(path.join(rootfs, found))).isDirectory()) throw fail(`Cannot create ${abs}: ${soFar} exists and is not a directory.`);
      real = found;
      continue;
    }
    real = part === '..' ? path.posix.dirname(real) : real === '' ? part : `${real}/${part}`;
    await mkdir(path.join(rootfs, real), { mode });
    await chown(path.join(rootfs, real), owner.uid, owner.gid);
    soFar = `/${real}`;
  }
  return real;
}

/** Where a new entry named `name` in directory `dirReal` lives on the host, after clearing a non-directory in the way. */
async function entryPath(rootfs: string, dirReal: string, name: string, replaceDir: boolean): Promise<string> {
  const target = path.join(rootfs, dirReal, name);
  const st = await lstat(target).catch(() => undefined);
  if (st && (!st.isDirectory() || replaceDir)) await rm(target, { recursive: true, force: true });
  return target;
}

/** Writes a file from `source` (a host file) at `dirReal/name`, with mode and owner. */
export async function writeFileFrom(rootfs: string, dirReal: string, name: string, source: string | Buffer, mode: number, owner: Owner): Promise<void> {
  const target = await entryPath(rootfs, dirReal, name, true);
  const fh = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode & 0o7777);
  try {
    await fh.writeFile(typeof source === 'string' ? createReadStream(source) : source);
    await fh.chown(owner.uid, owner.gid);
    await fh.chmod(mode & 0o7777);
  } finally {
    await fh.close();
  }
}

/** Creates (or keeps) a directory at `dirReal/name` with mode and owner; returns its real path. */
export async function makeDirEntry(rootfs: string, dirReal: string, name: string, mode: number, owner: Owner): Promise<string> {
  const target = await entryPath(rootfs, dirReal, name, false);
  await mkdir(target, { mode: mode & 0o7777 }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
  await chown(target, owner.uid, owner.gid);
  await chmod(target, mode & 0o7777);
  return dirReal === '' ? name : `${dirReal}/${name}`;
}

/** Creates a symlink at `dirReal/name` (its target is kept as written; it is only ever read inside the rootfs). */
export async function makeSymlinkEntry(rootfs: string, dirReal: string, name: string, linkTarget: string, owner: Owner): Promise<void> {
  const target = await entryPath(rootfs, dirReal, name, true);
  await symlink(linkTarget, target);
  await lchown(target, owner.uid, owner.gid);
}

/** Splits an absolute in-rootfs path into its parent and last name ('/' has no name). */
export function splitPath(abs: string): { parent: string; name: string } {
  const norm = path.posix.normalize(`/${abs}`);
  return { parent: path.posix.dirname(norm), name: path.posix.basename(norm) };
}
