/**
 * The ext4 root filesystem image of a build, made by `mkfs.ext4 -d` straight from the merged tree
 * (no loop mount), sized from `build_config.disk_mb`. Nothing else reads the tree on the way (so
 * the step costs what mkfs costs); when mkfs runs out of blocks or inodes, the tree is measured
 * and the build fails with `rootfs_too_large`, naming its size and what to set disk_mb to.
 */
import { rm, stat } from 'node:fs/promises';
import { KilnError } from '../../errors/errors.ts';
import { withMergedTree } from './readonly-overlay.ts';
import { runTool, runToolOutput } from './run-tool.ts';
import { measureTree, type TreeSize } from './tree-size.ts';

/** What writing the image did. */
export interface Ext4Result {
  /** The image file's size: disk_mb MiB (sparse on the host). */
  bytes: number;
  /** What the new filesystem uses (data and ext4's own metadata) and its inodes in use, from its superblock. */
  used: { bytes: number; inodes: number } | undefined;
  ms: number;
}

const MIB = 1024 * 1024;
/** mkfs.ext4's default bytes per inode for disks of 512 MiB and more. */
const BYTES_PER_INODE = 16384;
/** What mkfs.ext4 prints when the tree does not fit. */
const NO_SPACE_RE = /Could not allocate|No space left/i;

/**
 * The mkfs.ext4 arguments Kiln uses: root owned by 0:0, and inode tables and journal left to the
 * kernel to initialise (a new sparse file reads as zeros, so nothing stale can be read back).
 */
export function mkfsArgs(root: string, file: string, diskMb: number): string[] {
  return ['-q', '-F', '-t', 'ext4', '-d', root, '-E', 'root_owner=0:0,lazy_itable_init=1,lazy_journal_init=1', file, `${diskMb}M`];
}

/** The disk_mb to suggest for a tree: its data and inodes with ext4's overhead, rounded up to 64 MiB. */
export function suggestedDiskMb(tree: TreeSize): number {
  const byData = (tree.bytes * 1.2 + tree.inodes * 4096) / MIB + 64;
  const byInodes = (tree.inodes * BYTES_PER_INODE * 1.2) / MIB;
  return Math.max(256, Math.ceil(Math.max(byData, byInodes) / 64) * 64);
}

/** The `rootfs_too_large` error for a tree and disk size. */
export function rootfsTooLarge(tree: TreeSize | undefined, diskMb: number): KilnError {
  const what = tree
    ? `The root filesystem holds ${(tree.bytes / MIB).toFixed(1)} MiB of data in ${tree.inodes.toLocaleString('en-US')} files and directories, which does not fit`
    : 'The root filesystem does not fit';
  const advice = tree ? `Raise build_config.disk_mb to at least ${suggestedDiskMb(tree)}.` : 'Raise build_config.disk_mb.';
  return new KilnError('rootfs_too_large', `${what} an ext4 image of build_config.disk_mb = ${diskMb} MiB (ext4 keeps part of the disk for its own metadata). ${advice}`, { phase: 'finalize' });
}

/** Blocks and inodes in use, read from the image's superblock with `dumpe2fs -h`. */
async function usage(file: string): Promise<Ext4Result['used']> {
  const { code, stdout } = await runToolOutput('dumpe2fs', ['-h', file]);
  if (code !== 0) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(stdout)?.[1] ?? NaN);
  const bytes = (field('Block count') - field('Free blocks')) * field('Block size');
  const inodes = field('Inode count') - field('Free inodes');
  return Number.isFinite(bytes) && Number.isFinite(inodes) ? { bytes, inodes } : undefined;
}

/** Makes `file` an ext4 image of `diskMb` MiB holding the tree at `root`. */
export async function writeExt4(root: string, file: string, diskMb: number, signal?: AbortSignal): Promise<Ext4Result> {
  const started = performance.now();
  await rm(file, { force: true });
  try {
    const mkfs = await runTool('mkfs.ext4', mkfsArgs(root, file, diskMb), { signal });
    signal?.throwIfAborted();
    if (mkfs.code !== 0 && NO_SPACE_RE.test(mkfs.stderr)) throw rootfsTooLarge(await measureTree(root, signal).catch(() => undefined), diskMb);
    if (mkfs.code !== 0) {
      throw new KilnError('internal_error', `mkfs.ext4 could not make the root filesystem image: ${mkfs.stderr.trim().slice(-1000) || `exit code ${mkfs.code}`}`, { phase: 'finalize' });
    }
    const bytes = (await stat(file)).size;
    return { bytes, used: await usage(file), ms: Math.round(performance.now() - started) };
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

/**
 * Makes the ext4 image of a stacked root filesystem: `layers` (bottom first) are merged by a
 * read-only overlay mounted at `mountpoint` for the run when there are several.
 */
export async function writeExt4Image(opts: { layers: string[]; file: string; diskMb: number; mountpoint: string; signal?: AbortSignal }): Promise<Ext4Result> {
  return withMergedTree(opts.layers, opts.mountpoint, (root) => writeExt4(root, opts.file, opts.diskMb, opts.signal));
}
