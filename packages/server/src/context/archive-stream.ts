/**
 * Turns an uploaded context into the bytes of its tar stream: the compression is recognised by
 * its magic bytes (gzip, zstd, or none), and both the bytes read and the bytes decompressed are
 * metered so that reading stops as soon as a limit is passed.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { KilnError } from '../errors/errors.ts';
import { prependChunks } from '../streams/prepend-chunks.ts';

/** The compression of an uploaded archive. */
export type ArchiveCompression = 'none' | 'gzip' | 'zstd';

/** An upload as the caller has it: a Node stream or any async iterable of bytes. */
export type ArchiveInput = AsyncIterable<Uint8Array> | Readable;

/** Limits checked while the upload is read. */
export interface ArchiveStreamLimits {
  /** Bytes that may be read from the upload. */
  maxCompressedBytes: number;
  /** Bytes the decompressed stream may have reached so far; asked again at every chunk. */
  maxExpandedBytes: () => number;
  /** Called when the expanded limit is passed; returns the error to stop with. */
  expandedError: (bytes: number) => KilnError;
}

const MAGIC: { compression: ArchiveCompression | 'xz' | 'bzip2'; bytes: number[] }[] = [
  { compression: 'gzip', bytes: [0x1f, 0x8b] },
  { compression: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { compression: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { compression: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
];

/** Recognises the compression from the first bytes of an upload. */
export function sniffCompression(head: Uint8Array): ArchiveCompression | 'xz' | 'bzip2' {
  for (const { compression, bytes } of MAGIC) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return compression;
  }
  return 'none';
}

function bytesOf(input: ArchiveInput): AsyncIterable<Uint8Array> {
  // A Readable is iterated without being destroyed when reading stops early: the caller decides
  // whether to drain or close it (an HTTP request must stay open for the error response).
  return input instanceof Readable ? input.iterator({ destroyOnReturn: false }) : input;
}

async function* counted(input: ArchiveInput, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const raw of bytesOf(input)) {
    const chunk: Uint8Array = typeof raw === 'string' ? Buffer.from(raw) : raw;
    total += chunk.byteLength;
    if (total > max) {
      throw new KilnError('archive_too_large', `The uploaded context is larger than ${max} bytes.`, { phase: 'context' });
    }
    if (chunk.byteLength > 0) yield chunk;
  }
}


/**
 * The decompressed tar bytes of an upload; throws KilnError `invalid_archive` for an empty upload
 * or an unsupported compression, `archive_too_large` when a limit is passed, and the decoder's
 * own error for corrupt compressed data.
 */
export async function* tarBytes(input: ArchiveInput, limits: ArchiveStreamLimits): AsyncGenerator<Uint8Array> {
  const source = counted(input, limits.maxCompressedBytes)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 6) {
    const next = await source.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.byteLength;
  }
  if (headBytes === 0) {
    throw new KilnError('invalid_archive', 'The uploaded context is empty; send a tar, tar.gz or tar.zst archive.', { phase: 'context' });
  }
  const compression = sniffCompression(Buffer.concat(head));
  if (compression === 'xz' || compression === 'bzip2') {
    await source.return?.(undefined);
    throw new KilnError('invalid_archive', `The uploaded context is compressed with ${compression}; send a tar, tar.gz or tar.zst archive.`, { phase: 'context' });
  }
  const raw = prependChunks(head, source);
  let decoded: AsyncIterable<Uint8Array> = raw;
  if (compression !== 'none') {
    const decoder = compression === 'gzip' ? createGunzip() : createZstdDecompress();
    decoded = pipeline(Readable.from(raw, { objectMode: false }), decoder, () => undefined);
  }
  let expanded = 0;
  for await (const chunk of decoded) {
    expanded += chunk.byteLength;
    if (expanded > limits.maxExpandedBytes()) throw limits.expandedError(expanded);
    yield chunk;
  }
}
