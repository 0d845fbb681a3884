/**
 * Streaming a blob to a file in bounded memory: each chunk is hashed and written before the next
 * is read, the size is checked as bytes arrive, and the file appears at its destination only
 * once complete and verified (temp file + rename). A dropped transfer resumes with a Range
 * request when the server answers 206, and starts over when it answers 200.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Response } from 'undici';
import { KilnError } from '../../errors/errors.ts';
import type { Descriptor } from '../oci-types.ts';
import { hasherFor, parseDigest } from './digest.ts';
import { describeNetworkError, isRetryableNetworkError } from './network-errors.ts';
import { digestMismatch, registryUnreachable, unsupportedManifest } from './registry-errors.ts';
import { discard } from './registry-transport.ts';

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
  openAt(offset: number): Promise<Response>;
  /** Waits before retry number `attempt`. */
  backoff(attempt: number): Promise<void>;
}

/** A body that ended cleanly but early. */
class ShortBody extends Error {}

/** The first byte a 206 response covers, from its Content-Range. */
function rangeStart(res: Response): number | undefined {
  const m = /^bytes\s+(\d+)-/i.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Downloads and verifies one blob into `req.dest`; on failure nothing is left at `dest` or beside it. */
export async function downloadBlobToFile(req: BlobDownloadRequest): Promise<void> {
  const { desc } = req;
  const digest = parseDigest(desc.digest, req.what);
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw unsupportedManifest(req.what, `the descriptor's size ${JSON.stringify(desc.size)} is not a byte count`);
  }
  await mkdir(dirname(req.dest), { recursive: true });
  const tmp = join(dirname(req.dest), `.${basename(req.dest)}.${randomBytes(6).toString('hex')}.partial`);
  const fh = await open(tmp, 'w');
  let closed = false;
  let done = false;
  try {
    let hash = hasherFor(digest);
    let written = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await req.openAt(written);
        const start = res.status === 206 ? rangeStart(res) : 0;
        if (start !== written) {
          if (res.status !== 200 && start !== 0) {
            await discard(res);
            throw registryUnreachable(req.registry, `it answered a range request for ${desc.digest} with the wrong range`);
          }
          // The server sent the blob from the start: begin again.
          hash = hasherFor(digest);
          written = 0;
          await fh.truncate(0);
        }
        if (res.body) {
          for await (const chunk of res.body) {
            if (written + chunk.length > desc.size) {
              await discard(res);
              throw digestMismatch(req.what, `the registry sent more than the ${desc.size} bytes its descriptor gives`);
            }
            hash.update(chunk);
            await fh.write(chunk, 0, chunk.length, written);
            written += chunk.length;
          }
        }
        if (written < desc.size) throw new ShortBody(`the transfer ended after ${written} of ${desc.size} bytes`);
        break;
      } catch (e) {
        if (e instanceof KilnError) throw e;
        const retryable = e instanceof ShortBody || isRetryableNetworkError(e);
        const cause = e instanceof ShortBody ? e.message : describeNetworkError(e, req.timeoutMs);
        if (!retryable || attempt >= req.attempts) {
          throw registryUnreachable(req.registry, `downloading ${desc.digest} failed after ${attempt} attempt${attempt > 1 ? 's' : ''}: ${cause}`);
        }
        await req.backoff(attempt);
      }
    }
    const got = hash.digest('hex');
    if (got !== digest.hex) throw digestMismatch(req.what, `expected ${desc.digest}, received ${digest.algorithm}:${got}`);
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, req.dest);
    done = true;
  } finally {
    if (!closed) await fh.close().catch(() => undefined);
    if (!done) await rm(tmp, { force: true }).catch(() => undefined);
  }
}
