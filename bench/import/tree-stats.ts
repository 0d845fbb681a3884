/** Counts what an unpacked root filesystem holds, to check two importers produced the same tree. */
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Counts of one directory tree (hard links count once per path, as `find -type f` does). */
export interface TreeStats {
  regularFiles: number;
  /** Sum of the regular files' sizes. */
  regularBytes: number;
  directories: number;
  symlinks: number;
  /** Fifos, sockets and device nodes. */
  other: number;
}

/** Walks `root` without following symlinks and counts its entries (the root itself is not counted). */
export async function treeStats(root: string): Promise<TreeStats> {
  const stats: TreeStats = { regularFiles: 0, regularBytes: 0, directories: 0, symlinks: 0, other: 0 };
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    const entries = await readdir(dir, { withFileTypes: true });
    const sizes: Promise<void>[] = [];
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        stats.directories++;
        pending.push(full);
      } else if (e.isFile()) {
        stats.regularFiles++;
        sizes.push(lstat(full).then((s) => { stats.regularBytes += s.size; }));
      } else if (e.isSymbolicLink()) {
        stats.symlinks++;
      } else {
        stats.other++;
      }
    }
    await Promise.all(sizes);
  }
  return stats;
}

/** The differences between two trees' counts, as readable lines (empty when the regular files and bytes match). */
export function compareTrees(a: TreeStats, b: TreeStats, names: [string, string]): string[] {
  const out: string[] = [];
  for (const key of ['regularFiles', 'regularBytes'] as const) {
    if (a[key] !== b[key]) out.push(`${key}: ${names[0]} has ${a[key]}, ${names[1]} has ${b[key]}`);
  }
  return out;
}
