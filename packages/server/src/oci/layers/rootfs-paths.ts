/**
 * Path rules of a root filesystem seen as a chroot: entry names are cleaned lexically (a `..`
 * that climbs above the root is an escape), and symlinks met while walking are resolved inside
 * the root (an absolute target restarts at the root, `..` stops at the root), component by
 * component with lstat, so no walk can ever reach outside it.
 */
import { lstat, readlink } from 'node:fs/promises';

/** Symlinks followed in one walk before it fails like ELOOP (Linux's own limit). */
export const MAX_SYMLINK_HOPS = 40;

/** The result of cleaning an entry name. */
export type CleanPath = { ok: true; parts: string[] } | { ok: false; reason: 'escape' | 'nul' };

/**
 * Cleans an archive entry name into path components relative to the root: a leading `/` and
 * `.` components are dropped, `..` removes the component before it; a `..` above the root, or a
 * NUL byte, makes the name unusable.
 */
export function cleanEntryPath(name: string): CleanPath {
  if (name.includes('\0')) return { ok: false, reason: 'nul' };
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { ok: false, reason: 'escape' };
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return { ok: true, parts };
}

/** `rel` joined to `name`, where '' is the root. */
export function joinRel(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

/** The parent of a relative path ('' for a top-level name and for the root itself). */
export function parentRel(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** Thrown by a walk that meets more than {@link MAX_SYMLINK_HOPS} symlinks. */
export class SymlinkLoopError extends Error {
  /** The errno-style code, so callers can treat it like the kernel's ELOOP. */
  readonly code = 'ELOOP';
}

/** Thrown by a walk whose path goes through something that is not a directory or symlink. */
export class NotADirectoryError extends Error {
  /** The errno-style code, so callers can treat it like the kernel's ENOTDIR. */
  readonly code = 'ENOTDIR';
}

/** Pushes the components of a symlink target in front of `queue`, and says whether it restarts at the root. */
export function expandLink(target: string, queue: string[]): boolean {
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  queue.unshift(...parts);
  return target.startsWith('/');
}

/**
 * Resolves `path` inside `rootfs` as a chroot would, following symlinks in every component (and
 * in the last one when `followLast`), and returns the real path relative to `rootfs` (no
 * component of it a symlink), or null when something on the way does not exist. Throws
 * {@link SymlinkLoopError} or {@link NotADirectoryError} for loops and file parents.
 */
export async function resolveInRootfs(rootfs: string, path: string, followLast = true): Promise<string | null> {
  const queue = path.split('/').filter((p) => p !== '' && p !== '.');
  let cur = '';
  let hops = 0;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === '..') {
      cur = parentRel(cur);
      continue;
    }
    const cand = joinRel(cur, part);
    const last = queue.length === 0;
    let st;
    try {
      st = await lstat(`${rootfs}/${cand}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (st.isSymbolicLink() && (!last || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new SymlinkLoopError(`Too many symlinks resolving ${path}.`);
      if (expandLink(await readlink(`${rootfs}/${cand}`), queue)) cur = '';
      continue;
    }
    if (!last && !st.isDirectory()) throw new NotADirectoryError(`${cand} is not a directory.`);
    cur = cand;
  }
  return cur;
}
