/**
 * The writes of small layer entries (regular files whose content is in memory, and symlinks),
 * described as plain data so that a batch of them can be handed to a worker thread and run
 * there with synchronous system calls: one message per batch instead of a thread-pool round
 * trip per call. Paths are absolute real paths the applier resolved inside the root; a file is
 * created with O_EXCL|O_NOFOLLOW, so nothing is written through a symlink.
 */
import fs from 'node:fs';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const CREATE_EXCLUSIVE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** A regular file: its content is `length` bytes at `offset` of the batch's data. */
export interface FileOp {
  kind: 'file';
  path: string;
  /** Permission bits (0o7777); the file is created with the low nine. */
  mode: number;
  /** Whether to set the mode again after creation (umask, or setuid/setgid/sticky bits). */
  chmod: boolean;
  /** Whether to set the owner. */
  chown: boolean;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
  offset: number;
  length: number;
}

/** A symbolic link, its target stored as given. */
export interface SymlinkOp {
  kind: 'symlink';
  path: string;
  target: string;
  chown: boolean;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}

/** One write of a batch. */
export type WriteOp = FileOp | SymlinkOp;

/** The first failure of a batch: the index of the op and the system error, as plain data. */
export interface BatchFailure {
  index: number;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
}

/** A batch sent to a worker: ops and the content they point into (transferred, and sent back). */
export interface BatchMessage {
  id: number;
  ops: WriteOp[];
  data: ArrayBuffer;
}

/** A worker's answer to a batch. */
export interface BatchReply {
  id: number;
  failure?: BatchFailure;
  data: ArrayBuffer;
}

function removeAny(path: string): void {
  fs.rmSync(path, { recursive: true, force: true });
}

function create(path: string, mode: number): number {
  try {
    return fs.openSync(path, CREATE_EXCLUSIVE, mode & 0o777);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    removeAny(path);
    return fs.openSync(path, CREATE_EXCLUSIVE, mode & 0o777);
  }
}

function writeFile(op: FileOp, data: Uint8Array): void {
  const fd = create(op.path, op.mode);
  try {
    let off = 0;
    while (off < op.length) off += fs.writeSync(fd, data, op.offset + off, op.length - off);
    if (op.chown) fs.fchownSync(fd, op.uid, op.gid);
    if (op.chmod) fs.fchmodSync(fd, op.mode);
    fs.futimesSync(fd, op.atime, op.mtime);
  } finally {
    fs.closeSync(fd);
  }
}

function writeSymlink(op: SymlinkOp): void {
  try {
    fs.symlinkSync(op.target, op.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    removeAny(op.path);
    fs.symlinkSync(op.target, op.path);
  }
  if (op.chown) fs.lchownSync(op.path, op.uid, op.gid);
  fs.lutimesSync(op.path, op.atime, op.mtime);
}

/** Runs the ops in order and stops at the first failure, which it returns. */
export function runBatch(ops: WriteOp[], data: Uint8Array): BatchFailure | undefined {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    try {
      if (op.kind === 'file') writeFile(op, data);
      else writeSymlink(op);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { index: i, message: e.message ?? String(err), code: e.code, errno: e.errno, syscall: e.syscall };
    }
  }
  return undefined;
}

/** The Error a failure stands for, with its errno-style code (what the applier maps to a KilnError). */
export function failureError(f: BatchFailure): Error {
  return Object.assign(new Error(f.message), { code: f.code, errno: f.errno, syscall: f.syscall });
}
