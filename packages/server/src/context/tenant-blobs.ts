/**
 * Which stored blobs each tenant has uploaded itself. The blob store is shared and deduplicated,
 * so "is this content stored?" must never be answered across tenants: a tenant learns that a
 * blob is present only when it uploaded that content before. Each (tenant, blob) pair is an
 * empty marker file under `${dataDir}/blobs/owners/<tenant key>/<ab>/<digest>`.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from './blob-store.ts';

const DIGEST_HEX = /^[0-9a-f]{64}$/;
const DIR_MODE = 0o700;

/** Marker files written or checked at once. */
const CONCURRENCY = 64;

/** The blobs each tenant has uploaded, over a blob store. */
export class TenantBlobs {
  private readonly blobs: BlobStore;
  /** Where the markers live: `${blobs.root}/owners`. */
  readonly root: string;

  constructor(blobs: BlobStore) {
    this.blobs = blobs;
    this.root = join(blobs.root, 'owners');
  }

  /** The marker path of one (tenant, digest) pair; the tenant id is hashed, so any id is a safe name. */
  private marker(tenantId: string, digest: string): string {
    if (!DIGEST_HEX.test(digest)) throw new RangeError(`not a sha256 hex digest: ${JSON.stringify(digest)}`);
    const tenant = createHash('sha256').update(tenantId).digest('hex').slice(0, 32);
    return join(this.root, tenant, digest.slice(0, 2), digest);
  }

  /** Records that the tenant uploaded these blobs (already stored in the blob store). */
  async record(tenantId: string, digests: Iterable<string>): Promise<void> {
    const made = new Map<string, Promise<unknown>>();
    await forEachLimited([...new Set(digests)], async (digest) => {
      const file = this.marker(tenantId, digest);
      const dir = join(file, '..');
      if (!made.has(dir)) made.set(dir, mkdir(dir, { recursive: true, mode: DIR_MODE }));
      await made.get(dir);
      await writeFile(file, '', { flag: 'w', mode: 0o600 });
    });
  }

  /** Whether the tenant uploaded this blob and the blob store still holds it. */
  async has(tenantId: string, digest: string): Promise<boolean> {
    if (!DIGEST_HEX.test(digest)) return false;
    try {
      await access(this.marker(tenantId, digest));
    } catch {
      return false;
    }
    return this.blobs.has(digest);
  }

  /** The digests of `digests` (deduplicated, in order) that the tenant cannot use without uploading them. */
  async missing(tenantId: string, digests: readonly string[]): Promise<string[]> {
    const unique = [...new Set(digests)];
    const present = new Set<string>();
    await forEachLimited(unique, async (digest) => {
      if (await this.has(tenantId, digest)) present.add(digest);
    });
    return unique.filter((d) => !present.has(d));
  }
}

/** Runs `fn` over `items`, {@link CONCURRENCY} at a time. */
async function forEachLimited<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) {
    await Promise.all(items.slice(i, i + CONCURRENCY).map(fn));
  }
}
