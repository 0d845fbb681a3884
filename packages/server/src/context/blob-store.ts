/**
 * Content-addressed blob store on a directory: `${dataDir}/blobs/sha256/ab/abcdef…`.
 * Blobs are written to a per-batch staging directory while their digest is computed, then
 * moved into place by rename (atomic; an existing blob is kept, which deduplicates), or
 * deleted together when the batch is discarded.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { access, mkdir, open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const DIGEST_HEX = /^[0-9a-f]{64}$/;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Finished blobs whose write and close may run at once in one batch. */
export const MAX_PENDING_FLUSHES = 32;

/** Content size up to which a staged blob is held in memory until it is finished. */
export const SMALL_BLOB_BYTES = 64 * 1024;

/** Blobs moved into place at once when a batch is committed. */
const COMMIT_CONCURRENCY = 64;

/** A finished staged blob: its content digest (sha256 hex) and size in bytes. */
export interface StagedBlob {
  sha256: string;
  size: number;
}

/** Throws when `digest` is not 64 lowercase hex digits, so no digest can name a path outside the store. */
function checkDigest(digest: string): void {
  if (typeof digest !== 'string' || !DIGEST_HEX.test(digest)) {
    throw new RangeError(`not a sha256 hex digest: ${JSON.stringify(digest)}`);
  }
}

/** A content-addressed store of immutable blobs under `${dataDir}/blobs`. */
export class BlobStore {
  /** The `blobs` directory. */
  readonly root: string;
  /** Where blobs live: `${root}/sha256`. */
  readonly blobDir: string;
  /** Where batches stage their blobs: `${root}/staging`. */
  readonly stagingDir: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
    this.blobDir = join(this.root, 'sha256');
    this.stagingDir = join(this.root, 'staging');
  }

  /** Creates the store's directories (mode 0700) when they are missing. */
  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true, mode: DIR_MODE });
    await mkdir(this.stagingDir, { recursive: true, mode: DIR_MODE });
  }

  /** Starts a batch of staged blobs that is later committed or discarded as a whole. */
  async begin(): Promise<BlobBatch> {
    await this.init();
    const dir = join(this.stagingDir, randomBytes(12).toString('hex'));
    await mkdir(dir, { mode: DIR_MODE });
    return new BlobBatch(this, dir);
  }

  /** The file path of a blob (whether or not it exists). */
  path(digest: string): string {
    checkDigest(digest);
    return join(this.blobDir, digest.slice(0, 2), digest);
  }

  /** Whether a blob is stored. */
  async has(digest: string): Promise<boolean> {
    const file = this.path(digest);
    try {
      await access(file);
      return true;
    } catch {
      return false;
    }
  }

  /** A read stream of a stored blob; it fails with ENOENT when the blob is absent. */
  open(digest: string): ReadStream {
    return createReadStream(this.path(digest));
  }
}

/** Blobs staged together, committed into the store or discarded as one. */
export class BlobBatch {
  /** The store this batch commits into. */
  readonly store: BlobStore;
  /** The batch's own staging directory. */
  readonly dir: string;
  private readonly staged = new Map<string, string>();
  private readonly writers = new Set<StagedBlobWriter>();
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown = undefined;
  private counter = 0;
  private closed = false;

  constructor(store: BlobStore, dir: string) {
    this.store = store;
    this.dir = dir;
  }

  /** Opens a writer for one new blob; its digest is known when it is finished. */
  async stage(): Promise<StagedBlobWriter> {
    if (this.closed) throw new Error('blob batch is already committed or discarded');
    const file = join(this.dir, `${this.counter++}.part`);
    const writer = new StagedBlobWriter(this, file);
    this.writers.add(writer);
    return writer;
  }

  /** Runs a finished writer's flush in the background, at most {@link MAX_PENDING_FLUSHES} at once. */
  async defer(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work
      .catch((err: unknown) => { this.failure ??= err; })
      .finally(() => { this.pending.delete(tracked); });
    this.pending.add(tracked);
    while (this.pending.size >= MAX_PENDING_FLUSHES) await Promise.race(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits until every finished writer is flushed and recorded; throws the first flush failure. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Records a finished writer's file under its digest (a second copy of the same digest is deleted). */
  async adopt(writer: StagedBlobWriter, file: string, digest: string): Promise<void> {
    this.writers.delete(writer);
    if (this.staged.has(digest)) await unlink(file);
    else this.staged.set(digest, file);
  }

  /** Forgets a writer that was aborted. */
  release(writer: StagedBlobWriter): void {
    this.writers.delete(writer);
  }

  /** Digests staged so far, once flushed. */
  async digests(): Promise<string[]> {
    await this.settle();
    return [...this.staged.keys()];
  }

  /** The staged file of a digest once it is flushed ({@link settle}), readable until the batch is committed or discarded. */
  stagedPath(digest: string): string | undefined {
    return this.staged.get(digest);
  }

  /**
   * Moves staged blobs into the store by rename; with `keep`, blobs whose digest it lacks are
   * deleted instead. A digest already stored stays stored once (the rename swaps identical content).
   */
  async commit(keep?: ReadonlySet<string>): Promise<void> {
    if (this.closed) throw new Error('blob batch is already committed or discarded');
    await this.settle();
    if (this.writers.size > 0) throw new Error('blob batch has unfinished writers');
    this.closed = true;
    try {
      const moves = [...this.staged].filter(([digest]) => !keep || keep.has(digest));
      // Content reaches the disk before any blob gets its name, so a crash never leaves a named,
      // incomplete blob; syncs issued together cost far less than one per file as it is written.
      await inBatches(moves, async ([, file]) => syncPath(file));
      const shards = new Map<string, Promise<unknown>>();
      await inBatches(moves, async ([digest, file]) => {
        const shard = digest.slice(0, 2);
        if (!shards.has(shard)) shards.set(shard, mkdir(join(this.store.blobDir, shard), { recursive: true, mode: DIR_MODE }));
        await shards.get(shard);
        // rename is atomic; over an existing blob it swaps in identical content, so each digest is stored once.
        await rename(file, this.store.path(digest));
      });
      await inBatches([...shards.keys()], (shard) => syncPath(join(this.store.blobDir, shard)));
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /** Deletes everything staged in this batch; safe to call more than once and after commit. */
  async discard(): Promise<void> {
    this.closed = true;
    await this.settle().catch(() => undefined);
    for (const writer of this.writers) await writer.abort();
    this.writers.clear();
    this.staged.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Writes one staged blob while hashing it. Content up to {@link SMALL_BLOB_BYTES} is held in
 * memory and written in the background when the blob is finished; larger content streams to disk.
 */
export class StagedBlobWriter {
  private readonly batch: BlobBatch;
  private readonly file: string;
  private handle: FileHandle | null = null;
  private buffered: Buffer[] | null = [];
  private bufferedBytes = 0;
  private done = false;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;

  constructor(batch: BlobBatch, file: string) {
    this.batch = batch;
    this.file = file;
  }

  /** Appends bytes. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw new Error('staged blob writer is closed');
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    if (this.buffered) {
      this.buffered.push(Buffer.from(chunk));
      this.bufferedBytes += chunk.byteLength;
      if (this.bufferedBytes <= SMALL_BLOB_BYTES) return;
      const held = Buffer.concat(this.buffered);
      this.buffered = null;
      this.handle = await open(this.file, 'wx', FILE_MODE);
      await writeAll(this.handle, held);
      return;
    }
    await writeAll(this.handle as FileHandle, chunk);
  }

  /**
   * Returns the blob's digest and size; the file is written (when small), closed and recorded in
   * the background, and the batch's commit waits for it (and flushes it to disk).
   */
  async finish(): Promise<StagedBlob> {
    if (this.done) throw new Error('staged blob writer is closed');
    this.done = true;
    const sha256 = this.hash.digest('hex');
    const held = this.buffered ? Buffer.concat(this.buffered) : null;
    this.buffered = null;
    const flush = async (): Promise<void> => {
      const handle = this.handle ?? await open(this.file, 'wx', FILE_MODE);
      this.handle = null;
      try {
        if (held) await writeAll(handle, held);
      } finally {
        await handle.close();
      }
      await this.batch.adopt(this, this.file, sha256);
    };
    await this.batch.defer(flush());
    return { sha256, size: this.size };
  }

  /** Closes and deletes the partial file. */
  async abort(): Promise<void> {
    this.done = true;
    this.buffered = null;
    const handle = this.handle;
    this.handle = null;
    this.batch.release(this);
    if (handle) await handle.close().catch(() => undefined);
    await rm(this.file, { force: true });
  }
}

/** Runs `fn` over `items`, {@link COMMIT_CONCURRENCY} at a time. */
async function inBatches<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += COMMIT_CONCURRENCY) {
    await Promise.all(items.slice(i, i + COMMIT_CONCURRENCY).map(fn));
  }
}

/** Flushes a file's or directory's content to disk. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}
