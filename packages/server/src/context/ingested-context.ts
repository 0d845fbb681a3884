/**
 * The last stage of taking in a build context, shared by uploaded archives and inline files:
 * symlink chains are checked, `.dockerignore` is applied, the blobs still referenced are committed
 * and the canonical digest is computed.
 *
 * `.dockerignore` decision: the file is kept in the context like any other file unless its own
 * patterns exclude it (as Docker's COPY sees it). Excluded entries are removed before anything is
 * stored, so no COPY/ADD source, symlink or hard link can reach them; a directory an exception
 * pattern re-includes something below is kept.
 */
import { readFile } from 'node:fs/promises';
import type { ContextFile } from '../store/store.ts';
import { KilnError } from '../errors/errors.ts';
import type { BlobBatch } from './blob-store.ts';
import { contextDigest } from './context-digest.ts';
import { MAX_DOCKERIGNORE_BYTES } from './context-limits.ts';
import type { ContextTree } from './context-tree.ts';
import { DockerignoreMatcher, DockerignoreSyntaxError } from './dockerignore.ts';

/** A build context taken in: what the manifest stores, plus what `.dockerignore` left out. */
export interface IngestedContext {
  /** Every kept entry (files, directories, symlinks), sorted by path. */
  files: ContextFile[];
  /** `sha256:<hex>` over the canonical file list (see `context-digest.ts`). */
  digest: string;
  /** Number of entries in `files`. */
  file_count: number;
  /** Sum of the sizes of the regular files in `files`. */
  total_bytes: number;
  /** Top-most paths `.dockerignore` excluded (an excluded directory stands for everything below it). */
  ignored: string[];
}

/** Name of the ignore file at the context root. */
export const DOCKERIGNORE = '.dockerignore';

/** Component steps all symlink checks of one context may take together. */
export const SYMLINK_CHECK_STEPS = 10_000_000;

/** Refuses any symlink whose target, followed through the context's other symlinks, leaves the root. */
export function checkSymlinkChains(tree: ContextTree): void {
  const budget = { steps: SYMLINK_CHECK_STEPS };
  for (const file of tree.files()) {
    if (file.type !== 'symlink') continue;
    const resolved = tree.resolve(file.path, budget);
    if (resolved.kind === 'budget') {
      throw new KilnError('archive_too_large', `The build context's symlinks chain too deeply to check (at ${file.path}).`, { phase: 'context' });
    }
    if (resolved.kind === 'escape') {
      const how = resolved.via === file.path ? '' : ` through ${resolved.via}`;
      throw new KilnError('archive_path_escape',
        `The symlink ${file.path} -> ${file.target} leads outside the build context${how}.`, { phase: 'context' });
    }
  }
}

/** Where finishing reads staged content from and commits it to. */
export interface ContentSink {
  /** The content of a staged blob. */
  read(sha256: string): Promise<Buffer>;
  /** Keeps the staged blobs whose digests are in `keep` (and drops the rest). */
  commit(keep: ReadonlySet<string>): Promise<void>;
}

/** A {@link ContentSink} over a blob batch. */
export function batchSink(batch: BlobBatch): ContentSink {
  return {
    read: async (sha256) => {
      await batch.settle();
      const staged = batch.stagedPath(sha256);
      if (!staged) throw new Error(`blob ${sha256} is not staged`);
      return readFile(staged);
    },
    commit: (keep) => batch.commit(keep),
  };
}

/** Reads and compiles the context's `.dockerignore` from its staged blob, if there is one. */
async function loadDockerignore(tree: ContextTree, sink: ContentSink): Promise<DockerignoreMatcher | undefined> {
  const entry = tree.get(DOCKERIGNORE);
  if (!entry) return undefined;
  if (entry.type !== 'file') {
    throw new KilnError('invalid_context', `${DOCKERIGNORE} at the context root must be a regular file, not a ${entry.type}.`, { phase: 'context' });
  }
  if (entry.size > MAX_DOCKERIGNORE_BYTES) {
    throw new KilnError('invalid_context', `${DOCKERIGNORE} is larger than ${MAX_DOCKERIGNORE_BYTES} bytes.`, { phase: 'context' });
  }
  const text = (await sink.read(entry.sha256 ?? '')).toString('utf8');
  try {
    return DockerignoreMatcher.fromText(text);
  } catch (err) {
    if (err instanceof DockerignoreSyntaxError) {
      throw new KilnError('invalid_context', `${DOCKERIGNORE} line ${err.line}: ${err.message}.`, { phase: 'context' });
    }
    throw err;
  }
}

/**
 * Finishes a context whose entries are in `tree` and whose content is staged in `sink`: checks
 * symlinks, applies `.dockerignore`, commits the blobs the kept files use, and returns the result.
 * The caller discards what is staged when this throws.
 */
export async function finishContext(tree: ContextTree, sink: ContentSink): Promise<IngestedContext> {
  checkSymlinkChains(tree);
  const matcher = await loadDockerignore(tree, sink);
  let ignored: string[] = [];
  if (matcher && !matcher.empty) {
    ignored = tree.filter<boolean[]>((entry, parentFlags) => {
      const flags = matcher.flags(entry.path, parentFlags ?? matcher.patterns.map(() => false));
      return { drop: matcher.excludedBy(flags), state: flags };
    });
    ignored.sort();
  }
  const files = tree.files();
  let totalBytes = 0;
  const keep = new Set<string>();
  for (const file of files) {
    if (file.type !== 'file') continue;
    totalBytes += file.size;
    if (file.sha256) keep.add(file.sha256);
  }
  await sink.commit(keep);
  return { files, digest: contextDigest(files), file_count: files.length, total_bytes: totalBytes, ignored };
}
