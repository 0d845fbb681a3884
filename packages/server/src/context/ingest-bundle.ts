/**
 * Takes in a context bundle: a tar (optionally gzip or zstd) whose `manifest.json` lists the
 * context's entries with their content digests, and whose `blobs/sha256/<hex>` entries carry only
 * the contents the uploader has not sent before. Every blob's content is hashed and must match its
 * name; every file of the manifest that `.dockerignore` keeps must name a blob of this bundle or one
 * the tenant uploaded earlier, with the size it declares. The result is the same context an archive of the files
 * would give, with the same digest.
 */
import { readFile, stat } from 'node:fs/promises';
import tar from 'tar-stream';
import { KilnError, failWith, problem, type Problem } from '../errors/errors.ts';
import { tarBytes, type ArchiveInput } from './archive-stream.ts';
import type { BlobStore } from './blob-store.ts';
import type { ContextLimits } from './context-limits.ts';
import { readManifest, type ManifestEntry } from './context-manifest.ts';
import { ContextTree } from './context-tree.ts';
import {
  TAR_OVERHEAD_BASE_BYTES, TAR_OVERHEAD_PER_ENTRY_BYTES, archiveEntries, drain, fail, feed, quote, readError, stageContent,
  type Entry, type Progress,
} from './ingest-archive.ts';
import { finishContext, type IngestedContext } from './ingested-context.ts';

/** The Content-Type of a context bundle upload. */
export const BUNDLE_CONTENT_TYPE = 'application/vnd.kiln.context-bundle+tar';

/** Name of the manifest entry of a bundle. */
export const BUNDLE_MANIFEST = 'manifest.json';

/** Largest `manifest.json` a bundle may hold, in bytes. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

const BLOB_ENTRY = /^(?:\.\/)?blobs\/sha256\/([0-9a-f]{64})$/;
const DIR_ENTRY = /^(?:\.\/)?(?:blobs\/?|blobs\/sha256\/?|\.\/?)$/;

/** What {@link ingestBundle} needs. */
export interface IngestBundleOptions {
  blobs: BlobStore;
  limits: ContextLimits;
  /** Whether the uploading tenant may use a stored blob it does not send again (it uploaded it before). */
  owned: (sha256: string) => Promise<boolean>;
}

/** A bundle taken in: the context, and how many distinct blobs came in the upload or were already there. */
export interface IngestedBundle extends IngestedContext {
  received_blobs: number;
  reused_blobs: number;
}

async function readManifestEntry(entry: Entry, progress: Progress): Promise<unknown> {
  if ((entry.header.size ?? 0) > MAX_MANIFEST_BYTES) {
    throw fail('archive_too_large', `${BUNDLE_MANIFEST} is larger than ${MAX_MANIFEST_BYTES} bytes.`);
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
  } catch (err) {
    throw readError(err, progress);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new KilnError('invalid_context', `${BUNDLE_MANIFEST} is not valid JSON.`, { phase: 'context' });
  }
}

/** Problems of the manifest files whose digest is in `digests`: content that is absent, or of another size. */
function blobProblems(entries: readonly ManifestEntry[], digests: ReadonlySet<string>, sizes: ReadonlyMap<string, number | undefined>): Problem[] {
  const out: Problem[] = [];
  for (const { index, path, entry } of entries) {
    const digest = entry.sha256;
    if (entry.type !== 'file' || !digest || !digests.has(digest)) continue;
    const actual = sizes.get(digest);
    if (actual === undefined) {
      out.push(problem('invalid_context', `files[${index}] (${JSON.stringify(path)}) names content sha256 ${digest}, which is neither in this upload nor uploaded by you before; add it as blobs/sha256/${digest}.`, 'context', { field: `files[${index}].sha256` }));
    } else if (actual !== entry.size) {
      out.push(problem('invalid_context', `files[${index}].size is ${entry.size}, but its content is ${actual} bytes.`, 'context', { field: `files[${index}].size` }));
    }
  }
  return out;
}

/**
 * Reads a context bundle, storing the blobs it carries (each checked against its name) and
 * building the context its manifest describes. Throws KilnError (phase `context`):
 * `invalid_archive` for a bad tar, an unexpected entry or a blob whose content does not match its
 * name, `invalid_context` for a bad manifest or a file whose blob is neither sent nor owned,
 * `archive_path_escape` and `archive_too_large` as for archives. Nothing is stored on failure.
 */
export async function ingestBundle(input: ArchiveInput, opts: IngestBundleOptions): Promise<IngestedBundle> {
  const { limits } = opts;
  const progress: Progress = { entries: 0, declared: 0, last: undefined };
  const batch = await opts.blobs.begin();
  const extract = tar.extract();
  const bytes = tarBytes(input, {
    maxCompressedBytes: limits.maxCompressedBytes,
    maxExpandedBytes: () => progress.declared + TAR_OVERHEAD_BASE_BYTES + TAR_OVERHEAD_PER_ENTRY_BYTES * progress.entries,
    expandedError: (n) => fail('archive_too_large', `The bundle holds more than the allowed framing besides its content (${n} bytes read); it may be a decompression bomb.`),
  });
  const pumping = feed(bytes, extract, progress);
  const staged = new Map<string, number>();
  let manifest: unknown;
  try {
    for await (const entry of archiveEntries(extract, progress)) {
      const name = entry.header.name;
      const type = entry.header.type as string;
      progress.last = name;
      if (++progress.entries > limits.maxFiles + 1) throw fail('archive_too_large', `The bundle has more than ${limits.maxFiles} blobs.`);
      const size = entry.header.size ?? 0;
      if (type === 'directory' && DIR_ENTRY.test(name)) continue;
      if (type === 'file' && name.replace(/^\.\//, '') === BUNDLE_MANIFEST) {
        if (manifest !== undefined) throw fail('invalid_archive', `The bundle holds ${BUNDLE_MANIFEST} twice.`);
        manifest = await readManifestEntry(entry, progress);
        continue;
      }
      const blob = type === 'file' ? BLOB_ENTRY.exec(name) : null;
      if (!blob) {
        await drain(entry, progress);
        throw fail('invalid_archive', `Bundle entry ${quote(name)} is neither ${BUNDLE_MANIFEST} nor a file blobs/sha256/<hex digest>.`);
      }
      if (size > limits.maxFileBytes) throw fail('archive_too_large', `Bundle entry ${quote(name)} is ${size} bytes; the limit for one file is ${limits.maxFileBytes} bytes.`);
      if (progress.declared + size > limits.maxTotalBytes) throw fail('archive_too_large', `The bundle expands past ${limits.maxTotalBytes} bytes (at ${quote(name)}).`);
      progress.declared += size;
      const got = await stageContent(entry, batch, progress);
      if (got.sha256 !== blob[1]) {
        throw fail('invalid_archive', `Bundle entry ${quote(name)} holds content whose sha256 is ${got.sha256}, not the digest its name gives.`);
      }
      staged.set(got.sha256, got.size);
    }
    await pumping;
    if (manifest === undefined) throw new KilnError('invalid_context', `The bundle has no ${BUNDLE_MANIFEST}; its first entry should list the context's files.`, { phase: 'context' });
    const read = readManifest(manifest, limits);
    if (read.problems.length) failWith(read.problems);
    const tree = new ContextTree(limits.maxFiles);
    const walkProblems: Problem[] = [];
    for (const { index, path, entry } of read.entries) {
      const walked = tree.walk(path);
      if (walked.ok) tree.put(walked.names, entry);
      else walkProblems.push(problem(walked.escape ? 'archive_path_escape' : 'invalid_context', `files[${index}].path ${JSON.stringify(path)} ${walked.reason}.`, 'context', { field: `files[${index}].path` }));
    }
    if (walkProblems.length) failWith(walkProblems);
    // Contents are needed only for what `.dockerignore` keeps: they are checked when finishing commits.
    const sizes = new Map<string, number | undefined>(staged);
    const sizeOf = async (digest: string): Promise<number | undefined> => {
      if (!sizes.has(digest)) sizes.set(digest, await opts.owned(digest) ? (await stat(opts.blobs.path(digest)).catch(() => undefined))?.size : undefined);
      return sizes.get(digest);
    };
    const context = await finishContext(tree, {
      read: async (sha256) => {
        if (await sizeOf(sha256) === undefined) failWith(blobProblems(read.entries, new Set([sha256]), sizes));
        await batch.settle();
        return readFile(batch.stagedPath(sha256) ?? opts.blobs.path(sha256));
      },
      commit: async (keep) => {
        for (const digest of keep) await sizeOf(digest);
        const problems = blobProblems(read.entries, keep, sizes);
        if (problems.length) failWith(problems);
        await batch.commit(keep);
      },
    });
    const used = new Set(context.files.flatMap((f) => (f.sha256 ? [f.sha256] : [])));
    const received = [...used].filter((d) => staged.has(d)).length;
    return { ...context, received_blobs: received, reused_blobs: used.size - received };
  } catch (err) {
    extract.destroy();
    await batch.discard();
    throw err;
  }
}
