/**
 * Test fixtures for build contexts: tar archives built in memory (with tar-stream's packer, or
 * from raw header bytes for entries it will not write), a temporary blob store with a canary path
 * outside it, and helpers to list what a test left on disk.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { BlobStore } from './blob-store.ts';

/** One entry to pack. */
export interface FixtureEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  mtime?: Date;
  uid?: number;
}

/** Packs entries into a tar archive with tar-stream. */
export async function packTar(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    const header = {
      name: e.name, type, linkname: e.linkname, uid: e.uid ?? 0, gid: 0,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      mtime: e.mtime ?? new Date(1_700_000_000_000),
      size: type === 'file' ? (content?.byteLength ?? 0) : 0,
    };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, content ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve())).end(undefined);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Fields of a hand-written ustar header. */
export interface RawHeader {
  name: string;
  /** The type flag character, e.g. '0' file, '3' char device, 'V' volume label. */
  typeflag: string;
  size?: number;
  linkname?: string;
  mode?: number;
}

/** One 512-byte ustar header with a correct checksum, written byte by byte. */
export function rawHeader(h: RawHeader): Buffer {
  const buf = Buffer.alloc(512);
  buf.write(h.name, 0, 100, 'utf8');
  buf.write((h.mode ?? 0o644).toString(8).padStart(7, '0') + '\0', 100, 'ascii');
  buf.write('0000000\0', 108, 'ascii');
  buf.write('0000000\0', 116, 'ascii');
  buf.write((h.size ?? 0).toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  buf.write('14000000000\0', 136, 'ascii');
  buf.write(h.typeflag, 156, 1, 'ascii');
  if (h.linkname) buf.write(h.linkname, 157, 100, 'utf8');
  buf.write('ustar\0', 257, 'ascii');
  buf.write('00', 263, 'ascii');
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return buf;
}

/** A tar archive of raw headers, each followed by its content padded to 512 bytes, and the end blocks. */
export function rawTar(entries: { header: RawHeader; content?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const { header, content } of entries) {
    const body = content ?? Buffer.alloc(0);
    parts.push(rawHeader({ ...header, size: header.size ?? body.byteLength }), body);
    const pad = (512 - (body.byteLength % 512)) % 512;
    parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** Gzips bytes. */
export function gzip(bytes: Buffer): Buffer {
  return gzipSync(bytes);
}

/** Yields `bytes` in chunks of `size`, counting what was handed out in `counter.bytes`. */
export async function* chunked(bytes: Buffer, size = 4096, counter: { bytes: number } = { bytes: 0 }): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) {
    const chunk = bytes.subarray(i, i + size);
    counter.bytes += chunk.byteLength;
    yield chunk;
  }
}

/** A temporary directory with a blob store in `data/` and a canary path `outside` that must stay absent. */
export interface TempStore {
  dir: string;
  blobs: BlobStore;
  canary: string;
  /** Every file (not directory) under the blob store, relative to it. */
  blobFiles(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Creates a {@link TempStore}. */
export async function tempStore(): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-context-'));
  const blobs = new BlobStore(join(dir, 'data'));
  await blobs.init();
  return {
    dir,
    blobs,
    canary: join(dir, 'outside'),
    blobFiles: () => listFiles(blobs.root),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Every file below `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}
