/**
 * Size and count limits for build contexts: uploaded archives and inline files.
 */

/** Limits an uploaded context archive must stay within; the server passes them from its config. */
export interface ContextLimits {
  /** Bytes read from the upload as sent (compressed, when it is compressed). */
  maxCompressedBytes: number;
  /** Bytes of file content the archive expands to, all entries together. */
  maxTotalBytes: number;
  /** Bytes of one file's content. */
  maxFileBytes: number;
  /** Entries in the archive (files, directories, links). */
  maxFiles: number;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** The limits used when the configuration sets none. */
export const DEFAULT_CONTEXT_LIMITS: Readonly<ContextLimits> = Object.freeze({
  maxCompressedBytes: 512 * MIB,
  maxTotalBytes: 2 * GIB,
  maxFileBytes: 1 * GIB,
  maxFiles: 100_000,
});

/** Limits of an inline context (files given in the build request body). */
export interface InlineContextLimits {
  /** Files in `build_context.files`. */
  maxFiles: number;
  /** Decoded content bytes of all inline files together. */
  maxTotalBytes: number;
}

/** The inline context limits: at most 1,000 files and 1 MiB of content. */
export const DEFAULT_INLINE_CONTEXT_LIMITS: Readonly<InlineContextLimits> = Object.freeze({
  maxFiles: 1000,
  maxTotalBytes: 1 * MIB,
});

/** Largest `.dockerignore` Kiln reads, in bytes. */
export const MAX_DOCKERIGNORE_BYTES = 1 * MIB;
