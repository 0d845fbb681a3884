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
    const handle = await open(file, 'wx', FILE_MODE);
    const writer = new StagedBlobWriter(this, file, handle);
    this.writers.add(writer);
    return writer;
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

  /** Digests staged so far. */
  digests(): string[] {
    return [...this.staged.keys()];
  }

  /** The staged file of a digest, readable until the batch is committed or discarded. */
  stagedPath(digest: string): string | undefined {
    return this.staged.get(digest);
  }

  /**
   * Moves staged blobs into the store by rename; with `keep`, blobs whose digest it lacks are
   * deleted instead. A blob already stored is kept as it is and the staged copy deleted.
   */
  async commit(keep?: ReadonlySet<string>): Promise<void> {
    if (this.closed) throw new Error('blob batch is already committed or discarded');
    if (this.writers.size > 0) throw new Error('blob batch has unfinished writers');
    this.closed = true;
    try {
      for (const [digest, file] of this.staged) {
        if (keep && !keep.has(digest)) continue;
        const target = this.store.path(digest);
        if (await this.store.has(digest)) continue;
        await mkdir(join(this.store.blobDir, digest.slice(0, 2)), { recursive: true, mode: DIR_MODE });
        await rename(file, target);
      }
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /** Deletes everything staged in this batch; safe to call more than once and after commit. */
  async discard(): Promise<void> {
    this.closed = true;
    for (const writer of this.writers) await writer.abort();
    this.writers.clear();
    this.staged.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Writes one staged blob while hashing it. */
export class StagedBlobWriter {
  private readonly batch: BlobBatch;
  private readonly file: string;
  private handle: FileHandle | null;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;

  constructor(batch: BlobBatch, file: string, handle: FileHandle) {
    this.batch = batch;
    this.file = file;
    this.handle = handle;
  }

  /** Appends bytes. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.handle) throw new Error('staged blob writer is closed');
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
  }

  /** Flushes and closes the file and returns the blob's digest and size. */
  async finish(): Promise<StagedBlob> {
    if (!this.handle) throw new Error('staged blob writer is closed');
    const handle = this.handle;
    this.handle = null;
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    const sha256 = this.hash.digest('hex');
    await this.batch.adopt(this, this.file, sha256);
    return { sha256, size: this.size };
  }

  /** Closes and deletes the partial file. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    this.batch.release(this);
    if (handle) await handle.close().catch(() => undefined);
    await rm(this.file, { force: true });
  }
}
