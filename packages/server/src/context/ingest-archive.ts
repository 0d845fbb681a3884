/**
 * Takes in an uploaded build context (tar, tar.gz or tar.zst) as a stream: every file's content is
 * staged in the blob store while it is hashed, every path and link is checked against the context
 * root, and only when the whole archive is good are the blobs committed. On any refusal the
 * staged blobs are deleted, so the host is left as it was.
 */
import tar from 'tar-stream';
import type { Extract } from 'tar-stream';
import { KilnError } from '../errors/errors.ts';
import type { BlobBatch, BlobStore } from './blob-store.ts';
import { tarBytes, type ArchiveInput } from './archive-stream.ts';
import type { ContextLimits } from './context-limits.ts';
import { linkTargetPath, normalizeEntryPath } from './context-paths.ts';
import { ContextTree } from './context-tree.ts';
import { batchSink, finishContext, type IngestedContext } from './ingested-context.ts';

/** What {@link ingestArchive} needs: where blobs go and the limits to apply. */
export interface IngestArchiveOptions {
  blobs: BlobStore;
  limits: ContextLimits;
}

/** Bytes of tar framing (headers, padding, long names, end blocks) allowed beyond file content. */
export const TAR_OVERHEAD_BASE_BYTES = 2 * 1024 * 1024;
/** Further framing bytes allowed per entry (its header, padding and PAX or GNU long-name records). */
export const TAR_OVERHEAD_PER_ENTRY_BYTES = 32 * 1024;

/** One archive entry as tar-stream yields it: a readable of its content with its header. */
export type Entry = Extract extends AsyncIterable<infer S> ? S : never;

/** What has been read of an archive so far, for limits and messages. */
export interface Progress {
  /** The first failure of reading the upload (decompression, limits, tar framing), once there is one. */
  readFailure?: unknown;
  entries: number;
  /** Bytes of content the entries read so far declare. */
  declared: number;
  /** Path of the entry being read, as written in the archive. */
  last: string | undefined;
}

/** A path quoted for a message, shortened in the middle when it is very long. */
export function quote(path: string): string {
  const text = JSON.stringify(path);
  return text.length <= 240 ? text : `${text.slice(0, 120)}…${text.slice(-100)}`;
}

/** A context-phase KilnError with one of the archive codes. */
export function fail(code: 'invalid_archive' | 'archive_path_escape' | 'special_file_rejected' | 'archive_too_large', message: string): KilnError {
  return new KilnError(code, message, { phase: 'context' });
}

const FRIENDLY: [RegExp, string][] = [
  [/Invalid tar header|unknown format/i, 'it is not a tar archive (a header is corrupt)'],
  [/Unexpected end of data/i, 'the tar archive is truncated'],
  [/unexpected end of file/i, 'the compressed data is truncated'],
  [/incorrect header check|invalid (block type|distance|code|stored block)|too far back|header crc|incorrect (data|length) check|unknown compression/i, 'the compressed data is corrupt'],
  [/zstd|frame|Unknown frame descriptor|Corrupted block/i, 'the zstd data is corrupt'],
  [/Header exceeds max size/i, 'a long-name or PAX header is too large'],
  [/Invalid header/i, 'an entry header is corrupt'],
];

/** The `invalid_archive` error for a failure while reading the archive (KilnErrors pass through). */
export function readError(caught: unknown, progress: Progress): KilnError {
  const err = progress.readFailure ?? caught;
  if (err instanceof KilnError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const reason = FRIENDLY.find(([re]) => re.test(text))?.[1] ?? `it could not be read (${text})`;
  const where = progress.last === undefined ? 'before the first entry' : `at or after entry ${quote(progress.last)}`;
  return fail('invalid_archive', `The uploaded context is not a readable tar, tar.gz or tar.zst archive: ${reason}, ${where}.`);
}

/** The archive's entries in order; a failure while reading them is an archive read error. */
export async function* archiveEntries(extract: Extract, progress: Progress): AsyncGenerator<Entry> {
  const entries = extract[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Entry>;
    try {
      next = await entries.next();
    } catch (err) {
      throw readError(err, progress);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Reads an entry's content to the end, failing as an archive read error. */
export async function drain(entry: Entry, progress: Progress): Promise<void> {
  try {
    for await (const chunk of entry) void chunk;
  } catch (err) {
    throw readError(err, progress);
  }
}

/** Stages an entry's content as a blob of `batch` while it is hashed; its digest and size. */
export async function stageContent(entry: Entry, batch: BlobBatch, progress: Progress): Promise<{ sha256: string; size: number }> {
  const writer = await batch.stage();
  try {
    const iterator = entry[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = (await iterator.next()) as IteratorResult<Uint8Array>;
      } catch (err) {
        throw readError(err, progress);
      }
      if (next.done) break;
      await writer.write(next.value);
    }
    return await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

function checkedPath(raw: string, tree: ContextTree, what: string): string[] {
  const lexical = normalizeEntryPath(raw);
  if (!lexical.ok) throw fail(lexical.escape ? 'archive_path_escape' : 'invalid_archive', `${what} ${lexical.reason}.`);
  const walked = tree.walk(raw);
  if (!walked.ok) throw fail(walked.escape ? 'archive_path_escape' : 'invalid_archive', `${what} ${walked.reason}.`);
  return walked.names;
}

async function takeEntry(entry: Entry, tree: ContextTree, batch: BlobBatch, limits: ContextLimits, progress: Progress): Promise<void> {
  const h = entry.header;
  const name = h.name;
  progress.last = name;
  const label = `Archive entry ${quote(name)}`;
  if (++progress.entries > limits.maxFiles) {
    throw fail('archive_too_large', `The archive has more than ${limits.maxFiles} entries (at ${quote(name)}).`);
  }
  const type = h.type as string | null | undefined;
  if (type === 'character-device' || type === 'block-device' || type === 'fifo') {
    const kind = type === 'fifo' ? 'a FIFO' : `a ${type.replace('-', ' ')}`;
    throw fail('special_file_rejected', `${label} is ${kind}; a build context may hold only files, directories and links.`);
  }
  if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory' && type !== 'symlink' && type !== 'link') {
    throw fail('invalid_archive', `${label} has a tar entry type Kiln does not accept.`);
  }
  const size = h.size ?? 0;
  if (size > limits.maxFileBytes) {
    throw fail('archive_too_large', `${label} is ${size} bytes; the limit for one file is ${limits.maxFileBytes} bytes.`);
  }
  if (progress.declared + size > limits.maxTotalBytes) {
    throw fail('archive_too_large', `The archive expands past ${limits.maxTotalBytes} bytes (at ${quote(name)}).`);
  }
  progress.declared += size;
  const names = checkedPath(name, tree, label);
  const mode = (h.mode ?? 0) & 0o7777;
  if (names.length === 0) {
    if (type !== 'directory') throw fail('invalid_archive', `${label} would replace the context root.`);
    return;
  }
  const path = names.join('/');
  if (type === 'file' || type === 'contiguous-file') {
    const blob = await stageContent(entry, batch, progress);
    tree.put(names, { type: 'file', mode, size: blob.size, sha256: blob.sha256 });
    return;
  }
  // tar-stream hands a directory no content (its stream would never end when the header claims
  // a size), so only links are drained.
  if (type !== 'directory') await drain(entry, progress);
  if (type === 'directory') {
    tree.put(names, { type: 'dir', mode, size: 0 });
  } else if (type === 'symlink') {
    const target = h.linkname ?? '';
    const checked = linkTargetPath(path, target);
    if (!checked.ok) {
      throw fail(checked.escape ? 'archive_path_escape' : 'invalid_archive', `${label} is a symlink that ${checked.reason}.`);
    }
    tree.put(names, { type: 'symlink', mode, size: 0, target });
  } else {
    const linkname = h.linkname ?? '';
    const linked = checkedPath(linkname, tree, `${label} is a hard link to ${quote(linkname)}, which`).join('/');
    const original = tree.get(linked);
    if (!original) {
      throw fail('archive_path_escape', `${label} is a hard link to ${quote(linkname)}, which is not an earlier entry of the archive.`);
    }
    if (original.type === 'dir') throw fail('invalid_archive', `${label} is a hard link to a directory.`);
    const { path: _, ...copy } = original;
    tree.put(names, copy);
  }
}

/** Writes the tar bytes into the extractor with back-pressure; a read failure destroys the extractor with it. */
export async function feed(bytes: AsyncIterable<Uint8Array>, extract: Extract, progress: Progress): Promise<void> {
  try {
    for await (const chunk of bytes) {
      if (extract.destroyed) return;
      if (!extract.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            extract.off('drain', done);
            extract.off('close', done);
            resolve();
          };
          extract.on('drain', done);
          extract.on('close', done);
        });
      }
    }
    if (!extract.destroyed) extract.end(undefined);
  } catch (err) {
    progress.readFailure ??= err;
    extract.destroy(err as Error);
  }
}

/**
 * Reads an uploaded context archive (tar, gzip or zstd, recognised by its magic bytes), stores
 * each distinct file content once in `blobs`, and returns the context's file list and digest.
 * Throws KilnError (phase `context`) `invalid_archive`, `archive_path_escape`,
 * `special_file_rejected`, `archive_too_large` or `invalid_context`, naming the entry; on any
 * failure nothing is left in the blob store. A Readable input is not destroyed on failure.
 */
export async function ingestArchive(input: ArchiveInput, opts: IngestArchiveOptions): Promise<IngestedContext> {
  const { limits } = opts;
  const progress: Progress = { entries: 0, declared: 0, last: undefined };
  const batch = await opts.blobs.begin();
  const extract = tar.extract();
  const bytes = tarBytes(input, {
    maxCompressedBytes: limits.maxCompressedBytes,
    maxExpandedBytes: () => progress.declared + TAR_OVERHEAD_BASE_BYTES + TAR_OVERHEAD_PER_ENTRY_BYTES * progress.entries,
    expandedError: (n) => fail('archive_too_large',
      `The archive holds more than the allowed framing besides its file content (${n} bytes read, ${progress.declared} bytes of content, ` +
      `${progress.last === undefined ? 'before the first entry' : `after entry ${quote(progress.last)}`}); it may be a decompression bomb.`),
  });
  const pumping = feed(bytes, extract, progress);
  try {
    const tree = new ContextTree(limits.maxFiles);
    for await (const entry of archiveEntries(extract, progress)) await takeEntry(entry, tree, batch, limits, progress);
    await pumping;
    return await finishContext(tree, batchSink(batch));
  } catch (err) {
    extract.destroy();
    await batch.discard();
    throw err;
  }
}
