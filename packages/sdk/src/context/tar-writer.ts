/**
 * A small streaming ustar writer for context bundles: entries with short ASCII names
 * (`manifest.json`, `blobs/sha256/<hex>`) whose content comes from memory or from a file.
 */
import { createReadStream } from 'node:fs';

/** One entry to write. */
export interface TarEntry {
  /** Entry name, at most 100 bytes. */
  name: string;
  size: number;
  /** The content: bytes, or a file path streamed from disk. */
  content: Uint8Array | { file: string };
  mode?: number;
}

/** Largest entry a ustar size field holds (11 octal digits). */
export const MAX_TAR_ENTRY_BYTES = 0o77777777777;

/** One 512-byte ustar header. */
export function tarHeader(name: string, size: number, mode = 0o644): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.byteLength > 100) throw new RangeError(`tar entry name longer than 100 bytes: ${name}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_TAR_ENTRY_BYTES) throw new RangeError(`tar entry ${name} has an unsupported size ${size}`);
  const buf = Buffer.alloc(512);
  nameBytes.copy(buf, 0);
  buf.write(mode.toString(8).padStart(7, '0') + '\0', 100, 'ascii');
  buf.write('0000000\0', 108, 'ascii');
  buf.write('0000000\0', 116, 'ascii');
  buf.write(size.toString(8).padStart(11, '0') + '\0', 124, 'ascii');
  buf.write('00000000000\0', 136, 'ascii');
  buf.write('0', 156, 'ascii');
  buf.write('ustar\0', 257, 'ascii');
  buf.write('00', 263, 'ascii');
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return buf;
}

/**
 * The bytes of a tar archive of `entries`. A file whose size differs from the entry's `size` while it
 * is read (it changed since it was listed) throws, so a corrupt archive is never finished.
 */
export async function* tarStream(entries: Iterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    yield tarHeader(entry.name, entry.size, entry.mode);
    let written = 0;
    if (entry.content instanceof Uint8Array) {
      yield entry.content;
      written = entry.content.byteLength;
    } else {
      for await (const chunk of createReadStream(entry.content.file)) {
        written += (chunk as Buffer).byteLength;
        if (written > entry.size) break;
        yield chunk as Buffer;
      }
    }
    if (written !== entry.size) {
      const what = entry.content instanceof Uint8Array ? entry.name : entry.content.file;
      throw new Error(`${what} changed while it was sent (${written} bytes instead of ${entry.size}); inspect the context again.`);
    }
    const pad = (512 - (entry.size % 512)) % 512;
    if (pad) yield new Uint8Array(pad);
  }
  yield new Uint8Array(1024);
}
