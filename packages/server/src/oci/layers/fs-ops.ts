/**
 * Thin promise wrappers over node:fs callbacks for the calls the layer applier makes per entry
 * (cheaper than FileHandle objects when tens of thousands of small files are written), plus the
 * removal Docker's replacement rules need.
 */
import fs from 'node:fs';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** Flags that create a new file and never follow a symlink in the last component (libuv adds O_CLOEXEC). */
export const CREATE_EXCLUSIVE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

function done<T>(resolve: (v: T) => void, reject: (e: unknown) => void) {
  return (err: NodeJS.ErrnoException | null, value?: T): void => (err ? reject(err) : resolve(value as T));
}

/** open(2). */
export function openFd(path: string, flags: number, mode: number): Promise<number> {
  return new Promise((res, rej) => fs.open(path, flags, mode, done(res, rej)));
}

/** close(2). */
export function closeFd(fd: number): Promise<void> {
  return new Promise((res, rej) => fs.close(fd, done(res, rej)));
}

/** Writes all of `buf` at the current position. */
export async function writeAll(fd: number, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.byteLength) {
    off += await new Promise<number>((res, rej) => fs.write(fd, buf, off, buf.byteLength - off, null, done(res, rej)));
  }
}

/** fchown(2). */
export function fchownFd(fd: number, uid: number, gid: number): Promise<void> {
  return new Promise((res, rej) => fs.fchown(fd, uid, gid, done(res, rej)));
}

/** fchmod(2). */
export function fchmodFd(fd: number, mode: number): Promise<void> {
  return new Promise((res, rej) => fs.fchmod(fd, mode, done(res, rej)));
}

/** futimes(2), times in seconds. */
export function futimesFd(fd: number, atime: number, mtime: number): Promise<void> {
  return new Promise((res, rej) => fs.futimes(fd, atime, mtime, done(res, rej)));
}

/** link(2): the new name `path` for the inode at `existing` (a symlink there is not followed). */
export function linkAt(existing: string, path: string): Promise<void> {
  return new Promise((res, rej) => fs.link(existing, path, done(res, rej)));
}

/** lchown(2). */
export function lchownPath(path: string, uid: number, gid: number): Promise<void> {
  return new Promise((res, rej) => fs.lchown(path, uid, gid, done(res, rej)));
}

/** chmod(2) (the caller makes sure `path` is not a symlink). */
export function chmodPath(path: string, mode: number): Promise<void> {
  return new Promise((res, rej) => fs.chmod(path, mode, done(res, rej)));
}

/** lutimes(2), times in seconds. */
export function lutimesPath(path: string, atime: number, mtime: number): Promise<void> {
  return new Promise((res, rej) => fs.lutimes(path, atime, mtime, done(res, rej)));
}

/** mkdir(2). */
export function mkdirPath(path: string, mode: number): Promise<void> {
  return new Promise((res, rej) => fs.mkdir(path, { mode }, (err) => (err ? rej(err) : res())));
}

/** lstat(2), or null when nothing is there. */
export function lstatOrNull(path: string): Promise<fs.Stats | null> {
  return new Promise((res, rej) => fs.lstat(path, (err, st) => {
    if (err) return err.code === 'ENOENT' ? res(null) : rej(err);
    res(st);
  }));
}

/** Removes whatever is at `path` (a whole tree for a directory; a symlink itself, never its target). */
export function removeAny(path: string): Promise<void> {
  return fs.promises.rm(path, { recursive: true, force: true });
}
