/**
 * Applies one image layer (a tar stream, uncompressed, gzip or zstd) on top of a root filesystem
 * that earlier layers wrote: files, directories, symlinks and hard links with their modes,
 * owners and times; OCI whiteouts and opaque directories; every path resolved inside the root as
 * a chroot would. Streaming with bounded memory, and stopped by the decompression-bomb guard.
 *
 * Decisions: entry names are cleaned lexically (a leading `/` is dropped, as Docker does; a `..`
 * above the root is refused with `archive_path_escape`); symlinks met on the way are resolved
 * inside the root (an absolute target restarts at the root, `..` stops there), so
 * `evil -> /` then `evil/etc/x` writes `<rootfs>/etc/x`. Sockets cannot be expressed in tar;
 * FIFOs and devices are refused with `special_file_rejected`. Contents of `dev/`, `proc/` and
 * `sys/` are skipped (the sandbox mounts its own), the directories themselves are kept. Extended
 * attributes (PAX `SCHILY.xattr.*`, e.g. security.capability) are not set, because Node has no
 * xattr call; they are counted in `xattrsSkipped`. When a layer fails, the root filesystem is
 * left part-applied and the caller must discard it; no write continues after the promise settles.
 */
import type { Readable } from 'node:stream';
import { resolve } from 'node:path';
import tar from 'tar-stream';
import type { Extract } from 'tar-stream';
import { KilnError } from '../../errors/errors.ts';
import type { LayerCompression } from '../oci-types.ts';
import { entryMeta } from './entry-meta.ts';
import { applyError, entryError, readError } from './layer-errors.ts';
import { layerTarBytes, tooLarge, type ApplyBudget, type LayerLimits, type LayerMeter } from './layer-stream.ts';
import { LayerWriter, SMALL_FILE_BYTES, type ContentStream } from './layer-writer.ts';
import { cleanEntryPath } from './rootfs-paths.ts';
import type { WriteMode } from './write-batches.ts';

export type { ApplyBudget, LayerLimits } from './layer-stream.ts';

/** What one applied layer held. */
export interface ApplyStats {
  /** Tar entries read (long-name and PAX records not counted). */
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** `.wh.<name>` entries. */
  whiteouts: number;
  /** `.wh..wh..opq` entries. */
  opaqueDirs: number;
  /** Expanded (decompressed tar) bytes of the layer. */
  bytes: number;
  /** Bytes of regular-file content written. */
  contentBytes: number;
  /** Extended attributes present in the layer but not set (Node has no xattr call). */
  xattrsSkipped: number;
  /** Entries skipped: contents of dev/, proc/ and sys/, and AUFS metadata (`.wh..wh.*`). */
  skipped: number;
}

/** Options of {@link applyLayer}. */
export interface ApplyLayerOptions {
  /** The root filesystem directory; earlier layers' content is already there. */
  rootfs: string;
  compression: LayerCompression;
  limits: LayerLimits;
  /** Shared by every layer of one image; decremented by this layer's expanded bytes. */
  budget: ApplyBudget;
  /** Named in error messages. */
  layerDigest?: string;
  /**
   * Where small files and symlinks are written: on a worker thread (the default, which keeps the
   * caller's event loop free), or 'inline' on the calling thread between reads (no worker, less
   * memory; for a process that has nothing else to do, such as the CLI).
   */
  writes?: WriteMode;
}

/** One entry as tar-stream yields it. */
type Entry = Extract extends AsyncIterable<infer S> ? S : never;

const PSEUDO_FS = new Set(['dev', 'proc', 'sys']);
const OPAQUE = '.wh..wh..opq';
const WHITEOUT = '.wh.';

interface Progress {
  readFailure?: unknown;
  last: string | undefined;
}

/** Writes the tar bytes into the extractor with back-pressure; a read failure destroys the extractor with it. */
async function feed(bytes: AsyncIterable<Uint8Array>, extract: Extract, progress: Progress): Promise<void> {
  try {
    for await (const chunk of bytes) {
      if (extract.destroyed) return;
      if (!extract.write(chunk)) {
        await new Promise<void>((done) => {
          const wake = (): void => {
            extract.off('drain', wake);
            extract.off('close', wake);
            done();
          };
          extract.on('drain', wake);
          extract.on('close', wake);
        });
      }
    }
    if (!extract.destroyed) extract.end(undefined);
  } catch (err) {
    progress.readFailure ??= err;
    extract.destroy(err as Error);
  }
}

/** Reads an entry's content to its end (a directory's stream never ends in tar-stream, so it is left alone). */
async function drain(entry: Entry): Promise<void> {
  if (entry.header.type === 'directory') return;
  for await (const chunk of entry) void chunk;
}

/** Applies one entry; throws KilnErrors for layer faults and raw errors for the caller to map. */
async function applyEntry(entry: Entry, writer: LayerWriter, stats: ApplyStats, opts: ApplyLayerOptions, budgetAtStart: number): Promise<void> {
  const h = entry.header;
  const name = h.name;
  const digest = opts.layerDigest;
  const cleaned = cleanEntryPath(name);
  if (!cleaned.ok) {
    throw cleaned.reason === 'escape'
      ? entryError('archive_path_escape', digest, name, 'would land outside the root filesystem')
      : entryError('invalid_layer', digest, name, 'has a NUL byte in its name');
  }
  const size = h.size;
  // A size field tar-stream cannot decode comes back as null, and its content would never end.
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw entryError('invalid_layer', digest, name, 'has a corrupt size field');
  // tar-stream would read a directory's declared content as the next header.
  if (h.type === 'directory' && size > 0) throw entryError('invalid_layer', digest, name, 'is a directory that declares content');
  const end = ((h as unknown as { byteOffset?: number }).byteOffset ?? 0) + size;
  if (end > opts.limits.maxLayerBytes) throw tooLarge('layer', opts.limits, digest, ` (entry ${JSON.stringify(name)} declares ${size} bytes)`);
  if (end > budgetAtStart) throw tooLarge('image', opts.limits, digest, `, entry ${JSON.stringify(name)} declares ${size} bytes`);
  const parts = cleaned.parts;
  const base = parts[parts.length - 1] ?? '';
  if ((parts.length > 1 && PSEUDO_FS.has(parts[0])) || (parts.length > 0 && parts[0].startsWith('.wh..wh.') && !(parts.length === 1 && base === OPAQUE))) {
    stats.skipped++;
    return drain(entry);
  }
  if (base.startsWith(WHITEOUT)) {
    await drain(entry);
    if (base === OPAQUE) {
      stats.opaqueDirs++;
      return writer.opaque(parts.slice(0, -1));
    }
    const victim = base.slice(WHITEOUT.length);
    if (victim.startsWith(WHITEOUT)) {
      stats.skipped++;
      return;
    }
    if (victim === '' || victim === '.' || victim === '..') throw entryError('invalid_layer', digest, name, 'is a whiteout that names no file');
    stats.whiteouts++;
    return writer.whiteout(parts.slice(0, -1), victim);
  }
  const type = h.type as string | null;
  if (type === 'character-device' || type === 'block-device' || type === 'fifo') {
    const kind = type === 'fifo' ? 'a FIFO' : `a ${type.replace('-', ' ')}`;
    throw entryError('special_file_rejected', digest, name, `is ${kind}; image layers may hold only files, directories and links (outside dev/)`);
  }
  if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory' && type !== 'symlink' && type !== 'link') {
    throw entryError('invalid_layer', digest, name, 'has a tar entry type Kiln does not apply');
  }
  const meta = entryMeta(h);
  if (typeof meta === 'string') throw entryError('invalid_layer', digest, name, meta);
  stats.xattrsSkipped += meta.xattrs;
  if (parts.length === 0) {
    await drain(entry);
    if (type !== 'directory') throw entryError('invalid_layer', digest, name, 'would replace the root directory');
    stats.dirs++;
    return writer.rootDirectory(meta);
  }
  if (type === 'file' || type === 'contiguous-file') {
    const rel = await writer.target(parts);
    stats.files++;
    stats.contentBytes += size;
    if (size <= SMALL_FILE_BYTES) return writer.smallFile(rel, name, meta, size, entry as unknown as ContentStream);
    return writer.streamedFile(rel, meta, entry as AsyncIterable<Uint8Array>);
  }
  await drain(entry);
  if (type === 'directory') {
    stats.dirs++;
    return writer.directory(await writer.target(parts), meta);
  }
  const linkname = h.linkname ?? '';
  if (type === 'symlink') {
    if (linkname === '') throw entryError('invalid_layer', digest, name, 'is a symlink with an empty target');
    if (linkname.includes('\0')) throw entryError('invalid_layer', digest, name, 'is a symlink with a NUL byte in its target');
    stats.symlinks++;
    return writer.symlink(await writer.target(parts), name, meta, linkname);
  }
  const linked = cleanEntryPath(linkname);
  if (!linked.ok || linked.parts.length === 0) {
    const why = !linked.ok && linked.reason === 'escape' ? 'outside the root filesystem' : 'that is not a file';
    throw entryError(!linked.ok && linked.reason === 'escape' ? 'archive_path_escape' : 'invalid_layer', digest, name, `is a hard link to ${JSON.stringify(linkname)}, ${why}`);
  }
  stats.hardlinks++;
  return writer.hardlink(await writer.target(parts), meta, linked.parts);
}

/**
 * Applies the layer read from `input` to `opts.rootfs` and returns what it held. Throws KilnError
 * (phase `preparing`): `invalid_layer` (corrupt or mislabelled compression, corrupt tar, an
 * entry that cannot be applied), `archive_path_escape`, `special_file_rejected`,
 * `layer_too_large` (expanded bytes past `limits.maxLayerBytes` or the shared budget), or
 * `internal_error` for a host failure; each names the layer and, where known, the entry.
 */
export async function applyLayer(input: Readable | AsyncIterable<Uint8Array>, opts: ApplyLayerOptions): Promise<ApplyStats> {
  const rootfs = resolve(opts.rootfs);
  const stats: ApplyStats = {
    entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, whiteouts: 0, opaqueDirs: 0, bytes: 0, contentBytes: 0, xattrsSkipped: 0, skipped: 0,
  };
  const meter: LayerMeter = { bytes: 0 };
  const budgetAtStart = opts.budget.remainingImageBytes;
  const progress: Progress = { last: undefined };
  const writer = new LayerWriter(rootfs, opts.writes);
  const extract = tar.extract();
  const bytes = layerTarBytes(input, { compression: opts.compression, limits: opts.limits, budget: opts.budget, layerDigest: opts.layerDigest, meter });
  const pumping = feed(bytes, extract, progress);
  const entries = extract[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (err) {
        throw readError(progress.readFailure ?? err, opts.layerDigest, progress.last);
      }
      if (next.done) break;
      const entry = next.value;
      progress.last = entry.header.name;
      stats.entries++;
      try {
        writer.checkFailure();
        await applyEntry(entry, writer, stats, opts, budgetAtStart);
      } catch (err) {
        if (progress.readFailure !== undefined) throw readError(progress.readFailure, opts.layerDigest, progress.last);
        // Errors without an errno-style code, and a destroyed entry stream, come from reading the tar framing.
        const code = (err as { code?: unknown }).code;
        if (!(err instanceof KilnError) && (typeof code !== 'string' || code === 'STREAM_DESTROYED')) throw readError(err, opts.layerDigest, progress.last);
        throw applyError(err, opts.layerDigest, entry.header.name, rootfs);
      }
    }
    await pumping;
    if (progress.readFailure !== undefined) throw readError(progress.readFailure, opts.layerDigest, progress.last);
    try {
      await writer.finish();
    } catch (err) {
      throw applyError(err, opts.layerDigest, progress.last ?? '', rootfs);
    }
    stats.bytes = meter.bytes;
    return stats;
  } catch (err) {
    extract.destroy();
    await pumping.catch(() => undefined);
    await writer.abandon();
    if (err instanceof KilnError) throw err;
    throw applyError(err, opts.layerDigest, progress.last ?? '', rootfs);
  }
}
