/**
 * What a directory tree holds, measured cheaply (one lstat per entry, hard links counted once):
 * the bytes its files' data needs and how many inodes it has, to tell whether it fits a disk.
 */
import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';

/** A tree's size. */
export interface TreeSize {
  /** Data bytes: each regular file's size, or its allocated bytes when sparse; symlink targets. */
  bytes: number;
  /** Inodes: files, directories, links and special files (each hard-linked file once). */
  inodes: number;
}

/** Directories read at once. */
const PARALLEL = 16;

/** Runs at most `n` tasks at once. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Walks `root` without following symlinks; throws the signal's reason when it aborts. */
export async function measureTree(root: string, signal?: AbortSignal): Promise<TreeSize> {
  const size: TreeSize = { bytes: 0, inodes: 1 };
  const seen = new Set<string>();
  const limit = limiter(PARALLEL);
  /** Counts one directory's entries and returns its subdirectories. */
  const readDir = async (dir: string): Promise<string[]> => {
    signal?.throwIfAborted();
    const subdirs: string[] = [];
    for await (const e of await opendir(dir, { bufferSize: 256 })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        size.inodes++;
        subdirs.push(p);
        continue;
      }
      const st = await lstat(p);
      if (st.nlink > 1 && !st.isDirectory()) {
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      size.inodes++;
      if (st.isFile()) size.bytes += Math.min(st.size, st.blocks * 512);
      else if (st.isSymbolicLink()) size.bytes += st.size;
    }
    return subdirs;
  };
  const walk = async (dir: string): Promise<void> => {
    const subdirs = await limit(() => readDir(dir));
    await Promise.all(subdirs.map(walk));
  };
  await walk(root);
  return size;
}
