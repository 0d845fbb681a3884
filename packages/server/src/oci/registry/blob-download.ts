/**
 * Streaming a blob to a file in bounded memory: each chunk is hashed and written as it arrives,
 * the size is checked as bytes arrive, and the file appears at its destination only once
 * complete and verified (temp file + rename). A dropped transfer resumes with a Range request;
 * when the server answers 200 instead of 206, the bytes already received are skipped. The bytes
 * can be read while they download ({@link BlobStream.chunks}), so that a layer is applied as it
 * arrives; the stream then ends only after the digest has been verified.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { KilnError } from '../../errors/errors.ts';
import type { Descriptor } from '../oci-types.ts';
import { hasherFor, parseDigest } from './digest.ts';
import { describeNetworkError, isRetryableNetworkError } from './network-errors.ts';
import { digestMismatch, registryUnreachable, unsupportedManifest } from './registry-errors.ts';
import { discard, type RegistryResponse } from './registry-transport.ts';

/** What one download needs from the client. */
export interface BlobDownloadRequest {
  desc: Descriptor;
  dest: string;
  /** Names the blob in messages, e.g. `Blob sha256:… of 127.0.0.1:5000/kiln/busybox`. */
  what: string;
  /** Registry name for messages. */
  registry: string;
  /** Attempts for a transfer that breaks off. */
  attempts: number;
  /** Milliseconds without progress before a transfer counts as stalled (for messages). */
  timeoutMs: number;
  /** Opens the blob from `offset` (a Range request when above 0); resolves only to a 200 or 206 response. */
  openAt(offset: number): Promise<RegistryResponse>;
  /** Waits before retry number `attempt`. */
  backoff(attempt: number): Promise<void>;
}

/** A body that ended cleanly but early. */
class ShortBody extends Error {}

/** The first byte a 206 response covers, from its Content-Range. */
function rangeStart(res: RegistryResponse): number | undefined {
  const m = /^bytes\s+(\d+)-/i.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * One blob download. Read its bytes with {@link chunks} while it runs (at most once), then call
 * {@link finish}, which reads whatever the reader left, verifies the digest and puts the file in
 * place; or {@link cancel} it. On failure nothing is left at `dest` or beside it.
 */
export class BlobStream {
  private readonly req: BlobDownloadRequest;
  private readonly run: AsyncGenerator<Uint8Array>;
  private settled: Promise<void> | undefined;
  /** What stopped the download while the reader read, thrown again by {@link finish}. */
  private failure: { error: unknown } | undefined;
  private cancelled = false;
  /** The response being read, destroyed by {@link cancel}. */
  private body: RegistryResponse['body'] | undefined;

  constructor(req: BlobDownloadRequest) {
    this.req = req;
    this.run = this.transfer();
  }

  /**
   * The blob's bytes in order, each hashed and on its way to the file. The last read throws
   * `digest_mismatch` when the bytes do not match the descriptor. Stopping early does not stop
   * the download: {@link finish} completes it.
   */
  chunks(): AsyncIterable<Uint8Array> {
    const run = this.run;
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => run.next().catch((error: unknown) => {
          this.failure ??= { error };
          throw error;
        }),
        return: async () => ({ done: true, value: undefined }),
      }),
    };
  }

  /** Downloads what the reader did not read, verifies it and moves the file to `dest`; throws as the download failed. */
  finish(): Promise<void> {
    this.settled ??= (async () => {
      if (this.failure) throw this.failure.error;
      for (;;) {
        const next = await this.run.next();
        if (next.done) return;
      }
    })();
    return this.settled;
  }

  /** Stops the download and removes its temp file. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.body?.destroy();
    if (this.settled) {
      await this.settled.catch(() => undefined);
      return;
    }
    this.settled = Promise.resolve();
    await this.run.return(undefined).catch(() => undefined);
  }

  private async *transfer(): AsyncGenerator<Uint8Array> {
    const { req } = this;
    const { desc } = req;
    const digest = parseDigest(desc.digest, req.what);
    if (!Number.isSafeInteger(desc.size) || desc.size < 0) {
      throw unsupportedManifest(req.what, `the descriptor's size ${JSON.stringify(desc.size)} is not a byte count`);
    }
    await mkdir(dirname(req.dest), { recursive: true });
    const tmp = join(dirname(req.dest), `.${basename(req.dest)}.${randomBytes(6).toString('hex')}.partial`);
    const fh: FileHandle = await open(tmp, 'w');
    let closed = false;
    let done = false;
    // One file write runs while the reader handles the chunk it was for.
    let writing: Promise<unknown> = Promise.resolve();
    try {
      const hash = hasherFor(digest);
      let received = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          if (this.cancelled) throw new KilnError('build_cancelled', 'The download was stopped.', { phase: 'preparing' });
          const res = await req.openAt(received);
          this.body = res.body;
          const start = res.status === 206 ? rangeStart(res) : 0;
          // Bytes of this response that were already received (a server that ignored Range).
          let skip = 0;
          if (start !== received) {
            if (res.status !== 200 && start !== 0) {
              await discard(res);
              throw registryUnreachable(req.registry, `it answered a range request for ${desc.digest} with the wrong range`);
            }
            skip = received;
          }
          for await (const data of res.body as AsyncIterable<Buffer>) {
            let chunk = data;
            if (skip > 0) {
              if (chunk.length <= skip) {
                skip -= chunk.length;
                continue;
              }
              chunk = chunk.subarray(skip);
              skip = 0;
            }
            if (received + chunk.length > desc.size) {
              await discard(res);
              throw digestMismatch(req.what, `the registry sent more than the ${desc.size} bytes its descriptor gives`);
            }
            hash.update(chunk);
            await writing;
            writing = fh.write(chunk, 0, chunk.length, received);
            // Awaited before the next write; marked as handled while the reader holds the chunk.
            writing.catch(() => undefined);
            received += chunk.length;
            yield chunk;
          }
          if (received < desc.size) throw new ShortBody(`the transfer ended after ${received} of ${desc.size} bytes`);
          break;
        } catch (e) {
          if (e instanceof KilnError) throw e;
          if (this.cancelled) throw new KilnError('build_cancelled', 'The download was stopped.', { phase: 'preparing' });
          const retryable = e instanceof ShortBody || isRetryableNetworkError(e);
          const cause = e instanceof ShortBody ? e.message : describeNetworkError(e, req.timeoutMs);
          if (!retryable || attempt >= req.attempts) {
            throw registryUnreachable(req.registry, `downloading ${desc.digest} failed after ${attempt} attempt${attempt > 1 ? 's' : ''}: ${cause}`);
          }
          await req.backoff(attempt);
        }
      }
      await writing;
      const got = hash.digest('hex');
      if (got !== digest.hex) throw digestMismatch(req.what, `expected ${desc.digest}, received ${digest.algorithm}:${got}`);
      await fh.sync();
      await fh.close();
      closed = true;
      await rename(tmp, req.dest);
      done = true;
    } finally {
      await writing.catch(() => undefined);
      if (!closed) await fh.close().catch(() => undefined);
      if (!done) await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}

/** Downloads and verifies one blob into `req.dest`; on failure nothing is left at `dest` or beside it. */
export function downloadBlobToFile(req: BlobDownloadRequest): Promise<void> {
  return new BlobStream(req).finish();
}
