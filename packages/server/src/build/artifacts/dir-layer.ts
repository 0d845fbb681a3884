/**
 * One directory as an OCI layer (tar + gzip) in the image store: an overlayfs upper directory
 * with its whiteouts converted to OCI's (a 0/0 character device becomes `.wh.<name>`, a directory
 * with `trusted.overlay.opaque=y` gets `.wh..wh..opq`), or a whole tree as a base layer. The
 * host's GNU tar reads the directory (it knows hard links and reads the overlay xattrs); the
 * entries are rewritten with tar-stream while both digests (blob and diff_id) are computed.
 * Extended attributes other than the overlay markers are not carried (the ext4 image keeps them).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar, { type Header, type Pack } from 'tar-stream';
import { KilnError } from '../../errors/errors.ts';
import type { OciLayoutStore } from '../../oci/image-store/oci-layout-store.ts';
import { MEDIA_TYPES, type Descriptor } from '../../oci/oci-types.ts';
import { streamTool } from './run-tool.ts';
import { HashingStream } from '../../oci/hashing-stream.ts';

/** A layer written to the store. */
export interface DirLayer {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar, for the image config's `rootfs.diff_ids`. */
  diffId: string;
  /** Entries in the layer (whiteout markers included). */
  entries: number;
}

/** Options of {@link writeDirLayer}. */
export interface DirLayerOptions {
  /** gzip level (default 6); a whole base tree is packed faster at 1. */
  level?: number;
  /** Leave out the contents of /dev, /proc and /sys (for a whole tree, as images do). */
  skipSystemDirs?: boolean;
  signal?: AbortSignal;
}

const XATTR = 'SCHILY.xattr.';
const EMPTY = Buffer.alloc(0);
const OVERLAY_XATTR = `${XATTR}trusted.overlay.`;

/** A tar entry name without `./` or `/` in front and without a trailing slash; '' for the root. */
export function layerPath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/^\.$/, '').replace(/\/+$/, '');
}

/** A header as tar-stream's pack takes it. */
export type EntryHeader = Partial<Header> & { name: string };

/** The headers one overlay tar entry becomes in an OCI layer (the first carries the entry's data). */
export function ociHeaders(h: Header): EntryHeader[] {
  const name = layerPath(h.name);
  if (name === '') return [];
  const pax = (h.pax ?? {}) as Record<string, string>;
  for (const key of ['redirect', 'metacopy']) {
    if (`${OVERLAY_XATTR}${key}` in pax) {
      throw new KilnError('internal_error', `/${name} uses the overlayfs ${key} feature, which Kiln cannot turn into an OCI layer; mount build layers without redirect_dir and metacopy.`, { phase: 'finalize' });
    }
  }
  const base = { uid: h.uid ?? 0, gid: h.gid ?? 0, mtime: h.mtime ?? new Date(0) };
  if (h.type === 'character-device' && !h.devmajor && !h.devminor) {
    const dir = path.posix.dirname(name);
    return [{ ...base, name: `${dir === '.' ? '' : `${dir}/`}.wh.${path.posix.basename(name)}`, type: 'file', mode: 0o600, size: 0 }];
  }
  const out: EntryHeader = { ...base, name, type: h.type, mode: (h.mode ?? 0) & 0o7777, size: h.type === 'file' ? h.size : 0 };
  if (h.type === 'link') out.linkname = layerPath(h.linkname ?? '');
  else if (h.type === 'symlink') out.linkname = h.linkname ?? '';
  else if (h.type === 'character-device' || h.type === 'block-device') Object.assign(out, { devmajor: h.devmajor, devminor: h.devminor });
  if (h.type === 'directory' && pax[`${OVERLAY_XATTR}opaque`] === 'y') {
    return [out, { ...base, name: `${name}/.wh..wh..opq`, type: 'file', mode: 0o600, size: 0 }];
  }
  return [out];
}

/** Rewrites the host tar's stream of `dir` into OCI layer entries on `pack`; resolves with the entry count. */
function convert(input: Readable, pack: Pack): Promise<number> {
  return new Promise((resolve, reject) => {
    let entries = 0;
    const extract = tar.extract();
    // A failure anywhere (tar stopped halfway, say) ends the layer stream too, so its writer stops.
    const fail = (err: Error) => { pack.destroy(err); reject(err); };
    extract.on('entry', (h, stream, next) => {
      stream.on('error', fail);
      let headers: EntryHeader[];
      try {
        headers = ociHeaders(h);
      } catch (err) {
        stream.resume();
        return next(err as Error);
      }
      if (headers.length === 0) {
        stream.on('end', () => next());
        return stream.resume();
      }
      entries += headers.length;
      const [first, ...rest] = headers;
      const done = (err?: Error | null) => {
        if (err) return next(err);
        for (const extra of rest) pack.entry(extra, EMPTY);
        next();
      };
      if (first.type === 'file' && (first.size ?? 0) > 0) {
        const sink = pack.entry(first, done);
        sink.on('error', fail);
        stream.pipe(sink);
      } else {
        stream.resume();
        stream.on('end', () => (first.type === 'file' ? pack.entry(first, EMPTY, done) : pack.entry(first, done)));
      }
    });
    extract.on('finish', () => { pack.finalize(); resolve(entries); });
    extract.on('error', fail);
    input.on('error', fail);
    input.pipe(extract);
  });
}

/**
 * Writes `dir` as a gzip layer into the image store; returns undefined when the directory is empty
 * (an upper directory of a step that changed nothing).
 */
export async function writeDirLayer(dir: string, images: OciLayoutStore, opts: DirLayerOptions = {}): Promise<DirLayer | undefined> {
  const excludes = opts.skipSystemDirs ? ['--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*'] : [];
  const { child, exited } = streamTool('tar', ['--format=posix', '--xattrs', '--xattrs-include=trusted.overlay.*', '--numeric-owner',
    '--sort=name', ...excludes, '-C', dir, '-cf', '-', '.']);
  const kill = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', kill, { once: true });
  const tmp = path.join(images.root, 'blobs', 'sha256', `.layer-${randomBytes(6).toString('hex')}`);
  const raw = new HashingStream();
  const packed = new HashingStream();
  const pack = tar.pack();
  try {
    const [entries] = await Promise.all([
      convert(child.stdout, pack),
      pipeline(pack, raw, createGzip({ level: opts.level ?? 6 }), packed, createWriteStream(tmp, { mode: 0o600 })),
    ]);
    const { code, stderr } = await exited;
    opts.signal?.throwIfAborted();
    if (code !== 0) throw new KilnError('internal_error', `tar could not read ${dir}: ${stderr.trim().slice(-500)}`, { phase: 'finalize' });
    if (entries === 0) return undefined;
    const descriptor: Descriptor = { mediaType: MEDIA_TYPES.ociLayerGzip, digest: `sha256:${packed.hash.digest('hex')}`, size: packed.size };
    await rename(tmp, images.blobPath(descriptor.digest));
    return { descriptor, diffId: `sha256:${raw.hash.digest('hex')}`, entries };
  } catch (err) {
    // A stopped tar shows up as a cut-off stream: report why it was stopped instead.
    opts.signal?.throwIfAborted();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', kill);
    child.kill('SIGKILL');
    await rm(tmp, { force: true });
  }
}
