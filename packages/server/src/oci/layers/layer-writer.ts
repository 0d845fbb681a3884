/**
 * Applies the entries of one layer to a root filesystem, each at a real path its
 * {@link LayerTree} resolved inside the root: small files and symlinks are written in the
 * background, in batches a worker thread runs ({@link WriteBatches}), directories, large files
 * and hard links in line.
 * Replacement follows Docker: a non-directory replaces whatever is there, a directory over a
 * directory keeps its children. Directory metadata is set when the layer is finished.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { EntryMeta } from './entry-meta.ts';
import {
  chmodPath, closeFd, CREATE_EXCLUSIVE, fchmodFd, fchownFd, futimesFd, lchownPath, linkAt, lstatOrNull,
  lutimesPath, mkdirPath, openFd, removeAny, writeAll,
} from './fs-ops.ts';
import { LayerTree } from './layer-tree.ts';
import { joinRel, parentRel } from './rootfs-paths.ts';
import { BATCH_BYTES, WriteBatches, type WriteMode } from './write-batches.ts';

/** Files up to this size are copied into a write batch and written in the background. */
export const SMALL_FILE_BYTES = 1024 * 1024;
const META_BATCH = 64;
const S_ISGID = 0o2000;

/** The process umask, read once from /proc (null when unknown: modes are then always set explicitly). */
let umaskCache: number | null | undefined;
function processUmask(): number | null {
  if (umaskCache === undefined) {
    try {
      const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
      umaskCache = m ? parseInt(m[1], 8) : null;
    } catch {
      umaskCache = null;
    }
  }
  return umaskCache;
}

/** Thrown when an entry cannot be applied for a reason of the layer's own making. */
export class EntryError extends Error {
  /** Always `EINVAL`-like: the layer, not the host, is at fault. */
  readonly code = 'EBADLAYER';
}

/** An entry's content as tar-stream gives it: a stream of chunks, read here through its events. */
export interface ContentStream {
  /** Set once the stream was destroyed (its 'close' may have been emitted before anyone listened). */
  readonly destroyed?: boolean;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Reads a content stream into `dest`, which it must fill exactly. Events rather than an async
 * iterator: tens of thousands of small files are read per layer, and each iterator costs.
 */
function readInto(content: ContentStream, dest: Uint8Array): Promise<void> {
  if (content.destroyed) return Promise.reject(new Error('Stream was destroyed'));
  return new Promise((resolve, reject) => {
    let filled = 0;
    let overflow = false;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    content.on('data', (chunk) => {
      if (overflow || filled + chunk.byteLength > dest.byteLength) {
        overflow = true;
        return;
      }
      dest.set(chunk, filled);
      filled += chunk.byteLength;
    });
    content.on('error', fail);
    // 'close' follows every 'end': no Error (and its stack trace) is made for a read that succeeded.
    content.on('close', () => {
      if (!settled) fail(new Error('Stream was destroyed'));
    });
    content.on('end', () => {
      if (overflow) fail(new EntryError('has more content than its header declares'));
      else if (filled !== dest.byteLength) fail(new EntryError('has less content than its header declares'));
      if (settled) return;
      settled = true;
      resolve();
    });
  });
}

/** Writes one layer's entries into a root filesystem. */
export class LayerWriter {
  /** The resolver of paths inside the root. */
  readonly tree: LayerTree;
  private readonly pool: WriteBatches;
  /** Real paths this layer wrote, and every directory above them. */
  private readonly touched = new Set<string>();
  /** Directories this layer declared, with the metadata to set when it is finished. */
  private readonly dirMeta = new Map<string, EntryMeta>();
  private readonly uid = process.geteuid?.() ?? -1;
  private readonly gid = process.getegid?.() ?? -1;
  private readonly isRoot = this.uid === 0;
  private readonly umask = processUmask();

  /** A writer for the root filesystem at `rootfs` (an absolute path); `writes` says where small entries are written. */
  constructor(rootfs: string, writes: WriteMode = 'worker') {
    this.pool = new WriteBatches(writes);
    this.tree = new LayerTree(rootfs, (rel) => this.pool.waitFor(rel));
  }

  /** Resolves the real path of an entry (cleaned components, at least one), creating missing parents. */
  async target(parts: string[]): Promise<string> {
    const parent = await this.tree.resolveDir(parts.slice(0, -1), true);
    return joinRel(parent as string, parts[parts.length - 1]);
  }

  /** Throws the first background failure, if any, with the entry it was for. */
  checkFailure(): void {
    const f = this.pool.failure;
    if (f) throw Object.assign(f.error instanceof Error ? f.error : new Error(String(f.error)), { entryName: f.entry });
  }

  private async settle(): Promise<void> {
    await this.pool.drain();
    this.checkFailure();
  }

  private touch(rel: string): void {
    let r = rel;
    while (!this.touched.has(r)) {
      this.touched.add(r);
      if (r === '') break;
      r = parentRel(r);
    }
  }

  private dropDirMeta(rel: string): void {
    const prefix = `${rel}/`;
    for (const key of this.dirMeta.keys()) if (key === rel || rel === '' || key.startsWith(prefix)) this.dirMeta.delete(key);
  }

  /**
   * Makes way at `rel` for a new entry: waits for a pending write there, and when earlier walks
   * or declared directories depend on what is there, lets every write finish, removes it and
   * forgets what was remembered. Other existing things are removed by the write itself.
   */
  private async makeWay(rel: string, forDir: boolean): Promise<void> {
    const pending = this.pool.waitFor(rel);
    if (pending) await pending;
    if (forDir && this.tree.isDir(rel)) return;
    if (this.tree.relies(rel) || (!forDir && this.dirMeta.has(rel))) {
      await this.settle();
      await removeAny(this.tree.abs(rel));
      this.dropDirMeta(rel);
      this.tree.forget();
    }
  }

  private needsChown(rel: string, meta: EntryMeta): boolean {
    return this.isRoot && (meta.uid !== this.uid || meta.gid !== this.gid || this.tree.setgid(parentRel(rel)));
  }

  private needsChmod(meta: EntryMeta): boolean {
    return this.umask === null || meta.mode !== (meta.mode & 0o777 & ~this.umask);
  }

  private async create(abs: string, mode: number): Promise<number> {
    try {
      return await openFd(abs, CREATE_EXCLUSIVE, mode & 0o777);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await removeAny(abs);
      return await openFd(abs, CREATE_EXCLUSIVE, mode & 0o777);
    }
  }

  private async fileBody(rel: string, meta: EntryMeta, write: (fd: number) => Promise<void>): Promise<void> {
    const fd = await this.create(this.tree.abs(rel), meta.mode);
    try {
      await write(fd);
      if (this.needsChown(rel, meta)) await fchownFd(fd, meta.uid, meta.gid);
      if (this.needsChmod(meta)) await fchmodFd(fd, meta.mode);
      await futimesFd(fd, meta.atime, meta.mtime);
    } finally {
      await closeFd(fd);
    }
  }

  /** Writes a regular file of `size` bytes (at most {@link SMALL_FILE_BYTES}) in the background, its content read into a write batch. */
  async smallFile(rel: string, entry: string, meta: EntryMeta, size: number, content: ContentStream): Promise<void> {
    await this.makeWay(rel, false);
    this.touch(rel);
    let slot = this.pool.reserve(size);
    while (!slot) {
      await this.pool.room();
      slot = this.pool.reserve(size);
    }
    await readInto(content, slot.view);
    this.pool.add(rel, entry, {
      kind: 'file', path: this.tree.abs(rel), mode: meta.mode, chmod: this.needsChmod(meta), chown: this.needsChown(rel, meta),
      uid: meta.uid, gid: meta.gid, atime: meta.atime, mtime: meta.mtime, offset: slot.offset, length: size,
    });
  }

  /** Writes a regular file from its content stream, in line. */
  async streamedFile(rel: string, meta: EntryMeta, content: AsyncIterable<Uint8Array>): Promise<void> {
    await this.makeWay(rel, false);
    this.touch(rel);
    await this.fileBody(rel, meta, async (fd) => {
      for await (const chunk of content) await writeAll(fd, chunk);
    });
  }

  /** Creates a symlink (its target is stored as given, whatever it points at), in the background. */
  async symlink(rel: string, entry: string, meta: EntryMeta, target: string): Promise<void> {
    await this.makeWay(rel, false);
    this.touch(rel);
    while (!this.pool.reserve(0)) await this.pool.room();
    this.pool.add(rel, entry, {
      kind: 'symlink', path: this.tree.abs(rel), target, chown: this.needsChown(rel, meta), uid: meta.uid, gid: meta.gid, atime: meta.atime, mtime: meta.mtime,
    });
  }

  /**
   * Creates a hard link at `rel` to the entry named by `targetParts` (resolved inside the root,
   * its last component not followed; it may come from an earlier layer) and applies the
   * header's metadata to the shared inode, as Docker does.
   */
  async hardlink(rel: string, meta: EntryMeta, targetParts: string[]): Promise<void> {
    const parent = await this.tree.resolveDir(targetParts.slice(0, -1), false);
    if (parent === null) throw new EntryError('its hard link target does not exist');
    const targetRel = joinRel(parent, targetParts[targetParts.length - 1]);
    const pending = this.pool.waitFor(targetRel);
    if (pending) await pending;
    const abs = this.tree.abs(rel);
    if (targetRel !== rel) {
      const st = await lstatOrNull(this.tree.abs(targetRel));
      if (st === null) throw new EntryError('its hard link target does not exist');
      if (st.isDirectory()) throw new EntryError('its hard link target is a directory');
      await this.makeWay(rel, false);
      try {
        await linkAt(this.tree.abs(targetRel), abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        await removeAny(abs);
        await linkAt(this.tree.abs(targetRel), abs);
      }
    }
    this.touch(rel);
    const st = await lstatOrNull(abs);
    if (st === null) throw new EntryError('its hard link target does not exist');
    if (this.needsChown(rel, meta)) await lchownPath(abs, meta.uid, meta.gid);
    if (!st.isSymbolicLink()) await chmodPath(abs, meta.mode);
    await lutimesPath(abs, meta.atime, meta.mtime);
  }

  /** Creates a directory, or keeps an existing one with its children; its metadata is set at {@link finish}. */
  async directory(rel: string, meta: EntryMeta): Promise<void> {
    await this.makeWay(rel, true);
    this.touch(rel);
    this.dirMeta.set(rel, meta);
    if (this.tree.isDir(rel)) return;
    const abs = this.tree.abs(rel);
    const st = await lstatOrNull(abs);
    if (st?.isDirectory()) {
      this.tree.noteDir(rel, (st.mode & S_ISGID) !== 0);
      return;
    }
    if (st !== null) await removeAny(abs);
    await mkdirPath(abs, 0o755);
    this.tree.noteDir(rel, this.tree.setgid(parentRel(rel)));
  }

  /** Records metadata for the root directory itself (an entry named `./` or `/`). */
  rootDirectory(meta: EntryMeta): void {
    this.dirMeta.set('', meta);
  }

  /** Removes `name` in the directory `parentParts` names, when an earlier layer put it there. */
  async whiteout(parentParts: string[], name: string): Promise<void> {
    const parent = await this.tree.resolveDir(parentParts, false);
    if (parent === null) return;
    const rel = joinRel(parent, name);
    if (this.touched.has(rel)) return;
    const pending = this.pool.waitFor(rel);
    if (pending) await pending;
    if (this.tree.relies(rel)) {
      await this.settle();
      this.tree.forget();
    }
    await removeAny(this.tree.abs(rel));
  }

  /**
   * Makes a directory opaque: removes everything in it that this layer did not write (so far or
   * later). Every pending write finishes first, so the tree it walks is what the layer left.
   */
  async opaque(dirParts: string[]): Promise<void> {
    const dir = await this.tree.resolveDir(dirParts, false);
    if (dir === null) return;
    await this.settle();
    this.touch(dir);
    await this.prune(dir);
  }

  private async prune(dir: string): Promise<void> {
    let children;
    try {
      children = await readdir(this.tree.abs(dir), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const child of children) {
      const rel = joinRel(dir, child.name);
      if (this.touched.has(rel)) {
        if (child.isDirectory()) await this.prune(rel);
        continue;
      }
      await removeAny(this.tree.abs(rel));
      if (this.tree.relies(rel)) this.tree.forget();
    }
  }

  /**
   * Waits for every write, then sets each declared directory's owner, mode and times; throws the
   * first failure. Each path is checked again first (every component a real directory), so a
   * directory replaced later in the layer, or one below a replaced parent, is left alone.
   */
  async finish(): Promise<void> {
    await this.settle();
    const verified = new Map<string, boolean>([['', true]]);
    const isRealDir = async (rel: string): Promise<boolean> => {
      const known = verified.get(rel);
      if (known !== undefined) return known;
      const ok = (await isRealDir(parentRel(rel))) && ((await lstatOrNull(this.tree.abs(rel)))?.isDirectory() ?? false);
      verified.set(rel, ok);
      return ok;
    };
    const items = [...this.dirMeta].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < items.length; i += META_BATCH) {
      const batch = items.slice(i, i + META_BATCH);
      for (const [rel] of batch) await isRealDir(rel);
      await Promise.all(batch.map(async ([rel, meta]) => {
        if (!verified.get(rel)) return;
        const abs = this.tree.abs(rel);
        if (this.isRoot) await lchownPath(abs, meta.uid, meta.gid);
        await chmodPath(abs, meta.mode);
        await lutimesPath(abs, meta.atime, meta.mtime);
      }));
    }
  }

  /** Waits for every background write to end, ignoring failures (used when the layer is abandoned). */
  async abandon(): Promise<void> {
    await this.pool.drain();
  }
}
